"""The ledger's SQLite file: opening it safely, telling busy from read-only from damaged, and
the versioned schema with its migrations.

A ledger file is one of:

- *missing*: created (and migrated) only where the caller allows it — never where the workspace
  names a ledger that should be there (``may_create=False``);
- *busy*: another program holds a lock. Every statement waits up to ``wait`` seconds; after one
  second the caller's ``on_wait`` hears about it once; then :class:`LedgerBusy`. Busy is never
  reported as damage, and never answered with "restore a backup";
- *read-only* (a read-only share, a file without write permission): opened read-only, so
  ``list``/``show``/``export`` work; any write is refused with :class:`LedgerReadOnly`;
- *damaged* (0 bytes, not a SQLite file, a SQLite file that is not a ledger, malformed pages):
  :class:`LedgerDamaged`, named precisely, found by the header and an integrity check at open;
  a damaged ledger is never re-created or repaired silently.

The schema version is SQLite's ``user_version``. Each migration runs in its own transaction,
so a ledger is always at one whole version. WAL mode lets ``list``/``export``/``backup`` read
while a batch writes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import JianchaError

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_WAIT = 30.0  # seconds a statement waits for a busy ledger before giving up
NOTICE_AFTER = 1.0  # seconds of waiting before the caller is told the ledger is busy

WAYS_OUT = "可运行 jiancha doctor 查看台账检查结果；用 jiancha ledger backup 做过的备份文件替换它（先把损坏的文件另存一份）"


class LedgerError(JianchaError):
    """The ledger cannot be opened, or a ledger operation was refused."""


class LedgerMissing(LedgerError):
    """The workspace names a ledger that is not there."""


class LedgerBusy(LedgerError):
    """Another program holds the ledger for longer than we wait."""


class LedgerReadOnly(LedgerError):
    """The ledger can be read but not written here."""


class LedgerDamaged(LedgerError):
    """The file is empty, not a ledger, or has malformed pages."""


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
    # 3: a document's identity (kind + digest of the record it was made from) and a digest per
    # field, so a rerun reuses its number and a changed row says what changed; the links of a
    # re-issue; a re-render in progress (the file about to replace the recorded one, so a kill
    # in between is settled from the disk); and, for the kinds that follow up another document,
    # the related 文号 and the rule the deadline was computed by; how each history line changed
    # the status (set, correct, undo), so corrections and undos keep the whole trail.
    """
    ALTER TABLE documents ADD COLUMN identity TEXT;
    ALTER TABLE documents ADD COLUMN field_digests TEXT;
    ALTER TABLE documents ADD COLUMN replaces TEXT;
    ALTER TABLE documents ADD COLUMN replaced_by TEXT;
    ALTER TABLE documents ADD COLUMN pending_sha256 TEXT;
    ALTER TABLE documents ADD COLUMN pending_file TEXT;
    ALTER TABLE documents ADD COLUMN pending_meta TEXT;
    ALTER TABLE documents ADD COLUMN related_number TEXT;
    ALTER TABLE documents ADD COLUMN deadline_rule TEXT;
    ALTER TABLE documents ADD COLUMN deadline_term TEXT;
    ALTER TABLE documents ADD COLUMN deadline_from TEXT;
    CREATE INDEX documents_related ON documents(related_number);
    ALTER TABLE history ADD COLUMN action TEXT;
    CREATE INDEX documents_identity ON documents(identity);
    ALTER TABLE documents ADD COLUMN source_key TEXT;
    ALTER TABLE documents ADD COLUMN row_digest TEXT;
    CREATE INDEX documents_source ON documents(kind, source_key, source_row);
    CREATE INDEX documents_holder ON documents(holder);
    """,
    # 4: the 建议书 closed loop: who handles a document (承办人); its 整改 items one by one;
    # 审核/审批 on record; the files the ledger's own exports wrote (so a weekly re-export needs
    # no --force, and a foreign file is never overwritten); the documents filed in an archive.
    """
    ALTER TABLE documents ADD COLUMN handler TEXT;
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        seq INTEGER NOT NULL,
        task TEXT NOT NULL,
        owner TEXT,
        deadline TEXT,
        deadline_text TEXT,
        state TEXT NOT NULL,
        evidence TEXT,
        evidence_file TEXT,
        done_on TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (document_id, seq)
    );
    CREATE INDEX items_document ON items(document_id);
    CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        step TEXT NOT NULL,
        person TEXT NOT NULL,
        on_date TEXT NOT NULL,
        opinion TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX approvals_document ON approvals(document_id);
    CREATE TABLE exports (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        what TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE archived (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id),
        archive_code TEXT NOT NULL,
        piece INTEGER NOT NULL,
        retention TEXT NOT NULL,
        pages INTEGER,
        at TEXT NOT NULL
    );
    """,
    # 5: the office server: the audit trail (append-only; ledger/audit.py) and the accounts of
    # the people who sign in (accounts.py). Failed logins are audit lines, which the login rate
    # limit counts.
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        source TEXT NOT NULL,
        action TEXT NOT NULL,
        doc_number TEXT,
        before TEXT,
        after TEXT,
        note TEXT
    );
    CREATE INDEX audit_doc_number ON audit(doc_number);
    CREATE INDEX audit_actor ON audit(actor, action, at);
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    """,
    # 6: with [ledger] approval on, a document is numbered only once approved: ``jiancha render``
    # registers it as a draft (a 草稿号 handle for its identity, no 文号), 审核/审批 are put on
    # record against the handle, and the next render of the approved row takes the 文号.
    """
    CREATE TABLE drafts (
        handle TEXT PRIMARY KEY,
        identity TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE draft_approvals (
        id INTEGER PRIMARY KEY,
        handle TEXT NOT NULL REFERENCES drafts(handle),
        step TEXT NOT NULL,
        person TEXT NOT NULL,
        on_date TEXT NOT NULL,
        opinion TEXT,
        at TEXT NOT NULL,
        UNIQUE (handle, step)
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
BASE_TABLES = {"counters", "documents", "history"}  # every version has these
LEDGER_TABLES = BASE_TABLES | {"items", "approvals", "exports", "archived"}

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


class LedgerConnection:
    """A SQLite connection whose every statement waits out a busy ledger (within a bound) and
    turns SQLite's errors into the ledger's own: busy, read-only, damaged, or a disk problem."""

    def __init__(
        self,
        path: Path,
        raw: sqlite3.Connection,
        read_only: bool,
        wait: float,
        on_wait: Callable[[str], None] | None,
    ) -> None:
        self.path = path
        self.raw = raw
        self.read_only = read_only
        self.wait = wait
        self.on_wait = on_wait
        self._told = False

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def execute(self, sql: str, args: Sequence[Any] | Mapping[str, Any] = ()) -> Result:
        deadline = time.monotonic() + self.wait
        started = time.monotonic()
        while True:
            try:
                # Rows are fetched here: SQLite reports damage and locks while stepping, too.
                return Result(self.raw.execute(sql, args))
            except sqlite3.DatabaseError as e:
                if _code(e) not in (_BUSY, _LOCKED):
                    raise translate(e, self.path) from e
                now = time.monotonic()
                if now >= deadline:
                    raise LedgerBusy(
                        f"台账 {self.path} 正被其他程序使用，请稍后重试",
                        hint="可能有同事正在生成文书或导出台账，或备份、同步软件正在读取它；等它结束后再运行",
                    ) from e
                if not self._told and now - started >= min(NOTICE_AFTER, self.wait) * 0.9:
                    self._told = True
                    if self.on_wait is not None:
                        self.on_wait(f"台账 {self.path} 正被其他程序使用，等待中…")
                # sqlite's own busy handler waited up to NOTICE_AFTER seconds; try again

    def close(self) -> None:
        self.raw.close()

    def backup(self, target: sqlite3.Connection) -> None:
        try:
            self.raw.backup(target)
        except sqlite3.DatabaseError as e:
            raise translate(e, self.path) from e


class Result:
    """A statement's rows, fetched while its errors could still be translated."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.rows = cursor.fetchall()
        self.lastrowid = cursor.lastrowid

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows


def _code(error: sqlite3.Error) -> int:
    return (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def translate(error: sqlite3.Error, path: Path) -> LedgerError:
    """The ledger's error for a SQLite error, named so a clerk knows what happened."""
    code = _code(error)
    if code in (_BUSY, _LOCKED):
        return LedgerBusy(f"台账 {path} 正被其他程序使用，请稍后重试")
    if code == _READONLY:
        return read_only_error(path)
    if code in (_CORRUPT, _NOTADB):
        return LedgerDamaged(f"台账 {path} 已损坏：SQLite 报告数据页格式错误（{error}）", hint=WAYS_OUT)
    if code == _FULL:
        return LedgerError(
            f"无法写入台账 {path}：磁盘空间已满", hint="清理磁盘后重新运行，已生成的文书不受影响"
        )
    if code == _CANTOPEN:
        return LedgerError(f"无法打开台账 {path}：文件或所在文件夹无法访问", hint="检查路径和访问权限")
    if code == _IOERR:
        return LedgerError(
            f"读写台账 {path} 时出错（磁盘或网络共享故障）：{error}",
            hint="检查磁盘或网络连接后重新运行；可用 jiancha doctor 检查台账是否完好",
        )
    return LedgerError(f"台账 {path} 操作失败：{error}")


def read_only_error(path: Path) -> LedgerReadOnly:
    return LedgerReadOnly(
        f"台账 {path} 是只读的（只读共享或没有写入权限），只能查看和导出，不能登记或变更",
        hint="请在可写入的位置使用台账，或请管理员开放写入权限",
    )


def connect(
    path: Path,
    create: bool = True,
    wait: float = DEFAULT_WAIT,
    on_wait: Callable[[str], None] | None = None,
) -> LedgerConnection:
    """Open the ledger at ``path`` (creating it only where ``create`` allows), checked and
    migrated to the current schema."""
    path = Path(path)
    created = False
    if not path.exists():
        if not create:
            raise LedgerMissing(
                f"找不到台账 {path}",
                hint="台账应当在这里却不见了：请从备份恢复（jiancha ledger backup 生成的文件复制回这个位置）；"
                "新的工作文件夹请先运行 jiancha init",
            )
        created = _create(path)
    if not created:
        _check_file(path)
    read_only = not created and not _writable(path)
    raw = _open_raw(path, read_only)
    connection = LedgerConnection(path, raw, read_only, wait, on_wait)
    try:
        if not read_only:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        _check_is_ledger(connection, path)
        if not created:
            _check_integrity(connection, path)
        if read_only:
            version = schema_version(connection)
            if version < SCHEMA_VERSION:
                raise LedgerReadOnly(
                    f"台账 {path} 是只读的，且由旧版本的 jiancha 创建（结构版本 {version}），需要先在可写入的位置升级一次"
                )
            if version > SCHEMA_VERSION:
                raise _newer(path, version)
        else:
            migrate(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _create(path: Path) -> bool:
    """Make a new, migrated ledger at ``path`` in one step: it is built under a temporary name
    and linked into place, so a process that finds the file never finds it half-made. False
    when another process created it first."""
    from ..fileio import finish_permissions, temporary_name

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = temporary_name(path.parent)
    except OSError as e:
        raise LedgerError(f"无法创建台账所在的文件夹 {path.parent}：{e.strerror or e}") from e
    try:
        raw = sqlite3.connect(temporary, isolation_level=None)
        try:
            raw.execute("PRAGMA journal_mode = WAL")
            migrate(raw, path)
        finally:
            raw.close()
        finish_permissions(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:
            if path.exists():  # no hard links here (FAT, some shares): check, then rename
                return False
            os.replace(temporary, path)
        return True
    except OSError as e:
        raise LedgerError(f"无法创建台账 {path}：{e.strerror or e}") from e
    except sqlite3.Error as e:
        raise translate(e, path) from e
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)


def _check_file(path: Path) -> None:
    """Damage that shows before SQLite opens the file: empty, or not a SQLite file at all."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as stream:
            head = stream.read(len(SQLITE_HEADER))
    except IsADirectoryError:
        raise LedgerError(f"台账位置 {path} 是一个文件夹，不是台账文件") from None
    except OSError as e:
        raise LedgerError(f"无法读取台账 {path}：{e.strerror or e}") from e
    wal = path.with_name(path.name + "-wal")
    if size == 0:
        if wal.exists() and wal.stat().st_size > 0:
            return  # a fresh ledger whose first pages are still in the write-ahead log
        raise LedgerDamaged(
            f"台账 {path} 是空文件（0 字节），可能在同步、复制或磁盘故障时被截断；没有重新创建，以免文号从 1 号重新开始",
            hint=WAYS_OUT,
        )
    if head != SQLITE_HEADER:
        raise LedgerDamaged(f"台账 {path} 不是台账文件（{_what_file(head)}）", hint=WAYS_OUT)


def _what_file(head: bytes) -> str:
    if head.startswith(b"PK"):
        return "看起来是 Word 或 Excel 文件"
    if head.startswith(b"%PDF"):
        return "看起来是 PDF 文件"
    if not head.strip(b"\x00"):
        return "开头全是零字节，文件可能已损坏"
    return "文件开头不是 SQLite 数据库的标记"


def _writable(path: Path) -> bool:
    """Whether this process may change the ledger: the file, and its folder (SQLite writes the
    -wal and -shm files beside it). access() also answers False on a read-only file system."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open_raw(path: Path, read_only: bool) -> sqlite3.Connection:
    # sqlite waits up to NOTICE_AFTER seconds itself; LedgerConnection repeats that up to `wait`.
    options: dict[str, Any] = {"timeout": NOTICE_AFTER, "isolation_level": None}
    try:
        if not read_only:
            return sqlite3.connect(path, **options)
        uri = "file:" + quote(str(path.resolve()))
        try:
            raw = sqlite3.connect(uri + "?mode=ro", uri=True, **options)
            raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return raw
        except sqlite3.OperationalError:
            # A WAL ledger on a read-only share has no -shm file to share: read it as it is.
            return sqlite3.connect(uri + "?immutable=1", uri=True, **options)
    except sqlite3.DatabaseError as e:
        raise translate(e, path) from e


def _check_is_ledger(connection: LedgerConnection, path: Path) -> None:
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    }
    if schema_version(connection) == 0 and tables and not tables <= LEDGER_TABLES:
        raise LedgerDamaged(
            f"台账 {path} 是 SQLite 数据库，但不是 jiancha 台账（含有数据表：{'、'.join(sorted(tables)[:5])}）",
            hint="请检查 --db、JIANCHA_DB 或 jiancha.toml 的 [ledger] db 是否指错了文件",
        )
    if schema_version(connection) > 0 and not tables >= BASE_TABLES:
        raise LedgerDamaged(f"台账 {path} 缺少数据表，已损坏", hint=WAYS_OUT)


def _check_integrity(connection: LedgerConnection, path: Path) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA quick_check(100)").fetchall()]
    if problems != ["ok"]:
        raise LedgerDamaged(f"台账 {path} 已损坏：{describe_damage(problems)}", hint=WAYS_OUT)


def describe_damage(problems: list[str]) -> str:
    """SQLite's integrity report in a clerk's words (the details are for whoever repairs it)."""
    pages = {match for p in problems for match in re.findall(r"page (\d+)", p)}
    where = f"，涉及 {len(pages)} 个数据页" if pages else ""
    return f"完整性检查发现 {len(problems)}{'+' if len(problems) >= 100 else ''} 处数据结构错误{where}（磁盘故障或不完整的复制）"


def integrity_problems(connection: LedgerConnection) -> list[str]:
    """The full integrity check (``doctor``): an empty list when the ledger is sound."""
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check(20)").fetchall()]
    return [] if problems == ["ok"] else problems


def schema_version(connection: LedgerConnection | sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _newer(path: Path, version: int) -> LedgerError:
    return LedgerError(f"台账 {path} 由更新版本的 jiancha 创建（结构版本 {version}），请升级 jiancha 后再用")


def migrate(
    connection: LedgerConnection | sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION
) -> None:
    """Bring the schema up to ``target``, one version per transaction."""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(connection)
            if version > SCHEMA_VERSION:
                raise _newer(path, version)
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
