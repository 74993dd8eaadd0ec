"""Ledger commands of the office server: ``jiancha ledger upgrade|migrate|audit``, registered on
the ``ledger`` group of cli/ledger.py."""

from __future__ import annotations

from pathlib import Path

import click

from .ledger import LedgerContext, db_option, ledger


@ledger.command("upgrade")
@db_option
@click.pass_obj
def ledger_upgrade(ctx: LedgerContext) -> None:
    """把台账的数据结构升级到本程序的版本（服务器上的台账须由管理员运行；可重复运行）。"""
    from ..ledger import SCHEMA_VERSION, open_ledger
    from ..ledger.postgres import server_name, upgrade

    location = ctx.env.settings.ledger_location(ctx.db)
    if location.url:
        before, after = upgrade(location.url)
        where = f"台账服务器 {server_name(location.url)}"
    else:
        from ..ledger.db import schema_version

        with open_ledger(location.path, create=False, wait=ctx.env.settings.ledger_wait) as book:
            after = schema_version(book.connection)  # type: ignore[attr-defined]
        before = after  # a SQLite ledger is upgraded whenever it is opened
        where = f"台账 {location.path}"
    if before == after:
        click.echo(f"{where} 已是最新结构（版本 {after}）。")
    else:
        click.echo(f"{where} 已从结构版本 {before} 升级到 {after}。")
    assert after == SCHEMA_VERSION


@ledger.command("migrate")
@db_option
@click.option(
    "--to",
    "url",
    required=True,
    metavar="服务器地址",
    help="目标台账服务器，如 postgresql://jiancha@台账服务器/jiancha。",
)
@click.pass_obj
def ledger_migrate(ctx: LedgerContext, url: str) -> None:
    """把本机台账（含全部状态记录、审批前的草稿、审计日志和账户）迁移到台账服务器。

    可重复运行：已迁移的文号不会重复登记。目标台账已有同一代字同一年份的其他文号时拒绝迁移。

    \b
    例：jiancha ledger migrate --to postgresql://jiancha@台账服务器/jiancha
    """
    from ..errors import UsageError
    from ..ledger import open_ledger
    from ..ledger.postgres import PostgresLedger, is_url, server_name, upgrade
    from ..ledger.transfer import copy_ledger

    if not is_url(url):
        raise UsageError(f"--to 应为以 postgresql:// 开头的台账服务器地址：{url}")
    location = ctx.env.settings.ledger_location(ctx.db)
    if location.url:
        raise UsageError(
            "当前台账已在服务器上；ledger migrate 把本机的台账文件迁移到服务器",
            hint="用 --db 指定本机台账文件",
        )
    upgrade(url)
    with (
        open_ledger(location.path, create=False, wait=ctx.env.settings.ledger_wait) as source,
        PostgresLedger(url) as target,
    ):
        report = copy_ledger(source, target)
    where = server_name(url)
    if not report.changed:
        click.echo(f"台账服务器 {where} 已有本机台账的全部 {report.already} 个文号，无需迁移。")
        return
    years = "、".join(f"{code}〔{year}〕" for code, year in report.years)
    click.echo(
        f"已把 {location.path} 迁移到台账服务器 {where}：{report.entries} 个文号、{report.history} 条状态记录、"
        f"{report.closed_loop} 条闭环记录（整改任务、审核审批、归档）、"
        f"{report.drafts} 个草稿（含 {report.draft_approvals} 条审核审批）、"
        f"{report.audit} 条审计记录、{report.accounts} 个账户" + (f"（{years}）" if years else "") + "。"
    )
    if report.already:
        click.echo(f"另有 {report.already} 个文号此前已迁移，未重复登记。", err=True)
    click.echo(f'以后请在 jiancha.toml 的 [ledger] 中写 url = "{url}"，停止使用本机台账文件。', err=True)


@ledger.command("audit")
@db_option
@click.argument("number", required=False, metavar="[文号]")
@click.option("--user", metavar="账户", help="只看某一账户（或命令行用户）的操作。")
@click.option("--since", metavar="日期", help="只看某日以来的操作，如 2025-01-01。")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="导出为 Excel 文件（.xlsx）。"
)
@click.option("--force", is_flag=True, help="覆盖已有的导出文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出，供脚本使用。")
@click.pass_obj
def ledger_audit(
    ctx: LedgerContext,
    number: str | None,
    user: str | None,
    since: str | None,
    output: Path | None,
    force: bool,
    as_json: bool,
) -> None:
    """审计日志：谁在何时、从哪里做了哪些变更（登记、变更状态、更正、作废、登录、账户变更）。"""
    from ..errors import UsageError
    from ..gbt9704 import normalise_number
    from ..ledger import audit
    from ..ledger.model import parse_event_date
    from .app import emit_json, format_table

    if output is not None and output.suffix.lower() != ".xlsx":
        raise UsageError(f"导出文件应以 .xlsx 结尾：{output}")
    start = parse_event_date(since).isoformat() if since else None
    with ctx.open() as book:
        items = audit.trail(book, normalise_number(number.strip()) if number else None, user, start)
    if output is not None:
        audit.export_xlsx(items, output, force=force)
        click.echo(f"已导出 {len(items)} 条审计记录到 {output}。")
        return
    if as_json:
        emit_json([item.as_json() for item in items])
        return
    if not items:
        click.echo("没有符合条件的审计记录。", err=True)
        return
    click.echo(format_table(audit.COLUMNS, audit.table_rows(items)))
    click.echo(f"共 {len(items)} 条。", err=True)
