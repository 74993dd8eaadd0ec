"""A character-bigram index beside the word index: a second way to find candidate articles.

Word cuts fail on words the dictionary splits differently in the query and in the text
(留置期间 / 留置 期间, 收回扣 / 回扣); overlapping character pairs do not. A bigram BM25 over
title, chapter and text finds the articles the word index misses, and its score is one of the
ranking features (``ranking``). Pure Python and small: one marshal file per generation, holding
the postings and the stored fields of every article, loaded once per process.
"""

from __future__ import annotations

import bisect
import marshal
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from .errors import IndexCorrupt

BIGRAMS = "bigrams.bin"
FORMAT = 3  # 2: postings as long arrays (flat_postings); 3: their keys sorted, found by bisection
K1, B = 1.2, 0.75
_KEEP = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


def grams(text: str) -> list[str]:
    """Overlapping character pairs of the CJK letters and digits of ``text`` (each run apart)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for run in _KEEP.findall(folded):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class Doc(NamedTuple):
    """The stored fields of one article, as the ranking needs them (a tuple: 2,249 of them are
    made in every fresh process, and a frozen dataclass costs 0.1 s more)."""

    uid: str
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


def write(path: Path, docs: Iterable[Any]) -> int:
    """Write the bigram file for ``docs`` (anything with the fields of ``Doc``)."""
    fields = list(Doc._fields)
    stored: list[tuple[Any, ...]] = []
    postings: dict[str, tuple[array, array]] = {}
    lengths = array("i")
    for i, doc in enumerate(docs):
        stored.append(tuple(getattr(doc, f) for f in fields))
        counts = Counter(grams(f"{doc.title} {doc.chapter} {doc.body}"))
        lengths.append(sum(counts.values()))
        for gram, tf in counts.items():
            ids, tfs = postings.setdefault(gram, (array("i"), array("i")))
            ids.append(i)
            tfs.append(tf)
    data = {
        "format": FORMAT,
        "fields": fields,
        "docs": stored,
        "lengths": lengths.tobytes(),
        **flat_postings({g: (ids, tfs) for g, (ids, tfs) in postings.items()}),
    }
    path.write_bytes(marshal.dumps(data))
    return len(stored)


def flat_postings(postings: dict[str, tuple[array, ...]]) -> dict[str, Any]:
    """Postings (each key's arrays, all of the same length) as a few long arrays beside one
    string of the keys, sorted, and where each key starts in it: a fresh process loads them in
    a millisecond and looks a key up by bisection, where making a dict of 30,000 keys takes
    tens. ``Postings`` reads them."""
    keys = sorted(postings)
    merged = [array(values.typecode) for values in next(iter(postings.values()), ())]
    offsets = array("i", [0])
    starts = array("i", [0])
    for key in keys:
        for column, values in zip(merged, postings[key], strict=True):
            column.extend(values)
        offsets.append(len(merged[0]) if merged else 0)
        starts.append(starts[-1] + len(key) + 1)
    return {
        "keys": "".join(f"{key}\n" for key in keys),
        "starts": starts.tobytes(),
        "offsets": offsets.tobytes(),
        "columns": [(c.typecode, c.tobytes()) for c in merged],
    }


class _Keys:
    """The sorted keys of ``flat_postings`` as a sequence, for ``bisect``, without splitting
    the string."""

    def __init__(self, text: str, starts: array) -> None:
        self.text, self.starts = text, starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> str:
        return self.text[self.starts[i] : self.starts[i + 1] - 1]


class Postings:
    """The postings written by ``flat_postings``: ``get(key)`` gives the key's arrays."""

    def __init__(self, data: dict[str, Any]) -> None:
        starts = array("i")
        starts.frombytes(data["starts"])
        self._keys = _Keys(data["keys"], starts)
        self._rows: dict[str, int | None] = {}  # the keys looked up so far
        self.offsets = array("i")
        self.offsets.frombytes(data["offsets"])
        if len(self.offsets) != len(starts):
            raise ValueError("postings")
        self.columns = []
        for typecode, raw in data["columns"]:
            column = array(typecode)
            column.frombytes(raw)
            self.columns.append(column)

    def _row(self, key: str) -> int | None:
        if key in self._rows:
            return self._rows[key]
        keys = self._keys
        i = bisect.bisect_left(keys, key)
        row = i if i < len(keys) and keys[i] == key else None
        self._rows[key] = row
        return row

    def __contains__(self, key: str) -> bool:
        return self._row(key) is not None

    def count(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else self.offsets[row + 1] - self.offsets[row]

    def span(self, key: str) -> tuple[int, int] | None:
        row = self._row(key)
        return None if row is None else (self.offsets[row], self.offsets[row + 1])

    def get(self, key: str) -> list[array] | None:
        span = self.span(key)
        if span is None:
            return None
        lo, hi = span
        return [column[lo:hi] for column in self.columns]


class BigramIndex:
    def __init__(self, path: Path) -> None:
        try:
            data = marshal.loads(path.read_bytes())
            if data.get("format") != FORMAT:
                raise ValueError("format")
            self.docs = [Doc._make(row) for row in data["docs"]]
            lengths = array("i")
            lengths.frombytes(data["lengths"])
            self._postings = Postings(data)
        except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError) as e:
            raise IndexCorrupt(f"法规索引已损坏：无法读取字索引 {path}") from e
        self.lengths = lengths
        self.n = len(self.docs)
        self.avg = (sum(lengths) / self.n) if self.n else 1.0
        self.by_uid = {d.uid: i for i, d in enumerate(self.docs)}
        self._by_key: dict[str, list[int]] | None = None
        self._folded: dict[int, str] = {}

    def folded(self, i: int, fold: Callable[[str], str]) -> str:
        """Article ``i``'s body as ``fold`` gives it, folded once per process (a warm search
        measures some 60 candidates; NFKC of each body was a sixth of its time)."""
        text = self._folded.get(i)
        if text is None:
            text = self._folded[i] = fold(self.docs[i].body)
        return text

    def by_key(self, key: str) -> list[int]:
        """The articles cited as ``key`` (标题第N条; one per edition), built on first use."""
        if self._by_key is None:
            self._by_key = {}
            for i, d in enumerate(self.docs):
                self._by_key.setdefault(d.title + d.label, []).append(i)
        return self._by_key.get(key, [])

    def idf(self, gram: str) -> float:
        df = self._postings.count(gram)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query_grams: list[str], allowed: set[int] | None = None) -> dict[int, float]:
        """BM25 of every article sharing a bigram with the query (each distinct bigram once)."""
        out: dict[int, float] = {}
        lengths, avg = self.lengths, self.avg
        for gram in dict.fromkeys(query_grams):
            entry = self._postings.get(gram)
            if entry is None:
                continue
            ids, tfs = entry
            idf = math.log(1 + (self.n - len(ids) + 0.5) / (len(ids) + 0.5))
            for doc, tf in zip(ids, tfs, strict=True):
                if allowed is not None and doc not in allowed:
                    continue
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / avg))
                out[doc] = out.get(doc, 0.0) + idf * norm
        return out

    def top(self, query_grams: list[str], limit: int, allowed: set[int] | None = None) -> list[int]:
        scored = self.scores(query_grams, allowed)
        return sorted(scored, key=lambda d: -scored[d])[:limit]
