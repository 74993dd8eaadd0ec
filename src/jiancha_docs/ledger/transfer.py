"""Moving a ledger with its full history from one backend to another (``jiancha ledger migrate
--to URL``: an office's SQLite file onto the server; ``ledger backup`` of a server's ledger to
a SQLite file).

Everything is copied — counters, entries with every column (a re-render in progress among them:
the pending digest, file and details), their status history, the closed loop's records of each
entry (整改 items, 审核/审批, 立卷归档), the drafts awaiting approval (草稿号) with the 审核/审批 on
record against them, the audit trail and the accounts — in one transaction of the target: a
failure leaves the target as it was. A draft is tied to the document it became by its identity,
which both copy verbatim, so a numbered document keeps its draft's 审核/审批.

The ``exports`` table is not copied: it records files this machine's exports wrote (their paths
and digests, so a report refreshes its own file but never overwrites one a clerk changed); those
paths mean nothing on the server, which therefore asks for ``--force`` the first time it would
overwrite such a file.

The copy is idempotent: an entry or a draft the target already holds, identical with its history
or its approvals, is left alone, so running it again copies nothing. It refuses a target that
holds other numbers of the same 代字 and year (an office that already numbers on the server), and
a target whose copy of an entry or of a draft has moved on since, naming them: a 文号 is never
issued twice, and a 草稿号 names one document."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .audit import Action, Actor, record
from .db import LedgerError

AUDIT_COLUMNS = ("at", "actor", "source", "action", "doc_number", "before", "after", "note")
ACCOUNT_COLUMNS = ("name", "role", "password_hash", "disabled", "created_at", "changed_at")
HISTORY_COLUMNS = ("status", "at", "event_date", "note", "action")
# The closed loop's tables, each row belonging to one entry (document_id): the columns copied,
# and the order their rows are read in.
LOOP_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "items": (
        (
            "seq",
            "task",
            "owner",
            "deadline",
            "deadline_text",
            "state",
            "evidence",
            "evidence_file",
            "done_on",
            "created_at",
        ),
        "id",
    ),
    "approvals": (("step", "person", "on_date", "opinion", "at"), "id"),
    "archived": (("archive_code", "piece", "retention", "pages", "at"), "document_id"),
}
DRAFT_COLUMNS = ("handle", "identity", "kind", "at")
DRAFT_APPROVAL_COLUMNS = ("step", "person", "on_date", "opinion", "at")


@dataclass
class TransferReport:
    entries: int = 0  # entries copied
    already: int = 0  # entries the target held already
    history: int = 0
    audit: int = 0
    accounts: int = 0
    closed_loop: int = 0  # rows of items, approvals and archived copied
    drafts: int = 0  # drafts awaiting approval (草稿号) copied
    draft_approvals: int = 0  # the 审核/审批 on record against them
    years: list[tuple[str, int]] = field(default_factory=list)  # (代字, 年) copied

    @property
    def changed(self) -> bool:
        return bool(
            self.entries
            or self.history
            or self.audit
            or self.accounts
            or self.closed_loop
            or self.drafts
            or self.draft_approvals
        )


_EMPTY_RECORDS: tuple[Any, ...] = ([], {})  # what a document without history / loop rows compares as


def _sql(ledger: Any, sql: str, args: Any = ()) -> Any:
    return ledger._sql(sql, args)


def _documents(ledger: Any) -> dict[str, Any]:
    return {row["doc_number"]: row for row in _sql(ledger, "SELECT * FROM documents ORDER BY id").fetchall()}


def _histories(ledger: Any) -> dict[int, list[tuple[Any, ...]]]:
    lines: dict[int, list[tuple[Any, ...]]] = {}
    for row in _sql(
        ledger, f"SELECT document_id, {', '.join(HISTORY_COLUMNS)} FROM history ORDER BY id"
    ).fetchall():
        lines.setdefault(row[0], []).append(tuple(row[1:]))
    return lines


def _loop_rows(ledger: Any) -> dict[int, dict[str, list[tuple[Any, ...]]]]:
    """document id → table → its rows of the closed loop (without ids)."""
    found: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
    for table, (columns, order) in LOOP_TABLES.items():
        sql = f"SELECT document_id, {', '.join(columns)} FROM {table} ORDER BY {order}"
        for row in _sql(ledger, sql).fetchall():
            found.setdefault(row[0], {}).setdefault(table, []).append(tuple(row[1:]))
    return found


# A draft as it is compared: its row (handle first) and its approvals in the order recorded.
Draft = tuple[tuple[Any, ...], list[tuple[Any, ...]]]


def _drafts(ledger: Any) -> dict[str, Draft]:
    """草稿号 → the draft with the 审核/审批 on record against it."""
    approvals: dict[str, list[tuple[Any, ...]]] = {}
    sql = f"SELECT handle, {', '.join(DRAFT_APPROVAL_COLUMNS)} FROM draft_approvals ORDER BY id"
    for row in _sql(ledger, sql).fetchall():
        approvals.setdefault(row[0], []).append(tuple(row[1:]))
    rows = _sql(ledger, f"SELECT {', '.join(DRAFT_COLUMNS)} FROM drafts ORDER BY at, handle").fetchall()
    return {row[0]: (tuple(row), approvals.get(row[0], [])) for row in rows}


def _document_columns(row: Any) -> list[str]:
    return [name for name in row.keys() if name != "id"]  # noqa: SIM118 (sqlite3.Row iterates values)


def copy_ledger(source: Any, target: Any, actor: Actor | None = None) -> TransferReport:
    """Copy ``source`` (an open ledger) into ``target`` (an open ledger at the same schema
    version); see the module docstring for what is refused."""
    report = TransferReport()
    ours = _documents(source)
    our_history = _histories(source)
    our_loop = _loop_rows(source)
    our_drafts = _drafts(source)
    with target._transaction():
        theirs = _documents(target)
        their_history = _histories(target)
        their_loop = _loop_rows(target)
        their_drafts = _drafts(target)
        _check_target(source, target, ours, theirs, (our_history, our_loop), (their_history, their_loop))
        _check_drafts(source, target, our_drafts, their_drafts)
        for number, row in ours.items():
            if number in theirs:
                report.already += 1
                continue
            columns = _document_columns(row)
            inserted = _sql(
                target,
                f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) RETURNING id",
                tuple(row[name] for name in columns),
            ).fetchone()
            for line in our_history.get(row["id"], []):
                _sql(
                    target,
                    f"INSERT INTO history (document_id, {', '.join(HISTORY_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                    (inserted[0], *line),
                )
                report.history += 1
            for table, rows in our_loop.get(row["id"], {}).items():
                loop_columns = LOOP_TABLES[table][0]
                for values in rows:
                    _sql(
                        target,
                        f"INSERT INTO {table} (document_id, {', '.join(loop_columns)}) "
                        f"VALUES ({', '.join('?' for _ in range(len(loop_columns) + 1))})",
                        (inserted[0], *values),
                    )
                    report.closed_loop += 1
            report.entries += 1
            if row["code"] and row["year"] and (row["code"], row["year"]) not in report.years:
                report.years.append((row["code"], row["year"]))
        report.drafts, report.draft_approvals = _copy_drafts(target, our_drafts, their_drafts)
        for code, year, last in _sql(source, "SELECT code, year, last FROM counters").fetchall():
            _sql(
                target,
                "INSERT INTO counters (code, year, last) VALUES (?, ?, ?) "
                "ON CONFLICT (code, year) DO UPDATE SET last = CASE WHEN excluded.last > counters.last "
                "THEN excluded.last ELSE counters.last END",
                (code, year, last),
            )
        report.audit = _copy_missing(source, target, "audit", AUDIT_COLUMNS)
        report.accounts = _copy_accounts(source, target)
        if report.changed:
            record(
                target._sql,
                actor or Actor.command_line(),
                Action.TRANSFER,
                after={
                    "entries": report.entries,
                    "history": report.history,
                    "closed_loop": report.closed_loop,
                    "drafts": report.drafts,
                    "audit": report.audit,
                },
                note=f"自 {source.path} 迁移",
            )
    return report


def _check_target(
    source: Any,
    target: Any,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    our_records: tuple[dict[int, Any], dict[int, Any]],
    their_records: tuple[dict[int, Any], dict[int, Any]],
) -> None:
    """Refuse a target that numbers the same 代字 and year differently, or whose copy of an
    entry (its columns, its history, its closed-loop records: ``*_records``) differs from ours."""
    years = {(row["code"], row["year"]) for row in ours.values() if row["code"]}
    foreign = sorted(
        number for number, row in theirs.items() if (row["code"], row["year"]) in years and number not in ours
    )
    if foreign:
        shown = "、".join(f"“{n}”" for n in foreign[:5]) + ("等" if len(foreign) > 5 else "")
        raise LedgerError(
            f"目标台账 {target.path} 已有同一机关代字和年份的其他文号 {shown}（共 {len(foreign)} 个），"
            "迁移会造成重号，已停止，目标台账未作任何改动",
            hint="请确认目标是否就是本单位已在使用的台账；不同台账的同一代字同一年份不能合并",
        )
    for number, row in ours.items():
        other = theirs.get(number)
        if other is None:
            continue
        same = all(row[name] == other[name] for name in _document_columns(row)) and all(
            ours_by_id.get(row["id"], empty) == theirs_by_id.get(other["id"], empty)
            for ours_by_id, theirs_by_id, empty in zip(
                our_records, their_records, _EMPTY_RECORDS, strict=True
            )
        )
        if not same:
            raise LedgerError(
                f"目标台账 {target.path} 中的文号“{number}”与 {source.path} 中的记录不一致（迁移后两边都有变更），"
                "已停止，目标台账未作任何改动",
                hint="迁移后请只使用服务器上的台账；核对这一文号后再迁移",
            )


def _check_drafts(source: Any, target: Any, ours: dict[str, Draft], theirs: dict[str, Draft]) -> None:
    """Refuse a target whose draft of one of our 草稿号 differs from ours (its identity or kind,
    or the 审核/审批 on record): the handle names one document on both sides."""
    for handle, draft in ours.items():
        other = theirs.get(handle)
        if other is not None and other != draft:
            raise LedgerError(
                f"目标台账 {target.path} 中的草稿号“{handle}”与 {source.path} 中的记录不一致（迁移后两边都有变更），"
                "已停止，目标台账未作任何改动",
                hint="迁移后请只使用服务器上的台账；核对这一草稿号的审核、审批后再迁移",
            )


def _copy_drafts(target: Any, ours: dict[str, Draft], theirs: dict[str, Draft]) -> tuple[int, int]:
    """The drafts the target lacks, with their approvals: (drafts, approvals) copied."""
    drafts = approvals = 0
    for handle, (row, lines) in ours.items():
        if handle in theirs:
            continue
        _sql(
            target,
            f"INSERT INTO drafts ({', '.join(DRAFT_COLUMNS)}) VALUES ({', '.join('?' for _ in DRAFT_COLUMNS)})",
            row,
        )
        for line in lines:
            _sql(
                target,
                f"INSERT INTO draft_approvals (handle, {', '.join(DRAFT_APPROVAL_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in range(len(DRAFT_APPROVAL_COLUMNS) + 1))})",
                (handle, *line),
            )
            approvals += 1
        drafts += 1
    return drafts, approvals


def _copy_missing(source: Any, target: Any, table: str, columns: tuple[str, ...]) -> int:
    """Rows of ``table`` the target lacks, compared by value (as a multiset, so running twice
    copies nothing)."""
    select = f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"
    have = Counter(tuple(row) for row in _sql(target, select).fetchall())
    copied = 0
    for row in _sql(source, select).fetchall():
        values = tuple(row)
        if have[values]:
            have[values] -= 1
            continue
        _sql(
            target,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            values,
        )
        copied += 1
    return copied


def _copy_accounts(source: Any, target: Any) -> int:
    names = {row[0] for row in _sql(target, "SELECT name FROM accounts").fetchall()}
    copied = 0
    for row in _sql(source, f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM accounts ORDER BY id").fetchall():
        if row[0] in names:
            continue
        _sql(
            target,
            f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}) VALUES ({', '.join('?' for _ in ACCOUNT_COLUMNS)})",
            tuple(row),
        )
        copied += 1
    return copied
