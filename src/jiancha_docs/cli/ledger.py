"""Ledger commands: ``jiancha ledger list|show|mark|export|backup``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config import today
from .app import Env, cli, emit_json, format_table


class LedgerContext:
    def __init__(self, env: Env, db: Path | None) -> None:
        self.env = env
        self.db = db

    def open(self) -> Any:
        """Open the existing ledger and settle numbers left by an interrupted batch."""
        from ..ledger import Ledger

        ledger = Ledger(self.env.settings.ledger_path(self.db), create=False)
        for note in ledger.recover():
            click.echo(f"台账：{note}", err=True)
        return ledger

    def kind_id(self, name: str | None) -> str | None:
        return self.env.kind(name).id if name else None

    def kind_names(self) -> dict[str, str]:
        from ..kinds import all_kinds

        return {k.id: k.name for k in all_kinds(self.env.settings.kind_dirs)}


@cli.group()
@click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), help="台账文件，默认为 .jiancha/ledger.sqlite3。"
)
@click.pass_context
def ledger(ctx: click.Context, db: Path | None) -> None:
    """文号台账：查看、跟踪反馈期限、变更状态、导出 Excel、备份。"""
    ctx.obj = LedgerContext(ctx.obj, db)


def entry_filters(command: Any) -> Any:
    options = [
        click.option("--kind", help="只看某类文书（英文标识或中文名称）。"),
        click.option("--year", type=int, help="只看某年成文的文书。"),
        click.option("--status", help="只看某一状态：已印发、已送达、已反馈、已回访、已归档、作废。"),
        click.option("--overdue", is_flag=True, help="只看已超过反馈期限仍未反馈的。"),
        click.option(
            "--due-within", type=click.IntRange(min=0), metavar="天数", help="只看反馈期限在今后若干天内的。"
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@ledger.command("list")
@entry_filters
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出，供脚本使用。")
@click.pass_obj
def ledger_list(
    ctx: LedgerContext,
    kind: str | None,
    year: int | None,
    status: str | None,
    overdue: bool,
    due_within: int | None,
    as_json: bool,
) -> None:
    """列出台账中的文书。"""
    now = today()
    with ctx.open() as book:
        entries = book.entries(ctx.kind_id(kind), year, status, overdue, due_within, now)
    if as_json:
        emit_json([e.as_json(now) for e in entries])
        return
    if not entries:
        click.echo("台账中没有符合条件的文书。", err=True)
        return
    names = ctx.kind_names()
    rows = [
        [
            e.doc_number,
            names.get(e.kind, e.kind),
            e.recipient or "",
            str(e.doc_date or ""),
            str(e.reply_deadline or ""),
            e.status,
            f"逾期 {e.overdue_days(now)} 天" if e.overdue_days(now) else "",
        ]
        for e in entries
    ]
    click.echo(format_table(["文号", "文书类型", "主送单位", "成文日期", "反馈期限", "状态", "逾期"], rows))
    late = sum(1 for e in entries if e.overdue_days(now))
    click.echo(f"共 {len(entries)} 份" + (f"，其中 {late} 份已逾期未反馈。" if late else "。"), err=True)


@ledger.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def ledger_show(ctx: LedgerContext, number: str, as_json: bool) -> None:
    """显示文号 NUMBER 的登记信息和状态变更记录。"""
    now = today()
    with ctx.open() as book:
        entry = book.find(number.strip())
    if as_json:
        emit_json(entry.as_json(now))
        return
    names = ctx.kind_names()
    kind = names.get(entry.kind, entry.kind) + (f"（{entry.subtype}）" if entry.subtype else "")
    late = entry.overdue_days(now)
    lines = [
        ("文号", entry.doc_number),
        ("文书类型", kind),
        ("主送单位", entry.recipient or ""),
        ("事由", entry.subject or ""),
        ("成文日期", str(entry.doc_date or "")),
        ("反馈期限", str(entry.reply_deadline or "无") + (f"（已逾期 {late} 天）" if late else "")),
        ("状态", entry.status + (f"（{entry.void_reason}）" if entry.void_reason else "")),
        ("输出文件", entry.output_file or ""),
        ("SHA-256", entry.sha256 or ""),
        (
            "来源",
            f"{entry.source_file} 第 {entry.source_row} 行"
            if entry.source_row
            else (entry.source_file or ""),
        ),
    ]
    for label, value in lines:
        click.echo(f"{label}：{value}")
    click.echo("状态记录：")
    for item in entry.history:
        when = f"{item.at.replace('T', ' ')}" + (f"（日期：{item.event_date}）" if item.event_date else "")
        click.echo(f"  {when}  {item.status}" + (f"  {item.note}" if item.note else ""))


@ledger.command("mark")
@click.argument("number")
@click.argument("status")
@click.option("--date", "event_date", help="事件日期（如送达日期、反馈日期），默认今天。")
@click.option("--note", help="说明，例如“已收到书面整改报告”。")
@click.pass_obj
def ledger_mark(
    ctx: LedgerContext, number: str, status: str, event_date: str | None, note: str | None
) -> None:
    """把文号 NUMBER 的状态改为 STATUS（已送达、已反馈、已回访、已归档或作废）。

    标记“已送达”并给出日期时，按“自收到之日起 N 日内”计算的反馈期限改从送达日起算。
    """
    from ..ledger.store import parse_event_date

    when = parse_event_date(event_date) if event_date else today()
    with ctx.open() as book:
        entry = book.mark(number.strip(), status.strip(), when, note)
    deadline = f"，反馈期限 {entry.reply_deadline}" if entry.reply_deadline else ""
    click.echo(f"文号“{entry.doc_number}”已标记为“{entry.status}”（{when}）{deadline}。")


@ledger.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@entry_filters
@click.option("--force", is_flag=True, help="覆盖已有文件。")
@click.pass_obj
def ledger_export(
    ctx: LedgerContext,
    output: Path,
    kind: str | None,
    year: int | None,
    status: str | None,
    overdue: bool,
    due_within: int | None,
    force: bool,
) -> None:
    """把台账导出为 Excel 文件 OUTPUT（.xlsx）：中文表头、冻结首行、日期单元格、逾期行标红。"""
    from ..errors import UsageError
    from ..ledger.export import export_xlsx

    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"导出文件应以 .xlsx 结尾：{output}")
    now = today()
    with ctx.open() as book:
        entries = book.entries(ctx.kind_id(kind), year, status, overdue, due_within, now)
        entries = [book.find(e.doc_number) for e in entries]
    late = export_xlsx(entries, output, now, ctx.kind_names(), force=force)
    click.echo(f"已导出 {len(entries)} 条到 {output}" + (f"，其中 {late} 条逾期（标红）。" if late else "。"))


@ledger.command("backup")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有文件。")
@click.pass_obj
def ledger_backup(ctx: LedgerContext, output: Path, force: bool) -> None:
    """把台账完整备份到 OUTPUT；生成文书的同时也可以备份。"""
    with ctx.open() as book:
        book.backup(output, force=force)
    click.echo(f"已备份台账到 {output}。")
