"""Searching the index: a query in → ranked articles with a highlighted snippet out.

A query that is an article reference (监督执纪工作规则第二十九条) goes straight to that article.
Otherwise the words are cut as the index was, question words dropped, synonyms added, names
of regulations in the query turned into a filter, and the engine's ranking adjusted so that a
superseded edition comes after the current one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ReferenceNotFound
from .lexicon import STOPWORDS, Lexicon, load_lexicon
from .library import Entry, Library
from .model import CATEGORIES, STATUSES
from .query import MUST, NOT, SHOULD, parse_query
from .refs import parse_ref, resolve_ref

SUPERSEDED_FACTOR = 0.5
MARK_OPEN, MARK_CLOSE = "【", "】"
SNIPPET_CHARS = 90
SINGLE_CHAR_BOOST = 0.5
LEAD_BONUS = 0.25  # the query's words in an article's first clause: that clause states its subject
COVER_BONUS = 2.0  # share of the query's concepts (by rarity) the article contains
LEAD_CHARS = 40
NEAR_MIN_IDF = 2.5
TERM_MIN_IDF = 2.3
ENGINE_POWER = 0.5  # the engine's score, flattened: coverage and the cues weigh more beside it
PIECES_SHARE = 0.8  # as the engine weighs a compound's parts in a row (store.Alternative)
FETCH = 20  # candidates re-ranked in Python
PART_BOOST = 0.5
NEAR_BONUS = 1.0  # neighbouring query words side by side in the article (by rarity, as COVER_BONUS)
ANSWER_BONUS = 0.2  # the article gives the kind of answer asked for (a list, a length of time)


# What kind of answer a question asks for, and how an article that gives one reads. A question
# asking 哪些/几种 is answered by an article that lists (包括、下列、分为) or defines the thing
# asked about (本规定所称组织处理，是指); one asking 多久 by an article that states a length of
# time (十五个工作日内、一年). The bonus only reorders the candidates the engine found.
_ASKS_LIST = re.compile(r"哪些|哪几|几种|几类|什么(?:方式|情形|内容|措施|程序|条件|事项|种类|形式)")
_ASKS_WHAT = re.compile(r"什么是|是什么|指什么|含义|定义|概念|范围")
_GIVES_LIST = re.compile(r"下列|以下|如下|包括|分为|种类|[:：]\s*[(（]一[)）]")
_DEFINES = re.compile(r"所称[“\"]?([^，,。；;“”\"]{2,14}?)[”\"]?[，,]?(?:一般)?是指")  # text is folded: ，→ ,
_ASKS_TIME = re.compile(r"多久|多长时间|多少天|几天|几日|几个月|几年|什么时候|何时|期限|时限|期间")
_GIVES_TIME = re.compile(r"[0-9一二三四五六七八九十百两半]+个?(?:工作日|日|天|月|年|小时)")
LIST_LEAD_CHARS = 60


def _answer_cue(query: str) -> Any:
    """For the kind of answer the query asks for: a function giving how many shares of
    ANSWER_BONUS an article earns (defining the very thing asked about counts twice), or None."""
    query = fold(query)
    tests: list[tuple[Any, int]] = []
    asks_list, asks_what = _ASKS_LIST.search(query), _ASKS_WHAT.search(query)
    if asks_list:
        tests.append((lambda text: _GIVES_LIST.search(text, 0, LIST_LEAD_CHARS) is not None, 1))
    if asks_list or asks_what:

        def defines(text: str) -> bool:
            match = _DEFINES.search(text, 0, LIST_LEAD_CHARS)
            return match is not None and match.group(1) in query

        tests.append((defines, 2))
    if _ASKS_TIME.search(query):
        tests.append((lambda text: _GIVES_TIME.search(text) is not None, 1))
    if not tests:
        return None
    return lambda text: sum(shares for test, shares in tests if test(text))


@dataclass
class Hit:
    rank: int
    citation: str  # 《标题》第N条
    title: str
    label: str
    chapter: str
    status: str
    category: str
    snippet: str  # 【】 around the matched words
    text: str
    score: float
    number: int
    reg_id: str
    direct: bool = False  # the query named this article

    @property
    def superseded(self) -> bool:
        return self.status != "现行有效"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["superseded"] = self.superseded
        return data


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the search understood, for the user
    terms: list[str] = field(default_factory=list)


@dataclass
class SearchOptions:
    limit: int = 10
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    within: str | None = None  # a title (full or short): search only that regulation


def search(
    library: Library, query: str, options: SearchOptions | None = None, lexicon: Lexicon | None = None
) -> SearchResult:
    options = options or SearchOptions()
    _check_options(options)
    result = SearchResult(query=query)
    regs: list[str] = []
    if options.within:
        entries = library.resolve(options.within)
        if not entries:
            raise ReferenceNotFound(
                f"法规索引中没有《{options.within}》", hint="用 jiancha rules list 查看已编入索引的法规"
            )
        best = entries[0]
        regs = [e.id for e in entries if e.title == best.title]
        result.notes.append(f"只检索《{best.title}》")

    direct = _direct(library, query, options, regs)
    if direct is not None:
        result.hits = [direct]
        result.notes.append("查询是条文引用，直接显示该条")
        return result

    from .store import QueryPlan

    lexicon = lexicon or load_lexicon()
    items = parse_query(query)
    plan = QueryPlan(statuses=options.statuses, categories=options.categories, regs=tuple(regs))
    builder = _PlanBuilder(library, lexicon, plan)
    mentioned: list[Entry] = []
    for item in items:
        text = item.text
        if not item.phrase and item.occur != NOT and not regs:
            for name, entries in library.mentioned(text):
                text = text.replace(name, " ")
                mentioned.extend(entries)
        builder.add(text, item.phrase, item.occur)
    builder.drop_common()
    marked = [t for t in builder.highlight if len(t) > 1] or list(builder.highlight)
    result.terms = sorted(marked, key=len, reverse=True)
    if not (plan.must or plan.should):
        if mentioned:
            # nothing but a title: show the regulation's first articles
            plan.regs = tuple(e.id for e in mentioned)
            for entry in mentioned:
                builder.add(entry.title, False, SHOULD)
        else:
            from .errors import QuerySyntaxError

            raise QuerySyntaxError(f"“{query}”中没有可检索的词", hint="换用具体的词，例如：函询 回复 期限")
    fetch = max(options.limit * 2, FETCH)
    raw = []
    if mentioned and not regs:
        names = "、".join(dict.fromkeys(f"《{e.title}》" for e in mentioned))
        plan.regs = tuple(dict.fromkeys(e.id for e in mentioned))
        raw = library.reader.search(plan, fetch)
        if raw:
            result.notes.append(f"只检索{names}")
        plan.regs = ()
    if not raw:
        raw = library.reader.search(plan, fetch)
    result.hits = _rank(
        library, raw, result.terms, options.limit, builder.concepts, builder.near, _answer_cue(query)
    )
    return result


def _check_options(options: SearchOptions) -> None:
    from .errors import QuerySyntaxError

    if options.limit < 1:
        raise QuerySyntaxError("--limit 应为正整数")
    for status in options.statuses:
        if status not in STATUSES:
            raise QuerySyntaxError(f"状态只能是 {'、'.join(STATUSES)}，不能是“{status}”")
    for category in options.categories:
        if category not in CATEGORIES:
            raise QuerySyntaxError(f"类别只能是 {'、'.join(CATEGORIES)}，不能是“{category}”")


def _direct(library: Library, query: str, options: SearchOptions, regs: list[str]) -> Hit | None:
    ref = parse_ref(query)
    if ref is None or ref.kind != "article":
        return None
    try:
        resolved = resolve_ref(library, ref)
    except ReferenceNotFound:
        if "《" in query:
            raise
        return None
    entry, article = resolved.entry, resolved.articles[0]
    if (options.statuses and entry.status not in options.statuses) or (regs and entry.id not in regs):
        return None
    return _hit(
        1, entry, article.label, " / ".join(article.chapter), article.text, [], 0.0, article.number, True
    )


class _PlanBuilder:
    """Turns query items into the engine's plan: units with synonyms, neighbour boosts."""

    def __init__(self, library: Library, lexicon: Lexicon, plan: Any) -> None:
        self.library = library
        self.lexicon = lexicon
        self.plan = plan
        self.segmenter = library.reader.segmenter
        self.highlight: set[str] = set()
        # surface forms, weight, and the parts of a compound (退回 补充调查), each a sequence
        self.concepts: list[tuple[tuple[str, ...], float, tuple[tuple[str, ...], ...]]] = []
        self._seen: set[tuple[str, str]] = set()
        # neighbouring query words, written together: an article with them side by side is
        # about what the user typed (scored in ``_rank`` on the candidates, not by the engine)
        self.near: list[tuple[str, float]] = []

    def add(self, text: str, phrase: bool, occur: str) -> None:
        from .store import Alternative, Unit

        terms = self.segmenter.terms(text)
        if not terms:
            return
        target = {MUST: self.plan.must, SHOULD: self.plan.should, NOT: self.plan.must_not}[occur]
        if phrase:
            unit = Unit([Alternative(tuple(terms))], headings=False)
            target.append(unit)
            self.highlight.add(_plain(text))
            if occur != NOT:
                self._concept(unit)
            return
        content = []
        reader = self.library.reader
        for term in terms:
            if term in STOPWORDS or not any(ch.isalnum() for ch in term):
                continue
            if not reader.known(term) and not self.lexicon.expansions(term):
                # a word the texts never use (匿名举报): its parts are what can match
                content.extend(p for p in self._cover(term) if p not in STOPWORDS)
                continue
            content.append(term)
        for term in content:
            if (term, occur) in self._seen:
                continue
            self._seen.add((term, occur))
            unit = self._unit(term)
            if unit is None:
                continue
            if len(term) == 1:
                unit.boost = SINGLE_CHAR_BOOST
            target.append(unit)
            if occur != NOT:
                self._concept(unit)
            self.highlight.update("".join(alt.terms) for alt in unit.alternatives)
            # the parts of a compound count on their own, a little (留置期限 → 留置, 期限)
            if occur == SHOULD:
                for part in self._cover(term):
                    if (part, occur) not in self._seen and part not in STOPWORDS:
                        self._seen.add((part, occur))
                        part_unit = self._unit(part)
                        if part_unit is not None:
                            part_unit.boost = PART_BOOST
                            target.append(part_unit)
                            self.highlight.update("".join(a.terms) for a in part_unit.alternatives)
        if occur == SHOULD:
            reader = self.library.reader
            for left, right in zip(content, content[1:], strict=False):
                # a pair with a word found in most articles says nothing about the subject
                if min(reader.idf(left), reader.idf(right)) >= NEAR_MIN_IDF:
                    weight = min(reader.idf(left), reader.idf(right))
                    self.near.append((left + right, weight))

    def drop_common(self) -> None:
        """Leave out optional words found in a large share of the articles (应当, 单位, 情况)
        when at least two rarer words remain: they barely change the ranking and cost the
        most time to score."""
        reader = self.library.reader

        def rarity(unit: Any) -> float:
            return max(max(reader.idf(t) for t in a.terms) for a in unit.alternatives)

        rare = [u for u in self.plan.should if rarity(u) >= TERM_MIN_IDF]
        # a lone character (种, 按) is too weak a word to stand in for the common ones
        if sum(1 for u in rare if _long(u)) >= 2:
            self.plan.should[:] = rare

    def _concept(self, unit: Any) -> None:
        reader = self.library.reader
        if all(len("".join(a.terms)) == 1 for a in unit.alternatives):
            return  # a lone character says little about what an article is about
        forms = tuple("".join(a.terms) for a in unit.alternatives)
        weight = max(reader.idf(a.terms[0]) * a.weight for a in unit.alternatives) * unit.boost
        pieces = tuple(a.terms for a in unit.alternatives if len(a.terms) > 1)
        self.concepts.append((forms, weight, pieces))

    def _unit(self, term: str) -> Any:
        from .store import Alternative, Unit

        alternatives = [Alternative((term,), 1.0)]
        parts = self._cover(term)
        if len(parts) > 1:
            alternatives.append(Alternative(tuple(parts), 0.8))
        for synonym, weight in self.lexicon.expansions(term).items():
            syn_terms = tuple(self.segmenter.terms(synonym))
            if syn_terms and syn_terms != (term,):
                alternatives.append(Alternative(syn_terms, weight))
        reader = self.library.reader
        alternatives = [a for a in alternatives if all(reader.known(t) for t in a.terms)]
        if not alternatives:
            return None
        return Unit(alternatives)

    def _cover(self, term: str) -> list[str]:
        """The dictionary words that together make up a longer word, left to right."""
        parts = self.segmenter.parts(term)
        if not parts:
            return []
        out, i = [], 0
        while i < len(term):
            best = max((p for p in parts if term.startswith(p, i)), key=len, default=None)
            if best is None:
                return []
            out.append(best)
            i += len(best)
        return out


def _saturate(count: int, k: float = 1.2) -> float:
    """BM25's term-frequency curve: 0 for none, 1 for one, approaching 1 + k."""
    return count * (k + 1) / (count + k)


def _covers(text: str, forms: tuple[str, ...], pieces: tuple[tuple[str, ...], ...]) -> float:
    """1 if the article has the concept as written, PIECES_SHARE if it has all the parts of the
    compound apart (退回国家监察委员会补充调查 for 退回补充调查), else 0."""
    if any(f in text for f in forms):
        return 1.0
    if any(all(p in text for p in parts) for parts in pieces):
        return PIECES_SHARE
    return 0.0


def _long(unit: Any) -> bool:
    return any(len("".join(a.terms)) > 1 for a in unit.alternatives)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def _rank(
    library: Library,
    raw: list[Any],
    terms: list[str],
    limit: int,
    concepts: list[tuple[tuple[str, ...], float, tuple[tuple[str, ...], ...]]],
    near: list[tuple[str, float]],
    cue: Any,
) -> list[Hit]:
    scored = []
    total = sum(w for _, w, _ in concepts) or 1.0
    for hit in raw:
        factor = 1.0 if hit.status == "现行有效" else SUPERSEDED_FACTOR
        text = fold(hit.body)
        lead = _lead(text)
        cover = sum(w * _covers(text, forms, pieces) for forms, w, pieces in concepts) / total
        in_lead = sum(w for forms, w, _ in concepts if any(f in lead for f in forms)) / total
        close = sum(w * _saturate(text.count(pair)) for pair, w in near) / total
        hit.score = hit.score**ENGINE_POWER * (
            1 + LEAD_BONUS * in_lead + COVER_BONUS * cover + NEAR_BONUS * close
        )
        if cue is not None:
            hit.score *= 1 + ANSWER_BONUS * cue(text)
        scored.append((hit.score * factor, hit))
    scored.sort(key=lambda pair: -pair[0])
    ordered = [hit for _, hit in scored]
    # an edition that is no longer in force never ranks above the current edition of its article
    for hit in list(ordered):
        if hit.status == "现行有效":
            continue
        entry = library.by_id.get(hit.reg)
        successor = entry.superseded_by if entry else ""
        for j in range(ordered.index(hit) + 1, len(ordered)):
            other = ordered[j]
            if (
                other.status == "现行有效"
                and other.title in (hit.title, successor)
                and other.number == hit.number
            ):
                ordered.insert(ordered.index(hit), ordered.pop(j))
                break
    hits = []
    for rank, hit in enumerate(ordered[:limit], 1):
        entry = library.by_id.get(hit.reg)
        if entry is None:
            continue
        hits.append(_hit(rank, entry, hit.label, hit.chapter, hit.body, terms, hit.score, hit.number, False))
    return hits


def _hit(
    rank: int,
    entry: Entry,
    label: str,
    chapter: str,
    text: str,
    terms: list[str],
    score: float,
    number: int,
    direct: bool,
) -> Hit:
    citation = f"《{entry.title}》{label}" if number else f"《{entry.title}》（{label}）"
    return Hit(
        rank=rank,
        citation=citation,
        title=entry.title,
        label=label,
        chapter=chapter,
        status=entry.status,
        category=entry.category,
        snippet=snippet(text, terms),
        text=text,
        score=round(score, 3),
        number=number,
        reg_id=entry.id,
        direct=direct,
    )


def snippet(text: str, terms: list[str], size: int = SNIPPET_CHARS) -> str:
    """The stretch of ``text`` with the most distinct matched words, each wrapped in 【】."""
    flat = text.replace("\n", " ")
    folded = fold(flat)
    spans: list[tuple[int, int, str]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, term))
            start = folded.find(term, end)
    spans.sort()
    if len(flat) <= size:
        window = (0, len(flat))
    elif not spans:
        window = (0, size)
    else:
        best, window = -1, (0, size)
        for s, _, _ in spans:
            lo = max(0, min(s - 10, len(flat) - size))
            inside = {t for a, b, t in spans if a >= lo and b <= lo + size}
            if len(inside) > best:
                best, window = len(inside), (lo, lo + size)
    lo, hi = window
    out, cursor = [], lo
    for s, e, _ in spans:
        if s < lo or e > hi:
            continue
        out.append(flat[cursor:s])
        out.append(MARK_OPEN + flat[s:e] + MARK_CLOSE)
        cursor = e
    out.append(flat[cursor:hi])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(flat) else "")


def _lead(text: str) -> str:
    """An article's first clause, where it names its subject."""
    cut = len(text)
    for mark in "。；：\n":
        at = text.find(mark)
        if at != -1:
            cut = min(cut, at)
    return text[: min(cut, LEAD_CHARS)]


def fold(text: str) -> str:
    """NFKC and lower case, keeping every character's position (for matching and marking)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded
    return "".join(_fold(ch) for ch in text)


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


def open_library(index_dir: Path) -> Library:
    return Library(index_dir)
