"""What the rest of jiancha may ask of a ledger, whatever stores it.

``sqlite.SqliteLedger`` implements it for one office's file; an office server's backend
implements the same methods. ``NullLedger`` stands in when numbering is off (a library caller
that passes no ledger, a draft), so a render job never checks for ``None``.

The numbering contract every backend keeps:

- a 文号 is taken (``allocate``/``claim``) in the same transaction that records it as 生成中
  with the process holding it; it is never handed out twice and never reused, even when voided;
- before a document's file is written its digest is recorded (``record_digest``); after, the
  entry is issued (``issue``). An entry being re-rendered keeps its status and records the
  digest of the file about to replace it (``hold_existing`` + ``record_digest``);
- ``recover`` settles what a killed process left: each entry it held is compared with the file
  on disk, so ledger and folder agree after any kill.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from .model import Approval, DocumentMeta, Entry, Item, Step, TaskSpec, draft_handle


class LedgerBase(ABC):
    path: Path | None = None
    read_only: bool = False

    # -- lifetime --------------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 (a backend without resources has nothing to close)
        """Release the connection."""

    def __enter__(self) -> LedgerBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def batch(self) -> AbstractContextManager[None]:
        """Several changes in one transaction: all of them or none. The only way a caller
        groups changes; each method is its own transaction outside a batch."""

    # -- numbering and registration ----------------------------------------------------------------
    @abstractmethod
    def recover(self) -> list[str]:
        """Settle entries held by processes that died; returns Chinese notes."""

    @abstractmethod
    def allocate(self, code: str, year: int, meta: DocumentMeta) -> str | None:
        """Take the next number for ``code`` and ``year`` and hold it as 生成中."""

    @abstractmethod
    def claim(self, number: str, meta: DocumentMeta, force: bool = False) -> bool:
        """Hold an explicit number; True when the entry exists already (``force``: re-render it)."""

    @abstractmethod
    def check_free(self, number: str) -> None:
        """Refuse a 文号 the ledger already has."""

    @abstractmethod
    def hold_existing(self, number: str, meta: DocumentMeta | None = None) -> None:
        """An issued entry is about to be rendered again (``--force``, a missing file); with
        ``meta``, from a changed record (``--force-number``), whose details it then takes."""

    @abstractmethod
    def record_digest(self, number: str, sha256: str, output_file: str) -> None:
        """Before the file is written: what it will be (for an entry held by ``hold_existing``,
        as the file about to replace the recorded one, which stays until ``issue``)."""

    @abstractmethod
    def issue(
        self,
        number: str,
        sha256: str | None = None,
        output_file: str | None = None,
        meta: DocumentMeta | None = None,
        note: str | None = None,
    ) -> None:
        """The file is written: 生成中 → 已印发, or a re-rendered entry takes its new file."""

    @abstractmethod
    def void(self, number: str, reason: str) -> None:
        """The document could not be made: a 生成中 number becomes 作废 with ``reason``; a
        re-rendered entry is left as it was."""

    @abstractmethod
    def release(self, numbers: list[str], reason: str) -> None:
        """A job that stops early settles the numbers it still holds, as ``recover`` would."""

    @abstractmethod
    def ahead_of_sequence(self, number: str) -> tuple[int, int] | None:
        """For a hand-typed 文号 past the next automatic one: the (first, last) numbers it skips."""

    # -- lookups -----------------------------------------------------------------------------------
    @abstractmethod
    def find_identity(self, identity: str) -> Entry | None:
        """The live entry (not 作废) made from the record with this identity."""

    @abstractmethod
    def find_source(self, kind: str, source_key: str, source_row: int) -> Entry | None:
        """The live entry made from this row of this file (``source_key``: its full path)."""

    @abstractmethod
    def moved(self, number: str, meta: DocumentMeta) -> None:
        """The document's row is now at ``meta``'s file and row."""

    @abstractmethod
    def has_kind(self, kind: str) -> bool:
        """Whether the ledger has any entry of this kind (a batch of a kind the ledger has never
        seen skips looking each row up)."""

    @abstractmethod
    def find(self, number: str) -> Entry:
        """The entry with this 文号 and its history; LedgerError when there is none."""

    def get(self, number: str) -> Entry | None:
        """The entry with this 文号 and its history, or None when the ledger has none."""
        from .db import LedgerError

        try:
            return self.find(number)
        except LedgerError:
            return None

    @abstractmethod
    def followups(self, number: str) -> list[Entry]:
        """The documents that answer or follow up this one (their related 文号 is ``number``)."""

    @abstractmethod
    def has(self, number: str) -> bool: ...

    @abstractmethod
    def entries(
        self,
        kind: str | None = None,
        year: int | None = None,
        status: str | None = None,
        overdue: bool = False,
        due_within: int | None = None,
        today: dt.date | None = None,
    ) -> list[Entry]: ...

    # -- follow-up -----------------------------------------------------------------------------------
    @abstractmethod
    def mark(
        self,
        number: str,
        status: str,
        event_date: dt.date | None = None,
        note: str | None = None,
        today: dt.date | None = None,
        correct: bool = False,
    ) -> Entry:
        """A status change; with ``correct``, the last status is replaced (``note`` is the reason)."""

    @abstractmethod
    def undo(self, number: str, reason: str) -> Entry:
        """Take back the last status change, with the reason in the history."""

    # -- the closed loop (loop.py, report.py, archive.py, sample.py) ----------------------------------
    @abstractmethod
    def assign(self, number: str, handler: str) -> Entry:
        """Record who follows the document up (承办人)."""

    @abstractmethod
    def add_items(self, number: str, tasks: list[TaskSpec]) -> list[Item]:
        """Add 整改 items to a document by hand."""

    @abstractmethod
    def items(self, number: str | None = None) -> list[Item]:
        """The 整改 items of live documents (of one document with ``number``)."""

    @abstractmethod
    def complete_item(
        self,
        number: str,
        seq: int,
        evidence: str | None,
        evidence_file: str | None,
        done_on: dt.date,
        today: dt.date,
    ) -> Item:
        """Tick one item off with its evidence."""

    @abstractmethod
    def record_approval(
        self, number: str, step: Step, person: str, on_date: dt.date, opinion: str | None, today: dt.date
    ) -> list[Approval]:
        """Put a 审核 or 审批 on record."""

    @abstractmethod
    def approvals(self, number: str) -> list[Approval]: ...

    @abstractmethod
    def all_approvals(self) -> dict[str, list[Approval]]: ...

    @abstractmethod
    def register_draft(self, identity: str, kind: str) -> str:
        """The 草稿号 of an unnumbered document awaiting approval (the same on every rerun)."""

    @abstractmethod
    def draft_approved(self, identity: str) -> bool:
        """Whether the draft of this identity has its 审批 on record."""

    @abstractmethod
    def export_digest(self, path: Path) -> str | None:
        """The digest of what the ledger's own export last wrote at ``path`` (None: not ours)."""

    @abstractmethod
    def record_export(self, path: Path, sha256: str, what: str) -> None: ...

    @abstractmethod
    def record_archive(self, filed: list[tuple[str, str, int, str, int | None]], today: dt.date) -> None:
        """Documents filed as (文号, 档号, 件号, 保管期限, 页数); they become 已归档."""

    @abstractmethod
    def archived(self) -> dict[str, str]:
        """文号 → 档号 of every filed document."""

    @abstractmethod
    def backup(self, destination: Path, force: bool = False) -> Path: ...


class NullLedger(LedgerBase):
    """No ledger: nothing is numbered, registered or found."""

    def batch(self) -> AbstractContextManager[None]:
        return nullcontext()

    def recover(self) -> list[str]:
        return []

    def allocate(self, code: str, year: int, meta: DocumentMeta) -> str | None:
        return None

    def claim(self, number: str, meta: DocumentMeta, force: bool = False) -> bool:
        return False

    def check_free(self, number: str) -> None:
        return None

    def hold_existing(self, number: str, meta: DocumentMeta | None = None) -> None:
        return None

    def record_digest(self, number: str, sha256: str, output_file: str) -> None:
        return None

    def issue(
        self,
        number: str,
        sha256: str | None = None,
        output_file: str | None = None,
        meta: DocumentMeta | None = None,
        note: str | None = None,
    ) -> None:
        return None

    def void(self, number: str, reason: str) -> None:
        return None

    def release(self, numbers: list[str], reason: str) -> None:
        return None

    def ahead_of_sequence(self, number: str) -> tuple[int, int] | None:
        return None

    def find_identity(self, identity: str) -> Entry | None:
        return None

    def find_source(self, kind: str, source_key: str, source_row: int) -> Entry | None:
        return None

    def moved(self, number: str, meta: DocumentMeta) -> None:
        return None

    def has_kind(self, kind: str) -> bool:
        return False

    def find(self, number: str) -> Entry:
        from .db import LedgerError

        raise LedgerError(f"台账中没有文号“{number}”")

    def followups(self, number: str) -> list[Entry]:
        return []

    def has(self, number: str) -> bool:
        return False

    def entries(
        self,
        kind: str | None = None,
        year: int | None = None,
        status: str | None = None,
        overdue: bool = False,
        due_within: int | None = None,
        today: dt.date | None = None,
    ) -> list[Entry]:
        return []

    def mark(
        self,
        number: str,
        status: str,
        event_date: dt.date | None = None,
        note: str | None = None,
        today: dt.date | None = None,
        correct: bool = False,
    ) -> Entry:
        return self.find(number)

    def undo(self, number: str, reason: str) -> Entry:
        return self.find(number)

    def backup(self, destination: Path, force: bool = False) -> Path:
        from .db import LedgerError

        raise LedgerError("没有台账可以备份")

    def assign(self, number: str, handler: str) -> Entry:
        return self.find(number)

    def add_items(self, number: str, tasks: list[TaskSpec]) -> list[Item]:
        self.find(number)
        return []

    def items(self, number: str | None = None) -> list[Item]:
        return []

    def complete_item(
        self,
        number: str,
        seq: int,
        evidence: str | None,
        evidence_file: str | None,
        done_on: dt.date,
        today: dt.date,
    ) -> Item:
        self.find(number)
        raise AssertionError("unreachable")  # find raises: the null ledger has no documents

    def record_approval(
        self, number: str, step: Step, person: str, on_date: dt.date, opinion: str | None, today: dt.date
    ) -> list[Approval]:
        self.find(number)
        return []

    def approvals(self, number: str) -> list[Approval]:
        return []

    def all_approvals(self) -> dict[str, list[Approval]]:
        return {}

    def register_draft(self, identity: str, kind: str) -> str:
        return draft_handle(identity)

    def draft_approved(self, identity: str) -> bool:
        return False

    def export_digest(self, path: Path) -> str | None:
        return None

    def record_export(self, path: Path, sha256: str, what: str) -> None:
        return None

    def record_archive(self, filed: list[tuple[str, str, int, str, int | None]], today: dt.date) -> None:
        return None

    def archived(self) -> dict[str, str]:
        return {}
