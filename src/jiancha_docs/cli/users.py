"""Account commands of the office server: ``jiancha users add|passwd|list|disable|enable|role``.
Accounts live in the ledger database (accounts.py), so they are shared with it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .app import Env, cli, emit_json, format_table

ROLE_HELP = "角色：文书（起草、生成文书）、审核（审核、批准）、管理（管理账户和配置）。"


@contextmanager
def _accounts(env: Env) -> Iterator[Any]:
    from ..accounts import Accounts
    from ..ledger import open_ledger
    from .ledger import on_ledger_wait

    location = env.settings.ledger_location()
    with open_ledger(
        location.target, create=location.may_create, wait=env.settings.ledger_wait, on_wait=on_ledger_wait
    ) as ledger:
        yield Accounts(ledger)


def _password(from_stdin: bool, prompt: str = "密码") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        from ..errors import UsageError

        raise UsageError(
            "需要输入密码", hint="在终端中运行以输入密码，或加 --password-stdin 从标准输入读取一行"
        )
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt="再输入一次", err=True))


def _role(value: str) -> Any:
    from ..accounts import Role

    return Role.parse(value)


@cli.group()
def users() -> None:
    """办公室服务器的账户（存放在台账数据库中）：新建、改密码、列出、停用。"""


@users.command("add")
@click.argument("name", metavar="账户名")
@click.option("--role", required=True, metavar="角色", help=ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行），供脚本使用。")
@click.pass_obj
def users_add(env: Env, name: str, role: str, password_stdin: bool) -> None:
    """新建账户。

    \b
    例：jiancha users add 张三 --role 文书
    """
    chosen = _role(role)
    password = _password(password_stdin)
    with _accounts(env) as accounts:
        account = accounts.add(name, chosen, password)
    click.echo(f"已新建账户“{account.name}”（{account.role.label}）。")


@users.command("passwd")
@click.argument("name", metavar="账户名")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行），供脚本使用。")
@click.pass_obj
def users_passwd(env: Env, name: str, password_stdin: bool) -> None:
    """为账户设置新密码。"""
    password = _password(password_stdin, "新密码")
    with _accounts(env) as accounts:
        accounts.set_password(name, password)
    click.echo(f"已修改账户“{name}”的密码。")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出，供脚本使用。")
@click.pass_obj
def users_list(env: Env, as_json: bool) -> None:
    """列出全部账户。"""
    with _accounts(env) as accounts:
        found = accounts.list()
    if as_json:
        emit_json([a.as_json() for a in found])
        return
    if not found:
        click.echo("还没有账户；可用 jiancha users add 账户名 --role 管理 新建。", err=True)
        return
    rows = [
        [
            a.name,
            a.role.label,
            "已停用" if a.disabled else "可用",
            a.created_at.replace("T", " "),
            a.changed_at.replace("T", " "),
        ]
        for a in found
    ]
    click.echo(format_table(["账户", "角色", "状态", "新建时间", "最近修改"], rows))


@users.command("disable")
@click.argument("name", metavar="账户名")
@click.pass_obj
def users_disable(env: Env, name: str) -> None:
    """停用账户：不能再登录，记录保留。"""
    with _accounts(env) as accounts:
        accounts.set_disabled(name, True)
    click.echo(f"已停用账户“{name}”。")


@users.command("enable")
@click.argument("name", metavar="账户名")
@click.pass_obj
def users_enable(env: Env, name: str) -> None:
    """恢复已停用的账户。"""
    with _accounts(env) as accounts:
        accounts.set_disabled(name, False)
    click.echo(f"已恢复账户“{name}”。")


@users.command("role")
@click.argument("name", metavar="账户名")
@click.argument("role", metavar="角色")
@click.pass_obj
def users_role(env: Env, name: str, role: str) -> None:
    """修改账户的角色（文书、审核、管理）。"""
    with _accounts(env) as accounts:
        account = accounts.set_role(name, _role(role))
    click.echo(f"账户“{account.name}”的角色现为“{account.role.label}”。")
