"""文号 allocation and the follow-up ledger (台账) in SQLite."""

from .db import SCHEMA_VERSION, LedgerError
from .store import FOLLOW_UP, STATUSES, VOID, DocumentMeta, Entry, Ledger

__all__ = [
    "FOLLOW_UP",
    "SCHEMA_VERSION",
    "STATUSES",
    "VOID",
    "DocumentMeta",
    "Entry",
    "Ledger",
    "LedgerError",
]
