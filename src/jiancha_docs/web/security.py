"""What keeps the local web front safe: where it may listen, CSRF, upload limits, response headers.

- It listens on the loopback address only, until the ledger has a 管理 account
  (``accounts_exist``); then every request needs a login (auth.py).
- Every state-changing request carries the CSRF token of its browser (double submit: a cookie,
  and the same value in the ``X-CSRF-Token`` header that static/app.js adds to every htmx request;
  API clients get it from ``GET /api/csrf``). A request from another origin is refused as well.
- Request bodies are limited in size, while they stream (no Content-Length is trusted alone).
- Every response has a Content-Security-Policy without inline scripts or styles, and no request
  off the machine (all assets are vendored in static/).
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from ..errors import JianchaError, UsageError

CSRF_COOKIE = "jiancha_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class Forbidden(JianchaError):
    """A request refused (403): the signed-in account's role may not make it."""

    exit_code = 2


class TooLarge(JianchaError):
    exit_code = 2


def accounts_exist(settings: Any) -> bool:
    """Whether the web front may listen beyond this machine: the ledger has an enabled 管理
    account (then every request needs a login; see auth.py)."""
    from ..accounts import admin_exists

    return admin_exists(settings)


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, settings: Any) -> None:
    if is_loopback(host) or accounts_exist(settings):
        return
    raise UsageError(
        f"不能在地址“{host}”上提供网页服务：台账中还没有可用的管理账户，网页界面只能在本机（127.0.0.1）使用",
        hint="先用 jiancha users add 名字 --role 管理 建立管理账户（之后每个页面都要登录），"
        "或去掉 --host（默认 127.0.0.1）在本机使用",
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SecurityMiddleware:
    """Pure ASGI: CSRF for unsafe methods, body size limits, security headers on every response."""

    def __init__(self, app: Any, max_upload: int, max_form: int) -> None:
        self.app = app
        self.max_upload = max_upload
        self.max_form = max_form

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = cookie_value(headers.get("cookie", ""), CSRF_COOKIE)
        problem = None
        if scope["method"] not in SAFE_METHODS:
            problem = _csrf_problem(headers, cookie)
        multipart = headers.get("content-type", "").startswith("multipart/")
        limit = self.max_upload if multipart else self.max_form
        declared = headers.get("content-length", "")
        if problem is None and declared.isdigit() and int(declared) > limit:
            problem = (413, _too_large(limit))
        issued = cookie or new_token()
        scope.setdefault("state", {})["csrf"] = issued

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if cookie is None:
                    extra.append(
                        (b"set-cookie", f"{CSRF_COOKIE}={issued}; Path=/; SameSite=Strict; HttpOnly".encode())
                    )
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if problem is not None:
            await _refuse(scope, send_with_headers, *problem)
            return
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(_too_large(limit))
            return message

        await self.app(scope, limited_receive, send_with_headers)


def _too_large(limit: int) -> str:
    return f"上传的内容超过 {limit // (1024 * 1024)} MB 的上限，未处理；请拆分成几个文件分别上传"


def _csrf_problem(headers: dict[str, str], cookie: str | None) -> tuple[int, str] | None:
    origin = headers.get("origin")
    host = headers.get("host", "")
    if origin and origin.split("://", 1)[-1] != host:
        return 403, "请求来自其他网站，已拒绝（只接受本页面发出的操作）"
    token = headers.get(CSRF_HEADER)
    if not cookie or not token or not secrets.compare_digest(cookie, token):
        return 403, "页面已过期或请求缺少校验码，已拒绝；请刷新页面后重试"
    return None


def cookie_value(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


async def _refuse(scope: dict, send: Any, status: int, message: str) -> None:
    import json

    wants_json = scope["path"].startswith("/api/")
    if wants_json:
        body = json.dumps([{"field": None, "label": None, "message": message}], ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        from html import escape

        body = f'<div class="error" role="alert">{escape(message)}</div>'.encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})
