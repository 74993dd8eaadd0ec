"""Who is using the web front and what they may do: sign-in with the office server's accounts
(accounts.py), sessions in signed cookies, and the role of each account checked on every request.

- No accounts in the ledger: the single-user mode of one clerk's machine, as before accounts
  existed — everything is allowed and the server listens on the loopback address only
  (security.check_bind).
- Accounts exist: every page and API needs a signed-in account. Anonymous page requests are sent
  to /login, anonymous API requests get ``401``; a request the role may not make gets ``403``
  (and the menus and buttons of the pages show only what the role may do).
- The session is a cookie signed with the server's secret (itsdangerous): the account's name and
  when it signed in. Nothing is kept in a server's memory, so every worker and every server
  sharing the ledger and the secret accepts it. Each request checks the account in the ledger:
  disabled, changed (password, role) or signed out since the cookie was issued → signed out.
- The secret is ``JIANCHA_WEB_SECRET`` when set (several machines serving one ledger), otherwise a
  file made once beside the SQLite ledger, or beside jiancha.toml for a server's ledger; never
  in the repository.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..accounts import Account, LoginRefused, Role
from ..errors import JianchaError
from ..ledger.audit import Actor

SESSION_COOKIE = "jiancha_session"
SESSION_HOURS = 12
SECRET_FILE = "jiancha-web.secret"
SECRET_ENV = "JIANCHA_WEB_SECRET"
WEB_SOURCE = "网页"


class Permission(StrEnum):
    VIEW = "view"  # the ledger, its history and export, the regulation search
    DRAFT = "draft"  # forms, previews, generation, batches
    MARK = "mark"  # follow-up marks on the ledger (已送达, 已反馈)
    REVIEW = "review"  # 审核 and 审批 on the ledger
    CONFIGURE = "configure"  # the configuration: saved column mappings, the regulation index
    ACCOUNTS = "accounts"  # the users page


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({Permission.VIEW, Permission.DRAFT, Permission.MARK}),
    Role.REVIEWER: frozenset({Permission.VIEW, Permission.REVIEW}),
    Role.ADMIN: frozenset({Permission.VIEW, Permission.CONFIGURE, Permission.ACCOUNTS}),
}
EVERYTHING = frozenset(Permission)

# What each request needs: (methods, path pattern, any one of these permissions). A route
# missing here needs VIEW (tests/web/test_auth.py checks every route of the app is listed).
P = Permission
REQUIREMENTS: list[tuple[frozenset[str], re.Pattern[str], frozenset[Permission]]] = [
    (frozenset(m.split()), re.compile(f"^{pattern}$"), frozenset(need))
    for m, pattern, need in [
        ("GET", r"/", {P.DRAFT}),
        ("GET", r"/kinds/[^/]+", {P.DRAFT}),
        ("POST", r"/kinds/[^/]+/(check|preview|generate)", {P.DRAFT}),
        ("GET", r"/files/[^/]+", {P.DRAFT}),
        ("GET", r"/batch", {P.DRAFT, P.CONFIGURE}),
        ("POST", r"/batch/upload", {P.DRAFT, P.CONFIGURE}),
        ("POST", r"/batch/[^/]+/(mapping|check)", {P.DRAFT, P.CONFIGURE}),
        ("POST", r"/batch/[^/]+/generate", {P.DRAFT}),
        ("GET", r"/batch/jobs/[^/]+", {P.DRAFT}),
        ("GET", r"/ledger|/ledger/entry|/ledger/export\.xlsx", {P.VIEW}),
        ("POST", r"/ledger/mark", {P.MARK}),
        ("POST", r"/ledger/review", {P.REVIEW}),
        ("GET", r"/rules|/rules/show", {P.VIEW}),
        ("POST", r"/rules/index", {P.CONFIGURE}),
        ("GET", r"/api/(kinds|csrf|rules/search|ledger)", {P.VIEW}),
        ("POST", r"/api/render/[^/]+", {P.DRAFT}),
        ("GET", r"/users", {P.ACCOUNTS}),
        ("POST", r"/users/(add|role|disable|enable|passwd)", {P.ACCOUNTS}),
        ("POST", r"/logout", {P.VIEW}),
    ]
]
PUBLIC = re.compile(r"^(/login|/favicon\.ico|/static/.*)$")


def requirement(method: str, path: str) -> frozenset[Permission] | None:
    """Any one of these permissions lets the request through; None: not listed (VIEW)."""
    method = "GET" if method == "HEAD" else method
    for methods, pattern, need in REQUIREMENTS:
        if method in methods and pattern.match(path):
            return need
    return None


@dataclass(frozen=True)
class Visitor:
    """Who makes a request: an account (``role``), or the single user of a machine without
    accounts (``role`` None, everything allowed)."""

    actor: Actor
    role: Role | None
    permissions: frozenset[Permission]

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    def may(self, *wanted: Permission) -> bool:
        return any(p in self.permissions for p in wanted)

    @property
    def home(self) -> str:
        """Where the visitor starts: the forms for whoever drafts, else the ledger or accounts."""
        if self.may(Permission.DRAFT):
            return "/"
        return "/ledger" if self.may(Permission.VIEW) else "/users"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.actor.name,
            "role": self.role.value if self.role else None,
            "role_label": self.role.label if self.role else None,
            "permissions": sorted(p.value for p in self.permissions),
        }


def forbidden(visitor: Visitor) -> Any:
    from .security import Forbidden

    role = visitor.role.label if visitor.role else ""
    return Forbidden(f"当前账户“{visitor.actor.name}”（{role}）无权进行这项操作")


def source_of(scope: dict[str, Any]) -> str:
    """Where a request comes from, as the audit trail records it: 网页@address (behind a
    reverse proxy, uvicorn's --proxy-headers puts the client's own address here)."""
    client = scope.get("client")
    return f"{WEB_SOURCE}@{client[0] if client else '未知地址'}"


def single_user(scope: dict[str, Any]) -> Visitor:
    return Visitor(Actor(Actor.command_line().name, source_of(scope)), None, EVERYTHING)


# -- the secret and the session cookie ---------------------------------------------------------
def secret_path(settings: Any) -> Path:
    location = settings.ledger_location(None)
    if location.url is None:
        return location.path.parent / SECRET_FILE
    return (settings.workspace or Path.cwd()) / SECRET_FILE


def load_secret(settings: Any) -> str:
    """The server's signing secret: JIANCHA_WEB_SECRET, else the secret file (made once, readable
    by its owner only; several workers starting at once agree on the first one written)."""
    explicit = os.environ.get(SECRET_ENV, "").strip()
    if explicit:
        return explicit
    path = secret_path(settings)
    if not path.exists():
        _make_secret(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise JianchaError(f"无法读取网页服务的签名密钥文件 {path}", hint="删除该文件后重新启动服务") from e
    if len(text) < 32:
        raise JianchaError(f"网页服务的签名密钥文件 {path} 内容不完整", hint="删除该文件后重新启动服务")
    return text


def _make_secret(path: Path) -> None:
    """Write a new secret file whole or not at all: written aside, then linked into place (a
    worker starting at the same moment links its own in vain and reads the first)."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, aside = tempfile.mkstemp(dir=path.parent, prefix=".jiancha-secret-")
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as stream:
                stream.write(secrets.token_urlsafe(48))
            os.chmod(aside, 0o600)
            with contextlib.suppress(FileExistsError):  # another worker's came first
                os.link(aside, path)
        finally:
            os.unlink(aside)
    except OSError as e:
        raise JianchaError(
            f"无法建立网页服务的签名密钥文件 {path}：{e.strerror or e}",
            hint=f"检查该文件夹的写入权限，或用环境变量 {SECRET_ENV} 给出密钥",
        ) from e


class Signer:
    """Signed, timed tokens: the session cookie, download links (valid on every worker)."""

    def __init__(self, secret: str) -> None:
        from itsdangerous import URLSafeTimedSerializer

        self.sessions = URLSafeTimedSerializer(secret, salt="jiancha-session")
        self.files = URLSafeTimedSerializer(secret, salt="jiancha-file")

    def session_cookie(self, account: Account) -> str:
        issued = dt.datetime.now().isoformat(timespec="microseconds")
        return self.sessions.dumps({"name": account.name, "issued": issued})

    def read_session(self, cookie: str | None) -> tuple[str, str] | None:
        from itsdangerous import BadSignature

        if not cookie:
            return None
        try:
            data = self.sessions.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return None
        return data["name"], str(data.get("issued", ""))


def cookie_header(value: str, secure: bool, max_age: int | None = SESSION_HOURS * 3600) -> str:
    parts = [f"{SESSION_COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


# -- who is asking -----------------------------------------------------------------------------
def open_accounts_ledger(settings: Any) -> Any | None:
    """The configured ledger when it exists (a missing SQLite file has no accounts)."""
    from ..accounts import _open

    return _open(settings)


def identify(settings: Any, signer: Signer, cookie: str | None, scope: dict[str, Any]) -> Visitor | None:
    """The visitor of a request: the single user when there are no accounts, the signed-in
    account, or None (accounts exist, nobody signed in)."""
    from ..accounts import Accounts

    ledger = open_accounts_ledger(settings)
    if ledger is None:
        return single_user(scope)
    with ledger:
        accounts = Accounts(ledger)
        if not accounts.exist():
            return single_user(scope)
        session = signer.read_session(cookie)
        if session is None:
            return None
        account = accounts.session(*session)
    if account is None:
        return None
    return Visitor(Actor(account.name, source_of(scope)), account.role, ROLE_PERMISSIONS[account.role])


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(name, password) of an ``Authorization: Basic`` header, or None."""
    import base64
    import binascii

    kind, _, value = header.partition(" ")
    if kind.lower() != "basic" or not value:
        return None
    try:
        name, colon, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (name, password) if colon else None


def sign_in_basic(settings: Any, credentials: tuple[str, str], scope: dict[str, Any]) -> Visitor:
    """An API request with its own name and password: checked (and counted) as a login."""
    from ..accounts import Accounts

    ledger = open_accounts_ledger(settings)
    if ledger is None:
        raise LoginRefused("用户名或密码不对")
    with ledger:
        account = Accounts(ledger).authenticate(*credentials, source_of(scope))
    return Visitor(Actor(account.name, source_of(scope)), account.role, ROLE_PERMISSIONS[account.role])


class AuthMiddleware:
    """Pure ASGI, inside SecurityMiddleware (so CSRF and the headers apply to its answers): puts
    the ``visitor`` in the request's state, or answers 401/redirect/403 itself."""

    def __init__(self, app: Any, context: Any) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from anyio import to_thread

        from .security import cookie_value

        path = scope["path"]
        if path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = cookie_value(headers.get("cookie", ""), SESSION_COOKIE)
        context = self.context
        basic = basic_credentials(headers.get("authorization", "")) if path.startswith("/api/") else None
        try:
            visitor = await to_thread.run_sync(identify, context.settings, context.signer, cookie, scope)
            if visitor is None and basic is not None:  # a script (rules search --server): name and password
                visitor = await to_thread.run_sync(sign_in_basic, context.settings, basic, scope)
        except LoginRefused as e:
            await answer(scope, send, 401, e.message)
            return
        except JianchaError as e:  # the ledger cannot be opened: say so, as a page would
            await answer(scope, send, 503, e.message + (f"（{e.hint}）" if e.hint else ""))
            return
        scope.setdefault("state", {})["visitor"] = visitor
        if PUBLIC.match(path):
            await self.app(scope, receive, send)
            return
        if visitor is None:
            await refuse_anonymous(scope, send, headers)
            return
        need = requirement(scope["method"], path) or frozenset({Permission.VIEW})
        if not visitor.may(*need):
            if path == "/" and scope["method"] == "GET":
                await redirect(send, visitor.home)
                return
            await answer(scope, send, 403, forbidden(visitor).message)
            return
        await self.app(scope, receive, send)


async def refuse_anonymous(scope: dict, send: Any, headers: dict[str, str]) -> None:
    from urllib.parse import quote

    path = scope["path"]
    if path.startswith("/api/"):
        await answer(scope, send, 401, "请先登录（网页服务已设置账户）")
        return
    target = "/login"
    if scope["method"] == "GET" and path != "/":
        target += "?next=" + quote(
            path + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        )
    if headers.get("hx-request"):
        # htmx follows HX-Redirect; a plain 3xx would be swapped into the page
        await _send(send, 401, b"", [(b"hx-redirect", target.encode())])
        return
    await redirect(send, target)


async def redirect(send: Any, target: str) -> None:
    await _send(send, 303, b"", [(b"location", target.encode())])


async def answer(scope: dict, send: Any, status: int, message: str) -> None:
    """A refusal as the API or a page gives it (JSON list, or the error page)."""
    import json

    if scope["path"].startswith("/api/"):
        body = json.dumps([{"field": None, "label": None, "message": message}], ensure_ascii=False)
        await _send(send, status, body.encode(), [(b"content-type", b"application/json")])
        return
    from .pages import environment

    html = (
        environment()
        .get_template("error.html")
        .render(
            csrf=scope.get("state", {}).get("csrf", ""),
            path=scope["path"],
            visitor=scope.get("state", {}).get("visitor"),
            P=Permission,
            errors=[{"label": None, "message": message}],
        )
    )
    await _send(send, status, html.encode(), [(b"content-type", b"text/html; charset=utf-8")])


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def safe_next(target: str | None) -> str | None:
    """A page to return to after login: a path on this server only (no //other.site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
