"""文号 allocation and the follow-up ledger (台账): the interface the rest of jiancha uses
(interface.py), what a ledger holds (model.py), its SQLite backend (sqlite.py, db.py), the
office server's PostgreSQL backend (postgres.py), the audit trail (audit.py) and moving a
ledger between them (transfer.py). ``open_ledger`` picks the backend from the target."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .db import SCHEMA_VERSION, LedgerBusy, LedgerDamaged, LedgerError, LedgerMissing, LedgerReadOnly
from .interface import LedgerBase, NullLedger
from .model import FOLLOW_UP, STATUSES, VOID, DocumentMeta, Entry
from .sqlite import SqliteLedger

Ledger = SqliteLedger  # the embedded default


def open_ledger(
    target: Path | str,
    create: bool = True,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    actor: object | None = None,
) -> LedgerBase:
    """The ledger at ``target``: a PostgreSQL URL (``postgresql://…``) or a SQLite file."""
    from .db import DEFAULT_WAIT
    from .postgres import PostgresLedger, is_url

    if is_url(target):
        return PostgresLedger(str(target), wait=wait or DEFAULT_WAIT, actor=actor)  # type: ignore[arg-type]
    return SqliteLedger(Path(target), create=create, wait=wait or DEFAULT_WAIT, on_wait=on_wait, actor=actor)  # type: ignore[arg-type]


__all__ = [
    "FOLLOW_UP",
    "SCHEMA_VERSION",
    "STATUSES",
    "VOID",
    "DocumentMeta",
    "Entry",
    "Ledger",
    "LedgerBase",
    "LedgerBusy",
    "LedgerDamaged",
    "LedgerError",
    "LedgerMissing",
    "LedgerReadOnly",
    "NullLedger",
    "SqliteLedger",
    "open_ledger",
]


def doctor_fact(settings: object) -> tuple[str, str]:
    """``jiancha doctor``'s line for the ledger: where it is, and the full integrity check."""
    from .db import integrity_problems

    where = settings.ledger_location()  # type: ignore[attr-defined]
    path = where.path
    origin = {"flag": "--db", "env": "环境变量 JIANCHA_DB", "config": "配置文件", "default": "默认位置"}
    source = origin.get(where.origin, where.origin)
    if not path.exists():
        if where.may_create:
            return "ok", f"尚未建立，首次分配文号时创建于 {path}（{source}）"
        return (
            "warn",
            f"{path} 不存在；配置文件指定了这个台账，不会自动新建。请检查 [ledger] db，或用备份恢复",
        )
    with SqliteLedger(path, create=False, wait=2.0) as ledger:
        problems = integrity_problems(ledger.connection)
        count = len(ledger.entries())
        read_only = ledger.read_only
    if problems:
        return (
            "fail",
            f"{path} 已损坏：{'；'.join(problems[:3])}；请用 jiancha ledger backup 做过的备份替换它",
        )
    note = "（只读：只能查看和导出）" if read_only else ""
    return "ok", f"{path}（{source}）：{count} 个文号，完整性检查通过{note}"
