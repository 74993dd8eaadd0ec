"""An opened index generation: its catalogue of regulations, title look-up and stored articles.

Engine-free: searching goes through ``store.Reader``, opened on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import generations
from .errors import IndexCorrupt, ReferenceNotFound
from .manifest import load_regulation, read_manifest
from .model import CURRENT, Regulation

# What a regulation's name ends with; a bare suffix of a title counts as a name only then.
TITLE_ENDINGS = (
    "法",
    "条例",
    "规则",
    "规定",
    "办法",
    "准则",
    "章程",
    "细则",
    "指引",
    "决定",
    "意见",
    "制度",
    "程序",
)
_NORMAL = str.maketrans({"(": "（", ")": "）", " ": None, "\u3000": None, "《": None, "》": None})
_BRACKETS = str.maketrans({"(": "（", ")": "）", "《": " ", "》": " "})


def normalize_title(text: str) -> str:
    return text.translate(_NORMAL).strip()


@dataclass(frozen=True)
class Entry:
    """One regulation of the catalogue."""

    id: str
    title: str
    names: tuple[str, ...]
    status: str
    category: str
    issued: str
    superseded_by: str
    source: str
    articles: int
    data: dict[str, Any]

    @property
    def current(self) -> bool:
        return self.status == CURRENT

    def edition(self) -> str:
        """Status and year, to tell editions of the same title apart."""
        year = f"{self.issued[:4]}年版，" if self.issued[:4].isdigit() else ""
        return f"{year}{self.status}"


class Library:
    """Open the generation CURRENT points to (retrying once if a build replaced it meanwhile)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        for attempt in (1, 2):
            try:
                self.generation = generations.current_generation(index_dir)
                self.manifest = read_manifest(self.generation)
                break
            except IndexCorrupt:
                if attempt == 2:
                    raise
        self.entries = [
            Entry(
                id=e["id"],
                title=e["title"],
                names=tuple(e.get("names") or [e["title"]]),
                status=e.get("status", CURRENT),
                category=e.get("category", ""),
                issued=e.get("issued", ""),
                superseded_by=e.get("superseded_by", ""),
                source=e.get("source", ""),
                articles=e.get("articles", 0),
                data=e,
            )
            for e in self.manifest["catalogue"]
        ]
        self.by_id = {e.id: e for e in self.entries}
        self._regs: dict[str, Regulation] = {}
        self._reader: Any = None
        self._bigrams: Any = None
        self._names: dict[str, set[str]] | None = None

    # -- engine --------------------------------------------------------------------------------
    @property
    def bigrams(self) -> Any:
        """The character-bigram index of the generation (``bigrams.BigramIndex``), loaded once."""
        if self._bigrams is None:
            from .bigrams import BIGRAMS, BigramIndex

            self._bigrams = BigramIndex(self.generation / BIGRAMS)
        return self._bigrams

    @property
    def reader(self) -> Any:
        if self._reader is None:
            from .store import Reader

            self._reader = Reader(self.generation, lambda: self.bigrams.docs)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- regulations ---------------------------------------------------------------------------
    def regulation(self, rid: str) -> Regulation:
        if rid not in self._regs:
            self._regs[rid] = load_regulation(self.generation, rid)
        return self._regs[rid]

    def resolve(self, name: str) -> list[Entry]:
        """Regulations a name may mean, best first: a full or short title, then the end of a
        title (监督执纪工作规则), a part of one, or its characters in order (检举控告规则)."""
        wanted = normalize_title(name)
        if not wanted:
            return []
        scored: list[tuple[float, Entry]] = []
        for entry in self.entries:
            best = 0.0
            for candidate in entry.names:
                candidate = normalize_title(candidate)
                if candidate == wanted:
                    score = 100.0
                elif candidate.endswith(wanted) and len(wanted) >= 2:
                    score = 80.0 + 10 * len(wanted) / len(candidate)
                elif wanted in candidate and len(wanted) >= 2:
                    score = 60.0 + 10 * len(wanted) / len(candidate)
                elif len(wanted) >= 3 and _subsequence(wanted, candidate):
                    score = 40.0 + 10 * len(wanted) / len(candidate)
                else:
                    continue
                best = max(best, score)
            if best:
                scored.append((best + (1.0 if entry.current else 0.0), entry))
        scored.sort(key=lambda pair: (-pair[0], len(pair[1].title)))
        return [entry for _, entry in scored]

    def resolve_one(self, name: str) -> Entry:
        found = self.resolve(name)
        if not found:
            raise ReferenceNotFound(
                f"法规索引中没有《{normalize_title(name)}》",
                hint="用 jiancha rules list 查看已编入索引的法规",
            )
        return found[0]

    def mentioned(self, text: str) -> list[tuple[str, list[Entry]]]:
        """Regulation names that occur in free text, longest first, without overlaps: each with
        the regulations it names. A bare ending of a title (监督执纪工作规则) counts when only one
        title ends that way."""
        candidates = self._name_candidates()
        compact = text.translate(_BRACKETS)
        found: list[tuple[int, int, str]] = []
        for key in candidates:
            if key not in compact:
                continue
            for match in re.finditer(re.escape(key), compact):
                span = (match.start(), match.end())
                if all(span[1] <= s or span[0] >= e for s, e, _ in found):
                    found.append((span[0], span[1], key))
        found.sort()
        return [(key, [self.by_id[i] for i in sorted(candidates[key])]) for _, _, key in found]

    def _name_candidates(self) -> dict[str, set[str]]:
        """Every name worth spotting in a query, longest first (computed once per library)."""
        if self._names is not None:
            return self._names
        names: dict[str, set[str]] = {}
        for entry in self.entries:
            for name in entry.names:
                key = normalize_title(name)
                names.setdefault(key, set()).add(entry.id)
        endings: dict[str, set[str]] = {}
        for entry in self.entries:
            title = normalize_title(entry.title)
            for name in {normalize_title(n) for n in entry.names} | {title}:
                for i in range(1, len(name) - 3):
                    tail = name[i:]
                    if tail.endswith(TITLE_ENDINGS):
                        endings.setdefault(tail, set()).add(entry.title)
        # two letters name a text only as 刑法, 宪法, 党章 do; 章程 or 规则 alone name nothing
        candidates: dict[str, set[str]] = {
            k: v
            for k, v in names.items()
            if len(k) >= 3 or (len(k) == 2 and k[-1] in "法章" and k not in TITLE_ENDINGS)
        }
        for tail, titles in endings.items():
            if len(titles) == 1 and tail not in candidates and len(tail) >= 5:
                title = next(iter(titles))
                candidates[tail] = {e.id for e in self.entries if e.title == title}
        self._names = {k: candidates[k] for k in sorted(candidates, key=len, reverse=True)}
        return self._names


def _subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)
