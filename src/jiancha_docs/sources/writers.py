"""Writers for the input formats: CSV, XLSX and YAML files a clerk can open, fill in and read back.

Used for starter files (``jiancha new``) and by tests that need real input files. Every writer is
atomic: it writes a temporary file in the target's directory and moves it into place with
``os.replace``, so an interrupted write never leaves a half-written file under the real name, and a
file open in another program is either replaced whole or not at all. Failures raise ``OutputError``
with a Chinese message naming the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Mapping, Sequence
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..fileio import atomic_file

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def write_csv(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig"
) -> None:
    """Write a CSV as Excel does (CRLF line ends; utf-8-sig by default so Excel shows Chinese correctly).

    Values become text: ``None`` → "", a list → its items joined by newlines, a date → 2024-12-01, a
    datetime at midnight → its date, an integral float → 30.
    """
    path = Path(path)
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([_text(h) for h in headers])
            for row in rows:
                writer.writerow([_text(v) for v in row])
            text.flush()
        except UnicodeEncodeError as e:
            char = e.object[e.start : e.end]
            raise OutputError(
                f"{path.name}：内容中的字符“{char}”无法用 {encoding} 编码保存，请改用 UTF-8（utf-8-sig）编码"
            ) from e
        finally:
            with suppress(ValueError):
                text.detach()


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sheet_title: str = "数据",
    column_widths: Sequence[float | None] | Mapping[str, float] | None = None,
) -> None:
    """Write a one-sheet workbook: bold, frozen header row; wrapped text; dates as real date cells.

    ``column_widths`` gives widths in Excel's character units, in column order or by header name;
    columns without one are sized to their content (CJK characters count double).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)

    for column, header in enumerate(headers, start=1):
        _put(sheet, 1, column, _text(header), path, wrap).font = bold
    for row_index, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            _put(sheet, row_index, column, value, path, wrap)
    sheet.freeze_panes = "A2"

    for index, header in enumerate(headers):
        letter = get_column_letter(index + 1)
        width = _given_width(column_widths, index, header)
        if width is None:
            width = _fitted_width([header, *(r[index] for r in rows[:200] if index < len(r))])
        sheet.column_dimensions[letter].width = width

    with atomic_file(path) as raw:
        workbook.save(raw)


def write_yaml(path: Path, records: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> None:
    """Write records as a YAML list (a single mapping is written as a one-item list).

    Chinese stays readable (``allow_unicode``), keys keep their order, multi-line text is written as a
    literal ``|`` block, dates as plain ``2024-12-01``.
    """
    import yaml

    path = Path(path)
    items = [records] if isinstance(records, Mapping) else list(records)
    document = [_plain(item) for item in items]
    text = yaml.dump(
        document,
        Dumper=_dumper(),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=4096,
    )
    with atomic_file(path) as raw:
        raw.write(text.encode("utf-8"))


# ------------------------------------------------------------------------------------------- values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_native(value: Any) -> Any:
    """A value openpyxl stores as itself; anything else as text."""
    if value is None or isinstance(value, str | bool | int | float | Decimal | dt.date | dt.time):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones
        return value
    return _text(value)


def _plain(value: Any) -> Any:
    """Plain dicts, lists and scalars that yaml.SafeDumper can represent."""
    if isinstance(value, Mapping):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float | dt.date):
        return value
    return str(value)


def _plain_key(key: Any) -> Any:
    return key if key is None or isinstance(key, str | bool | int | float | dt.date) else str(key)


def _put(sheet: Any, row: int, column: int, value: Any, path: Path, alignment: Any) -> Any:
    """Set one cell: text stays text (even "=…"), dates get a date format."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    value = _xlsx_native(value)
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        raise OutputError(
            f"{path.name}：第 {row} 行 {get_column_letter(column)} 列的内容含有 Excel 不允许的控制字符，无法保存"
        )
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and (value.startswith("=") or cell.data_type == "e"):
        cell.data_type = "s"  # text that merely looks like a formula (or "#N/A") stays text
    elif isinstance(value, dt.datetime):
        cell.number_format = DATE_FORMAT if value.time() == dt.time() else DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    cell.alignment = alignment
    return cell


def _given_width(
    widths: Sequence[float | None] | Mapping[str, float] | None, index: int, header: str
) -> float | None:
    if widths is None:
        return None
    if isinstance(widths, Mapping):
        return widths.get(header)
    return widths[index] if index < len(widths) else None


def _fitted_width(values: Sequence[Any]) -> float:
    widest = 0
    for value in values:
        for line in _text(value).split("\n"):
            widest = max(widest, sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line))
    return float(min(max(widest + 2, 8), 60))


_DUMPER: type | None = None


def _dumper() -> type:
    """A SafeDumper that writes multi-line text as literal ``|`` blocks."""
    global _DUMPER
    if _DUMPER is None:
        import yaml

        class LiteralDumper(yaml.SafeDumper):
            pass

        def represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
            style = "|" if "\n" in value else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        LiteralDumper.add_representer(str, represent_str)
        _DUMPER = LiteralDumper
    return _DUMPER
