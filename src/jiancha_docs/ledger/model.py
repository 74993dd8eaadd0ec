"""What a ledger holds, independent of where it is stored: statuses, entries, what a render job
tells the ledger about a document, and a document's identity.

A status is an enum-like string constant; its Chinese text is how it is shown and stored (the
ledger files of earlier versions hold the same strings)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

PENDING = "生成中"
ISSUED = "已印发"
DELIVERED = "已送达"
REPLIED = "已反馈"
VISITED = "已回访"
ARCHIVED = "已归档"
VOID = "作废"
FOLLOW_UP = [ISSUED, DELIVERED, REPLIED, VISITED, ARCHIVED]
STATUSES = [*FOLLOW_UP, VOID]
# Until the recipient has replied, a passed deadline means the entry is overdue.
AWAITING_REPLY = (ISSUED, DELIVERED)


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
    source_key: str | None = None  # the input file's full path (and sheet): which file a row is of
    row_digest: str | None = None  # a digest of the row as read, to tell a moved row from an edited one
    identity: str | None = None  # see record_fingerprint
    field_digests: dict[str, str] | None = None  # field label → short digest of its value
    replaces: str | None = None  # the 文号 this document re-issues (which is voided when it is issued)
    related_number: str | None = None  # the document this one answers or follows up
    deadline_rule: str | None = None  # how the reply deadline was computed, in Chinese
    deadline_term: str | None = None  # the term it was computed from ("15个工作日")
    deadline_from: str | None = None  # the event it counts from ("送达日"); 送达: recomputed on delivery
    handler: str | None = None  # 承办人: who in the office follows the document up
    tasks: list[TaskSpec] | None = None  # its 整改任务, registered as items (see tasks.py)


class ItemState(StrEnum):
    """What is stored for a 整改 item; 逾期 is not stored, it follows from the deadline."""

    OPEN = "open"
    DONE = "done"


class ItemStatus(StrEnum):
    """How an item is shown and filtered: stored state plus the deadline."""

    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"open": "未完成", "done": "已完成", "overdue": "逾期"}[self.value]


class Step(StrEnum):
    """The optional steps before 印发 (``[ledger] approval``)."""

    REVIEW = "review"
    APPROVE = "approve"

    @property
    def label(self) -> str:
        return {"review": "审核", "approve": "审批"}[self.value]


@dataclass
class TaskSpec:
    """One 整改任务 row of a document as a render job reads it."""

    task: str
    owner: str | None = None
    deadline: dt.date | None = None
    deadline_text: str | None = None  # as written when it is not a date ("6月底前")


@dataclass
class Item:
    """A 整改 item in the ledger."""

    id: int
    doc_number: str
    seq: int
    task: str
    owner: str | None
    deadline: dt.date | None
    deadline_text: str | None
    state: ItemState
    evidence: str | None
    evidence_file: str | None
    done_on: dt.date | None

    def status(self, today: dt.date) -> ItemStatus:
        if self.state is ItemState.DONE:
            return ItemStatus.DONE
        if self.deadline is not None and self.deadline < today:
            return ItemStatus.OVERDUE
        return ItemStatus.OPEN

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_number": self.doc_number,
            "seq": self.seq,
            "task": self.task,
            "owner": self.owner,
            "deadline": iso(self.deadline),
            "deadline_text": self.deadline_text,
            "status": self.status(today).value,
            "evidence": self.evidence,
            "evidence_file": self.evidence_file,
            "done_on": iso(self.done_on),
        }


@dataclass
class Approval:
    step: Step
    person: str
    on_date: dt.date
    opinion: str | None


@dataclass
class HistoryItem:
    status: str
    at: str
    event_date: dt.date | None
    note: str | None
    action: str | None = None  # set, correct, undo, note (sqlite.py)


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
    source_key: str | None = None
    row_digest: str | None = None
    identity: str | None = None
    field_digests: dict[str, str] | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    related_number: str | None = None
    deadline_rule: str | None = None
    deadline_term: str | None = None
    deadline_from: str | None = None
    handler: str | None = None
    history: list[HistoryItem] = field(default_factory=list)

    def dates_in_force(self) -> dict[str, dt.date]:
        """Status → the date it was reached, as the history stands after corrections and undos
        (needs ``history``): 已送达 is the 送达日期, 已反馈 the 反馈日期."""
        stack: list[list[tuple[str, dt.date | None]]] = [[]]
        for item in self.history:
            action = item.action or "set"
            if action == "note":
                continue
            if action == "undo":
                if len(stack) > 1:
                    stack.pop()
            elif action == "correct" and stack[-1]:
                stack.append([*stack[-1][:-1], (item.status, item.event_date)])
            else:
                stack.append([*stack[-1], (item.status, item.event_date)])
        return {status: date for status, date in stack[-1] if date is not None}

    def delivered_on(self) -> dt.date | None:
        return self.dates_in_force().get(DELIVERED)

    def replied_on(self) -> dt.date | None:
        """The reply date: 已反馈, or a later status reached without 已反馈 recorded."""
        dates = self.dates_in_force()
        return dates.get(REPLIED) or (dates.get(VISITED) if REPLIED not in dates else None)

    def reply_lateness(self) -> int | None:
        """Days the reply came after the deadline (0: on time); None without both dates."""
        replied = self.replied_on()
        if replied is None or self.reply_deadline is None:
            return None
        return max((replied - self.reply_deadline).days, 0)

    def overdue_days(self, today: dt.date) -> int:
        """Days past the reply deadline with no reply yet; 0 when not overdue."""
        if self.reply_deadline is None or self.status not in AWAITING_REPLY:
            return 0
        return max((today - self.reply_deadline).days, 0)

    def source_text(self) -> str:
        """Where it came from, as the clerk sees it: a row of a sheet, a record of a YAML/JSON file."""
        if not self.source_row:
            return self.source_file or ""
        records = str(self.source_file or "").lower().endswith((".yaml", ".yml", ".json"))
        return f"{self.source_file} 第 {self.source_row} {'条记录' if records else '行'}"

    def on_disk(self) -> bool:
        return self.output_file is not None and Path(self.output_file).is_file()

    def as_json(self, today: dt.date) -> dict[str, Any]:
        """English keys for scripts; values as stored (statuses in Chinese, dates ISO)."""
        return {
            "doc_number": self.doc_number,
            "kind": self.kind,
            "subtype": self.subtype,
            "recipient": self.recipient,
            "subject": self.subject,
            "doc_date": iso(self.doc_date),
            "reply_deadline": iso(self.reply_deadline),
            "deadline_rule": self.deadline_rule,
            "status": self.status,
            "overdue_days": self.overdue_days(today),
            "void_reason": self.void_reason,
            "output_file": self.output_file,
            "sha256": self.sha256,
            "source_file": self.source_file,
            "source_row": self.source_row,
            "replaces": self.replaces,
            "replaced_by": self.replaced_by,
            "related_number": self.related_number,
            "handler": self.handler,
            "created_at": self.created_at,
            "history": [
                {"status": h.status, "at": h.at, "event_date": iso(h.event_date), "note": h.note}
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


def _canonical(value: Any) -> str:
    """One text per value, the same on every run: plain text as it is (the common case, and
    the fast one), anything else as sorted JSON; a type mark keeps "1" and 1 apart."""
    if isinstance(value, str):
        return "s" + value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "l" + "\x1f".join(value)
    return "j" + json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def record_fingerprint(
    kind: str, values: dict[str, Any], labels: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """A record's identity and the digest of each of its fields, computed in one pass.

    The identity is what a document is made from: its kind and a digest of the record's values,
    so the same record rendered again is recognised whatever file or row it comes from (an
    automatic 文号 is left out by the caller: it is what the ledger gave the record). The field
    digests, by label, are enough to say which fields changed."""
    whole = hashlib.sha256(kind.encode("utf-8"))
    fields: dict[str, str] = {}
    for key in sorted(values):
        text = _canonical(values[key]).encode("utf-8")
        whole.update(b"\x1e" + key.encode("utf-8") + b"\x1f" + text)
        fields[labels.get(key, key)] = hashlib.blake2b(text, digest_size=6).hexdigest()
    return f"{kind}:{whole.hexdigest()}", fields


def row_digest(raw: dict[str, Any]) -> str:
    """A digest of a row as the reader gave it (column → value), cheap enough to compute for
    every row of a file when a rerun has to tell a moved row from an edited one."""
    digest = hashlib.blake2b(digest_size=12)
    for column in sorted(raw, key=str):
        digest.update(f"{column}\x1f{raw[column]}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def changed_fields(old: dict[str, str] | None, new: dict[str, str]) -> list[str]:
    """The labels whose values differ between two fingerprints."""
    if not old:
        return []
    return [label for label in sorted(set(old) | set(new)) if old.get(label) != new.get(label)]


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def parse_event_date(value: str) -> dt.date:
    """A date typed on the command line (``ledger mark --date``), in any form inputs accept."""
    from ..kinds.fields import FieldProblem, FieldSpec, convert
    from .db import LedgerError

    try:
        return convert(FieldSpec("date", "日期", "date"), value)
    except FieldProblem as problem:
        raise LedgerError(f"日期有误：{problem}") from None


DRAFT_HANDLE_PREFIX = "草稿-"


def draft_handle(identity: str) -> str:
    """The 草稿号 of a document awaiting approval: derived from its identity (kind + the record
    it is made from), so a rerun of the same row finds the same draft."""
    import hashlib

    return DRAFT_HANDLE_PREFIX + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]


def is_draft_handle(text: str) -> bool:
    import re

    return re.fullmatch(re.escape(DRAFT_HANDLE_PREFIX) + "[0-9a-f]{8}", text.strip()) is not None
