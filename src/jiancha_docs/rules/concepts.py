"""The concept table: a crime's or a legal concept's name → the articles that define it.

Most articles of the Criminal Law never name the crime they define (第一百九十一条 describes
洗钱 without the word; the names come from the Supreme People's Court's 罪名规定), and a term
such as 胁从犯 is defined by what it is, not by its name. A word search lands on articles that
merely mention the name. The table (concepts.txt beside this module, plus the office's own files,
``[rules] concepts``) says where each is defined:

    # comment
    洗钱罪 → 中华人民共和国刑法第一百九十一条
    窝藏、包庇罪、窝藏罪、包庇罪 → 中华人民共和国刑法第三百一十条
    受贿罪 → 中华人民共和国刑法第三百八十五条 中华人民共和国刑法第三百八十六条

A query naming a concept brings those articles among the candidates, and the ranking feature
``concept_article`` marks them (``ranking``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LexiconError
from .lexicon import file_stamp, table_lines
from .store import normalize

CONCEPTS = Path(__file__).resolve().with_name("concepts.txt")
_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
_CITATION = re.compile(
    r"^《?(?P<title>.+?)》?(?P<label>第[一二三四五六七八九十百千零〇两]+条(?:之[一二三四五六七八九十]+)?)$"
)


@dataclass(frozen=True)
class Target:
    title: str
    label: str  # 第N条 or 第N条之一, as the article is labelled


@dataclass
class ConceptTable:
    targets: dict[str, tuple[Target, ...]] = field(default_factory=dict)  # folded name → articles
    files: list[Path] = field(default_factory=list)

    def named(self, folded_query: str) -> list[tuple[str, tuple[Target, ...]]]:
        """The concepts the query names, longest names first, none inside another one found.
        A 顿号 inside a name typed as the 罪名规定 writes it (窝藏、包庇罪) is not part of the
        match: the table writes such names without it."""
        folded_query = folded_query.replace("、", "")
        found: list[tuple[int, int, str]] = []
        for name in sorted(self.targets, key=len, reverse=True):
            start = folded_query.find(name)
            while start != -1:
                end = start + len(name)
                if all(end <= s or start >= e for s, e, _ in found):
                    found.append((start, end, name))
                    break
                start = folded_query.find(name, start + 1)
        return [(name, self.targets[name]) for _, _, name in sorted(found)]


_LOADED: dict[tuple[Any, ...], ConceptTable] = {}


def load_concepts(extra: tuple[Path, ...] = ()) -> ConceptTable:
    """The shipped table, then the office's files (a later line adds to an earlier one's
    articles). Read once while the files stay as they are, like the lexicon: an edited file
    is read again."""
    paths = (CONCEPTS, *extra) if CONCEPTS.is_file() else tuple(extra)
    key = file_stamp(paths)
    if key is not None and key in _LOADED:
        return _LOADED[key]
    table = ConceptTable()
    for path in paths:
        _read(path, table)
    if key is not None:
        _LOADED.clear()
        _LOADED[key] = table
    return table


def _read(path: Path, table: ConceptTable) -> None:
    table.files.append(path)
    for number, line in table_lines(path):
        where = f"{path.name} 第 {number} 行"
        parts = _ARROW.split(line, maxsplit=1)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise LexiconError(
                f"{where}：应写成“名称 → 法规全称第N条”",
                hint="例如：洗钱罪 → 中华人民共和国刑法第一百九十一条",
            )
        names = [n for n in re.split(r"[、，,\s]+", parts[0]) if n]
        targets = parse_citations(parts[1], where)
        for name in names:
            folded = normalize(name)
            table.targets[folded] = tuple(dict.fromkeys((*table.targets.get(folded, ()), *targets)))


def parse_citations(text: str, where: str) -> list[Target]:
    """The article citations of a table line's right side (法规全称第N条, apart by spaces)."""
    targets = []
    for citation in text.split():
        match = _CITATION.match(citation)
        if match is None:
            raise LexiconError(
                f"{where}：“{citation}”不是条文引用",
                hint="写成 法规全称第N条，例如：中华人民共和国刑法第一百九十一条",
            )
        targets.append(Target(match["title"], match["label"]))
    return targets
