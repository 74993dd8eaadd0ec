"""The follow-up ledger (台账) in one SQLite file: numbering, registration, status changes,
corrections, queries. See interface.py for the contract and db.py for how the file is opened.

Every change is one transaction. A number is taken in the same transaction that records it as
生成中 (being rendered) together with the process that holds it; the document's digest is
recorded before its file is written and the entry becomes 已印发 after. An issued entry that
is rendered again (``--force``, ``--force-number``, a file that went missing) is held the same
way, with the digest of the file about to replace the recorded one. If a process dies in
between, ``recover`` settles every entry it held from what is on disk, so ledger and files
agree after any crash, and no number is ever reused or lost.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from ..gbt9704 import normalise_number
from ..kinds.fields import CnDate
from ..system import holder_alive, holder_token
from .audit import Action, Actor, record, record_history, record_moved
from .db import DEFAULT_WAIT, LedgerConnection, LedgerError, Result, connect, read_only_error, translate
from .interface import LedgerBase
from .model import (
    AWAITING_REPLY,
    DELIVERED,
    FOLLOW_UP,
    ISSUED,
    PENDING,
    STATUSES,
    VOID,
    Approval,
    DocumentMeta,
    Entry,
    HistoryItem,
    Item,
    ItemState,
    Step,
    TaskSpec,
    draft_handle,
    format_number,
    has_digest,
    is_draft_handle,
    iso,
    parse_number,
)

# How a history line changed the status: a new status, a correction of the last one, an undo
# of the last change, or no change (a note: a re-render, a recovery). The statuses in force are
# replayed from these (see _status_states).
SET, CORRECT, UNDO, NOTE = "set", "correct", "undo", "note"


class SqliteLedger(LedgerBase):
    """One open ledger file. Use as a context manager so the connection is closed."""

    path: Path

    def __init__(
        self,
        path: Path,
        create: bool = True,
        wait: float = DEFAULT_WAIT,
        on_wait: Callable[[str], None] | None = None,
        actor: Actor | None = None,
    ) -> None:
        self.actor = actor or Actor.command_line()
        self.path = Path(path)
        self.created = not self.path.exists()
        self.connection: LedgerConnection = connect(self.path, create=create, wait=wait, on_wait=on_wait)
        self.connection.raw.row_factory = sqlite3.Row
        self.read_only = self.connection.read_only
        self.holder = holder_token()
        self._in_transaction = False

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> SqliteLedger:
        return self

    def _sql(self, sql: str, args: Sequence[Any] | Mapping[str, Any] = ()) -> Result:
        return self.connection.execute(sql, args)

    # -- transactions --------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error (including Ctrl-C). A transaction
        opened inside another (a ledger operation inside a batch, one operation calling
        another) joins it: the outermost one commits or rolls back."""
        if self._in_transaction:
            yield
            return
        self._begin()
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._in_transaction = False
            self._finish(commit=False)
            raise
        self._in_transaction = False
        self._finish(commit=True)

    def _begin(self) -> None:
        if self.read_only:
            raise read_only_error(self.path)
        self._sql("BEGIN IMMEDIATE")

    def _finish(self, commit: bool) -> None:
        if not self.connection.in_transaction:
            return
        if commit:
            self._sql("COMMIT")
        else:
            try:
                self.connection.raw.execute("ROLLBACK")
            except sqlite3.Error as e:
                raise translate(e, self.path) from e

    def batch(self) -> AbstractContextManager[None]:
        """Several changes in one transaction (a render job plans a chunk of rows at once): all
        of them or none, and one commit instead of one per change. A change that raises inside a
        batch must have written nothing (the ledger's operations check before they write), or
        the caller lets the error end the batch."""
        return self._transaction()

    def _now(self) -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def _add_history(
        self,
        document_id: int,
        status: str,
        event_date: dt.date | None,
        note: str | None,
        action: str = SET,
        audit: tuple[str, Action, Any, Any] | None = None,
    ) -> None:
        """A history line and its audit line; ``audit`` (文号, action, before, after) names a
        closed-loop change as what it is rather than as a note."""
        if audit is None:
            record_history(self._sql, self.actor, document_id, status, action, note, iso(event_date))
        else:
            number, what, before, after = audit
            record(self._sql, self.actor, what, number, before, after, note)
        self._sql(
            "INSERT INTO history (document_id, status, at, event_date, note, action) VALUES (?, ?, ?, ?, ?, ?)",
            (document_id, status, self._now(), iso(event_date), note, action),
        )

    # -- numbering and registration -------------------------------------------------------------
    def allocate(self, code: str, year: int, meta: DocumentMeta) -> str:
        """Take the next number for ``code`` and ``year`` and hold it as 生成中."""
        with self._transaction():
            seq = self._next_seq(code, year)
            self._sql(
                "INSERT INTO counters (code, year, last) VALUES (?, ?, ?) "
                "ON CONFLICT (code, year) DO UPDATE SET last = excluded.last",
                (code, year, seq),
            )
            number = format_number(code, year, seq)
            self._insert(number, (code, year, seq), meta, note="自动编号")
        return number

    def _next_seq(self, code: str, year: int) -> int:
        row = self._sql("SELECT last FROM counters WHERE code = ? AND year = ?", (code, year)).fetchone()
        highest = self._sql(
            "SELECT MAX(seq) FROM documents WHERE code = ? AND year = ?", (code, year)
        ).fetchone()[0]
        return max(row[0] if row else 0, highest or 0) + 1

    def ahead_of_sequence(self, number: str) -> tuple[int, int] | None:
        parts = parse_number(normalise_number(number))
        if parts is None:
            return None
        code, year, seq = parts
        known = self._sql(
            "SELECT 1 FROM documents WHERE code = ? AND year = ? LIMIT 1", (code, year)
        ).fetchone()
        if known is None:
            return None  # the first number of this 代字 and year: the office starts its register here
        following = self._next_seq(code, year)
        return (following, seq - 1) if seq > following else None

    def claim(self, number: str, meta: DocumentMeta, force: bool = False) -> bool:
        """Hold an explicit number. Refused when the ledger has it, unless ``force`` (then the
        existing entry is re-rendered: see hold_existing). Returns True when the entry existed."""
        number = normalise_number(number)
        with self._transaction():
            if self.has(number):
                if not force:
                    self.check_free(number)
                self.hold_existing(number, meta)
                return True
            self._insert(number, parse_number(number) or (None, None, None), meta, note="指定文号")
        return False

    def check_free(self, number: str) -> None:
        """Refuse a 文号 the ledger already has."""
        existing = self._sql(
            "SELECT status FROM documents WHERE doc_number = ?", (normalise_number(number),)
        ).fetchone()
        if existing is not None and existing[0] == VOID:
            raise LedgerError(f"文号“{number}”已作废，不能再使用；请换用新的文号，或留空自动编号")
        if existing is not None:
            raise LedgerError(
                f"文号“{number}”已在台账中（状态：{existing[0]}），不能重复使用；确需重新生成请加 --force-number"
            )

    def _insert(self, number: str, parts: tuple[Any, Any, Any], meta: DocumentMeta, note: str) -> None:
        code, year, seq = parts
        columns = {
            "doc_number": number,
            "code": code,
            "year": year,
            "seq": seq,
            **_meta_columns(meta),
            "output_file": meta.output_file,
            "replaces": meta.replaces,
            "status": PENDING,
            "holder": self.holder,
            "created_at": self._now(),
        }
        inserted = self._sql(
            f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) RETURNING id",
            tuple(columns.values()),
        ).fetchone()
        document_id = int(inserted[0])
        self._add_history(document_id, PENDING, None, note)
        self._insert_items(document_id, meta.tasks or [])

    def hold_existing(self, number: str, meta: DocumentMeta | None = None) -> None:
        """An issued entry is about to be rendered again: this process holds it, so a kill before
        ``issue`` is settled by ``recover`` from the file on disk."""
        with self._transaction():
            row = self._row(number)
            if row["status"] == VOID:
                raise LedgerError(f"文号“{number}”已作废，不能再用它生成文书")
            if row["holder"] and row["holder"] != self.holder and holder_alive(row["holder"]):
                raise LedgerError(f"文号“{number}”的文书正由另一个程序生成，请稍后再试")
            self._sql(
                "UPDATE documents SET holder = ?, pending_sha256 = NULL, pending_file = NULL, pending_meta = ? "
                "WHERE id = ?",
                (
                    self.holder,
                    json.dumps(_meta_columns(meta), ensure_ascii=False) if meta else None,
                    row["id"],
                ),
            )

    def record_digest(self, number: str, sha256: str, output_file: str) -> None:
        """Before the file is written: what it will be, so a crash can be settled from the disk.
        A 生成中 number records it as its file; an issued entry this process holds for a
        re-render records it as the file about to replace the recorded one."""
        with self._transaction():
            self._sql(
                "UPDATE documents SET "
                "sha256 = CASE WHEN status = :pending THEN :sha ELSE sha256 END, "
                "output_file = CASE WHEN status = :pending THEN :file ELSE output_file END, "
                "pending_sha256 = CASE WHEN status = :pending THEN pending_sha256 ELSE :sha END, "
                "pending_file = CASE WHEN status = :pending THEN pending_file ELSE :file END "
                "WHERE doc_number = :number AND (status = :pending OR holder = :holder)",
                {
                    "pending": PENDING,
                    "sha": sha256,
                    "file": output_file,
                    "number": number,
                    "holder": self.holder,
                },
            )

    def issue(
        self,
        number: str,
        sha256: str | None = None,
        output_file: str | None = None,
        meta: DocumentMeta | None = None,
        note: str | None = None,
    ) -> None:
        """The document is written: 生成中 → 已印发; a re-rendered entry takes its new file (and,
        for ``--force-number``, the new record's details). A re-issue voids the number it
        replaces, and the two entries point at each other."""
        with self._transaction():
            row = self._row(number)
            if row["status"] == PENDING:
                self._sql(
                    "UPDATE documents SET status = ?, holder = NULL, sha256 = COALESCE(?, sha256), "
                    "output_file = COALESCE(?, output_file) WHERE id = ?",
                    (ISSUED, sha256, output_file, row["id"]),
                )
                self._add_history(row["id"], ISSUED, None, note)
                if row["replaces"]:
                    self._void_replaced(row["replaces"], number)
                return
            if meta is not None:
                columns = _meta_columns(meta)
                assignments = ", ".join(f"{name} = ?" for name in columns)
                self._sql(f"UPDATE documents SET {assignments} WHERE id = ?", (*columns.values(), row["id"]))
            self._sql(
                "UPDATE documents SET holder = NULL, pending_sha256 = NULL, pending_file = NULL, pending_meta = NULL, "
                "sha256 = COALESCE(?, pending_sha256, sha256), "
                "output_file = COALESCE(?, pending_file, output_file) WHERE id = ?",
                (sha256, output_file, row["id"]),
            )
            self._add_history(row["id"], row["status"], None, note or "重新生成文书", action=NOTE)

    def _void_replaced(self, old: str, new: str) -> None:
        row = self._row(old)
        reason = f"重新发文，由文号“{new}”取代"
        self._sql(
            "UPDATE documents SET status = ?, void_reason = ?, replaced_by = ?, holder = NULL WHERE id = ?",
            (VOID, reason, new, row["id"]),
        )
        self._add_history(row["id"], VOID, None, reason)

    def void(self, number: str, reason: str) -> None:
        """The number's document could not be made: record why; the number is never reused.
        A re-rendered entry that failed keeps its earlier document, as it was."""
        with self._transaction():
            row = self._row(number)
            if row["status"] != PENDING:
                if row["holder"] == self.holder:
                    self._sql(
                        "UPDATE documents SET holder = NULL, pending_sha256 = NULL, pending_file = NULL, "
                        "pending_meta = NULL WHERE id = ?",
                        (row["id"],),
                    )
                return
            self._sql(
                "UPDATE documents SET status = ?, void_reason = ?, holder = NULL WHERE id = ?",
                (VOID, reason, row["id"]),
            )
            self._add_history(row["id"], VOID, None, reason)

    def recover(self) -> list[str]:
        """Settle the entries held by processes that died; returns Chinese notes."""
        if self.read_only:
            return []
        notes = []
        rows = self._sql("SELECT doc_number, holder FROM documents WHERE holder IS NOT NULL").fetchall()
        for number, holder in rows:
            if holder_alive(holder) is not False:
                continue  # alive, or held on another machine: it alone can tell
            notes.append(self._settle(number, "生成过程中断"))
        return notes

    def release(self, numbers: list[str], reason: str) -> None:
        """A job that stops early settles the numbers it still holds, as ``recover`` would:
        a document already written under its name → 已印发; otherwise → 作废 with ``reason``.

        Called when a job is interrupted, possibly in the middle of a transaction: whatever that
        transaction had not committed is rolled back first."""
        self._in_transaction = False
        self._finish(commit=False)
        for number in numbers:
            row = self._sql(
                "SELECT 1 FROM documents WHERE doc_number = ? AND holder = ?", (number, self.holder)
            ).fetchone()
            if row is not None:
                self._settle(number, reason)

    def _settle(self, number: str, reason: str) -> str:
        """Compare a held entry with the disk and make the ledger say what is there."""
        row = self._row(number)
        if row["status"] == PENDING:
            if row["output_file"] and row["sha256"] and has_digest(Path(row["output_file"]), row["sha256"]):
                self.issue(number, note=f"{reason}，文件已完整写出，补登为已印发")
                return f"文号“{number}”：上次生成中断，文件完整，已补登为已印发"
            self.void(number, f"{reason}，文件未写出")
            return f"文号“{number}”：上次生成中断，文件未写出，已作废"
        pending, pending_file = row["pending_sha256"], row["pending_file"]
        with self._transaction():
            if pending and pending_file and has_digest(Path(pending_file), pending):
                if row["pending_meta"]:  # the new file is from a changed record: take its details
                    columns = json.loads(row["pending_meta"])
                    assignments = ", ".join(f"{name} = ?" for name in columns)
                    self._sql(
                        f"UPDATE documents SET {assignments} WHERE id = ?", (*columns.values(), row["id"])
                    )
                self._sql(
                    "UPDATE documents SET sha256 = ?, output_file = ?, holder = NULL, pending_sha256 = NULL, "
                    "pending_file = NULL, pending_meta = NULL WHERE id = ?",
                    (pending, pending_file, row["id"]),
                )
                note = f"{reason}：新文件已完整写出，台账改记新文件"
            else:
                self._sql(
                    "UPDATE documents SET holder = NULL, pending_sha256 = NULL, pending_file = NULL, "
                    "pending_meta = NULL WHERE id = ?",
                    (row["id"],),
                )
                kept = (
                    row["output_file"]
                    and row["sha256"]
                    and has_digest(Path(row["output_file"]), row["sha256"])
                )
                note = f"{reason}：新文件未写出，" + (
                    "原文件保持不变" if kept else "原文件与台账记录不符，请核对"
                )
            self._add_history(row["id"], row["status"], None, note, action=NOTE)
        return f"文号“{number}”：上次重新生成中断，{note.split('：', 1)[1]}"

    # -- follow-up ------------------------------------------------------------------------------
    def mark(
        self,
        number: str,
        status: str,
        event_date: dt.date | None = None,
        note: str | None = None,
        today: dt.date | None = None,
        correct: bool = False,
    ) -> Entry:
        """A status change, checked: forwards only (``correct`` replaces the last status, with
        the reason in ``note``); 作废 needs a reason; the date is not in the future, not before
        the document's date, not before the status it follows."""
        if status not in STATUSES:
            raise _bad_status(status)
        today = today or dt.date.today()
        number = normalise_number(number)
        with self._transaction():
            row = self._row(number)
            current = row["status"]
            history = self._history(row["id"])
            if event_date is None and correct:
                # Back to a status it had: on the date it had it (a correction is not an event).
                earlier = [
                    _date(h["event_date"]) for h in history if h["status"] == status and h["event_date"]
                ]
                event_date = earlier[-1] if earlier else None
            event_date = event_date or today
            stack = _status_states(history)[-1]
            _check_change(number, current, status, note, correct)
            _check_date(number, row, event_date, today, history, status, correct)
            delivered = event_date if status == DELIVERED else _delivered(history, stack)
            deadline, rule = _deadline(row, status, delivered)
            reason = note if status == VOID else (None if current == VOID else row["void_reason"])
            self._sql(
                "UPDATE documents SET status = ?, reply_deadline = ?, deadline_rule = ?, void_reason = ? "
                "WHERE id = ?",
                (status, deadline, rule, reason, row["id"]),
            )
            text = f"更正：{current} → {status}（{note}）" if correct else note
            self._add_history(row["id"], status, event_date, text, action=CORRECT if correct else SET)
        return self.find(number)

    def undo(self, number: str, reason: str) -> Entry:
        """Take back the last status change. Nothing is deleted: the undo is a history line."""
        if not reason or not reason.strip():
            raise LedgerError("撤销须写明原因（--reason）")
        number = normalise_number(number)
        with self._transaction():
            row = self._row(number)
            history = self._history(row["id"])
            states = _status_states(history)
            current = row["status"]
            if current == PENDING:
                raise LedgerError(f"文号“{number}”的文书正在生成，暂不能变更状态")
            if len(states) < 2 or not states[-2] or states[-2][-1] == PENDING:
                if current == VOID:
                    raise LedgerError(f"文号“{number}”是因生成失败而作废的，文书不存在，不能撤销")
                raise LedgerError(f"文号“{number}”没有可撤销的状态变更（当前：{current}）")
            previous = states[-2][-1]
            if current == VOID and row["identity"]:
                again = self._sql(
                    "SELECT doc_number FROM documents WHERE identity = ? AND status != ? AND id != ?",
                    (row["identity"], VOID, row["id"]),
                ).fetchone()
                if again is not None:
                    raise LedgerError(
                        f"文号“{number}”的文书作废后已按新文号“{again[0]}”重新生成，不能撤销作废（否则一份文书有两个文号）",
                        hint=f"如需保留原文号，请先把“{again[0]}”作废",
                    )
            delivered = _delivered(history, states[-2])
            deadline, rule = _deadline(row, previous, delivered)
            self._sql(
                "UPDATE documents SET status = ?, reply_deadline = ?, deadline_rule = ?, void_reason = ? WHERE id = ?",
                (previous, deadline, rule, None if previous != VOID else row["void_reason"], row["id"]),
            )
            self._add_history(row["id"], previous, None, f"撤销“{current}”（{reason.strip()}）", action=UNDO)
        return self.find(number)

    def _history(self, document_id: int) -> list[Any]:
        return self._sql("SELECT * FROM history WHERE document_id = ? ORDER BY id", (document_id,)).fetchall()

    # -- lookups ----------------------------------------------------------------------------------
    def find(self, number: str) -> Entry:
        return self._with_history(self._row(normalise_number(number)))

    def get(self, number: str) -> Entry | None:
        row = self._sql(
            "SELECT * FROM documents WHERE doc_number = ?", (normalise_number(number),)
        ).fetchone()
        return self._with_history(row) if row is not None else None

    def _with_history(self, row: Any) -> Entry:
        entry = _entry(row)
        entry.history = [
            HistoryItem(h["status"], h["at"], _date(h["event_date"]), h["note"], h["action"])
            for h in self._history(row["id"])
        ]
        return entry

    def find_identity(self, identity: str) -> Entry | None:
        row = self._sql(
            "SELECT * FROM documents WHERE identity = ? AND status != ? ORDER BY id DESC LIMIT 1",
            (identity, VOID),
        ).fetchone()
        return _entry(row) if row is not None else None

    def has_kind(self, kind: str) -> bool:
        return self._sql("SELECT 1 FROM documents WHERE kind = ? LIMIT 1", (kind,)).fetchone() is not None

    def find_source(self, kind: str, source_key: str, source_row: int) -> Entry | None:
        row = self._sql(
            "SELECT * FROM documents WHERE kind = ? AND source_key = ? AND source_row = ? AND status != ? "
            "ORDER BY id DESC LIMIT 1",
            (kind, source_key, source_row, VOID),
        ).fetchone()
        return _entry(row) if row is not None else None

    def moved(self, number: str, meta: DocumentMeta) -> None:
        """The document's row is now elsewhere (a row inserted above, the file renamed): the
        entry follows it, so the next edit of that row is recognised."""
        with self._transaction():
            record_moved(self._sql, self.actor, number, meta.source_file, meta.source_row)
            self._sql(
                "UPDATE documents SET source_file = ?, source_key = ?, source_row = ?, row_digest = ? "
                "WHERE doc_number = ?",
                (meta.source_file, meta.source_key, meta.source_row, meta.row_digest, number),
            )

    def followups(self, number: str) -> list[Entry]:
        rows = self._sql(
            "SELECT * FROM documents WHERE related_number = ? ORDER BY id", (normalise_number(number),)
        ).fetchall()
        return [_entry(row) for row in rows]

    def has(self, number: str) -> bool:
        return (
            self._sql("SELECT 1 FROM documents WHERE doc_number = ?", (normalise_number(number),)).fetchone()
            is not None
        )

    def entries(
        self,
        kind: str | None = None,
        year: int | None = None,
        status: str | None = None,
        overdue: bool = False,
        due_within: int | None = None,
        today: dt.date | None = None,
    ) -> list[Entry]:
        today = today or dt.date.today()
        if status is not None and status not in STATUSES and status != PENDING:
            raise _bad_status(status)
        sql, args = "SELECT * FROM documents WHERE 1 = 1", []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        if year:
            sql += " AND substr(doc_date, 1, 4) = ?"
            args.append(f"{year:04d}")
        if status:
            sql += " AND status = ?"
            args.append(status)
        placeholders = ", ".join("?" for _ in AWAITING_REPLY)
        if overdue:
            sql += f" AND reply_deadline < ? AND status IN ({placeholders})"
            args += [today.isoformat(), *AWAITING_REPLY]
        if due_within is not None:
            sql += f" AND reply_deadline >= ? AND reply_deadline <= ? AND status IN ({placeholders})"
            args += [today.isoformat(), (today + dt.timedelta(days=due_within)).isoformat(), *AWAITING_REPLY]
        sql += " ORDER BY COALESCE(code, ''), COALESCE(year, 0), COALESCE(seq, 0), id"
        return [_entry(row) for row in self._sql(sql, args).fetchall()]

    def backup(self, destination: Path, force: bool = False) -> Path:
        """A consistent copy while the ledger is in use (SQLite's online backup), written atomically."""
        from ..fileio import finish_permissions, publish

        destination = Path(destination)
        if destination.exists() and os.path.samefile(destination, self.path):
            raise LedgerError(
                f"“{destination}”就是台账本身，不能备份到自己；请换一个文件名，最好放在另一个磁盘或文件夹"
            )
        if destination.exists() and not force:
            raise LedgerError(f"文件“{destination}”已存在，未覆盖；如需覆盖请加 --force")
        if not destination.parent.is_dir():
            raise LedgerError(f"无法写入备份 {destination}：文件夹 {destination.parent} 不存在")
        temporary = destination.with_name(f".{destination.name}.part")
        try:
            target = sqlite3.connect(temporary)
            try:
                self.connection.backup(target)
            finally:
                target.close()
            finish_permissions(temporary)
            publish(temporary, destination, overwrite=True)
        except OSError as e:
            raise LedgerError(f"无法写入备份 {destination}：{e.strerror or e}") from e
        except sqlite3.Error as e:
            raise LedgerError(
                f"无法写入备份 {destination}：备份文件无法创建或写入（检查磁盘空间和写入权限）"
            ) from e
        finally:
            if temporary.exists():
                temporary.unlink()
        return destination

    # -- the closed loop: 承办人, 整改 items, 审核/审批, own exports, archive ------------------
    def assign(self, number: str, handler: str) -> Entry:
        """Who in the office follows the document up (承办人)."""
        if not handler.strip():
            raise LedgerError("承办人不能为空")
        number = normalise_number(number)
        with self._transaction():
            row = self._row(number)
            self._sql("UPDATE documents SET handler = ? WHERE id = ?", (handler.strip(), row["id"]))
            change = (number, Action.ASSIGN, {"handler": row["handler"]}, {"handler": handler.strip()})
            self._add_history(row["id"], row["status"], None, f"承办人：{handler.strip()}", NOTE, change)
        return self.find(number)

    def _insert_items(self, document_id: int, tasks: list[TaskSpec]) -> None:
        start = self._sql(
            "SELECT COALESCE(MAX(seq), 0) FROM items WHERE document_id = ?", (document_id,)
        ).fetchone()[0]
        for seq, task in enumerate(tasks, start=start + 1):
            self._sql(
                "INSERT INTO items (document_id, seq, task, owner, deadline, deadline_text, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    seq,
                    task.task,
                    task.owner,
                    iso(task.deadline),
                    task.deadline_text,
                    ItemState.OPEN.value,
                    self._now(),
                ),
            )

    def add_items(self, number: str, tasks: list[TaskSpec]) -> list[Item]:
        """整改 items added by hand (a document registered before items were tracked)."""
        number = normalise_number(number)
        with self._transaction():
            row = self._row(number)
            if row["status"] == VOID:
                raise LedgerError(f"文号“{number}”已作废，不能登记整改任务")
            self._insert_items(row["id"], tasks)
            added = [{"task": t.task, "owner": t.owner, "deadline": iso(t.deadline)} for t in tasks]
            record(self._sql, self.actor, Action.TASK_ADD, number, None, {"tasks": added})
        return self.items(number)

    def items(self, number: str | None = None) -> list[Item]:
        sql = (
            "SELECT items.*, documents.doc_number FROM items JOIN documents ON documents.id = items.document_id "
            "WHERE documents.status != ?"
        )
        args: list[Any] = [VOID]
        if number is not None:
            sql += " AND documents.doc_number = ?"
            args.append(normalise_number(number))
        sql += " ORDER BY COALESCE(documents.code, ''), COALESCE(documents.year, 0), COALESCE(documents.seq, 0), documents.id, items.seq"
        return [_item(row) for row in self._sql(sql, args).fetchall()]

    def complete_item(
        self,
        number: str,
        seq: int,
        evidence: str | None,
        evidence_file: str | None,
        done_on: dt.date,
        today: dt.date,
    ) -> Item:
        """Tick an item off, with what proves it (a note, a file, or both)."""
        number = normalise_number(number)
        if not (evidence and evidence.strip()) and not evidence_file:
            raise LedgerError("完成整改任务须写明佐证（--evidence 说明，或 --file 佐证材料）")
        if done_on > today:
            raise LedgerError(f"完成日期 {CnDate.of(done_on)} 晚于今天（{CnDate.of(today)}）")
        with self._transaction():
            row = self._row(number)
            item = self._sql(
                "SELECT * FROM items WHERE document_id = ? AND seq = ?", (row["id"], seq)
            ).fetchone()
            if item is None:
                count = self._sql(
                    "SELECT COUNT(*) FROM items WHERE document_id = ?", (row["id"],)
                ).fetchone()[0]
                raise LedgerError(
                    f"文号“{number}”没有第 {seq} 项整改任务（共 {count} 项）",
                    hint=f"可用 jiancha ledger tasks {number} 查看",
                )
            if item["state"] == ItemState.DONE.value:
                raise LedgerError(f"文号“{number}”第 {seq} 项整改任务已于 {item['done_on']} 完成")
            doc_date = _date(row["doc_date"])
            if doc_date is not None and done_on < doc_date:
                raise LedgerError(f"完成日期 {CnDate.of(done_on)} 早于文号“{number}”的成文日期 {doc_date}")
            self._sql(
                "UPDATE items SET state = ?, evidence = ?, evidence_file = ?, done_on = ? WHERE id = ?",
                (
                    ItemState.DONE.value,
                    (evidence or "").strip() or None,
                    evidence_file,
                    iso(done_on),
                    item["id"],
                ),
            )
            change = (
                number,
                Action.TASK_DONE,
                {"seq": seq, "state": item["state"]},
                {
                    "seq": seq,
                    "state": ItemState.DONE.value,
                    "evidence": (evidence or "").strip() or None,
                    "evidence_file": evidence_file,
                    "done_on": iso(done_on),
                },
            )
            self._add_history(row["id"], row["status"], done_on, f"整改任务第 {seq} 项完成", NOTE, change)
        return next(i for i in self.items(number) if i.seq == seq)

    def record_approval(
        self, number: str, step: Step, person: str, on_date: dt.date, opinion: str | None, today: dt.date
    ) -> list[Approval]:
        """审核 or 审批 on record: who, when, with what opinion. 审批 needs 审核 first when both are
        kept. ``number`` may be a 草稿号 (a draft awaiting approval, see register_draft)."""
        if not person.strip():
            raise LedgerError(f"{step.label}人不能为空（--by）")
        if on_date > today:
            raise LedgerError(f"{step.label}日期 {CnDate.of(on_date)} 晚于今天（{CnDate.of(today)}）")
        if is_draft_handle(number):
            return self._record_draft_approval(number.strip(), step, person, on_date, opinion)
        number = normalise_number(number)
        with self._transaction():
            row = self._row(number)
            if row["status"] == VOID:
                raise LedgerError(f"文号“{number}”已作废，不能登记{step.label}")
            _check_step_order(f"文号“{number}”", number, step, self.approvals(number))
            self._sql(
                "INSERT INTO approvals (document_id, step, person, on_date, opinion, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row["id"],
                    step.value,
                    person.strip(),
                    iso(on_date),
                    (opinion or "").strip() or None,
                    self._now(),
                ),
            )
            after = {
                "step": step.label,
                "person": person.strip(),
                "on_date": iso(on_date),
                "opinion": (opinion or "").strip() or None,
            }
            self._add_history(
                row["id"],
                row["status"],
                on_date,
                f"{step.label}：{person.strip()}",
                NOTE,
                (number, Action.APPROVAL, None, after),
            )
        return self.approvals(number)

    # A numbered document's 审核/审批: those put on its 文号, and those its draft had before it was
    # numbered (the draft of the same identity).
    _APPROVALS = (
        "SELECT documents.doc_number, approvals.step, approvals.person, approvals.on_date, "
        "approvals.opinion, 0 AS draft, approvals.id AS seq FROM approvals "
        "JOIN documents ON documents.id = approvals.document_id {where} "
        "UNION ALL SELECT documents.doc_number, draft_approvals.step, draft_approvals.person, "
        "draft_approvals.on_date, draft_approvals.opinion, 1 AS draft, draft_approvals.id AS seq FROM draft_approvals "
        "JOIN drafts ON drafts.handle = draft_approvals.handle "
        "JOIN documents ON documents.identity = drafts.identity AND documents.status <> '作废' {where} "
        "ORDER BY 6 DESC, 7"
    )

    def approvals(self, number: str) -> list[Approval]:
        if is_draft_handle(number):
            return self._draft_approvals(number.strip())
        where = "WHERE documents.doc_number = ?"
        rows = self._sql(self._APPROVALS.format(where=where), (normalise_number(number),) * 2).fetchall()
        return [
            Approval(Step(r["step"]), r["person"], CnDate.fromisoformat(r["on_date"]), r["opinion"])
            for r in rows
        ]

    def all_approvals(self) -> dict[str, list[Approval]]:
        rows = self._sql(self._APPROVALS.format(where="")).fetchall()
        found: dict[str, list[Approval]] = {}
        for r in rows:
            found.setdefault(r["doc_number"], []).append(
                Approval(Step(r["step"]), r["person"], CnDate.fromisoformat(r["on_date"]), r["opinion"])
            )
        return found

    def register_draft(self, identity: str, kind: str) -> str:
        handle = draft_handle(identity)
        self._sql(
            "INSERT INTO drafts (handle, identity, kind, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (handle, identity, kind, self._now()),
        )
        return handle

    def draft_approved(self, identity: str) -> bool:
        return (
            self._sql(
                "SELECT 1 FROM draft_approvals WHERE handle = ? AND step = ?",
                (draft_handle(identity), Step.APPROVE.value),
            ).fetchone()
            is not None
        )

    def _draft_approvals(self, handle: str) -> list[Approval]:
        rows = self._sql("SELECT * FROM draft_approvals WHERE handle = ? ORDER BY id", (handle,)).fetchall()
        return [
            Approval(Step(r["step"]), r["person"], CnDate.fromisoformat(r["on_date"]), r["opinion"])
            for r in rows
        ]

    def _record_draft_approval(
        self, handle: str, step: Step, person: str, on_date: dt.date, opinion: str | None
    ) -> list[Approval]:
        with self._transaction():
            found = self._sql("SELECT identity FROM drafts WHERE handle = ?", (handle,)).fetchone()
            if found is None:
                raise LedgerError(
                    f"台账中没有草稿号“{handle}”",
                    hint="草稿号见 jiancha render 的提示和生成清单（配置 [ledger] approval = true 时）",
                )
            numbered = self._sql(
                "SELECT doc_number FROM documents WHERE identity = ? AND status <> ?",
                (found["identity"], VOID),
            ).fetchone()
            if numbered is not None:
                raise LedgerError(
                    f"草稿号“{handle}”已取得文号“{numbered['doc_number']}”，不能再登记{step.label}",
                    hint=f"审核、审批已随文号“{numbered['doc_number']}”登记在台账中",
                )
            _check_step_order(f"草稿号“{handle}”", handle, step, self._draft_approvals(handle))
            self._sql(
                "INSERT INTO draft_approvals (handle, step, person, on_date, opinion, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    handle,
                    step.value,
                    person.strip(),
                    iso(on_date),
                    (opinion or "").strip() or None,
                    self._now(),
                ),
            )
        return self._draft_approvals(handle)

    def export_digest(self, path: Path) -> str | None:
        """The digest of the file the ledger's own export last wrote at ``path``."""
        row = self._sql("SELECT sha256 FROM exports WHERE path = ?", (str(Path(path).resolve()),)).fetchone()
        return row[0] if row else None

    def record_export(self, path: Path, sha256: str, what: str) -> None:
        if self.read_only:
            return  # nothing to remember on a read-only ledger: the next export asks for --force
        with self._transaction():
            self._sql(
                "INSERT INTO exports (path, sha256, what, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, what = excluded.what, at = excluded.at",
                (str(Path(path).resolve()), sha256, what, self._now()),
            )

    def record_archive(self, filed: list[tuple[str, str, int, str, int | None]], today: dt.date) -> None:
        """Documents filed: (文号, 档号, 件号, 保管期限, 页数) each; their status becomes 已归档."""
        with self._transaction():
            for number, code, piece, retention, pages in filed:
                row = self._row(number)
                self._sql(
                    "INSERT INTO archived (document_id, archive_code, piece, retention, pages, at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (document_id) DO UPDATE SET archive_code = excluded.archive_code, "
                    "piece = excluded.piece, retention = excluded.retention, pages = excluded.pages, at = excluded.at",
                    (row["id"], code, piece, retention, pages, self._now()),
                )
                if row["status"] not in (VOID, "已归档"):
                    self._sql("UPDATE documents SET status = ? WHERE id = ?", ("已归档", row["id"]))
                    filed_as = {
                        "status": "已归档",
                        "archive_code": code,
                        "piece": piece,
                        "retention": retention,
                    }
                    change = (number, Action.ARCHIVE, {"status": row["status"]}, filed_as)
                    self._add_history(row["id"], "已归档", today, f"立卷归档，档号 {code}", SET, change)

    def archived(self) -> dict[str, str]:
        """文号 → 档号 of every filed document."""
        rows = self._sql(
            "SELECT documents.doc_number, archived.archive_code FROM archived "
            "JOIN documents ON documents.id = archived.document_id"
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def _row(self, number: str) -> sqlite3.Row:
        row = self._sql("SELECT * FROM documents WHERE doc_number = ?", (number,)).fetchone()
        if row is None:
            raise LedgerError(f"台账中没有文号“{number}”", hint=self._suggest(number))
        return row

    def _suggest(self, number: str) -> str:
        parts = parse_number(number)
        if parts is None:
            like = self._sql("SELECT doc_number FROM documents ORDER BY id DESC LIMIT 2000").fetchall()
        else:
            like = self._sql(
                "SELECT doc_number FROM documents WHERE code = ? OR year = ? ORDER BY id DESC LIMIT 2000",
                (parts[0], parts[1]),
            ).fetchall()
        close = difflib.get_close_matches(number, [r[0] for r in like], n=3, cutoff=0.6)
        if close:
            return "是否应为：" + "、".join(f"“{c}”" for c in close) + "？可用 jiancha ledger list 查看台账"
        return "可用 jiancha ledger list 查看台账"


def _bad_status(status: str) -> LedgerError:
    from ..errors import UsageError

    close = difflib.get_close_matches(status, STATUSES, n=1, cutoff=0.3)
    error = LedgerError(
        f"状态“{status}”无效，应为：{'、'.join(STATUSES)}",
        hint=f"是否应为“{close[0]}”？" if close else None,
    )
    error.exit_code = UsageError.exit_code  # a wrong word on the command line
    return error


def _check_change(number: str, current: str, status: str, note: str | None, correct: bool) -> None:
    if current == PENDING:
        raise LedgerError(f"文号“{number}”的文书正在生成，暂不能变更状态")
    if status == VOID and not (note and note.strip()):
        raise LedgerError("作废须写明原因（--reason）")
    if correct:
        if not (note and note.strip()):
            raise LedgerError("更正须写明原因（--reason）")
        if current == VOID:
            raise LedgerError(f"文号“{number}”已作废；如属误操作，请用 jiancha ledger undo 撤销作废")
        if status == current:
            raise LedgerError(f"文号“{number}”已是“{current}”状态，无需更正")
        return
    if current == VOID:
        raise LedgerError(
            f"文号“{number}”已作废，不能再变更状态", hint="如属误操作，可用 jiancha ledger undo 撤销作废"
        )
    if status == current:
        raise LedgerError(f"文号“{number}”已是“{current}”状态")
    if status != VOID and FOLLOW_UP.index(status) < FOLLOW_UP.index(current):
        raise LedgerError(
            f"文号“{number}”已是“{current}”，不能退回到“{status}”",
            hint="如属登记错误，加 --correct 并用 --reason 写明原因，或用 jiancha ledger undo 撤销上一次变更",
        )
    if status == VOID and current == "已归档":
        raise LedgerError(f"文号“{number}”已归档，不能作废")


def _check_date(
    number: str,
    row: sqlite3.Row,
    event_date: dt.date,
    today: dt.date,
    history: list[Any],
    status: str,
    correct: bool,
) -> None:
    if event_date > today:
        raise LedgerError(f"日期 {CnDate.of(event_date)} 晚于今天（{CnDate.of(today)}），不能登记将来的日期")
    doc_date = _date(row["doc_date"])
    if doc_date is not None and event_date < doc_date:
        raise LedgerError(f"日期 {CnDate.of(event_date)} 早于文号“{number}”的成文日期 {doc_date}")
    if status == VOID or correct:
        return
    dated = [(h["status"], _date(h["event_date"])) for h in history if h["event_date"]]
    if dated:
        last_status, last_date = dated[-1]
        if last_date is not None and event_date < last_date:
            raise LedgerError(f"日期 {CnDate.of(event_date)} 早于上一状态“{last_status}”的日期 {last_date}")


def _status_states(history: list[Any]) -> list[list[str]]:
    """The statuses in force after each change, replayed from the history: a new status is
    pushed, a correction replaces the last, an undo goes back to the state before the last
    change (so undoing a correction brings back what it corrected); notes change nothing. The
    last state's last status is the current one."""
    states: list[list[str]] = [[]]
    for item in history:
        action = item["action"] or SET
        if action == NOTE:
            continue
        if action == UNDO:
            if len(states) > 1:
                states.pop()
        elif action == CORRECT and states[-1]:
            states.append([*states[-1][:-1], item["status"]])
        else:
            states.append([*states[-1], item["status"]])
    return states


def _delivered(history: list[Any], stack: list[str]) -> dt.date | None:
    """The delivery date in force, if 已送达 (or later) is in the stack."""
    if DELIVERED not in stack:
        return None
    dates = [_date(h["event_date"]) for h in history if h["status"] == DELIVERED and h["event_date"]]
    return dates[-1] if dates else None


def _deadline(row: Any, status: str, delivered: dt.date | None) -> tuple[str | None, str | None]:
    """The reply deadline (and its rule) once the status is ``status``: a deadline that counts
    from receipt (自收到之日起 N 日内, 收到函件后15个工作日内) counts from the delivery date once
    it is known, and from the document's date (days) or not at all (working days from 送达) before."""
    days, term, start = row["reply_days"], row["deadline_term"], row["deadline_from"]
    if term and start and "送达" in start:
        from ..calendar import CalendarGap, current_calendar, parse_term, resolve

        parsed = parse_term(term)
        if parsed is None:
            return row["reply_deadline"], row["deadline_rule"]
        base = delivered if status != ISSUED else None
        try:
            computed = resolve(parsed, base, start, current_calendar())
        except CalendarGap as gap:
            raise LedgerError(str(gap)) from None
        return iso(computed.date), computed.rule
    if not days:
        return row["reply_deadline"], row["deadline_rule"]
    base = delivered if delivered is not None and status != ISSUED else _date(row["doc_date"])
    return (iso(base + dt.timedelta(days=days)) if base else row["reply_deadline"]), row["deadline_rule"]


def _meta_columns(meta: DocumentMeta) -> dict[str, Any]:
    """The columns a render job sets, by name (shared by registration and re-issue)."""
    return {
        "kind": meta.kind,
        "subtype": meta.subtype,
        "recipient": meta.recipient,
        "subject": meta.subject,
        "doc_date": iso(meta.doc_date),
        "reply_deadline": iso(meta.reply_deadline),
        "reply_days": meta.reply_days,
        "source_file": meta.source_file,
        "source_row": meta.source_row,
        "source_key": meta.source_key,
        "row_digest": meta.row_digest,
        "identity": meta.identity,
        "field_digests": json.dumps(meta.field_digests, ensure_ascii=False) if meta.field_digests else None,
        "related_number": meta.related_number,
        "deadline_rule": meta.deadline_rule,
        "deadline_term": meta.deadline_term,
        "deadline_from": meta.deadline_from,
        "handler": meta.handler,
    }


def _item(row: sqlite3.Row) -> Item:
    return Item(
        id=row["id"],
        doc_number=row["doc_number"],
        seq=row["seq"],
        task=row["task"],
        owner=row["owner"],
        deadline=_date(row["deadline"]),
        deadline_text=row["deadline_text"],
        state=ItemState(row["state"]),
        evidence=row["evidence"],
        evidence_file=row["evidence_file"],
        done_on=_date(row["done_on"]),
    )


def _check_step_order(what: str, handle: str, step: Step, recorded: list[Approval]) -> None:
    """Each step once, and 审批 only after 审核 — for a 文号 and for a 草稿号 alike."""
    done = {a.step for a in recorded}
    if step in done:
        raise LedgerError(f"{what}已登记过{step.label}")
    if step is Step.APPROVE and Step.REVIEW not in done:
        raise LedgerError(
            f"{what}尚未登记审核，不能先审批", hint=f"先运行 jiancha ledger review {handle} --by 审核人"
        )


def _date(value: str | None) -> CnDate | None:
    return CnDate.fromisoformat(value) if value else None


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        doc_number=row["doc_number"],
        kind=row["kind"],
        subtype=row["subtype"],
        recipient=row["recipient"],
        subject=row["subject"],
        doc_date=_date(row["doc_date"]),
        reply_deadline=_date(row["reply_deadline"]),
        reply_days=row["reply_days"],
        output_file=row["output_file"],
        sha256=row["sha256"],
        source_file=row["source_file"],
        source_row=row["source_row"],
        status=row["status"],
        void_reason=row["void_reason"],
        created_at=row["created_at"],
        source_key=row["source_key"],
        row_digest=row["row_digest"],
        identity=row["identity"],
        field_digests=json.loads(row["field_digests"]) if row["field_digests"] else None,
        replaces=row["replaces"],
        replaced_by=row["replaced_by"],
        related_number=row["related_number"],
        deadline_rule=row["deadline_rule"],
        deadline_term=row["deadline_term"],
        deadline_from=row["deadline_from"],
        handler=row["handler"],
    )
