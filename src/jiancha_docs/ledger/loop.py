"""The 督办 side of the 建议书 closed loop: what is overdue and why (never delivered, or delivered
with no reply), whether a reply came on time, what is due soon by 承办人, batch status changes,
and the 督办函 records for what is overdue.

Pure functions over ledger entries; the ledger is asked through ``LedgerBase`` only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .db import LedgerError
from .interface import LedgerBase
from .model import AWAITING_REPLY, DELIVERED, ISSUED, PENDING, VOID, Entry

URGING_KIND = "urging_letter"  # 督办函
FOLLOW_UP_KIND = "follow_up_record"  # 回访记录


class Overdue(StrEnum):
    """Why a document is overdue: the letter never reached the unit, or it did and no reply came."""

    UNDELIVERED = "undelivered"
    NO_REPLY = "no_reply"

    @property
    def label(self) -> str:
        return {"undelivered": "未送达", "no_reply": "逾期未反馈"}[self.value]


class Timeliness(StrEnum):
    """The 按期 column: how a document's reply stands against its deadline."""

    ON_TIME = "on_time"
    LATE = "late"  # replied, after the deadline
    OVERDUE = "overdue"  # no reply, deadline passed
    WAITING = "waiting"  # no reply, deadline not passed
    NO_DEADLINE = "no_deadline"
    UNRECORDED = "unrecorded"  # past the reply stage (归档…) with no reply date on record

    @property
    def label(self) -> str:
        return {
            "on_time": "按期",
            "late": "逾期反馈",
            "overdue": "逾期未反馈",
            "waiting": "未到期",
            "no_deadline": "无期限",
            "unrecorded": "未登记反馈日期",
        }[self.value]


def live(entries: Iterable[Entry]) -> list[Entry]:
    """Documents that exist: not voided, not being rendered."""
    return [e for e in entries if e.status not in (VOID, PENDING)]


def overdue_reason(entry: Entry, today: dt.date) -> Overdue | None:
    if not entry.overdue_days(today):
        return None
    return Overdue.UNDELIVERED if entry.status == ISSUED else Overdue.NO_REPLY


def overdue_sorted(entries: Iterable[Entry], today: dt.date) -> list[Entry]:
    """The overdue documents, longest overdue first (then by 文号)."""
    late = [e for e in entries if e.overdue_days(today)]
    return sorted(late, key=lambda e: (-e.overdue_days(today), e.doc_number))


def timeliness(entry: Entry, today: dt.date) -> Timeliness:
    if entry.reply_deadline is None:
        return Timeliness.NO_DEADLINE
    if entry.status in AWAITING_REPLY:
        return Timeliness.OVERDUE if entry.overdue_days(today) else Timeliness.WAITING
    lateness = entry.reply_lateness()
    if lateness is None:  # filed or visited without a reply on record: not counted as replied
        return Timeliness.UNRECORDED
    return Timeliness.LATE if lateness else Timeliness.ON_TIME


def due_soon_by_handler(entries: Iterable[Entry], today: dt.date, days: int) -> dict[str, list[Entry]]:
    """Documents awaiting a reply whose deadline falls within ``days`` days, by 承办人 (those
    already overdue too: a reminder list leaves none out), each group by deadline."""
    limit = today + dt.timedelta(days=days)
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if (
            entry.status in AWAITING_REPLY
            and entry.reply_deadline is not None
            and entry.reply_deadline <= limit
        ):
            groups.setdefault(entry.handler or "", []).append(entry)
    for group in groups.values():
        group.sort(key=lambda e: (e.reply_deadline, e.doc_number))
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0])))


# -- batch status changes ---------------------------------------------------------------------------
@dataclass
class MarkLine:
    """One 文号 of a batch mark and where it came from (a sheet row, or the command line)."""

    number: str
    where: str
    event_date: dt.date | None = None


@dataclass
class MarkProblem:
    line: MarkLine
    message: str


@dataclass
class MarkResult:
    marked: list[Entry] = field(default_factory=list)
    problems: list[MarkProblem] = field(default_factory=list)


class BatchRefused(LedgerError):
    """A batch mark with any bad line: nothing was changed."""


def mark_many(
    ledger: LedgerBase,
    lines: list[MarkLine],
    status: str,
    event_date: dt.date | None,
    note: str | None,
    today: dt.date,
    approval_needed: bool = False,
) -> MarkResult:
    """All or nothing: every line is checked inside one transaction; if any is refused (an unknown
    文号, a status it cannot take, a date out of order, the same 文号 twice) the whole batch is
    rolled back and every problem is reported, so a 回执 sheet is fixed and run again whole."""
    result = MarkResult()
    seen: dict[str, MarkLine] = {}
    try:
        with ledger.batch():
            for line in lines:
                key = _normalised(line.number)
                if key in seen:
                    result.problems.append(MarkProblem(line, f"与{seen[key].where}重复"))
                    continue
                seen[key] = line
                try:
                    if approval_needed:
                        require_approval(ledger, line.number, status)
                    result.marked.append(
                        ledger.mark(line.number, status, line.event_date or event_date, note, today=today)
                    )
                except LedgerError as e:
                    result.problems.append(MarkProblem(line, e.message))
            if result.problems:
                raise _Rollback
    except _Rollback:
        result.marked = []
    return result


class _Rollback(Exception):
    pass


def _normalised(number: str) -> str:
    from ..gbt9704 import normalise_number

    return normalise_number(number.strip())


def lines_from_sheet(
    path: Path, column: str, date_column: str | None, sheet: str | None = None
) -> list[MarkLine]:
    """The 文号 of a 回执 sheet's column (and each row's date, with ``date_column``)."""
    from ..kinds.fields import FieldProblem, FieldSpec, convert
    from ..sources import open_source

    lines: list[MarkLine] = []
    with open_source(path, sheet=sheet) as source:
        headers = [str(h).strip() for h in source.headers]
        for wanted in (column, date_column):
            if wanted and wanted not in headers:
                raise LedgerError(
                    f"{path.name} 中没有“{wanted}”列",
                    hint=f"表头为：{'、'.join(h for h in headers if h)}；可用 --column/--date-column 指定列名",
                )
        for record in source.records():
            value = record.values.get(column)
            if value is None or not str(value).strip():
                continue
            where = f"{path.name} 第 {record.location.row} 行"
            when = None
            raw_date = record.values.get(date_column) if date_column else None
            if raw_date not in (None, ""):
                try:
                    when = convert(FieldSpec("date", date_column or "日期", "date"), raw_date)
                except FieldProblem as problem:
                    raise LedgerError(f"{where}「{date_column}」：{problem}") from None
            lines.append(MarkLine(str(value).strip(), where, when))
    if not lines:
        raise LedgerError(f"{path.name} 的“{column}”列没有文号")
    return lines


# -- 督办函 for what is overdue ------------------------------------------------------------------------
@dataclass
class UrgingPlan:
    """One overdue document and what to do about it: a new 督办函, or the one it already has."""

    entry: Entry
    days: int
    reason: Overdue
    existing: Entry | None  # a live 督办函 for this overdue period


def urging_plans(ledger: LedgerBase, entries: Iterable[Entry], today: dt.date) -> list[UrgingPlan]:
    """Every overdue document, longest overdue first, with the 督办函 it already has for the
    current overdue period: a live 督办函 answering it dated after its current deadline. A new
    deadline (a correction of the delivery date, say) starts a new period."""
    plans = []
    for entry in overdue_sorted(entries, today):
        if entry.kind == URGING_KIND:
            continue  # a 督办函 is not itself urged by another
        existing = next(
            (
                f
                for f in ledger.followups(entry.doc_number)
                if f.kind == URGING_KIND
                and f.status != VOID
                and f.doc_date is not None
                and entry.reply_deadline is not None
                and f.doc_date > entry.reply_deadline
            ),
            None,
        )
        reason = overdue_reason(entry, today)
        assert reason is not None
        plans.append(UrgingPlan(entry, entry.overdue_days(today), reason, existing))
    return plans


def urging_record(plan: UrgingPlan, today: dt.date, kind_name: str, term: str) -> dict[str, Any]:
    """A 督办函 record (field labels as the urging_letter schema names them) for one overdue
    document; the ledger fills the original's date, deadline and subject (its ``fill``)."""
    from ..kinds.fields import CnDate

    entry = plan.entry
    assert entry.reply_deadline is not None  # an overdue plan is one with a deadline
    what = entry.subject or kind_name
    if plan.reason is Overdue.UNDELIVERED:
        problem = (
            f"{kind_name}（{entry.doc_number}）于{CnDate.of(entry.doc_date) if entry.doc_date else ''}印发，"
            f"反馈期限为{CnDate.of(entry.reply_deadline)}，截至{CnDate.of(today)}已逾期{plan.days}天，台账中尚无送达记录"
        )
    else:
        delivered = entry.delivered_on()
        problem = (
            f"{kind_name}（{entry.doc_number}）"
            + (f"已于{CnDate.of(delivered)}送达，" if delivered else "已送达，")
            + f"反馈期限为{CnDate.of(entry.reply_deadline)}，截至{CnDate.of(today)}已逾期{plan.days}天仍未书面反馈"
        )
    return {
        "主送单位": entry.recipient or "",
        "原交办文号": entry.doc_number,
        "交办事项": what,
        "督办情形": "超过期限仍未办结",
        "存在问题": [problem],
        "办理期限": term,
        "成文日期": today.isoformat(),
        **({"联系人": entry.handler} if entry.handler else {}),
    }


def documents_rectified(entries: Iterable[Entry], items_by_number: dict[str, list[Any]]) -> list[Entry]:
    """整改到位: a document with items, every one of them done."""
    from .model import ItemState

    return [
        e
        for e in entries
        if items_by_number.get(e.doc_number)
        and all(i.state is ItemState.DONE for i in items_by_number[e.doc_number])
    ]


def follow_up_record(
    entry: Entry, items: list[Any], today: dt.date, visitors: str, visit_date: dt.date
) -> dict[str, Any]:
    """A 回访记录 record (labels as the follow_up_record schema names them) from a document's items:
    each item with its evidence, the conclusion 整改到位 only when every item is done."""
    from .model import ItemStatus

    rows = []
    for item in items:
        status = item.status(today)
        progress = item.evidence or (
            f"佐证材料：{Path(item.evidence_file).name}" if item.evidence_file else ""
        )
        if status is ItemStatus.DONE:
            verdict = "已完成"
        else:
            verdict = "未完成" if status is ItemStatus.OVERDUE else "正在推进"
            progress = progress or (
                "已超过完成时限，尚未完成" if status is ItemStatus.OVERDUE else "尚未完成"
            )
        rows.append({"整改任务": item.task, "落实情况": progress or "已完成", "评价": verdict})
    finished = bool(items) and all(r["评价"] == "已完成" for r in rows)
    record: dict[str, Any] = {
        "回访类型": "整改回访",
        "回访所涉文号": entry.doc_number,
        "回访日期": visit_date.isoformat(),
        "回访人员": visitors,
        "整改任务落实情况": rows,
        "回访结论": "整改到位" if finished else "需继续督办",
        "成文日期": today.isoformat(),
    }
    if not finished:
        open_tasks = [r["整改任务"] for r in rows if r["评价"] != "已完成"]
        record["后续督办要求"] = [f"限期完成：{task}" for task in open_tasks]
        record["督办期限"] = "20个工作日"
    return record


def require_approval(ledger: LedgerBase, number: str, status: str) -> None:
    """With ``[ledger] approval`` on, a document is delivered only once its 审批 is on record."""
    from .model import Step

    if status != DELIVERED:
        return
    if not any(a.step is Step.APPROVE for a in ledger.approvals(number)):
        entry = ledger.find(number)
        raise LedgerError(
            f"文号“{entry.doc_number}”尚未登记审批，不能标记为已送达（本单位配置了 [ledger] approval）",
            hint=f"先运行 jiancha ledger review {entry.doc_number} --by 审核人，再 jiancha ledger approve {entry.doc_number} --by 审批人",
        )
