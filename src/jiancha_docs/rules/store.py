"""The search engine and the Chinese tokenizer (jieba): the only module importing jieba.

Everything else speaks in plain words and dataclasses (``QueryPlan``, ``RawHit``), so the
tokenizer or the engine can be replaced here alone.

Tokenizing. Text is cut by jieba's dictionary (HMM off, so a cut depends on the dictionary alone)
extended with the domain dictionary. Each word takes one position; the dictionary words inside a
long word (谈话 and 函询 inside 谈话函询) are indexed at the same position as their parent, so a
query for a part still finds the whole while a quoted phrase, cut the same way, lines up with the
positions of the text (the stock jieba analyzer numbers the parts as extra positions, which breaks
phrase queries).

Fast queries in a fresh process. Loading jieba's full dictionary takes about a second. At index
time we keep every dictionary word that occurs anywhere in the indexed text (every edge of jieba's
word graph), plus the domain words, with their frequencies and the full dictionary's total, in a
small marshal file in the index. A query is cut over that small dictionary by the same word graph
and route as jieba's (``Segmenter._route``, without importing jieba): on any text drawn from the
index it makes the same cuts as the full dictionary, in milliseconds.

Answering. Every query is scored from the word index (``words``: postings with whoosh's BM25F
numbers precomputed, field lengths rounded to whoosh's one byte). Optional words add up; required
words (AND, a quoted phrase) must all match; excluded words (NOT) remove an article — the
semantics of whoosh's And, AndMaybe and AndNot over the same terms, which
tests/test_rules_words.py checks against a whoosh index written from the same cut. whoosh's own
index was written beside it until the word index answered everything; writing it cost half of a
full index build, and nothing read it any more.
"""

from __future__ import annotations

import marshal
import math
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IndexCorrupt

ENGINE = "words+jieba/2"
QUERY_DICT = "query.dict"

_WORD_CHAR = re.compile(r"\w")
# jieba's own patterns (re_han_default, re_eng), so that a query is cut without importing jieba
_RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_RE_ENG = re.compile("[a-zA-Z0-9]", re.U)


# -- jieba -------------------------------------------------------------------------------------
def _jieba() -> Any:
    """Import jieba quietly: its logger speaks English on stderr, and its optional use of
    pkg_resources costs 70 ms and a DeprecationWarning, so we make that import fail over to the
    plain-file fallback jieba already has."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    import logging  # here: a question alone never loads jieba, nor the logging it brings

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


class _Dictionary:
    """The query side's prefix dictionary: the state jieba's ``Tokenizer`` keeps (``FREQ``,
    ``total``), all ``Segmenter`` reads, so a search does not import jieba."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self.FREQ, self.total = freq, total

    def add_word(self, word: str, freq: int | None = None) -> None:
        freq = int(freq) if freq else 1
        self.FREQ[word] = freq
        self.total += freq
        for i in range(len(word)):
            self.FREQ.setdefault(word[: i + 1], 0)


class Segmenter:
    """Cuts text into indexed terms. ``vocabulary`` collects every dictionary word met, when set.

    With ``memo`` (index time), each run of letters is cut once however often it occurs (the
    editions of a law share most of their sentences), and ``analysis`` keeps what it is asked
    to keep (headings, the same for every article of a chapter)."""

    def __init__(self, tokenizer: Any, memo: bool = False) -> None:
        self.tk = tokenizer
        self.freq: dict[str, int] = tokenizer.FREQ
        self._re_han = _RE_HAN
        self._re_eng = _RE_ENG
        self.vocabulary: set[str] | None = None
        self._memo: dict[str, tuple[list[str], list[str]]] | None = {} if memo else None
        self._kept: dict[str, tuple[list[tuple[str, int, int, int]], set[str]]] = {}
        self._terms: dict[str, tuple[str, ...]] = {}  # a word's term and its parts' (with memo)

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

    def _cut_block(self, block: str) -> Iterable[str]:
        memo = self._memo
        if memo is None:
            return self._cut(block, self.vocabulary)
        found = memo.get(block)
        if found is None:
            met: set[str] = set()
            found = memo[block] = (list(self._cut(block, met)), list(met))
        if self.vocabulary is not None:
            self.vocabulary.update(found[1])
        return found[0]

    def _route(self, block: str, vocabulary: set[str] | None) -> list[tuple[float, int]]:
        """jieba's word graph (``get_DAG``) and best route (``calc``) in one pass, the same
        numbers in the same order (so the same cut), without a generator per character; every
        dictionary word of the graph goes into ``vocabulary``."""
        freq = self.freq
        log = math.log
        n = len(block)
        logtotal = log(self.tk.total)
        dag: list[list[int]] = []
        for k in range(n):
            ends = []
            i = k
            frag = block[k]
            while i < n and frag in freq:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = block[k : i + 1]
            if not ends:
                ends.append(k)
            elif vocabulary is not None:
                vocabulary.update([block[k : e + 1] for e in ends])
            dag.append(ends)
        route: list[tuple[float, int]] = [(0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best = None
            for x in dag[idx]:
                step = (log(freq.get(block[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x)
                if best is None or step > best:
                    best = step
            route[idx] = best  # type: ignore[assignment]
        return route

    def _cut(self, block: str, vocabulary: set[str] | None) -> Iterator[str]:
        route = self._route(block, vocabulary)
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
        terms = self._terms
        for position, (word, start, end) in enumerate(self.words(text)):
            found = terms.get(word)
            if found is None:
                found = (normalize(word), *(normalize(part) for part in self.parts(word)))
                if self._memo is not None:
                    terms[word] = found
            for term in found:
                yield term, position, start, end

    def analysis(self, text: str, keep: bool = False) -> list[tuple[str, int, int, int]]:
        """``analyze`` as a list; with ``keep``, computed once for a text asked again."""
        kept = self._kept.get(text)
        if kept is not None:
            if self.vocabulary is not None:
                self.vocabulary.update(kept[1])
            return kept[0]
        outer = self.vocabulary
        met: set[str] | None = set() if keep and outer is not None else None
        if met is not None:
            self.vocabulary = met
        try:
            tokens = list(self.analyze(text))
        finally:
            self.vocabulary = outer
        if met is not None and outer is not None:
            outer.update(met)
        if keep:
            self._kept[text] = (tokens, met or set())
        return tokens

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
    return Segmenter(tokenizer, memo=True)


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
    from array import array

    # one string and one array rather than a dict: a fresh process loads it in a millisecond
    data = {
        "engine": ENGINE,
        "total": segmenter.tk.total,
        "words": "\n".join(small),
        "freqs": array("q", small.values()).tobytes(),
    }
    path.write_bytes(marshal.dumps(data))
    return len(small)


def query_segmenter(generation: Path) -> Segmenter:
    path = generation / QUERY_DICT
    try:
        from array import array

        data = marshal.loads(path.read_bytes())
        freqs = array("q")
        freqs.frombytes(data["freqs"])
        words = data["words"].split("\n") if data["words"] else []
        freq, total = dict(zip(words, freqs, strict=True)), data["total"]
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise IndexCorrupt(f"法规索引已损坏：无法读取查询词典 {path}") from e
    return Segmenter(_Dictionary(freq, total))


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


def cut_article(segmenter: Segmenter, doc: ArticleDoc, vocabulary: set[str]) -> tuple[Any, ...]:
    """One article cut for the word index (``words.record``): its text and its headings (the
    headings, the same for every article of a chapter, are cut once); every dictionary word met
    goes into ``vocabulary``."""
    from .words import record

    segmenter.vocabulary = vocabulary
    try:
        context = segmenter.analysis(doc.context, keep=True)
        body = segmenter.analysis(doc.body)
    finally:
        segmenter.vocabulary = None
    return record(body, context)


def write_words(path: Path, records: Iterable[tuple[Any, ...]]) -> int:
    """The word index (``words``) with whoosh's BM25F scores and its one-byte field lengths."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    from . import words

    return words.write(path, records, BM25_B, BM25_K1, lambda n: byte_to_length(length_to_byte(n)))


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
BM25_B = 0.75  # the usual default: long articles (long lists of items) are not favoured
BM25_K1 = 1.2


class Reader:
    """An open generation: the word index and the query tokenizer (each opened on first use).

    ``docs`` gives the stored articles in the order the word index numbers them (the bigram
    index's ``docs``)."""

    def __init__(self, generation: Path, docs: Callable[[], Sequence[Any]]) -> None:
        self.generation = generation
        self._docs = docs
        self._words: Any = None
        self._segmenter: Segmenter | None = None

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = query_segmenter(self.generation)
        return self._segmenter

    @property
    def words(self) -> Any:
        """The word index (``words.WordIndex``)."""
        if self._words is None:
            from .words import WORDS, WordIndex

            words = WordIndex(self.generation / WORDS)
            if words.n != len(self._docs()):
                raise IndexCorrupt(f"法规索引已损坏：词索引 {WORDS} 与字索引的条文数不一致")
            self._words = words
        return self._words

    def close(self) -> None:
        self._words = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def doc_count(self) -> int:
        return self.words.n

    def idf(self, term: str) -> float:
        n = max(self.words.n, 1)
        df = self.words.doc_frequency("body", term)
        return math.log(1 + n / (df + 0.5))

    def known(self, term: str) -> bool:
        words = self.words
        return words.doc_frequency("body", term) > 0 or words.doc_frequency("context", term) > 0

    def search(self, plan: QueryPlan, limit: int) -> list[RawHit]:
        """The best ``limit`` articles for the plan. With required words, an article must match
        every one and scores their sum plus its optional words'; without, any optional word lets
        it in; an excluded word anywhere (text or headings) leaves it out."""
        if not (plan.must or plan.should):
            return []
        words = self.words
        docs = self._docs()
        allowed = _allowed(docs, plan)
        total: dict[int, float] | None = None
        for unit in plan.must:
            scores = _unit_scores(words, unit)
            if total is None:
                total = scores
            else:
                total = {d: total[d] + scores[d] for d in total.keys() & scores.keys()}
            if not total:
                return []
        required = total is not None
        total = total or {}
        for unit in plan.should:
            for doc, score in _unit_scores(words, unit).items():
                if doc in total or not required:
                    total[doc] = total.get(doc, 0.0) + score
        excluded: set[int] = set()
        for unit in plan.must_not:
            excluded.update(_unit_scores(words, unit))
        if allowed is not None or excluded:
            total = {
                d: v for d, v in total.items() if d not in excluded and (allowed is None or d in allowed)
            }
        best = sorted(total, key=lambda d: (-total[d], d))[:limit]
        return [_stored_hit(docs[d], total[d]) for d in best]


def _allowed(docs: Sequence[Any], plan: QueryPlan) -> set[int] | None:
    """The articles the plan's filters (regulations, statuses, categories) let through."""
    if not (plan.regs or plan.statuses or plan.categories):
        return None
    return {
        i
        for i, d in enumerate(docs)
        if (not plan.regs or d.reg in plan.regs)
        and (not plan.statuses or d.status in plan.statuses)
        and (not plan.categories or d.category in plan.categories)
    }


def _unit_scores(words: Any, unit: Unit) -> dict[int, float]:
    """A concept's score in each article: its best alternative in the text plus, where the
    concept may match headings, its best in the title and chapter."""

    def best(fieldname: str, weight: float) -> dict[int, float]:
        out: dict[int, float] = {}
        for alt in unit.alternatives:
            boost = weight * unit.boost * alt.weight
            if len(alt.terms) == 1:
                found = words.scores(fieldname, alt.terms[0])
            elif fieldname == "body":
                found = words.phrase(alt.terms)
            else:
                found = words.all_of(fieldname, alt.terms)
            for doc, score in found.items():
                score *= boost
                if doc not in out or score > out[doc]:
                    out[doc] = score
        return out

    body = best("body", BODY_WEIGHT)
    if not (unit.headings and CONTEXT_WEIGHT):
        return body
    for doc, score in best("context", CONTEXT_WEIGHT).items():
        body[doc] = body.get(doc, 0.0) + score
    return body


def _stored_hit(doc: Any, score: float) -> RawHit:
    return RawHit(
        uid=doc.uid,
        reg=doc.reg,
        title=doc.title,
        label=doc.label,
        chapter=doc.chapter,
        status=doc.status,
        category=doc.category,
        number=doc.number,
        sub=doc.sub,
        order=doc.order,
        body=doc.body,
        score=score,
    )
