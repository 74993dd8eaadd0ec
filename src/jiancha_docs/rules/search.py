"""Searching the index: a query in → ranked articles with a highlighted snippet out.

A query that is an article reference (监督执纪工作规则第二十九条) goes straight to that article.
Otherwise the words are cut as the index was, question words dropped, synonyms added, names
of regulations in the query turned into a filter, and the engine's ranking adjusted so that a
superseded edition comes after the current one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .bigrams import grams
from .concepts import ConceptTable, Target, load_concepts
from .errors import ReferenceNotFound
from .lexicon import STOPWORDS, Lexicon, load_lexicon
from .library import Entry, Library
from .model import CATEGORIES, STATUSES
from .query import MUST, NOT, SHOULD, parse_query
from .questions import load_questions
from .ranking import (
    Candidate,
    Concept,
    Examples,
    QueryCues,
    TableLikeness,
    Weights,
    load_weights,
    measure,
)
from .refs import parse_ref, resolve_ref

MARK_OPEN, MARK_CLOSE = "【", "】"
SNIPPET_CHARS = 90
SINGLE_CHAR_BOOST = 0.5
NEAR_MIN_IDF = 2.5
TERM_MIN_IDF = 2.3
FETCH = 40  # candidates from each engine, re-ranked by the scoring model (``ranking``)
PART_BOOST = 0.5
BIGRAM_MIN_COVER = 0.6  # share of the query's bigrams (by rarity) a bigram-only candidate needs
ASKED_MIN = 0.5  # likeness to a labelled question that makes the article it answered a candidate
TYPICAL_MIN = 0.2  # likeness to a question-table question that makes its article a candidate
TYPICAL_FETCH = 40  # at most this many articles brought in by the question table (≤ TYPICAL_RANKS)


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
    library: Library,
    query: str,
    options: SearchOptions | None = None,
    lexicon: Lexicon | None = None,
    weights: Weights | None = None,
    collect: list[Candidate] | None = None,
    prior: dict[str, float] | None = None,
    concepts: ConceptTable | None = None,
    leave_out: str | None = None,
    questions: Examples | None = None,
) -> SearchResult:
    """Ranked articles for ``query``; ``collect``, when given, receives every measured candidate.
    ``prior`` replaces the weights' learned regulation prior for this query, and ``leave_out``
    (a labelled question) is not counted among the weights' examples: training uses both to
    leave the question itself out."""
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
    builder = _PlanBuilder(library, lexicon, plan, QueryCues.of(fold(query)))
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
        else:
            plan.regs = ()
    if not raw:
        raw = library.reader.search(plan, fetch)
    weights = weights or load_weights()
    folded = fold(query)
    if prior is None:
        prior = weights.prior.posterior(folded) if weights.prior else {}
    asked = weights.examples.likeness(folded, leave_out) if weights.examples else {}
    typical = TableLikeness.of(questions if questions is not None else load_questions(), folded)
    named = (concepts or load_concepts()).named(folded)
    if named:
        result.notes.append("概念表：" + "、".join(f"{name}见{_cite(t)}" for name, t in named))
    defining = [t for _, ts in named for t in ts]
    candidates = _candidates(library, plan, raw, builder, fetch, prior, asked, typical, defining)
    for cand in candidates:
        cand.score = weights.score(cand.values)
    if collect is not None:
        collect.extend(candidates)
    result.hits = _order(library, candidates, result.terms, options.limit)
    return result


def candidate_features(
    library: Library,
    query: str,
    options: SearchOptions | None = None,
    lexicon: Lexicon | None = None,
    prior: dict[str, float] | None = None,
    concepts: ConceptTable | None = None,
    leave_out: str | None = None,
    weights: Weights | None = None,
) -> list[tuple[str, dict[str, float]]]:
    """Every candidate the engines find for ``query``, as (citation key, feature values): what
    bench/train_ranker.py learns the weights from."""
    found: list[Candidate] = []
    search(
        library,
        query,
        options,
        lexicon,
        weights,
        collect=found,
        prior=prior,
        concepts=concepts,
        leave_out=leave_out,
    )
    return [(c.doc.title + c.doc.label, dict(c.values)) for c in found]


def _cite(targets: tuple[Target, ...]) -> str:
    return "、".join(dict.fromkeys(f"《{t.title}》{t.label}" for t in targets))


def _candidates(
    library: Library,
    plan: Any,
    raw: list[Any],
    builder: _PlanBuilder,
    fetch: int,
    prior: dict[str, float],
    asked: dict[str, float],
    typical: TableLikeness,
    defining: list[Target],
) -> list[Candidate]:
    """The word engine's hits and, for a query of optional words, the bigram index's, measured."""
    index = library.bigrams
    allowed = None
    if plan.regs or plan.statuses or plan.categories:
        allowed = {
            i
            for i, d in enumerate(index.docs)
            if (not plan.regs or d.reg in plan.regs)
            and (not plan.statuses or d.status in plan.statuses)
            and (not plan.categories or d.category in plan.categories)
        }
    query_grams = {g: index.idf(g) for t in builder.content for g in grams(t)}
    gram_scores = index.scores(list(query_grams), allowed)
    by_doc: dict[int, Candidate] = {}
    for rank, hit in enumerate(raw, 1):
        i = index.by_uid.get(hit.uid)
        if i is None:
            continue
        doc = index.docs[i]
        by_doc[i] = Candidate(doc, index.folded(i, fold), word=hit.score, word_rank=rank)
    if not (plan.must or plan.must_not):
        for rank, i in enumerate(sorted(gram_scores, key=lambda d: -gram_scores[d])[:fetch], 1):
            cand = by_doc.get(i)
            if cand is None:
                doc = index.docs[i]
                cand = by_doc[i] = Candidate(doc, index.folded(i, fold))
            cand.bigram_rank = rank
    # for a query of optional words, the articles that define a concept it names (concept
    # table) and those that answered a labelled question much like it are candidates
    wanted = {t.title + t.label for t in defining}
    answered = {key for key, like in asked.items() if like >= ASKED_MIN}
    listed = {
        key
        for key, rank in typical.rank.items()
        if rank <= TYPICAL_FETCH and typical.best[key] >= TYPICAL_MIN
    }
    if not (plan.must or plan.must_not):
        for key in wanted | answered | listed:
            for i in index.by_key(key):
                if allowed is not None and i not in allowed:
                    continue
                cand = by_doc.get(i)
                if cand is None:
                    cand = by_doc[i] = Candidate(index.docs[i], index.folded(i, fold))
                cand.defines = cand.defines or key in wanted
                cand.asked = cand.asked or key in answered
                cand.typical = cand.typical or key in listed
    candidates = list(by_doc.values())
    for i, cand in by_doc.items():
        cand.bigram = gram_scores.get(i, 0.0)
    # an article only the bigram index found must share most of the query's letters: a pair of
    # characters in common (函询 of 被函询人) is not an answer. Only those kept are measured
    # (the share is the feature ``gram_cover``, computed the same way).
    gram_total = sum(query_grams.values()) or 1.0
    kept = [
        c
        for c in candidates
        if c.word_rank
        or c.defines
        or c.asked
        or c.typical
        or sum(w for g, w in query_grams.items() if g in c.text) / gram_total >= BIGRAM_MIN_COVER
    ]
    measure(
        kept,
        builder.concepts,
        builder.near,
        query_grams,
        builder.cues,
        prior,
        asked,
        typical,
        among=candidates,
    )
    return kept


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

    def __init__(self, library: Library, lexicon: Lexicon, plan: Any, cues: QueryCues) -> None:
        self.library = library
        self.lexicon = lexicon
        self.plan = plan
        self.cues = cues
        self.segmenter = library.reader.segmenter
        self.highlight: set[str] = set()
        self.concepts: list[Concept] = []
        self.content: list[str] = []  # the query's words that count (for the bigram index)
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
                self.content.append(_plain(text))
            return
        content = []
        reader = self.library.reader
        for term in terms:
            if term in STOPWORDS or not any(ch.isalnum() for ch in term):
                continue
            if occur != NOT:
                self.content.append(term)
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
        self.concepts.append(Concept(forms, weight, pieces))

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


def _long(unit: Any) -> bool:
    return any(len("".join(a.terms)) > 1 for a in unit.alternatives)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def _order(library: Library, candidates: list[Candidate], terms: list[str], limit: int) -> list[Hit]:
    """Best score first; an edition no longer in force never above the current edition of its
    article (the same number, or the same words under a new number)."""
    ordered = sorted(candidates, key=lambda c: -c.score)
    for cand in list(ordered):
        doc = cand.doc
        if doc.status == "现行有效":
            continue
        entry = library.by_id.get(doc.reg)
        successor = entry.superseded_by if entry else ""
        for j in range(ordered.index(cand) + 1, len(ordered)):
            other = ordered[j].doc
            if (
                other.status == "现行有效"
                and other.title in (doc.title, successor)
                and (other.number == doc.number or other.body == doc.body)  # renumbered, same words
            ):
                ordered.insert(ordered.index(cand), ordered.pop(j))
                break
    hits = []
    for cand in ordered:
        entry = library.by_id.get(cand.doc.reg)
        if entry is None:
            continue
        doc = cand.doc
        hits.append(
            _hit(len(hits) + 1, entry, doc.label, doc.chapter, doc.body, terms, cand.score, doc.number, False)
        )
        if len(hits) == limit:
            break
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
    """The stretch of ``text`` with the most distinct matched words, each wrapped in 【】. A
    one-letter word (罪 of 贪污罪) is marked only when the query has nothing longer: marking every
    罪 of an article would hide the words that matter. Words side by side share one mark."""
    flat = text.replace("\n", " ")
    folded = fold(flat)
    wanted = {t for t in terms if t}
    if any(len(t) > 1 for t in wanted):
        wanted = {t for t in wanted if len(t) > 1}
    spans: list[tuple[int, int, str]] = []
    for term in sorted(wanted, key=len, reverse=True):
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
    marks: list[list[int]] = []
    for s, e, _ in spans:
        if s < lo or e > hi:
            continue
        if marks and marks[-1][1] == s:
            marks[-1][1] = e
        else:
            marks.append([s, e])
    out, cursor = [], lo
    for s, e in marks:
        out.append(flat[cursor:s])
        out.append(MARK_OPEN + flat[s:e] + MARK_CLOSE)
        cursor = e
    out.append(flat[cursor:hi])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(flat) else "")


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
