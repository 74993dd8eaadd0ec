"""The word index: postings of the indexed words, scored BM25F in Python.

It answers every query: optional words, required ones (AND, a quoted phrase) and excluded ones
(NOT). 2,249 articles are few enough that Python sums a query's postings in a few milliseconds,
where building whoosh's matchers costs tens, and writing a whoosh index costs seconds.

The scores are whoosh's BM25F, computed at index time for every posting: the same idf
(``log(N / (df + 1)) + 1``), the same average field length and the same field lengths, rounded
to whoosh's one-byte approximation, so a term scores exactly as whoosh scores it. A query
combines them as a whoosh query over the same terms would (``store.Reader``): the best alternative of a concept
in the text, plus the best in the headings, summed over the concepts. (whoosh's own
``DisjunctionMaxMatcher`` may take the best of two alternatives at different articles; here the
best is always taken at the same article.)

    words/<id>.bin    each regulation's articles as cut at index time (copied when unchanged)
    words.bin         the postings of the whole generation, merged from those at every build
"""

from __future__ import annotations

import marshal
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from .bigrams import Postings, flat_postings
from .errors import IndexCorrupt

WORDS = "words.bin"
WORDS_DIR = "words"
FORMAT = 2  # 2: keys sorted (bigrams.flat_postings)
FIELDS = ("body", "context")
_INT = "i"


def record(body: list[tuple[str, int, int, int]], context: list[tuple[str, int, int, int]]) -> tuple:
    """One article as cut: ({term: positions} of the text, text length, {term: count} of the
    headings, headings length). ``Segmenter.analysis`` gives the tokens."""
    positions: dict[str, list[int]] = {}
    for term, position, _, _ in body:
        positions.setdefault(term, []).append(position)
    counts: dict[str, int] = {}
    for term, _, _, _ in context:
        counts[term] = counts.get(term, 0) + 1
    return positions, len(body), counts, len(context)


def write_records(path: Path, records: list[tuple]) -> None:
    path.write_bytes(marshal.dumps(records))


def read_records(path: Path) -> list[tuple]:
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError) as e:
        raise IndexCorrupt(f"法规索引已损坏：无法读取 {path.name}") from e


def write(path: Path, records: Iterable[tuple], b: float, k1: float, rounded: Callable[[int], int]) -> int:
    """Merge the articles' records (in the order of the bigram index's documents) into the
    postings file, each posting with its BM25F score; ``rounded`` is the field length as the
    engine stores it (``store.write_words``)."""
    records = list(records)
    n = len(records)
    postings: dict[str, dict[str, tuple[array, array, array]]] = {f: {} for f in FIELDS}
    lengths: dict[str, list[int]] = {f: [] for f in FIELDS}
    for doc, (positions, body_len, counts, context_len) in enumerate(records):
        lengths["body"].append(body_len)
        lengths["context"].append(context_len)
        for name, found in (("body", positions), ("context", counts)):
            field = postings[name]
            for term, where in found.items():
                entry = field.get(term)
                if entry is None:
                    entry = field[term] = (array(_INT), array(_INT), array(_INT))
                entry[0].append(doc)
                if isinstance(where, int):  # a count (headings keep no positions)
                    entry[1].append(where)
                else:
                    entry[1].append(len(where))
                    entry[2].extend(where)
    data: dict[str, Any] = {"format": FORMAT, "n": n}
    for name in FIELDS:
        avg = (sum(lengths[name]) / (n or 1)) or 1
        norms = [k1 * ((1 - b) + b * rounded(x) / avg) for x in lengths[name]]
        columns: dict[str, tuple[array, ...]] = {}
        where_all = array(_INT)
        # in the keys' sorted order (flat_postings'), so that one posting's positions end where
        # the next one's start (``positions``)
        for term, (ids, tfs, where) in sorted(postings[name].items()):
            idf = math.log(n / (len(ids) + 1)) + 1
            scores = array(
                "d", (idf * (tf * (k1 + 1)) / (tf + norms[d]) for d, tf in zip(ids, tfs, strict=True))
            )
            counts = tfs if name == "body" else array(_INT, bytes(4 * len(tfs)))  # headings: no positions
            starts = array(_INT, accumulate(counts, initial=len(where_all)))[:-1]
            where_all.extend(where)
            columns[term] = (ids, scores, starts)
        data[name] = {**flat_postings(columns), "positions": where_all.tobytes()}
    path.write_bytes(marshal.dumps(data))
    return n


class WordIndex:
    """The postings file of a generation, loaded once per process."""

    def __init__(self, path: Path) -> None:
        try:
            data = marshal.loads(path.read_bytes())
            if data.get("format") != FORMAT:
                raise ValueError("format")
            self.n: int = data["n"]
            self._fields = {name: Postings(data[name]) for name in FIELDS}
            self._positions = array(_INT)
            self._positions.frombytes(data["body"]["positions"])
        except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError) as e:
            raise IndexCorrupt(f"法规索引已损坏：无法读取词索引 {path}") from e

    def doc_frequency(self, fieldname: str, term: str) -> int:
        return self._fields[fieldname].count(term)

    def scores(self, fieldname: str, term: str) -> dict[int, float]:
        """BM25F of every article with ``term`` in the field (whoosh's score of a Term query)."""
        postings = self._fields[fieldname]
        span = postings.span(term)
        if span is None:
            return {}
        ids, scores, _ = postings.columns
        return dict(zip(ids[span[0] : span[1]], scores[span[0] : span[1]], strict=True))

    def positions(self, term: str) -> dict[int, set[int]]:
        """The positions of ``term`` in each article's text."""
        postings = self._fields["body"]
        span = postings.span(term)
        if span is None:
            return {}
        ids, _, starts = postings.columns
        where = self._positions
        out = {}
        for j in range(span[0], span[1]):
            end = starts[j + 1] if j + 1 < len(starts) else len(where)
            out[ids[j]] = set(where[starts[j] : end])
        return out

    def all_of(self, fieldname: str, terms: Sequence[str]) -> dict[int, float]:
        """Articles with every term in the field, scored by the sum (whoosh's And of Terms)."""
        found = [self.scores(fieldname, t) for t in terms]
        if not all(found):
            return {}
        common = set(found[0]).intersection(*found[1:])
        return {d: sum(f[d] for f in found) for d in common}

    def phrase(self, terms: Sequence[str]) -> dict[int, float]:
        """Articles with the terms at consecutive positions of the text, scored by the sum of
        the terms' scores (whoosh's Phrase with its default slop of 1)."""
        summed = self.all_of("body", terms)
        if not summed:
            return {}
        where = [self.positions(t) for t in terms]
        out = {}
        for doc, score in summed.items():
            first, rest = where[0][doc], [w[doc] for w in where[1:]]
            if any(all(p + i in later for i, later in enumerate(rest, 1)) for p in first):
                out[doc] = score
        return out
