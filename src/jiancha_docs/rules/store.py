"""The search engine (whoosh) and the Chinese tokenizer (jieba): the only module importing either.

Everything else speaks in plain words and dataclasses (``QueryPlan``, ``RawHit``), so either
library can be replaced here alone.

Tokenizing. Text is cut by jieba's dictionary (HMM off, so a cut depends on the dictionary alone)
extended with the domain dictionary. Each word takes one position; the dictionary words inside a
long word (谈话 and 函询 inside 谈话函询) are indexed at the same position as their parent, so a
query for a part still finds the whole while a quoted phrase, cut the same way, lines up with the
positions of the text (the stock jieba analyzer numbers the parts as extra positions, which breaks
phrase queries).

Fast queries in a fresh process. Loading jieba's full dictionary takes about a second. At index
time we keep every dictionary word that occurs anywhere in the indexed text (every edge of jieba's
word graph), plus the domain words, with their frequencies and the full dictionary's total, in a
small marshal file in the index. A query is cut with a jieba tokenizer over that small dictionary:
on any text drawn from the index it makes the same cuts as the full dictionary, in milliseconds.
"""

from __future__ import annotations

import logging
import marshal
import re
import struct
import sys
import unicodedata
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import analysis as _wa

from .errors import IndexCorrupt

ENGINE = "whoosh+jieba/1"
WHOOSH_DIR = "whoosh"
QUERY_DICT = "query.dict"

_WORD_CHAR = re.compile(r"\w")


# -- jieba -------------------------------------------------------------------------------------
def _jieba() -> Any:
    """Import jieba quietly: its logger speaks English on stderr, and its optional use of
    pkg_resources costs 70 ms and a DeprecationWarning, so we make that import fail over to the
    plain-file fallback jieba already has."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import jieba
    finally:
        if block:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


def normalize(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower()


class Segmenter:
    """Cuts text into indexed terms. ``vocabulary`` collects every dictionary word met, when set."""

    def __init__(self, tokenizer: Any) -> None:
        jieba = _jieba()
        self.tk = tokenizer
        self.freq: dict[str, int] = tokenizer.FREQ
        self._re_han = jieba.re_han_default
        self._re_eng = jieba.re_eng
        self.vocabulary: set[str] | None = None

    # the cut -----------------------------------------------------------------------------------
    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Main words with their character offsets; punctuation and spaces dropped."""
        out: list[tuple[str, int, int]] = []
        offset = 0
        for block in self._re_han.split(text):
            if not block:
                continue
            if self._re_han.match(block):
                for word in self._cut_block(block):
                    end = offset + len(word)
                    out.append((word, offset, end))
                    offset = end
            else:
                for ch in block:
                    if _WORD_CHAR.match(ch):
                        out.append((ch, offset, offset + 1))
                    offset += 1
        return out

    def _cut_block(self, block: str) -> Iterator[str]:
        tk = self.tk
        dag = tk.get_DAG(block)
        route: dict[int, tuple[float, int]] = {}
        tk.calc(block, dag, route)
        vocabulary = self.vocabulary
        if vocabulary is not None:
            freq = self.freq
            for start, ends in dag.items():
                for end in ends:
                    word = block[start : end + 1]
                    if freq.get(word):
                        vocabulary.add(word)
        x, n, buffer = 0, len(block), ""
        while x < n:
            y = route[x][1] + 1
            word = block[x:y]
            if len(word) == 1 and self._re_eng.match(word):
                buffer += word  # letters and digits run together: 15, GB, 2024
            else:
                if buffer:
                    yield buffer
                    buffer = ""
                yield word
            x = y
        if buffer:
            yield buffer

    def parts(self, word: str) -> list[str]:
        """Dictionary words inside a longer word (谈话函询 → 谈话, 函询)."""
        if len(word) < 3:
            return []
        freq = self.freq
        found = []
        for size in range(2, len(word)):
            for i in range(len(word) - size + 1):
                piece = word[i : i + size]
                if freq.get(piece):
                    found.append(piece)
        return found

    def analyze(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """(term, position, start, end) for indexing: words plus their parts at the same position."""
        for position, (word, start, end) in enumerate(self.words(text)):
            term = normalize(word)
            yield term, position, start, end
            for part in self.parts(word):
                yield normalize(part), position, start, end

    def terms(self, text: str) -> list[str]:
        """The query-side cut: one term per position, as the index numbers them."""
        return [normalize(w) for w, _, _ in self.words(text)]

    def add_word(self, word: str, freq: int | None = None) -> None:
        self.tk.add_word(word, freq)


def index_segmenter(words: dict[str, int | None]) -> Segmenter:
    """jieba's full dictionary plus the domain words (about a second; index time only)."""
    jieba = _jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq in words.items():
        tokenizer.add_word(word, freq)
    return Segmenter(tokenizer)


def write_query_dictionary(path: Path, segmenter: Segmenter, words: Iterable[str]) -> int:
    """The small dictionary for queries: the given words with every prefix, as jieba keeps them."""
    full = segmenter.freq
    small: dict[str, int] = {}
    for word in words:
        if not full.get(word):
            continue
        small[word] = full[word]
        for i in range(1, len(word)):
            prefix = word[:i]
            if prefix not in small:
                small[prefix] = full.get(prefix, 0)
    data = {"engine": ENGINE, "total": segmenter.tk.total, "freq": small}
    path.write_bytes(marshal.dumps(data))
    return len(small)


def query_segmenter(generation: Path) -> Segmenter:
    path = generation / QUERY_DICT
    try:
        data = marshal.loads(path.read_bytes())
        freq, total = data["freq"], data["total"]
    except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
        raise IndexCorrupt(f"法规索引已损坏：无法读取查询词典 {path}") from e
    jieba = _jieba()
    tokenizer = jieba.Tokenizer()
    # the same state jieba's initialize() would build from a dictionary file, without the file
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
    return Segmenter(tokenizer)


# -- whoosh analysis ---------------------------------------------------------------------------
class ArticleTokenizer(_wa.Tokenizer):
    """whoosh's view of ``Segmenter.analyze``; used while writing (queries are built as terms).

    The schema stores the tokenizer without a segmenter; ``IndexWriter`` hands it the one it
    writes with (``segmenter``), so no module state is shared between two writers."""

    segmenter: Segmenter | None = None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "segmenter"}

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        if self.segmenter is None:
            raise RuntimeError("ArticleTokenizer used without an index segmenter")
        token = _wa.Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term, position, start, end in self.segmenter.analyze(value):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def _schema() -> Any:
    from whoosh import fields

    analyzer = ArticleTokenizer()
    return fields.Schema(
        uid=fields.ID(unique=True, stored=True),
        source=fields.ID(stored=True),
        reg=fields.ID(stored=True),
        status=fields.ID(stored=True),
        category=fields.ID(stored=True),
        body=fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        context=fields.TEXT(analyzer=analyzer, phrase=False),
        title=fields.STORED(),
        label=fields.STORED(),
        chapter=fields.STORED(),
        number=fields.STORED(),
        sub=fields.STORED(),
        order=fields.STORED(),
    )


@dataclass
class ArticleDoc:
    uid: str
    source: str
    reg: str
    status: str
    category: str
    title: str
    label: str
    chapter: str
    number: int
    sub: int
    order: int
    body: str
    context: str


class IndexWriter:
    """Writes one generation's engine files: a fresh index, or a copy of the previous one."""

    def __init__(self, generation: Path, segmenter: Segmenter, base: Path | None = None) -> None:
        from whoosh import index

        self.generation = generation
        self.segmenter = segmenter
        target = generation / WHOOSH_DIR
        if base is not None:
            import shutil

            shutil.copytree(base / WHOOSH_DIR, target)
            self.ix = index.open_dir(str(target))
        else:
            target.mkdir(parents=True)
            self.ix = index.create_in(str(target), _schema())
        self.writer = self.ix.writer(limitmb=128)
        for name in ("body", "context"):
            self.writer.schema[name].analyzer.segmenter = segmenter

    def delete_source(self, source: str) -> None:
        self.writer.delete_by_term("source", source)

    def add(self, doc: ArticleDoc, vocabulary: set[str]) -> None:
        self.segmenter.vocabulary = vocabulary
        try:
            self.writer.add_document(**doc.__dict__)
        finally:
            self.segmenter.vocabulary = None

    def commit(self) -> None:
        try:
            self.writer.commit()
        finally:
            self.ix.close()

    def cancel(self) -> None:
        try:
            self.writer.cancel()
        finally:
            self.ix.close()


# -- searching ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Alternative:
    """One way to match a concept: a term, or several terms in a row (a phrase)."""

    terms: tuple[str, ...]
    weight: float = 1.0


@dataclass
class Unit:
    """A concept of the query: any of its alternatives matches it."""

    alternatives: list[Alternative]
    boost: float = 1.0
    headings: bool = True  # may also match the title and chapter headings (a quoted phrase may not)


@dataclass
class QueryPlan:
    must: list[Unit] = field(default_factory=list)
    should: list[Unit] = field(default_factory=list)
    must_not: list[Unit] = field(default_factory=list)
    regs: tuple[str, ...] = ()  # restrict to these regulations
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass
class RawHit:
    uid: str
    reg: str
    title: str
    label: str
    chapter: str
    status: str
    category: str
    number: int
    sub: int
    order: int
    body: str
    score: float


BODY_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.5
TIEBREAK = 0.2
BM25_B = 0.75  # the usual default: long articles (long lists of items) are not favoured
BM25_K1 = 1.2


class Reader:
    """An open generation: a whoosh searcher and the query tokenizer."""

    def __init__(self, generation: Path) -> None:
        from whoosh import index, scoring

        self.generation = generation
        try:
            self.ix = index.open_dir(str(generation / WHOOSH_DIR))
            self.searcher = self.ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
        except Exception as e:  # whoosh raises many kinds on damaged files
            raise IndexCorrupt(f"法规索引已损坏：检索文件{_damage(e)}") from e
        self._segmenter: Segmenter | None = None

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = query_segmenter(self.generation)
        return self._segmenter

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    def idf(self, term: str) -> float:
        import math

        n = max(self.searcher.doc_count(), 1)
        df = self.searcher.doc_frequency("body", term)
        return math.log(1 + n / (df + 0.5))

    def known(self, term: str) -> bool:
        return (
            self.searcher.doc_frequency("body", term) > 0 or self.searcher.doc_frequency("context", term) > 0
        )

    def search(self, plan: QueryPlan, limit: int) -> list[RawHit]:
        from whoosh import query as q

        def alternative(alt: Alternative, fieldname: str, boost: float) -> Any:
            if len(alt.terms) == 1:
                return q.Term(fieldname, alt.terms[0], boost=boost * alt.weight)
            if fieldname == "body":
                return q.Phrase(fieldname, list(alt.terms), boost=boost * alt.weight)
            return q.And([q.Term(fieldname, t) for t in alt.terms], boost=boost * alt.weight)

        def best(parts: list[Any]) -> Any:
            # the best alternative counts, not their sum: synonyms must not outweigh the word
            return q.DisjunctionMax(parts, tiebreak=TIEBREAK) if len(parts) > 1 else parts[0]

        def unit(u: Unit, context: bool = True) -> Any:
            body = best([alternative(a, "body", BODY_WEIGHT * u.boost) for a in u.alternatives])
            if not (context and u.headings) or not CONTEXT_WEIGHT:
                return body
            heading = best([alternative(a, "context", CONTEXT_WEIGHT * u.boost) for a in u.alternatives])
            return q.Or([body, heading])

        should = [unit(u) for u in plan.should]
        if plan.must:
            main: Any = q.And([unit(u) for u in plan.must])
            if should:
                main = q.AndMaybe(main, q.Or(should))
        elif should:
            main = q.Or(should)
        else:
            return []
        if plan.must_not:
            main = q.AndNot(main, q.Or([unit(u) for u in plan.must_not]))
        filters = []
        for name, values in (("reg", plan.regs), ("status", plan.statuses), ("category", plan.categories)):
            if values:
                filters.append(q.Or([q.Term(name, v) for v in values]))
        flt = q.And(filters) if filters else None
        try:
            results = self.searcher.search(main, limit=limit, filter=flt)
            return [_raw_hit(hit) for hit in results]
        except (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error) as e:
            raise IndexCorrupt(f"法规索引已损坏：检索时出错（检索文件{_damage(e)}）") from e


def _raw_hit(hit: Any) -> RawHit:
    fields = hit.fields()
    return RawHit(
        uid=fields["uid"],
        reg=fields["reg"],
        title=fields["title"],
        label=fields["label"],
        chapter=fields.get("chapter", ""),
        status=fields.get("status", ""),
        category=fields.get("category", ""),
        number=fields.get("number", 0),
        sub=fields.get("sub", 0),
        order=fields.get("order", 0),
        body=fields.get("body", ""),
        score=float(hit.score or 0.0),
    )


def _damage(error: Exception) -> str:
    """What a failure while opening or reading the search files says about them, in Chinese."""
    if isinstance(error, FileNotFoundError):
        return "缺失"
    if isinstance(error, OSError):
        return "无法读取"
    return "内容无效"
