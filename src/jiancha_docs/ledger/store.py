"""The follow-up ledger (台账): number allocation, registration, status changes, queries.

Every change is one transaction. A number is taken in the same transaction that records it as
生成中 (being rendered) together with the process that holds it; the document's digest is
recorded before its file is written and the entry becomes 已印发 after. If a process dies in
between, ``recover`` settles its numbers from what is on disk: the file with the recorded digest
exists → 已印发; otherwise → 作废 with the reason. So ledger and files agree after any crash, and
no number is ever reused or lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..kinds.fields import CnDate, FieldProblem, FieldSpec, convert
from ..system import process_alive
from .db import LedgerError, connect

PENDING = "生成中"
ISSUED = "已印发"
VOID = "作废"
FOLLOW_UP = ["已印发", "已送达", "已反馈", "已回访", "已归档"]
STATUSES = [*FOLLOW_UP, VOID]
# Until the recipient has replied, a passed deadline means the entry is overdue.
AWAITING_REPLY = ("已印发", "已送达")

_DATE_FIELD = FieldSpec("date", "日期", "date")


@dataclass
class DocumentMeta:
    """What a render job knows about a document when it registers it."""

    kind: str
    subtype: str | None = None
    recipient: str | None = None
    subject: str | None = None
    doc_date: dt.date | None = None
    reply_deadline: dt.date | None = None
    reply_days: int | None = None  # set when the deadline counts from receipt
    source_file: str | None = None
    source_row: int | None = None
    output_file: str | None = None


@dataclass
class HistoryItem:
    status: str
    at: str
    event_date: dt.date | None
    note: str | None


@dataclass
class Entry:
    doc_number: str
    kind: str
    subtype: str | None
    recipient: str | None
    subject: str | None
    doc_date: dt.date | None
    reply_deadline: dt.date | None
    reply_days: int | None
    output_file: str | None
    sha256: str | None
    source_file: str | None
    source_row: int | None
    status: str
    void_reason: str | None
    created_at: str
    history: list[HistoryItem] = field(default_factory=list)

    def overdue_days(self, today: dt.date) -> int:
        """Days past the reply deadline with no reply yet; 0 when not overdue."""
        if self.reply_deadline is None or self.status not in AWAITING_REPLY:
            return 0
        return max((today - self.reply_deadline).days, 0)

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "文号": self.doc_number,
            "文书类型": self.kind,
            "子类型": self.subtype,
            "主送单位": self.recipient,
            "事由": self.subject,
            "成文日期": _iso(self.doc_date),
            "反馈期限": _iso(self.reply_deadline),
            "状态": self.status,
            "逾期天数": self.overdue_days(today),
            "作废原因": self.void_reason,
            "输出文件": self.output_file,
            "SHA256": self.sha256,
            "来源文件": self.source_file,
            "来源行号": self.source_row,
            "登记时间": self.created_at,
            "历史": [
                {"状态": h.status, "时间": h.at, "日期": _iso(h.event_date), "说明": h.note}
                for h in self.history
            ],
        }


def format_number(code: str, year: int, seq: int) -> str:
    return f"{code}〔{year}〕{seq}号"


def parse_number(number: str) -> tuple[str, int, int] | None:
    from ..gbt9704 import DOC_NUMBER

    match = DOC_NUMBER.match(number)
    if not match:
        return None
    return match.group("code"), int(match.group("year")), int(match.group("seq"))


def parse_event_date(value: str) -> dt.date:
    try:
        return convert(_DATE_FIELD, value)
    except FieldProblem as problem:
        raise LedgerError(f"日期有误：{problem}") from None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def has_digest(path: Path, sha256: str) -> bool:
    """Whether ``path`` is a file with this content: how a document's writing is verified."""
    try:
        return path.is_file() and file_digest(path) == sha256
    except OSError:
        return False


class Ledger:
    """One open ledger file. Use as a context manager so the connection is closed."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        self.connection = connect(self.path, create=create)
        self.connection.row_factory = sqlite3.Row
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._in_batch = False

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------------
    def _transaction(self) -> _Transaction:
        return _Transaction(self.connection, self.path, nested=self._in_batch)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several changes in one transaction (a render job registers a chunk of documents at
        once): all of them or none, and one commit instead of one per change. A change that
        raises inside a batch must have written nothing (the ledger's own operations check
        before they write), or the caller lets the error end the batch."""
        if self._in_batch:
            yield
            return
        self.begin_batch()
        try:
            yield
        except BaseException:
            self.end_batch(commit=False)
            raise
        self.end_batch()

    def begin_batch(self) -> None:
        """Open a batch that ``end_batch`` closes (for a batch that spans several calls)."""
        if not self._in_batch:
            self._transaction().__enter__()
            self._in_batch = True

    def end_batch(self, commit: bool = True) -> None:
        if self._in_batch:
            self._in_batch = False
            if self.connection.in_transaction:
                self.connection.execute("COMMIT" if commit else "ROLLBACK")

    def _now(self) -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def _add_history(
        self, document_id: int, status: str, event_date: dt.date | None, note: str | None
    ) -> None:
        self.connection.execute(
            "INSERT INTO history (document_id, status, at, event_date, note) VALUES (?, ?, ?, ?, ?)",
            (document_id, status, self._now(), _iso(event_date), note),
        )

    # -- numbering and registration -------------------------------------------------------------
    def allocate(self, code: str, year: int, meta: DocumentMeta) -> str:
        """Take the next number for ``code`` and ``year`` and hold it as 生成中."""
        with self._transaction():
            row = self.connection.execute(
                "SELECT last FROM counters WHERE code = ? AND year = ?", (code, year)
            ).fetchone()
            highest = self.connection.execute(
                "SELECT MAX(seq) FROM documents WHERE code = ? AND year = ?", (code, year)
            ).fetchone()[0]
            seq = max(row[0] if row else 0, highest or 0) + 1
            self.connection.execute(
                "INSERT INTO counters (code, year, last) VALUES (?, ?, ?) "
                "ON CONFLICT (code, year) DO UPDATE SET last = excluded.last",
                (code, year, seq),
            )
            number = format_number(code, year, seq)
            self._insert(number, (code, year, seq), meta, note="自动编号")
        return number

    def claim(self, number: str, meta: DocumentMeta, force: bool = False) -> bool:
        """Hold an explicit number. Refused when the ledger has it, unless ``force`` (then the
        existing entry is re-issued when the new document is written). Returns True when the
        entry already existed."""
        with self._transaction():
            if self.has(number):
                if not force:
                    self.check_free(number)
                return True
            self._insert(number, parse_number(number) or (None, None, None), meta, note="指定文号")
        return False

    def check_free(self, number: str) -> None:
        """Refuse a 文号 the ledger already has."""
        existing = self.connection.execute(
            "SELECT status FROM documents WHERE doc_number = ?", (number,)
        ).fetchone()
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
            "status": PENDING,
            "holder": self.holder,
            "created_at": self._now(),
        }
        cursor = self.connection.execute(
            f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            tuple(columns.values()),
        )
        self._add_history(cursor.lastrowid, PENDING, None, note)

    def record_digest(self, number: str, sha256: str, output_file: str) -> None:
        """Before the file is written: what it will be, so a crash can be settled from the disk."""
        with self._transaction():
            self.connection.execute(
                "UPDATE documents SET sha256 = ?, output_file = ? WHERE doc_number = ? AND status = ?",
                (sha256, output_file, number, PENDING),
            )

    def issue(
        self,
        number: str,
        sha256: str | None = None,
        output_file: str | None = None,
        meta: DocumentMeta | None = None,
        note: str | None = None,
    ) -> None:
        """The document is written: 生成中 → 已印发; or, for a forced re-issue, update the entry."""
        with self._transaction():
            row = self._row(number)
            if row["status"] != PENDING and meta is not None:
                columns = _meta_columns(meta)
                assignments = ", ".join(f"{name} = ?" for name in columns)
                self.connection.execute(
                    f"UPDATE documents SET {assignments}, void_reason = NULL WHERE id = ?",
                    (*columns.values(), row["id"]),
                )
                note = note or f"重新生成（原状态：{row['status']}）"
            self.connection.execute(
                "UPDATE documents SET status = ?, holder = NULL, sha256 = COALESCE(?, sha256), "
                "output_file = COALESCE(?, output_file) WHERE id = ?",
                (ISSUED, sha256, output_file, row["id"]),
            )
            self._add_history(row["id"], ISSUED, None, note)

    def void(self, number: str, reason: str) -> None:
        """The number's document could not be made: record why; the number is never reused."""
        with self._transaction():
            row = self._row(number)
            if row["status"] != PENDING:
                return  # a forced re-issue that failed leaves the earlier document as it was
            self.connection.execute(
                "UPDATE documents SET status = ?, void_reason = ?, holder = NULL WHERE id = ?",
                (VOID, reason, row["id"]),
            )
            self._add_history(row["id"], VOID, None, reason)

    def recover(self) -> list[str]:
        """Settle numbers held by processes that died mid-render; returns Chinese notes."""
        notes = []
        host = socket.gethostname()
        rows = self.connection.execute(
            "SELECT doc_number, holder, output_file, sha256 FROM documents WHERE status = ?", (PENDING,)
        ).fetchall()
        for number, holder, output_file, sha256 in rows:
            holder_host, _, pid = (holder or "").rpartition(":")
            if holder_host == host and pid.isdigit() and process_alive(int(pid)):
                continue
            if holder_host and holder_host != host:
                continue  # held on another machine: it alone can tell
            if self._settle(number, output_file, sha256, "生成过程中断"):
                notes.append(f"文号“{number}”：上次生成中断，文件完整，已补登为已印发")
            else:
                notes.append(f"文号“{number}”：上次生成中断，文件未写出，已作废")
        return notes

    def release(self, numbers: list[str], reason: str) -> None:
        """A job that stops early settles the numbers it still holds, as ``recover`` would:
        a document already written under its name → 已印发; otherwise → 作废 with ``reason``.

        Called when a job is interrupted, possibly in the middle of a transaction: whatever that
        transaction had not committed is rolled back first."""
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        self._in_batch = False
        for number in numbers:
            row = self.connection.execute(
                "SELECT output_file, sha256 FROM documents WHERE doc_number = ? AND status = ? AND holder = ?",
                (number, PENDING, self.holder),
            ).fetchone()
            if row is not None:
                self._settle(number, row[0], row[1], reason)

    def _settle(self, number: str, output_file: str | None, sha256: str | None, reason: str) -> bool:
        if output_file and sha256 and has_digest(Path(output_file), sha256):
            self.issue(number, note=f"{reason}，文件已完整写出，补登为已印发")
            return True
        self.void(number, f"{reason}，文件未写出")
        return False

    # -- follow-up ------------------------------------------------------------------------------
    def mark(
        self, number: str, status: str, event_date: dt.date | None = None, note: str | None = None
    ) -> Entry:
        if status not in STATUSES:
            raise LedgerError(f"状态“{status}”无效，应为：{'、'.join(STATUSES)}")
        with self._transaction():
            row = self._row(number)
            current = row["status"]
            if current == PENDING:
                raise LedgerError(f"文号“{number}”的文书正在生成，暂不能变更状态")
            if current == VOID:
                raise LedgerError(f"文号“{number}”已作废，不能再变更状态")
            if status == current:
                raise LedgerError(f"文号“{number}”已是“{current}”状态")
            if status != VOID and FOLLOW_UP.index(status) < FOLLOW_UP.index(current):
                raise LedgerError(f"文号“{number}”已是“{current}”，不能退回到“{status}”")
            if status == VOID and current == "已归档":
                raise LedgerError(f"文号“{number}”已归档，不能作废")
            deadline = row["reply_deadline"]
            if status == "已送达" and event_date and row["reply_days"]:
                # 自收到之日起 N 日内: once the delivery date is known, the deadline counts from it.
                deadline = _iso(event_date + dt.timedelta(days=row["reply_days"]))
            self.connection.execute(
                "UPDATE documents SET status = ?, reply_deadline = ?, void_reason = ? WHERE id = ?",
                (status, deadline, note if status == VOID else row["void_reason"], row["id"]),
            )
            self._add_history(row["id"], status, event_date, note)
        return self.find(number)

    def find(self, number: str) -> Entry:
        row = self._row(number)
        entry = _entry(row)
        entry.history = [
            HistoryItem(h["status"], h["at"], _date(h["event_date"]), h["note"])
            for h in self.connection.execute(
                "SELECT * FROM history WHERE document_id = ? ORDER BY id", (row["id"],)
            ).fetchall()
        ]
        return entry

    def has(self, number: str) -> bool:
        return (
            self.connection.execute("SELECT 1 FROM documents WHERE doc_number = ?", (number,)).fetchone()
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
            raise LedgerError(f"状态“{status}”无效，应为：{'、'.join(STATUSES)}")
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
        return [_entry(row) for row in self.connection.execute(sql, args).fetchall()]

    def backup(self, destination: Path, force: bool = False) -> Path:
        """A consistent copy while the ledger is in use (SQLite's online backup), written atomically."""
        destination = Path(destination)
        if destination.exists() and not force:
            raise LedgerError(f"文件“{destination}”已存在，未覆盖；如需覆盖请加 --force")
        temporary = destination.with_name(f".{destination.name}.part")
        try:
            target = sqlite3.connect(temporary)
            try:
                self.connection.backup(target)
            finally:
                target.close()
            os.replace(temporary, destination)
        except (OSError, sqlite3.Error) as e:
            raise LedgerError(f"无法写入备份 {destination}：{e}") from e
        finally:
            if temporary.exists():
                temporary.unlink()
        return destination

    def _row(self, number: str) -> sqlite3.Row:
        row = self.connection.execute("SELECT * FROM documents WHERE doc_number = ?", (number,)).fetchone()
        if row is None:
            raise LedgerError(f"台账中没有文号“{number}”", hint="可用 jiancha ledger list 查看台账")
        return row


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error (including Ctrl-C)."""

    def __init__(self, connection: sqlite3.Connection, path: Path, nested: bool = False) -> None:
        self.connection = connection
        self.path = path
        self.nested = nested  # inside Ledger.batch: the batch's transaction holds the change

    def __enter__(self) -> None:
        if self.nested:
            return
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise LedgerError(f"台账 {self.path} 正被其他程序长时间占用：{e}") from e

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.nested:
            return
        if exc_type is None:
            self.connection.execute("COMMIT")
        else:
            self.connection.execute("ROLLBACK")


def _meta_columns(meta: DocumentMeta) -> dict[str, Any]:
    """The columns a render job sets, by name (shared by registration and re-issue)."""
    return {
        "kind": meta.kind,
        "subtype": meta.subtype,
        "recipient": meta.recipient,
        "subject": meta.subject,
        "doc_date": _iso(meta.doc_date),
        "reply_deadline": _iso(meta.reply_deadline),
        "reply_days": meta.reply_days,
        "source_file": meta.source_file,
        "source_row": meta.source_row,
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


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
    )
