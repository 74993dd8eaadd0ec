"""Excel workbooks (.xlsx): the sheet to read, its rows as Excel numbers them, and what openpyxl's
streaming reader does not tell — merged cells, formulas and their saved results.

The workbook is streamed (``read_only``) with the results Excel saved (``data_only``). The sheet's
XML is scanned once more, only when it has merged cells or formulas, for:

* merged cells: a value merged over several rows belongs to every row it spans;
* formulas: a formula whose result was never saved (a file written by a script and not opened in
  Excel since) reads as empty in every reader; it is reported, never silently blank;
* formula error values (``#VALUE!``, ``#REF!`` …) are reported as formula errors, not as values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..kinds.fields import BadValue
from .delimited import OLE_MAGIC
from .model import ReaderGen, ReadOptions, Source, TableRow, column_letter, read_table, table_source

ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NEEDS_SCAN = re.compile(rb"<(?:\w+:)?(?:f[\s>/]|mergeCell\b)|\bt=\"e\"")


def open_xlsx(path: Path, name: str, options: ReadOptions) -> Source:
    notes: list[str] = []

    def reopen() -> ReaderGen:
        notes.clear()
        return _read_xlsx(path, name, options, notes)

    return table_source(path, name, "xlsx", reopen, None, notes)


def _read_xlsx(path: Path, name: str, options: ReadOptions, notes: list[str]) -> ReaderGen:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except PermissionError as e:
        raise SourceError(
            f"{name}：没有读取这个文件的权限", hint="文件可能正被 Excel 或 WPS 打开，请关闭后再试"
        ) from e
    except Exception as e:  # openpyxl raises a dozen kinds of error on a damaged archive
        raise _damaged_workbook(path, name) from e
    try:
        worksheet = _choose_sheet(workbook.worksheets, name, options.sheet, notes)
        # The stored dimension can be wrong (too small, or the whole sheet); read what is really there.
        worksheet.reset_dimensions()
        try:
            layout = _scan_sheet(worksheet)
        except Exception as e:
            raise SourceError(f"{name}：工作表“{worksheet.title}”读取失败，文件可能已损坏") from e
        rows = _sheet_rows(worksheet, name, layout)
        try:
            yield from read_table(rows, name, options, notes)
        except SourceError as e:
            if e.message == f"{name}：文件是空的，找不到表头行":
                raise SourceError(f"{name}：工作表“{worksheet.title}”是空的，找不到表头行") from None
            raise
    finally:
        workbook.close()


def _choose_sheet(worksheets: list[Any], name: str, sheet: str | None, notes: list[str]) -> Any:
    hidden = [ws for ws in worksheets if getattr(ws, "sheet_state", "visible") != "visible"]
    if sheet is not None:
        matches = [ws for ws in worksheets if ws.title == sheet]
        if not matches:
            available = "、".join(f"“{ws.title}”" for ws in worksheets) or "（无）"
            raise SourceError(f"{name}：找不到工作表“{sheet}”，可用的工作表：{available}")
        return matches[0]
    visible = [ws for ws in worksheets if ws not in hidden]
    if not visible:
        raise SourceError(f"{name}：工作簿里没有可见的工作表", hint="可用 --sheet 指定要读取的工作表")
    if hidden:
        listed = "、".join(f"“{ws.title}”" for ws in hidden)
        notes.append(f"隐藏的工作表{listed}未读取；如需读取，请用 --sheet 指定")
    return visible[0]


@dataclass
class _Layout:
    """What the sheet's XML says beyond the values: merged ranges and formula cells."""

    # (top row, first column, last row), 1-based, for ranges spanning more than one row
    merges: list[tuple[int, int, int]] = field(default_factory=list)
    formulas: dict[int, dict[int, bool]] = field(default_factory=dict)  # row → column → result saved
    errors: set[tuple[int, int]] = field(default_factory=set)  # cells holding an error value (#REF! …)


def _scan_sheet(worksheet: Any) -> _Layout:
    layout = _Layout()
    source = getattr(worksheet, "_get_source", None)
    if source is None:  # pragma: no cover - openpyxl's streaming worksheet always has it
        return layout
    with source() as stream:
        if not _has_layout(stream):
            return layout
    from lxml import etree
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

    with source() as stream:
        for _, element in etree.iterparse(
            stream, events=("end",), tag=(f"{_MAIN_NS}c", f"{_MAIN_NS}mergeCell", f"{_MAIN_NS}row")
        ):
            tag = element.tag
            if tag == f"{_MAIN_NS}c":
                formula = element.find(f"{_MAIN_NS}f")
                ref = element.get("r")
                if ref and (formula is not None or element.get("t") == "e"):
                    row, column = coordinate_to_tuple(ref)
                    if element.get("t") == "e":
                        layout.errors.add((row, column))
                    if formula is not None:
                        value = element.find(f"{_MAIN_NS}v")
                        saved = value is not None and value.text is not None
                        layout.formulas.setdefault(row, {})[column] = saved
            elif tag == f"{_MAIN_NS}mergeCell" and element.get("ref"):
                min_col, min_row, _max_col, max_row = range_boundaries(element.get("ref"))
                if max_row > min_row:
                    layout.merges.append((min_row, min_col, max_row))
            else:
                element.clear()
    return layout


def _has_layout(stream: Any) -> bool:
    tail = b""
    while chunk := stream.read(1 << 20):
        if _NEEDS_SCAN.search(tail + chunk):
            return True
        tail = chunk[-32:]
    return False


def _sheet_rows(worksheet: Any, name: str, layout: _Layout) -> Iterator[TableRow]:
    spans: dict[int, list[tuple[int, int]]] = {}  # row → (column, top row) of the merges covering it
    for top, column, bottom in layout.merges:
        for row in range(top + 1, bottom + 1):
            spans.setdefault(row, []).append((column, top))
    tops = {(top, column) for top, column, _ in layout.merges}
    top_values: dict[tuple[int, int], Any] = {}
    row = 0
    try:
        for row, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            values = [_cell_value(v, row, i + 1, layout.errors) for i, v in enumerate(cells)]
            formulas = layout.formulas.get(row, {})
            for column, saved in formulas.items():
                if not saved and column <= len(values) and values[column - 1] == "":
                    values[column - 1] = BadValue(
                        f"单元格 {column_letter(column)}{row} 的公式没有保存计算结果，"
                        "请在 Excel 中打开并保存一次后再试"
                    )
            for column, top in spans.get(row, ()):
                while len(values) < column:
                    values.append("")
                if values[column - 1] == "":
                    values[column - 1] = top_values.get((top, column), "")
            for column in range(1, len(values) + 1):
                if (row, column) in tops:
                    top_values[(row, column)] = values[column - 1]
            yield TableRow(row, values, frozenset(c - 1 for c in formulas))
    except SourceError:
        raise
    except Exception as e:
        raise SourceError(
            f"{name} 第 {row + 1} 行附近：工作表“{worksheet.title}”读取失败，文件可能已损坏"
        ) from e


def _cell_value(value: Any, row: int, column: int, errors: set[tuple[int, int]]) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        if text in ERROR_VALUES and (row, column) in errors:
            return BadValue(
                f"单元格 {column_letter(column)}{row} 是公式错误“{text}”，请在 Excel 中改正这个公式或改为填写内容"
            )
        return text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _damaged_workbook(path: Path, name: str) -> SourceError:
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        head = b""
    if head.startswith(OLE_MAGIC):
        return SourceError(
            f"{name}：这是旧版 .xls 文件或设置了打开密码的 Excel 文件，无法读取",
            hint="请在 Excel 中取消密码，并“另存为”.xlsx 格式后再试",
        )
    return SourceError(
        f"{name}：无法打开 Excel 文件，文件可能已损坏，或不是真正的 .xlsx 文件",
        hint="请用 Excel 打开后重新“另存为”.xlsx 格式再试",
    )
