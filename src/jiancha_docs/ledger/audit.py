"""The audit trail (审计日志): an append-only record of every change to a ledger — entries,
status marks, corrections, voids, logins, failed logins and account changes — with who made
it, when, from where, and what it was before and after.

Every backend writes it through :func:`record`, in the transaction of the change itself, so a
change and its audit line are committed together or not at all. Nothing updates or deletes an
audit line: on PostgreSQL a trigger refuses it (see postgres.py).

An :class:`Actor` is who acts: an account of the office server, or, on the command line, the
operating-system user ("命令行")."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Action(StrEnum):
    """What an audit line records. The value is stored; the label is shown."""

    ENTRY = "entry"  # a number taken or registered
    ISSUE = "issue"  # the document was written
    MARK = "mark"  # a follow-up status change
    CORRECT = "correct"  # the last status replaced
    UNDO = "undo"  # the last change taken back
    VOID = "void"
    NOTE = "note"  # a re-render, a recovery
    MOVED = "moved"  # the record's row moved
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ACCOUNT = "account"  # an account added, its password or role changed, disabled
    TRANSFER = "transfer"  # the ledger was copied here by ledger migrate
    # the closed loop (loop.py and the ledger's closed-loop operations)
    ASSIGN = "assign"  # 承办人 set
    TASK_ADD = "task_add"  # 整改 items added by hand
    TASK_DONE = "task_done"  # an item ticked off with its evidence
    APPROVAL = "approval"  # 审核 or 审批 on record
    ARCHIVE = "archive"  # filed (立卷归档)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.ENTRY: "登记文号",
    Action.ISSUE: "印发",
    Action.MARK: "变更状态",
    Action.CORRECT: "更正状态",
    Action.UNDO: "撤销变更",
    Action.VOID: "作废",
    Action.NOTE: "备注",
    Action.MOVED: "来源行移动",
    Action.LOGIN: "登录",
    Action.LOGIN_FAILED: "登录失败",
    Action.LOGOUT: "退出登录",
    Action.ACCOUNT: "账户变更",
    Action.TRANSFER: "迁移台账",
    Action.ASSIGN: "指定承办人",
    Action.TASK_ADD: "登记整改任务",
    Action.TASK_DONE: "整改任务完成",
    Action.APPROVAL: "审核审批",
    Action.ARCHIVE: "立卷归档",
}

CLI_SOURCE = "命令行"


@dataclass(frozen=True)
class Actor:
    """Who makes a change and from where: an account name (or the OS user) and the source
    (the client's address for the web, "命令行@host" for the CLI)."""

    name: str
    source: str

    @classmethod
    def command_line(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a container)
            user = "未知用户"
        return cls(user, f"{CLI_SOURCE}@{socket.gethostname()}")


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: str
    actor: str
    source: str
    action: str
    doc_number: str | None
    before: Any
    after: Any
    note: str | None

    @property
    def action_label(self) -> str:
        try:
            return Action(self.action).label
        except ValueError:
            return self.action

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "source": self.source,
            "action": self.action,
            "doc_number": self.doc_number,
            "before": self.before,
            "after": self.after,
            "note": self.note,
        }


Execute = Callable[..., Any]  # a ledger's statement runner: (sql, args) → rows


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def record(
    execute: Execute,
    actor: Actor,
    action: Action,
    doc_number: str | None = None,
    before: Any = None,
    after: Any = None,
    note: str | None = None,
    at: str | None = None,
) -> None:
    """Append one audit line (in the caller's transaction)."""
    execute(
        "INSERT INTO audit (at, actor, source, action, doc_number, before, after, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at or now(), actor.name, actor.source, action.value, doc_number, _dump(before), _dump(after), note),
    )


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def lines(
    execute: Execute,
    doc_number: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[AuditLine]:
    """The audit trail, oldest first, optionally of one 文号, one account, or since a date."""
    sql, args = (
        "SELECT id, at, actor, source, action, doc_number, before, after, note FROM audit WHERE 1 = 1",
        [],
    )
    if doc_number:
        sql += " AND doc_number = ?"
        args.append(doc_number)
    if actor:
        sql += " AND actor = ?"
        args.append(actor)
    if since:
        sql += " AND at >= ?"
        args.append(since)
    sql += " ORDER BY id"
    rows = execute(sql, args).fetchall()
    if limit is not None:
        rows = rows[-limit:]
    return [AuditLine(r[0], r[1], r[2], r[3], r[4], r[5], _load(r[6]), _load(r[7]), r[8]) for r in rows]


def trail(
    ledger: Any, doc_number: str | None = None, actor: str | None = None, since: str | None = None
) -> list[AuditLine]:
    """An open ledger's audit trail (see :func:`lines`)."""
    return lines(ledger._sql, doc_number, actor, since)


COLUMNS = ["时间", "操作人", "来源", "操作", "文号", "变更前", "变更后", "说明"]


def table_rows(items: Iterable[AuditLine]) -> list[list[str]]:
    """The audit trail as the table a clerk reads (``ledger audit``, the Excel export)."""
    return [
        [
            item.at,
            item.actor,
            item.source,
            item.action_label,
            item.doc_number or "",
            _shown(item.before),
            _shown(item.after),
            item.note or "",
        ]
        for item in items
    ]


# How the keys of a before/after value are shown (they are stored in English).
KEY_LABELS = {
    "status": "状态",
    "event_date": "日期",
    "name": "账户",
    "role": "角色",
    "disabled": "已停用",
    "source_file": "来源文件",
    "source_row": "行",
    "entries": "文号",
    "history": "状态记录",
    "audit": "审计记录",
    "handler": "承办人",
    "tasks": "整改任务",
    "seq": "序号",
    "state": "完成情况",
    "evidence": "佐证",
    "evidence_file": "佐证材料",
    "done_on": "完成日期",
    "step": "环节",
    "person": "人员",
    "on_date": "日期",
    "opinion": "意见",
    "archive_code": "档号",
    "piece": "件号",
    "retention": "保管期限",
    "pages": "页数",
    "closed_loop": "闭环记录",
    "drafts": "草稿",
}


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(k, k)}：{_plain(v)}" for k, v in value.items() if v is not None)
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def export_xlsx(items: list[AuditLine], destination: Path, force: bool = False) -> Path:
    """The audit trail as an Excel file, written atomically; text cells never become formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..errors import OutputError
    from ..fileio import atomic_file
    from ..spreadsheet import set_cell

    destination = Path(destination)
    if destination.exists() and not force:
        raise OutputError(f"文件“{destination}”已存在，未覆盖；如需覆盖请加 --force")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "审计日志"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, values in enumerate(table_rows(items), start=2):
        for column, value in enumerate(values, start=1):
            set_cell(sheet.cell(row=row_number, column=column), value)
    for letter, width in zip("ABCDEFGH", (20, 12, 24, 12, 22, 30, 30, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    with atomic_file(destination, overwrite=True) as stream:
        workbook.save(stream)
    return destination


# How a ledger history line (sqlite.py's SET/CORRECT/UNDO/NOTE) is named in the audit trail.
def _history_action(status: str, how: str) -> Action:
    from .model import ISSUED, PENDING, VOID

    if how == "correct":
        return Action.CORRECT
    if how == "undo":
        return Action.UNDO
    if how == "note":
        return Action.NOTE
    return {PENDING: Action.ENTRY, ISSUED: Action.ISSUE, VOID: Action.VOID}.get(status, Action.MARK)


def record_history(
    execute: Execute,
    actor: Actor,
    document_id: int,
    status: str,
    how: str,
    note: str | None,
    event_date: str | None,
) -> None:
    """The audit line of a ledger history line, before it is written: the status before is the
    entry's last recorded one."""
    row = execute(
        "SELECT d.doc_number, (SELECT h.status FROM history h WHERE h.document_id = d.id "
        "ORDER BY h.id DESC LIMIT 1) FROM documents d WHERE d.id = ?",
        (document_id,),
    ).fetchone()
    number, previous = (row[0], row[1]) if row is not None else (None, None)
    after: dict[str, Any] = {"status": status}
    if event_date:
        after["event_date"] = event_date
    record(
        execute,
        actor,
        _history_action(status, how),
        number,
        {"status": previous} if previous else None,
        after,
        note,
    )


def record_moved(
    execute: Execute, actor: Actor, number: str, source_file: str | None, row: int | None
) -> None:
    before = execute(
        "SELECT source_file, source_row FROM documents WHERE doc_number = ?", (number,)
    ).fetchone()
    record(
        execute,
        actor,
        Action.MOVED,
        number,
        {"source_file": before[0], "source_row": before[1]} if before else None,
        {"source_file": source_file, "source_row": row},
    )
