"""The header/row model every reader shares: records, the opened ``Source`` and the table logic.

A table reader (CSV, Unicode text, XLSX) only turns its file into ``TableRow`` objects — the row
number as Excel shows it and the cells. ``read_table`` decides the rest, the same way for every
format, the way an office keeps its registers:

* the header is the first row whose cells match the kind's columns (``ReadOptions.known``); title
  rows, blank rows and notes above it are skipped and reported once as a note; ``header_row``
  overrides the detection;
* rows whose first cell is 合计 / 小计 / 总计, and rows that are nothing but formulas, are skipped
  with a note;
* cells under no column name are a problem of their row.

Readers of structured files (YAML, JSON) make their records themselves.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import Location, SourceError
from ..kinds.fields import BadValue

# A reader is a generator that yields the header list first, then the records.
ReaderGen = Generator["list[str] | RawRecord", None, None]

# How many non-empty rows may stand above the header (titles, notes) before detection gives up.
_HEADER_SEARCH_ROWS = 30
_TOTAL_ROW = re.compile(r"^(合计|小计|总计|共计)[:：]?$")


@dataclass
class RawRecord:
    """One record as read from the file, before validation.

    ``problems`` holds row-level read problems in Chinese *without* the location (the caller wraps them
    in an ``Issue`` with ``location``), e.g. cells that have no column name; it is empty normally.
    A cell that was read but cannot be used (a formula error, a formula with no saved result) is a
    ``BadValue`` in ``values``: the validator reports it under its field.
    """

    location: Location
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file. ``known`` tells whether a header cell names one of the kind's columns."""

    sheet: str | None = None
    header_row: int | None = None
    known: Callable[[str], bool] | None = None


@dataclass
class TableRow:
    """One row of a table as its reader sees it: Excel's row number, the cells, formula columns."""

    number: int
    cells: list[Any]
    formulas: frozenset[int] = frozenset()  # 0-based columns holding a formula


class Reader(Protocol):
    """What each format module provides: open a file (its headers read) as a ``Source``."""

    def __call__(self, path: Path, name: str, options: ReadOptions) -> Source: ...


@dataclass
class Source:
    """An opened input file: its headers are known, its records are read lazily by ``records()``.

    CSV and XLSX files are streamed: the file stays open from ``open_source`` until the first
    ``records()`` iterator is exhausted or ``close()`` is called (``with open_source(p) as src:`` does
    that). Calling ``records()`` again reads the file again from the start.

    ``notes`` are things worth telling the user that are not problems (the header found on row 3,
    a 合计 row skipped, a hidden sheet not read); rows found while reading are added as they come.
    """

    path: Path
    display_name: str
    format: str  # "yaml" | "json" | "csv" | "txt" | "xlsx"
    headers: list[str]
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig", "gb18030", or the detector's name
    notes: list[str] = field(default_factory=list)
    _reopen: Callable[[], ReaderGen] | None = field(default=None, repr=False, compare=False)
    _pending: ReaderGen | None = field(default=None, repr=False, compare=False)

    def records(self) -> Iterator[RawRecord]:
        """Yield the records in file order. Raises ``SourceError`` if the file breaks part-way."""
        if self._pending is not None:
            gen, self._pending = self._pending, None
        elif self._reopen is not None:
            gen = self._reopen()
            next(gen)  # the headers, already known
        else:
            return iter(())
        return _records_only(gen)

    def close(self) -> None:
        """Release the open file if ``records()`` was never (fully) iterated."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _records_only(gen: ReaderGen) -> Iterator[RawRecord]:
    for item in gen:
        if isinstance(item, RawRecord):
            yield item


def table_source(
    path: Path,
    name: str,
    fmt: str,
    reopen: Callable[[], ReaderGen],
    encoding: str | None = None,
    notes: list[str] | None = None,
) -> Source:
    """A Source over a table reader: the generator is started to learn the headers."""
    gen = reopen()
    first = next(gen)
    if not isinstance(first, list):  # pragma: no cover - every reader yields its headers first
        raise TypeError("reader must yield its headers first")
    return Source(path, name, fmt, first, encoding, notes if notes is not None else [], reopen, gen)


def replay(headers: list[str], records: list[RawRecord]) -> ReaderGen:
    yield headers
    yield from records


def column_letter(index: int) -> str:
    """Excel's name for a 1-based column index: 1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def preview(value: Any, limit: int = 20) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def is_empty(value: Any) -> bool:
    return value is None or value == ""


def header_text(value: Any) -> str:
    if isinstance(value, BadValue):
        return ""
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def rows_text(numbers: list[int]) -> str:
    """第 1、3–5 行: consecutive rows as ranges."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


# ------------------------------------------------------------------------------------------- tables


@dataclass
class _Header:
    """The header row of a table: the named columns and where they are."""

    names: list[str]
    columns: list[int]  # 0-based column index of each name

    @classmethod
    def parse(cls, cells: list[str], name: str, row: int) -> _Header:
        names: list[str] = []
        columns: list[int] = []
        seen: dict[str, int] = {}
        for index, text in enumerate(cells):
            if not text:
                continue  # a blank header cell; data under it is reported row by row
            if text in seen:
                first = column_letter(seen[text] + 1)
                raise SourceError(
                    f"{name} 第 {row} 行：列名“{text}”重复出现（{first} 列和 {column_letter(index + 1)} 列），"
                    "请删除其中一列或改名"
                )
            seen[text] = index
            names.append(text)
            columns.append(index)
        return cls(names, columns)

    def record(self, cells: list[Any], location: Location) -> RawRecord:
        """Missing trailing cells read as ""; non-empty cells in unnamed columns become a problem."""
        values = {
            n: cells[c] if c < len(cells) else "" for n, c in zip(self.names, self.columns, strict=True)
        }
        named = set(self.columns)
        stray = [
            (i, v)
            for i, v in enumerate(cells)
            if i not in named and not is_empty(v) and not isinstance(v, BadValue)
        ]
        problems = []
        if stray:
            listed = "、".join(f"{column_letter(i + 1)} 列“{preview(v)}”" for i, v in stray)
            problems.append(f"以下单元格没有对应的列名，内容未被读取：{listed}；请补上列名或删除这些内容")
        return RawRecord(location, values, problems)


def _matches_header(cells: list[str], known: Callable[[str], bool]) -> bool:
    """Two cells naming columns, or half of the row's cells. A row of one cell is a title or
    a note even when it reads like a column name (a one-column file is found by the fallback)."""
    filled = [c for c in cells if c]
    hits = sum(1 for c in filled if known(c))
    return hits >= 2 or (len(filled) >= 2 and hits * 2 >= len(filled))


def _is_total(row: TableRow) -> bool:
    filled = [(i, v) for i, v in enumerate(row.cells) if not is_empty(v)]
    if not filled:
        return False
    first = re.sub(r"\s+", "", header_text(filled[0][1]))
    if _TOTAL_ROW.match(first):
        return True
    return bool(row.formulas) and all(i in row.formulas for i, _ in filled)


def read_table(rows: Iterable[TableRow], name: str, options: ReadOptions, notes: list[str]) -> ReaderGen:
    """Find the header, then yield the header names and one record per data row.

    Rows read before the header is found are kept (at most ``_HEADER_SEARCH_ROWS`` non-empty
    ones); if none looks like the header, the first non-empty row is taken, so that the
    validator can say which columns are missing.
    """
    iterator = iter(rows)
    header, number, buffered = _find_header(iterator, name, options, notes)
    yield header.names
    totals: list[int] = []
    for row in itertools.chain(buffered, iterator):
        if all(is_empty(v) for v in row.cells):
            continue
        if _is_total(row):
            totals.append(row.number)
            continue
        yield header.record(row.cells, Location(name, row.number, "row"))
    if totals:
        notes.append(f"第 {rows_text(totals)} 行是合计行或只有公式，已跳过")


def _find_header(
    rows: Iterator[TableRow], name: str, options: ReadOptions, notes: list[str]
) -> tuple[_Header, int, list[TableRow]]:
    if options.header_row is not None:
        for row in rows:
            if row.number < options.header_row:
                continue
            cells = [header_text(v) for v in row.cells]
            if row.number > options.header_row or not any(cells):
                break
            return _Header.parse(cells, name, row.number), row.number, []
        raise SourceError(f"{name}：第 {options.header_row} 行是空的，不能作为表头行（--header-row）")
    seen: list[TableRow] = []
    for row in rows:
        cells = [header_text(v) for v in row.cells]
        if not any(cells):
            continue
        if options.known is None or _matches_header(cells, options.known):
            skipped = [r.number for r in seen]
            if skipped:
                notes.append(
                    f"表头在第 {row.number} 行，上方第 {rows_text(skipped)} 行（标题、说明）已跳过；"
                    "如表头不在这一行，请用 --header-row 指定"
                )
            return _Header.parse(cells, name, row.number), row.number, []
        seen.append(row)
        if len(seen) >= _HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise SourceError(f"{name}：文件是空的，找不到表头行")
    # No row looks like the header: take the first, and let the validator name the missing columns.
    first, rest = seen[0], seen[1:]
    return _Header.parse([header_text(v) for v in first.cells], name, first.number), first.number, rest
