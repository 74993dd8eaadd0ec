"""文号 allocation and the follow-up ledger (台账): the interface the rest of jiancha uses
(interface.py), what a ledger holds (model.py), and its SQLite backend (sqlite.py, db.py)."""

from .db import SCHEMA_VERSION, LedgerBusy, LedgerDamaged, LedgerError, LedgerMissing, LedgerReadOnly
from .interface import LedgerBase, NullLedger
from .model import FOLLOW_UP, STATUSES, VOID, DocumentMeta, Entry
from .sqlite import SqliteLedger

Ledger = SqliteLedger  # the embedded default

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
]
