"""The Monday report (``jiancha ledger report``): what is overdue, split into 未送达 and 逾期未反馈
and sorted by days overdue, the 整改 items, and statistics by unit, kind and month, as an .xlsx
with native Excel charts and as JSON with English keys. The figures are computed once
(``figures``) and both outputs are made from them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .interface import LedgerBase
from .loop import Overdue, Timeliness, documents_rectified, live, overdue_reason, overdue_sorted, timeliness
from .model import Entry, Item, ItemStatus, iso


@dataclass
class Tally:
    """One line of a statistics table."""

    key: str
    issued: int = 0  # documents with a reply deadline
    replied: int = 0
    on_time: int = 0
    late: int = 0  # replied after the deadline
    undelivered: int = 0  # overdue, never delivered
    no_reply: int = 0  # overdue, delivered, no reply

    @property
    def overdue(self) -> int:
        return self.undelivered + self.no_reply

    def add(self, entry: Entry, today: dt.date) -> None:
        self.issued += 1
        state = timeliness(entry, today)
        if state in (Timeliness.ON_TIME, Timeliness.LATE):
            self.replied += 1
            self.on_time += state is Timeliness.ON_TIME
            self.late += state is Timeliness.LATE
        reason = overdue_reason(entry, today)
        self.undelivered += reason is Overdue.UNDELIVERED
        self.no_reply += reason is Overdue.NO_REPLY

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "overdue": self.overdue}


@dataclass
class Figures:
    today: dt.date
    total: Tally
    undelivered: list[Entry]
    no_reply: list[Entry]
    by_unit: list[Tally]
    by_kind: list[Tally]
    by_month: list[Tally]
    items: Counter[str] = field(default_factory=Counter)  # ItemStatus value → count
    rectified: int = 0  # documents whose items are all done (整改到位)
    with_items: int = 0
    entries: list[Entry] = field(default_factory=list)

    def as_json(self, kind_names: dict[str, str]) -> dict[str, Any]:
        def overdue_row(e: Entry) -> dict[str, Any]:
            return {
                "doc_number": e.doc_number,
                "kind": e.kind,
                "recipient": e.recipient,
                "handler": e.handler,
                "doc_date": iso(e.doc_date),
                "delivered_on": iso(e.delivered_on()),
                "reply_deadline": iso(e.reply_deadline),
                "overdue_days": e.overdue_days(self.today),
            }

        return {
            "as_of": self.today.isoformat(),
            "total": self.total.as_json(),
            "overdue": {
                "undelivered": [overdue_row(e) for e in self.undelivered],
                "no_reply": [overdue_row(e) for e in self.no_reply],
            },
            "by_unit": [t.as_json() for t in self.by_unit],
            "by_kind": [{**t.as_json(), "name": kind_names.get(t.key, t.key)} for t in self.by_kind],
            "by_month": [t.as_json() for t in self.by_month],
            "items": {
                "total": sum(self.items.values()),
                **{status.value: self.items.get(status.value, 0) for status in ItemStatus},
                "documents_with_items": self.with_items,
                "documents_rectified": self.rectified,
            },
        }


def figures(entries: list[Entry], items: list[Item], today: dt.date) -> Figures:
    """The report's figures. ``entries`` need their history (for 送达/反馈 dates). Documents
    without a reply deadline are left out of the statistics (nothing to follow up)."""
    followed = [e for e in live(entries) if e.reply_deadline is not None]
    total = Tally("合计")
    units: dict[str, Tally] = {}
    kinds: dict[str, Tally] = {}
    months: dict[str, Tally] = {}
    for entry in followed:
        total.add(entry, today)
        units.setdefault(entry.recipient or "（未填写）", Tally(entry.recipient or "（未填写）")).add(
            entry, today
        )
        kinds.setdefault(entry.kind, Tally(entry.kind)).add(entry, today)
        month = f"{entry.doc_date.year}-{entry.doc_date.month:02d}" if entry.doc_date else "（无日期）"
        months.setdefault(month, Tally(month)).add(entry, today)
    late = overdue_sorted(followed, today)
    live_numbers = {e.doc_number for e in live(entries)}
    own_items = [i for i in items if i.doc_number in live_numbers]
    by_number: dict[str, list[Item]] = {}
    for item in own_items:
        by_number.setdefault(item.doc_number, []).append(item)
    return Figures(
        today=today,
        total=total,
        undelivered=[e for e in late if overdue_reason(e, today) is Overdue.UNDELIVERED],
        no_reply=[e for e in late if overdue_reason(e, today) is Overdue.NO_REPLY],
        by_unit=sorted(units.values(), key=lambda t: (-t.overdue, -t.issued, t.key)),
        by_kind=sorted(kinds.values(), key=lambda t: t.key),
        by_month=sorted(months.values(), key=lambda t: t.key),
        items=Counter(i.status(today).value for i in own_items),
        rectified=len(documents_rectified(live(entries), by_number)),
        with_items=len(by_number),
        entries=followed,
    )


def report_figures(ledger: LedgerBase, entries: list[Entry], today: dt.date) -> Figures:
    full = [ledger.find(e.doc_number) for e in entries]
    return figures(full, ledger.items(), today)


# -- the workbook ---------------------------------------------------------------------------------
TALLY_HEADERS = [
    ("印发", "issued"),
    ("已反馈", "replied"),
    ("按期反馈", "on_time"),
    ("逾期反馈", "late"),
    ("逾期未送达", "undelivered"),
    ("逾期未反馈", "no_reply"),
    ("逾期合计", "overdue"),
]
OVERDUE_HEADERS = [
    ("序号", 6),
    ("文号", 22),
    ("文书类型", 14),
    ("主送单位", 28),
    ("承办人", 10),
    ("成文日期", 15),
    ("送达日期", 15),
    ("反馈期限", 15),
    ("逾期天数", 9),
]


def write_report(
    figs: Figures,
    path: Path,
    kind_names: dict[str, str],
    ledger: LedgerBase | None = None,
    force: bool = False,
) -> None:
    """The report workbook: 报表 (title, 截至 line, totals, the two overdue lists), 统计 (by unit,
    kind and month, with two charts), 明细 (every followed document with its dates)."""
    from openpyxl import Workbook

    from ..kinds.fields import CnDate
    from .export import export_sheet, save_export

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "报表"
    sheet_title(sheet, "建议书督办情况报表", f"截至 {CnDate.of(figs.today)}", len(OVERDUE_HEADERS))
    t = figs.total
    summary = [
        ("印发（有反馈期限）", t.issued),
        ("已反馈", t.replied),
        ("其中按期反馈", t.on_time),
        ("其中逾期反馈", t.late),
        ("逾期未送达", t.undelivered),
        ("逾期未反馈", t.no_reply),
        ("整改任务总数", sum(figs.items.values())),
        ("整改任务已完成", figs.items.get(ItemStatus.DONE.value, 0)),
        ("整改任务逾期", figs.items.get(ItemStatus.OVERDUE.value, 0)),
        ("整改到位的文书", f"{figs.rectified} / {figs.with_items}"),
    ]
    row = 4
    for label, value in summary:
        _cells(sheet, row, [label, value], bold_first=True)
        row += 1
    for heading, listed in (("一、逾期未送达", figs.undelivered), ("二、逾期未反馈", figs.no_reply)):
        row += 1
        sheet.cell(row=row, column=1, value=f"{heading}（{len(listed)} 份，按逾期天数排列）").font = _bold()
        row += 1
        row = sheet_table(
            sheet,
            row,
            [h for h, _ in OVERDUE_HEADERS],
            [
                [
                    index,
                    e.doc_number,
                    kind_names.get(e.kind, e.kind),
                    e.recipient or "",
                    e.handler or "",
                    _plain(e.doc_date),
                    _plain(e.delivered_on()),
                    _plain(e.reply_deadline),
                    e.overdue_days(figs.today),
                ]
                for index, e in enumerate(listed, start=1)
            ],
        )
    sheet_widths(sheet, [w for _, w in OVERDUE_HEADERS])
    print_setup(sheet)

    stats = workbook.create_sheet("统计")
    sheet_title(stats, "分类统计", f"截至 {CnDate.of(figs.today)}", len(TALLY_HEADERS) + 1)
    row = 4
    anchors = {}
    for heading, first, tallies in (
        ("按主送单位", "主送单位", figs.by_unit),
        ("按文书类型", "文书类型", figs.by_kind),
        ("按成文月份", "月份", figs.by_month),
    ):
        stats.cell(row=row, column=1, value=heading).font = _bold()
        row += 1
        start = row
        names = (lambda k: kind_names.get(k, k)) if first == "文书类型" else (lambda k: k)
        row = sheet_table(
            stats,
            row,
            [first, *(h for h, _ in TALLY_HEADERS)],
            [[names(t.key), *(getattr(t, key) for _, key in TALLY_HEADERS)] for t in tallies],
        )
        anchors[first] = (start, row - 1)
        row += 1
    sheet_widths(stats, [30, *(11 for _ in TALLY_HEADERS)])
    _charts(stats, anchors, len(TALLY_HEADERS) + 3)
    print_setup(stats)

    detail = workbook.create_sheet("明细")
    export_sheet(detail, figs.entries, figs.today, kind_names)
    save_export(path, workbook.save, "报表", ledger, force)


def _charts(sheet: Any, anchors: dict[str, tuple[int, int]], column: int) -> None:
    """Issued vs replied on time per month; overdue per unit (native charts, not pictures)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    keys = [key for _, key in TALLY_HEADERS]
    first, last = anchors["月份"]
    monthly = BarChart()
    monthly.type = "col"
    monthly.title = "各月印发与按期反馈"
    monthly.y_axis.title = "份数"
    monthly.x_axis.title = "成文月份"
    for key in ("issued", "on_time"):
        col = 2 + keys.index(key)
        monthly.add_data(Reference(sheet, min_col=col, min_row=first, max_row=last), titles_from_data=True)
    monthly.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=last))
    monthly.height, monthly.width = 8, 18
    sheet.add_chart(monthly, f"{get_column_letter(column)}4")

    first, last = anchors["主送单位"]
    units = BarChart()
    units.type = "bar"
    units.title = "各单位逾期情况"
    units.x_axis.title = "主送单位"
    units.y_axis.title = "份数"
    units.grouping = "stacked"
    units.overlap = 100
    for key in ("undelivered", "no_reply"):
        col = 2 + keys.index(key)
        units.add_data(Reference(sheet, min_col=col, min_row=first, max_row=last), titles_from_data=True)
    units.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=last))
    units.height, units.width = max(8, 0.6 * (last - first)), 18
    sheet.add_chart(units, f"{get_column_letter(column)}22")


# -- small sheet helpers shared by the report and the archive --------------------------------------
def _bold() -> Any:
    from openpyxl.styles import Font

    return Font(bold=True)


def sheet_title(sheet: Any, title: str, subtitle: str, span: int) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
    cell = sheet.cell(row=1, column=1, value=title)
    cell.font = Font(bold=True, size=16)
    cell.alignment = Alignment(horizontal="center")
    sub = sheet.cell(row=2, column=1, value=subtitle)
    sub.alignment = Alignment(horizontal="center")
    sheet.row_dimensions[1].height = 28


def _cells(sheet: Any, row: int, values: list[Any], bold_first: bool = False) -> None:
    from ..spreadsheet import set_cell

    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        set_cell(cell, value)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy年m月d日"
        if bold_first and column == 1:
            cell.font = _bold()


def sheet_table(sheet: Any, row: int, headers: list[str], rows: list[list[Any]]) -> int:
    """A bordered table from ``row``; returns the row after it."""
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    _cells(sheet, row, headers)
    for column in range(1, len(headers) + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = _bold()
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in rows:
        row += 1
        _cells(sheet, row, values)
        for column in range(1, len(headers) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    if not rows:
        row += 1
        sheet.cell(row=row, column=1, value="无")
    return row + 1


def sheet_widths(sheet: Any, widths: list[float]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def print_setup(sheet: Any) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _plain(value: dt.date | None) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value else None


def write_reminders(
    groups: dict[str, list[Entry]],
    path: Path,
    today: dt.date,
    kind_names: dict[str, str],
    ledger: LedgerBase | None = None,
    force: bool = False,
) -> None:
    """``ledger remind -o``: one sheet, the documents due soon or overdue, grouped by 承办人."""
    from openpyxl import Workbook

    from ..kinds.fields import CnDate
    from .export import save_export

    headers = [("序号", 6), ("文号", 22), ("文书类型", 14), ("主送单位", 28), ("反馈期限", 15), ("情况", 16)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "到期提醒"
    sheet_title(sheet, "反馈期限提醒", f"截至 {CnDate.of(today)}", len(headers))
    row = 4
    for handler, group in groups.items():
        sheet.cell(
            row=row, column=1, value=f"承办人：{handler or '（未登记）'}（{len(group)} 份）"
        ).font = _bold()
        row += 1
        rows = []
        for index, entry in enumerate(group, start=1):
            late = entry.overdue_days(today)
            left = (entry.reply_deadline - today).days if entry.reply_deadline else 0
            state = f"已逾期 {late} 天" if late else ("今天到期" if left == 0 else f"还有 {left} 天")
            rows.append(
                [
                    index,
                    entry.doc_number,
                    kind_names.get(entry.kind, entry.kind),
                    entry.recipient or "",
                    _plain(entry.reply_deadline),
                    state,
                ]
            )
        row = sheet_table(sheet, row, [h for h, _ in headers], rows) + 1
    sheet_widths(sheet, [w for _, w in headers])
    print_setup(sheet)
    save_export(path, workbook.save, "到期提醒", ledger, force)
