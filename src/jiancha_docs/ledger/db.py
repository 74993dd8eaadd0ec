"""The ledger's SQLite file: opening it safely, and the versioned schema with its migrations.

The schema version is SQLite's ``user_version``. Each migration runs in its own transaction,
so a ledger is always at one whole version. WAL mode lets ``list``/``export``/``backup`` read
while a batch writes; ``busy_timeout`` makes concurrent writers queue instead of failing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import JianchaError


class LedgerError(JianchaError):
    """The ledger cannot be opened, is damaged, or a ledger operation was refused."""


# Each entry upgrades the schema from version i to i + 1. Never edit a released migration:
# add a new one, so every office's ledger reaches the same schema.
MIGRATIONS: list[str] = [
    # 1: the first schema: counters, registered documents, their status history.
    """
    CREATE TABLE counters (
        code TEXT NOT NULL,
        year INTEGER NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (code, year)
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        doc_number TEXT NOT NULL UNIQUE,
        code TEXT,
        year INTEGER,
        seq INTEGER,
        kind TEXT NOT NULL,
        recipient TEXT,
        subject TEXT,
        doc_date TEXT,
        reply_deadline TEXT,
        output_file TEXT,
        sha256 TEXT,
        source_file TEXT,
        source_row INTEGER,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        event_date TEXT,
        note TEXT
    );
    """,
    # 2: sub-types, the reply period in days (so the deadline can follow the delivery date),
    # the reason a number was voided, the process that holds a number while it renders,
    # and indexes for the follow-up queries.
    """
    ALTER TABLE documents ADD COLUMN subtype TEXT;
    ALTER TABLE documents ADD COLUMN reply_days INTEGER;
    ALTER TABLE documents ADD COLUMN void_reason TEXT;
    ALTER TABLE documents ADD COLUMN holder TEXT;
    CREATE INDEX documents_status ON documents(status);
    CREATE INDEX documents_deadline ON documents(reply_deadline);
    CREATE INDEX documents_code_year ON documents(code, year, seq);
    CREATE INDEX history_document ON history(document_id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, create: bool = True) -> sqlite3.Connection:
    """Open (and on first use create) the ledger at ``path``, migrated to the current schema."""
    if not path.exists() and not create:
        raise LedgerError(
            f"找不到台账 {path}", hint="先用 jiancha render 生成文书，台账会自动创建；或用 --db 指定台账文件"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    except (OSError, sqlite3.Error) as e:
        raise LedgerError(f"无法打开台账 {path}：{e}") from e
    try:
        connection.execute("PRAGMA busy_timeout = 60000")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection, path)
    except sqlite3.DatabaseError as e:
        connection.close()
        raise LedgerError(
            f"台账 {path} 已损坏或不是台账文件：{e}", hint="可用 jiancha ledger backup 生成的备份替换它"
        ) from e
    return connection


def schema_version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def migrate(connection: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> None:
    """Bring the schema up to ``target``, one version per transaction."""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(connection)
            if version > SCHEMA_VERSION:
                raise LedgerError(
                    f"台账 {path} 由更新版本的 jiancha 创建（结构版本 {version}），请升级 jiancha 后再用"
                )
            if version >= target:
                connection.execute("COMMIT")
                return
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
