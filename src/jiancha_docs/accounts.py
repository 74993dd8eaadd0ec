"""Accounts and roles of the office server, kept in the ledger database (``accounts`` table) so
every machine that shares the ledger shares them.

- Roles: 文书 drafts and generates; 审核 reviews and approves; 管理 manages accounts and the
  configuration (:class:`Role`; the value is stored, the Chinese label shown).
- Passwords are hashed with argon2id (argon2-cffi); a hash is never shown or logged.
- :meth:`Accounts.authenticate` is the one login check for every front end: it answers an
  :class:`Account` or raises :class:`LoginRefused`, and writes a login or failed-login audit line.
  Its rate limit counts the failed logins of the audit trail, so the limit holds across server
  processes and restarts: after ``MAX_FAILURES`` wrong passwords within ``LOCK_MINUTES``, the
  account is refused for the rest of that time without the password being checked.
- Every change to an account is an audit line (before and after: role and state, never a hash).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import JianchaError
from .ledger.audit import Action, Actor, now, record

MAX_FAILURES = 5
LOCK_MINUTES = 15
# Failed logins from one address (any names) within LOCK_MINUTES before it is refused: a
# guesser trying many names from one machine is stopped as one trying one name.
MAX_SOURCE_FAILURES = 20
MIN_PASSWORD = 8
NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{1,32}$")
# Failed-login notes the rate limit counts (a refusal while locked does not lengthen the lock).
WRONG_PASSWORD, UNKNOWN_ACCOUNT, DISABLED_ACCOUNT, LOCKED = (
    "密码错误",
    "账户不存在",
    "账户已停用",
    "尝试次数过多",
)


class Role(StrEnum):
    CLERK = "clerk"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role as typed: its Chinese label (文书, 审核, 管理) or its stored value."""
        text = text.strip()
        for role in cls:
            if text in (role.label, role.value):
                return role
        raise AccountError(f"角色“{text}”无效，应为：{'、'.join(r.label for r in cls)}")


ROLE_LABELS = {Role.CLERK: "文书", Role.REVIEWER: "审核", Role.ADMIN: "管理"}


class AccountError(JianchaError):
    """An account operation was refused (bad name, weak password, unknown account…)."""


class LoginRefused(AccountError):
    """Wrong name or password, a disabled account, or too many failed attempts."""


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    disabled: bool
    created_at: str
    changed_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "role_label": self.role.label,
            "disabled": self.disabled,
            "created_at": self.created_at,
            "changed_at": self.changed_at,
        }


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended parameters


# A hash to verify against when the name is unknown, so a wrong name takes as long as a wrong
# password (no telling which names exist by timing).
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash("jiancha-no-such-account"))
    return _DUMMY[0]


class Accounts:
    """The accounts of an open ledger (SQLite or PostgreSQL). ``actor`` is who makes changes."""

    def __init__(self, ledger: Any, actor: Actor | None = None) -> None:
        self.ledger = ledger
        self.actor = actor or getattr(ledger, "actor", None) or Actor.command_line()

    def _sql(self, sql: str, args: Any = ()) -> Any:
        return self.ledger._sql(sql, args)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.ledger._transaction():
            yield

    # -- queries -----------------------------------------------------------------------------
    def list(self) -> list[Account]:
        rows = self._sql("SELECT name, role, disabled, created_at, changed_at FROM accounts ORDER BY name")
        return [_account(row) for row in rows.fetchall()]

    def get(self, name: str) -> Account | None:
        row = self._sql(
            "SELECT name, role, disabled, created_at, changed_at FROM accounts WHERE name = ?", (name,)
        ).fetchone()
        return _account(row) if row is not None else None

    def find(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"没有账户“{name}”", hint="可用 jiancha users list 查看全部账户")
        return account

    def exist(self) -> bool:
        return self._sql("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None

    def admin_exists(self) -> bool:
        return (
            self._sql(
                "SELECT 1 FROM accounts WHERE role = ? AND disabled = 0 LIMIT 1", (Role.ADMIN.value,)
            ).fetchone()
            is not None
        )

    # -- changes -----------------------------------------------------------------------------
    def add(self, name: str, role: Role, password: str) -> Account:
        name = name.strip()
        if not NAME.match(name):
            raise AccountError(f"账户名“{name}”无效：应为 1 至 32 个汉字、字母、数字或 . - _ @，不含空格")
        _check_password(password)
        digest = _hasher().hash(password)
        with self._transaction():
            if self.get(name) is not None:
                raise AccountError(f"账户“{name}”已存在", hint="修改密码请用 jiancha users passwd")
            at = now()
            self._sql(
                "INSERT INTO accounts (name, role, password_hash, disabled, created_at, changed_at) "
                "VALUES (?, ?, ?, 0, ?, ?)",
                (name, role.value, digest, at, at),
            )
            record(self._sql, self.actor, Action.ACCOUNT, None, None, _state(name, role, False), "新建账户")
        return self.find(name)

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        digest = _hasher().hash(password)
        with self._transaction():
            account = self.find(name)
            self._sql(
                "UPDATE accounts SET password_hash = ?, changed_at = ? WHERE name = ?", (digest, now(), name)
            )
            state = _state(name, account.role, account.disabled)
            record(self._sql, self.actor, Action.ACCOUNT, None, state, state, "修改密码")

    def set_role(self, name: str, role: Role) -> Account:
        with self._transaction():
            account = self.find(name)
            if account.role == role:
                return account
            self._refuse_last_admin(account, "改为其他角色")
            self._sql(
                "UPDATE accounts SET role = ?, changed_at = ? WHERE name = ?", (role.value, now(), name)
            )
            record(
                self._sql,
                self.actor,
                Action.ACCOUNT,
                None,
                _state(name, account.role, account.disabled),
                _state(name, role, account.disabled),
                "修改角色",
            )
        return self.find(name)

    def set_disabled(self, name: str, disabled: bool = True) -> Account:
        with self._transaction():
            account = self.find(name)
            if account.disabled == disabled:
                return account
            if disabled:
                self._refuse_last_admin(account, "停用")
            self._sql(
                "UPDATE accounts SET disabled = ?, changed_at = ? WHERE name = ?",
                (int(disabled), now(), name),
            )
            record(
                self._sql,
                self.actor,
                Action.ACCOUNT,
                None,
                _state(name, account.role, account.disabled),
                _state(name, account.role, disabled),
                "停用账户" if disabled else "恢复账户",
            )
        return self.find(name)

    def _refuse_last_admin(self, account: Account, what: str) -> None:
        if account.role != Role.ADMIN or account.disabled:
            return
        others = self._sql(
            "SELECT COUNT(*) FROM accounts WHERE role = ? AND disabled = 0 AND name != ?",
            (Role.ADMIN.value, account.name),
        ).fetchone()[0]
        if not others:
            raise AccountError(
                f"“{account.name}”是唯一可用的管理账户，不能{what}", hint="请先新建另一个管理账户"
            )

    # -- login -------------------------------------------------------------------------------
    def authenticate(self, name: str, password: str, source: str, at: dt.datetime | None = None) -> Account:
        """The account when ``password`` is right; LoginRefused otherwise (the message never
        says whether the name exists). Every attempt is an audit line."""
        moment = at or dt.datetime.now()
        actor = Actor(name.strip()[:64] or "（空）", source)
        # The failed attempt is committed before it is refused: a refusal that rolled back its
        # own audit line would never lock anyone out.
        refusal: LoginRefused | None = None
        with self._transaction():
            row = self._sql(
                "SELECT name, role, disabled, created_at, changed_at, password_hash FROM accounts WHERE name = ?",
                (name.strip(),),
            ).fetchone()
            if self._source_failures(source, moment) >= MAX_SOURCE_FAILURES:
                self._failed(actor, LOCKED, moment)
                refusal = LoginRefused(
                    f"来自 {source} 的登录连续失败次数过多，已暂停从这里登录 {LOCK_MINUTES} 分钟，请稍后再试",
                    hint="忘记密码请联系管理员用 jiancha users passwd 重设",
                )
            elif self._failures(actor.name, moment) >= MAX_FAILURES:
                self._failed(actor, LOCKED, moment)
                refusal = LoginRefused(
                    f"账户“{actor.name}”连续登录失败 {MAX_FAILURES} 次，已暂停登录 {LOCK_MINUTES} 分钟，请稍后再试",
                    hint="忘记密码请联系管理员用 jiancha users passwd 重设",
                )
            elif not _verify(row["password_hash"] if row is not None else None, password):
                self._failed(actor, UNKNOWN_ACCOUNT if row is None else WRONG_PASSWORD, moment)
                refusal = LoginRefused("用户名或密码不对")
            elif row["disabled"]:
                self._failed(actor, DISABLED_ACCOUNT, moment)
                refusal = LoginRefused(f"账户“{row['name']}”已停用，请联系管理员")
            else:
                record(self._sql, actor, Action.LOGIN, None, None, {"role": row["role"]}, at=_iso(moment))
        if refusal is not None:
            raise refusal
        return _account(row)

    def _failures(self, name: str, moment: dt.datetime) -> int:
        """Wrong passwords for ``name`` since the later of its last login and the lock window."""
        since = _iso(moment - dt.timedelta(minutes=LOCK_MINUTES))
        last = self._sql(
            "SELECT MAX(at) FROM audit WHERE actor = ? AND action = ?", (name, Action.LOGIN.value)
        ).fetchone()[0]
        if last and last > since:
            since = last
        return int(
            self._sql(
                "SELECT COUNT(*) FROM audit WHERE actor = ? AND action = ? AND at > ? AND note IN (?, ?)",
                (name, Action.LOGIN_FAILED.value, since, WRONG_PASSWORD, UNKNOWN_ACCOUNT),
            ).fetchone()[0]
        )

    def _source_failures(self, source: str, moment: dt.datetime) -> int:
        """Wrong passwords or unknown names from ``source`` within the lock window."""
        since = _iso(moment - dt.timedelta(minutes=LOCK_MINUTES))
        return int(
            self._sql(
                "SELECT COUNT(*) FROM audit WHERE source = ? AND action = ? AND at > ? AND note IN (?, ?)",
                (source, Action.LOGIN_FAILED.value, since, WRONG_PASSWORD, UNKNOWN_ACCOUNT),
            ).fetchone()[0]
        )

    # -- sessions (the web front's signed cookies carry the name and when they were issued) --
    def logout(self, name: str, source: str) -> None:
        """Sign ``name`` out: every session of it issued until now ends (see :meth:`session`)."""
        with self._transaction():
            # to the microsecond, as a session's issue time: a login in the same second after
            # this logout stays valid, one before it does not
            at = dt.datetime.now().isoformat(timespec="microseconds")
            record(self._sql, Actor(name, source), Action.LOGOUT, at=at)

    def session(self, name: str, issued: str) -> Account | None:
        """The account a session issued at ``issued`` (ISO seconds) still stands for, or None:
        the account is gone or disabled, was changed since (password, role), or signed out
        since."""
        account = self.get(name)
        if account is None or account.disabled or account.changed_at > issued:
            return None
        last = self._sql(
            "SELECT MAX(at) FROM audit WHERE actor = ? AND action = ?", (name, Action.LOGOUT.value)
        ).fetchone()[0]
        if last is not None and last >= issued:
            return None
        return account

    def _failed(self, actor: Actor, why: str, moment: dt.datetime) -> None:
        record(self._sql, actor, Action.LOGIN_FAILED, None, None, None, why, at=_iso(moment))


def _verify(digest: str | None, password: str) -> bool:
    """Whether ``password`` matches; an unknown name is checked against a dummy hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        _hasher().verify(digest or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return digest is not None


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    if password.strip() != password:
        raise AccountError("密码首尾不能有空格")


def _state(name: str, role: Role, disabled: bool) -> dict[str, Any]:
    return {"name": name, "role": role.label, "disabled": disabled}


def _account(row: Any) -> Account:
    return Account(row[0], Role(row[1]), bool(row[2]), row[3], row[4])


# -- for the web front: whether it may listen beyond this machine ------------------------------
def _open(settings: Any) -> Any | None:
    """The configured ledger, or None when there is none yet (no accounts then)."""
    from .ledger import open_ledger

    location = settings.ledger_location()
    if location.url is None and not location.path.exists():
        return None
    return open_ledger(location.target, create=False, wait=settings.ledger_wait)


def accounts_exist(settings: Any) -> bool:
    """Whether the configured ledger holds any account."""
    ledger = _open(settings)
    if ledger is None:
        return False
    with ledger:
        return Accounts(ledger).exist()


def admin_exists(settings: Any) -> bool:
    """Whether the configured ledger holds an enabled 管理 account (``serve --host 0.0.0.0``
    refuses to start without one)."""
    ledger = _open(settings)
    if ledger is None:
        return False
    with ledger:
        return Accounts(ledger).admin_exists()
