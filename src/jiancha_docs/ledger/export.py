"""The ledger as a formatted Excel 台账: Chinese headers, frozen header row, real date cells,
overdue rows highlighted, written atomically; and how every export of the ledger is saved
(``save_export``): a file the ledger's own export wrote is refreshed without --force, a file it
did not write is never overwritten without it."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import OutputError
from ..fileio import atomic_file
from ..spreadsheet import set_cell
from .interface import LedgerBase, NullLedger
from .model import Approval, Entry, Step, file_digest

HEADERS = [
    ("序号", 6),
    ("文号", 22),
    ("文书类型", 14),
    ("建议类型", 12),
    ("主送单位", 28),
    ("事由", 28),
    ("成文日期", 15),
    ("反馈期限", 15),
    ("状态", 8),
    ("逾期天数", 9),
    ("送达日期", 15),
    ("反馈日期", 15),
    ("按期", 10),
    ("承办人", 10),
    ("最近变更", 15),
    ("说明", 24),
    ("文件名", 30),
    ("来源", 20),
    # 审核 and 审批 on record (``ledger review``/``ledger approve``): the 备案 part of the register.
    ("审核人", 10),
    ("审核日期", 15),
    ("审核意见", 18),
    ("审批人", 10),
    ("审批日期", 15),
    ("审批意见", 18),
]
OVERDUE_FILL = "FFC7CE"  # Excel's own "bad" red
OVERDUE_FONT = "9C0006"
DATE_FORMAT = "yyyy年m月d日"


def save_export(
    path: Path,
    write: Callable[[IO[bytes]], Any],
    what: str,
    ledger: LedgerBase | None = None,
    force: bool = False,
) -> None:
    """Write an export atomically. An existing file is replaced when the ledger's own export
    wrote it (its digest is the one recorded) or with ``force``; otherwise it is left alone.
    The new file's digest is recorded, so next week's export refreshes it without --force."""
    ledger = ledger or NullLedger()
    path = Path(path)
    if path.exists() and not force:
        if path.is_dir():
            raise OutputError(f"“{path}”是一个文件夹，不能写成导出文件")
        recorded = ledger.export_digest(path)
        if recorded is None or file_digest(path) != recorded:
            why = "不是 jiancha 导出的" if recorded is None else "导出后被修改过"
            raise OutputError(
                f"文件“{path}”已存在，未覆盖（它{why}）；如需覆盖请加 --force",
                hint="jiancha 自己导出的文件再次导出时会直接更新，无需 --force",
            )
    if not path.parent.is_dir():
        raise OutputError(f"无法写入 {path.name}：文件夹 {path.parent} 不存在")
    with atomic_file(path, overwrite=True) as stream:
        write(stream)
    ledger.record_export(path, file_digest(path), what)


def export_xlsx(
    entries: list[Entry],
    path: Path,
    today: dt.date,
    kind_names: dict[str, str],
    force: bool = False,
    ledger: LedgerBase | None = None,
) -> int:
    """Write the 台账 workbook; returns the number of overdue rows highlighted."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    overdue_rows = export_sheet(sheet, entries, today, kind_names, ledger.all_approvals() if ledger else None)
    save_export(path, workbook.save, "台账", ledger, force)
    return overdue_rows


def export_sheet(
    sheet: Any,
    entries: list[Entry],
    today: dt.date,
    kind_names: dict[str, str],
    approvals: dict[str, list[Approval]] | None = None,
) -> int:
    """Fill ``sheet`` with the 台账 rows; returns the number of overdue rows highlighted.
    ``approvals`` (文号 → its 审核/审批 on record) fills the 审核/审批 columns."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from .loop import timeliness

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([h for h, _ in HEADERS])
    for column, (_, width) in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.column_dimensions[get_column_letter(column)].width = width
    overdue_rows = 0
    red_fill = PatternFill("solid", fgColor=OVERDUE_FILL)
    for index, entry in enumerate(entries, start=1):
        late = entry.overdue_days(today)
        lateness = entry.reply_lateness() or None  # a reply that came late keeps its days
        last = entry.history[-1] if entry.history else None
        source = entry.source_text()
        values = [
            index,
            entry.doc_number,
            kind_names.get(entry.kind, entry.kind),
            entry.subtype or "",
            entry.recipient or "",
            entry.subject or "",
            _plain(entry.doc_date),
            _plain(entry.reply_deadline),
            entry.status,
            late or lateness,
            _plain(entry.delivered_on()),
            _plain(entry.replied_on()),
            timeliness(entry, today).label,
            entry.handler or "",
            _plain(last.event_date)
            if last and last.event_date
            else (dt.date.fromisoformat(last.at[:10]) if last else None),
            entry.void_reason or (last.note if last and last.note else ""),
            Path(entry.output_file).name if entry.output_file else "",
            source,
            *_steps((approvals or {}).get(entry.doc_number, [])),
        ]
        row = index + 1
        lines = 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            set_cell(cell, value)  # text from other units' files stays text, never a formula
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str):
                lines = max(lines, -(-_display_width(cell.value) // max(HEADERS[column - 1][1] - 1, 1)))
        # Not every spreadsheet program sizes wrapped rows itself: give the height the text needs.
        sheet.row_dimensions[row].height = 16 * lines
        if late:
            overdue_rows += 1
            for column in range(1, len(HEADERS) + 1):
                cell = sheet.cell(row=row, column=column)
                cell.fill = red_fill
                cell.font = Font(color=OVERDUE_FONT)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{max(sheet.max_row, 1)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    return overdue_rows


def _steps(done: list[Approval]) -> list[Any]:
    """The 审核 then the 审批 columns: who, date, opinion (blank where the step is not on record)."""
    by_step = {a.step: a for a in done}
    values: list[Any] = []
    for step in (Step.REVIEW, Step.APPROVE):
        found = by_step.get(step)
        values += [found.person, _plain(found.on_date), found.opinion or ""] if found else ["", None, ""]
    return values


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(value: dt.date | None) -> dt.date | None:
    """openpyxl writes a real date cell only for a plain ``datetime.date``."""
    return dt.date(value.year, value.month, value.day) if value else None
