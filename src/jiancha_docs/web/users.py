"""Signing in and out, and the accounts page of the 管理 role: add an account, change its role,
disable or re-enable it, set a new password. Through the core's accounts (accounts.py), as
``jiancha users`` uses them; every change is attributed to the signed-in account."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import UsageError
from .app import WebContext
from .auth import cookie_header, safe_next
from .pages import page


@contextmanager
def accounts_of(context: WebContext, actor: Any = None) -> Iterator[Any]:
    """The accounts of the configured ledger (made on first use when there is none yet)."""
    from ..accounts import Accounts
    from ..ledger import open_ledger

    settings = context.settings
    location = settings.ledger_location(None)
    with open_ledger(
        location.target, create=location.may_create, wait=settings.ledger_wait, actor=actor
    ) as book:
        yield Accounts(book, actor)


ACTIONS = ("add", "role", "disable", "enable", "passwd")


def _secure(request: Any) -> bool:
    return request.url.scheme == "https"


def routes(context: WebContext) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    from ..accounts import Role

    def login_page(request: Any) -> Any:
        visitor = context.visitor(request)
        if visitor is not None:  # signed in already, or no accounts (nothing to sign in to)
            return RedirectResponse(visitor.home, status_code=303)
        return page(request, "login.html", {"next": safe_next(request.query_params.get("next")) or ""})

    async def login(request: Any) -> Any:
        from .auth import source_of

        form = await request.form()
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        if not name or not password:
            raise UsageError("请输入用户名和密码")

        def check() -> Any:
            with accounts_of(context) as accounts:
                return accounts.authenticate(name, password, source_of(request.scope))

        account = await run_in_threadpool(check)
        target = safe_next(str(form.get("next", ""))) or "/"
        cookie = cookie_header(context.signer.session_cookie(account), _secure(request))
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target, "Set-Cookie": cookie})
        return Response(status_code=303, headers={"Location": target, "Set-Cookie": cookie})

    async def logout(request: Any) -> Any:
        visitor = context.visitor(request)
        if visitor.signed_in:

            def sign_out() -> None:
                with accounts_of(context, visitor.actor) as accounts:
                    accounts.logout(visitor.actor.name, visitor.actor.source)

            await run_in_threadpool(sign_out)
        cookie = cookie_header("", _secure(request), max_age=0)
        headers = {"Set-Cookie": cookie}
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={**headers, "HX-Redirect": "/login"})
        return Response(status_code=303, headers={**headers, "Location": "/login"})

    def table(request: Any, message: str = "") -> dict[str, Any]:
        with accounts_of(context) as accounts:
            listed = accounts.list()
        return {"accounts": listed, "roles": list(Role), "message": message}

    def users_page(request: Any) -> Any:
        return page(request, "users.html", table(request))

    async def change(request: Any) -> Any:
        action = request.url.path.rsplit("/", 1)[-1]
        form = await request.form()
        name = str(form.get("name", "")).strip()
        if not name:
            raise UsageError("请给出账户名")
        actor = context.actor(request)

        def apply() -> str:
            with accounts_of(context, actor) as accounts:
                if action == "add":
                    role = Role.parse(str(form.get("role", "")))
                    accounts.add(name, role, str(form.get("password", "")))
                    return f"已新建账户“{name}”（{role.label}）。"
                if action == "role":
                    role = Role.parse(str(form.get("role", "")))
                    accounts.set_role(name, role)
                    return f"账户“{name}”的角色已改为“{role.label}”。"
                if action == "passwd":
                    accounts.set_password(name, str(form.get("password", "")))
                    return f"已为账户“{name}”设置新密码。"
                accounts.set_disabled(name, action == "disable")
                return f"账户“{name}”已{'停用' if action == 'disable' else '恢复'}。"

        message = await run_in_threadpool(apply)
        return page(request, "_users_table.html", table(request, message))

    return [
        Route("/login", login_page),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/users", users_page),
        *(Route(f"/users/{action}", change, methods=["POST"]) for action in ACTIONS),
    ]
