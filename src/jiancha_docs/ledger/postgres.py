"""The office server's ledger on PostgreSQL: the SQLite ledger's logic over a PostgreSQL
connection, so both backends keep one numbering contract (interface.py) and pass one test suite.

What differs is here and nowhere else:

- the connection (:class:`PgConnection`): statements written for SQLite (``?`` and ``:name``
  parameters) run unchanged; rows answer by position and by name; every psycopg error becomes
  a Chinese ledger error naming the server — a lost connection rolls the transaction back on
  the server, so nothing is half-done;
- numbering: the (代字, 年) counter row is locked (``INSERT … ON CONFLICT DO UPDATE``) before the
  next number is read, in the transaction that records the entry, so concurrent writers on
  many machines queue on that row and numbers stay gapless — no sequence, which would leave
  gaps on rollback;
- the schema: db.MIGRATIONS translated to PostgreSQL (:func:`translate_migration`), its version
  in ``jiancha_schema``; applied by ``jiancha ledger upgrade`` (:func:`upgrade`), never silently
  on open, since one server serves clients of several versions; the audit table is made
  append-only by a trigger.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .audit import Actor
from .db import DEFAULT_WAIT, MIGRATIONS, SCHEMA_VERSION, LedgerBusy, LedgerError
from .sqlite import SqliteLedger

URL_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT = 10  # seconds to reach the server before giving up


def is_url(target: object) -> bool:
    """Whether a ledger target names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def server_name(url: str) -> str:
    """The server as a clerk may read it: host, port and database, never a password."""
    parts = urlsplit(url)
    host = parts.hostname or "本机"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{user}{host}{port}{parts.path or ''}"


class Row(tuple):  # type: ignore[type-arg]
    """A row that answers by position (``row[0]``, unpacking) and by column name (``row["id"]``),
    as sqlite3.Row does, so the SQLite ledger's code reads PostgreSQL rows unchanged."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = {column.name: i for i, column in enumerate(cursor.description or [])}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row.names = names
        return row

    return make


@lru_cache(maxsize=512)
def _dialect(sql: str, named: bool) -> str:
    """A statement written for SQLite as psycopg takes it: ``?`` → ``%s``, ``:name`` →
    ``%(name)s``, a literal ``%`` doubled; SQLite's BEGIN IMMEDIATE is PostgreSQL's BEGIN."""
    if sql.strip().upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    sql = sql.replace("%", "%%")
    if named:
        return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql)
    return sql.replace("?", "%s")


class PgResult:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.lastrowid = None

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows


class PgConnection:
    """One psycopg connection in autocommit mode, transactions opened explicitly (as the SQLite
    ledger does), every error translated."""

    read_only = False

    def __init__(self, url: str, wait: float = DEFAULT_WAIT, application: str = "jiancha") -> None:
        import psycopg

        self.url = url
        self.server = server_name(url)
        try:
            self.raw = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name=application,
                row_factory=_row_factory,
            )
        except psycopg.Error as e:
            raise connection_error(self.server, e) from e
        except ValueError as e:  # a malformed URL
            raise LedgerError(f"台账服务器地址“{self.server}”格式有误：{e}") from e
        # A writer waits for a number another machine is taking at most `wait` seconds.
        self.execute(f"SET lock_timeout = {int(max(wait, 0.1) * 1000)}")
        self.execute("SET statement_timeout = 0")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, args: Sequence[Any] | Mapping[str, Any] = ()) -> PgResult:
        import psycopg

        statement = _dialect(sql, isinstance(args, Mapping))
        try:
            cursor = self.raw.execute(statement, args or None)
            return PgResult(cursor.fetchall() if cursor.description else [])
        except psycopg.Error as e:
            raise translate_error(self.server, e) from e

    def rollback(self) -> None:
        import psycopg

        if self.raw.closed:
            return
        try:
            self.raw.execute("ROLLBACK")
        except psycopg.Error as e:
            raise translate_error(self.server, e) from e

    def close(self) -> None:
        self.raw.close()


def connection_error(server: str, error: Exception) -> LedgerError:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "timeout" in text.lower():
        what = f"连接超时（{CONNECT_TIMEOUT} 秒内没有回应）"
    elif "password" in text.lower() or "authentication" in text.lower():
        what = "用户名或密码不对，服务器拒绝登录"
    elif "does not exist" in text:
        what = "服务器上没有这个数据库"
    else:
        what = "无法连接"
    return LedgerError(
        f"无法连接台账服务器 {server}：{what}（{text}）",
        hint="检查网络、服务器是否在运行，以及 [ledger] url 或 JIANCHA_DB 的地址、用户名和密码",
    )


def translate_error(server: str, error: Exception) -> LedgerError:
    """The ledger's error for a psycopg error, named so a clerk knows what happened."""
    from psycopg import errors

    if isinstance(error, (errors.LockNotAvailable, errors.DeadlockDetected, errors.QueryCanceled)):
        return LedgerBusy(
            f"台账服务器 {server} 上的台账正被其他电脑使用，等待超时，请稍后重试",
            hint="可能有同事正在生成大批文书；本次操作没有登记任何内容",
        )
    if isinstance(error, errors.UniqueViolation):
        return LedgerError(f"台账服务器 {server}：另一台电脑刚刚登记了同一文号或账户，本次操作未登记，请重试")
    if isinstance(error, errors.RaiseException) and "append-only" in str(error):
        return LedgerError(f"台账服务器 {server}：审计日志只能追加，不能修改或删除")
    if isinstance(error, errors.UndefinedTable):
        return LedgerError(
            f"台账服务器 {server} 上的台账结构不完整或尚未建立",
            hint="请管理员运行 jiancha ledger upgrade",
        )
    if isinstance(error, errors.InsufficientPrivilege):
        return LedgerError(f"台账服务器 {server} 拒绝了这项操作：该数据库用户没有权限（{error}）")
    if isinstance(error, errors.OperationalError):
        return LedgerError(
            f"与台账服务器 {server} 的连接中断，本次操作未完成（服务器已撤回未提交的变更）：{_first_line(error)}",
            hint="检查网络后重新运行；已印发的文书和台账记录不受影响",
        )
    return LedgerError(f"台账服务器 {server} 操作失败：{_first_line(error)}")


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# -- schema ------------------------------------------------------------------------------------
def translate_migration(sql: str) -> str:
    """A db.MIGRATIONS step, written for SQLite, in PostgreSQL's dialect: integer keys become
    identity columns and integers 64-bit, AUTOINCREMENT goes."""
    sql = re.sub(
        r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?",
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        sql,
        flags=re.I,
    )
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    return sql


# Statements only PostgreSQL runs, after the step that creates what they need (by version).
PG_AFTER: dict[int, list[str]] = {
    5: [  # the audit table comes with migration 5
        """
        CREATE OR REPLACE FUNCTION jiancha_audit_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'jiancha audit trail is append-only';
        END
        $$ LANGUAGE plpgsql
        """,
        "DROP TRIGGER IF EXISTS audit_append_only ON audit",
        "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION jiancha_audit_append_only()",
        "DROP TRIGGER IF EXISTS audit_no_truncate ON audit",
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION jiancha_audit_append_only()",
    ]
}
# Serialises `ledger upgrade` run on two machines at once.
_UPGRADE_LOCK = 7_140_916


def schema_version(connection: PgConnection) -> int:
    exists = connection.execute("SELECT to_regclass('jiancha_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = connection.execute("SELECT version FROM jiancha_schema").fetchone()
    return int(row[0]) if row else 0


def upgrade(url: str, target: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Bring the server's schema up to ``target``, one version per transaction; returns the
    (before, after) versions. Refuses a database that holds tables of something else."""
    connection = PgConnection(url)
    try:
        connection.execute("BEGIN")
        connection.execute("SELECT pg_advisory_xact_lock(?)", (_UPGRADE_LOCK,))
        before = schema_version(connection)
        if before == 0:
            _check_empty(connection)
            connection.execute("CREATE TABLE jiancha_schema (version INTEGER NOT NULL)")
            connection.execute("INSERT INTO jiancha_schema (version) VALUES (0)")
        connection.execute("COMMIT")
        if before > SCHEMA_VERSION:
            raise _newer(connection.server, before)
        version = before
        while version < target:
            connection.execute("BEGIN")
            try:
                connection.execute("SELECT pg_advisory_xact_lock(?)", (_UPGRADE_LOCK,))
                version = schema_version(connection)
                if version >= target:
                    connection.execute("COMMIT")
                    break
                for statement in translate_migration(MIGRATIONS[version]).split(";"):
                    if statement.strip():
                        connection.execute(statement)
                for statement in PG_AFTER.get(version + 1, []):
                    connection.execute(statement)
                connection.execute("UPDATE jiancha_schema SET version = ?", (version + 1,))
                connection.execute("COMMIT")
                version += 1
            except BaseException:
                connection.rollback()
                raise
        return before, max(version, before)
    finally:
        connection.close()


def _check_empty(connection: PgConnection) -> None:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    ]
    if tables:
        raise LedgerError(
            f"台账服务器 {connection.server} 的数据库不是 jiancha 台账（含有数据表：{'、'.join(sorted(tables)[:5])}）",
            hint="请为 jiancha 新建一个空数据库（createdb jiancha），不要与其他系统共用",
        )


def _newer(server: str, version: int) -> LedgerError:
    return LedgerError(
        f"台账服务器 {server} 的台账由更新版本的 jiancha 建立（结构版本 {version}），请升级 jiancha 后再用"
    )


class PostgresLedger(SqliteLedger):
    """The ledger on a PostgreSQL server (``postgresql://user@host/db``). Use as a context
    manager so the connection is closed."""

    def __init__(
        self,
        url: str,
        create: bool = True,
        wait: float = DEFAULT_WAIT,
        on_wait: Callable[[str], None] | None = None,
        actor: Actor | None = None,
    ) -> None:
        from ..system import holder_token

        self.url = url
        self.server = server_name(url)
        self.path = Path(self.server)  # what messages that name "the ledger" show
        self.actor = actor or Actor.command_line()
        self.created = False
        self.connection = PgConnection(url, wait=wait)  # type: ignore[assignment]
        try:
            version = schema_version(self.connection)  # type: ignore[arg-type]
        except BaseException:
            self.connection.close()
            raise
        if version != SCHEMA_VERSION:
            self.connection.close()
            if version > SCHEMA_VERSION:
                raise _newer(self.server, version)
            state = (
                "尚未建立台账" if version == 0 else f"台账结构版本为 {version}，本程序需要 {SCHEMA_VERSION}"
            )
            raise LedgerError(
                f"台账服务器 {self.server} {state}", hint="请管理员运行 jiancha ledger upgrade（可重复运行）"
            )
        self.read_only = False
        self.holder = holder_token()
        self._in_transaction = False

    def __enter__(self) -> PostgresLedger:
        return self

    def _finish(self, commit: bool) -> None:
        if not self.connection.in_transaction:
            return
        if commit:
            self._sql("COMMIT")
        else:
            self.connection.rollback()  # type: ignore[attr-defined]

    def _next_seq(self, code: str, year: int) -> int:
        if self.connection.in_transaction:
            # Lock the counter row first: a second writer waits here until the first commits,
            # then reads the number the first took.
            self._sql(
                "INSERT INTO counters (code, year, last) VALUES (?, ?, 0) "
                "ON CONFLICT (code, year) DO UPDATE SET last = counters.last",
                (code, year),
            )
        return super()._next_seq(code, year)

    def batch(self) -> AbstractContextManager[None]:
        return self._transaction()

    def backup(self, destination: Path, force: bool = False) -> Path:
        """A copy of the server's ledger as a SQLite ledger file (full history, audit and
        accounts): readable by any jiancha, and a way back to one machine."""
        from .transfer import copy_ledger

        destination = Path(destination)
        if destination.exists() and not force:
            raise LedgerError(f"文件“{destination}”已存在，未覆盖；如需覆盖请加 --force")
        if not destination.parent.is_dir():
            raise LedgerError(f"无法写入备份 {destination}：文件夹 {destination.parent} 不存在")
        temporary = destination.with_name(f".{destination.name}.part")
        temporary.unlink(missing_ok=True)
        try:
            with SqliteLedger(temporary) as target:
                copy_ledger(self, target)
            from ..fileio import finish_permissions, publish

            finish_permissions(temporary)
            publish(temporary, destination, overwrite=True)
        except OSError as e:
            raise LedgerError(f"无法写入备份 {destination}：{e.strerror or e}") from e
        finally:
            for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
                leftover.unlink(missing_ok=True)
        return destination
