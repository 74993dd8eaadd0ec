"""Ledger commands: ``jiancha ledger list|show|mark|export|backup``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..config import today
from .app import Env, cli, emit_json, format_table


def on_ledger_wait(message: str) -> None:
    click.echo(message, err=True)


class LedgerContext:
    def __init__(self, env: Env, db: Path | None) -> None:
        self.env = env
        self.db = db

    def open(self) -> Any:
        """Open the existing ledger and settle numbers left by an interrupted batch."""
        from ..ledger import open_ledger

        location = self.env.settings.ledger_location(self.db)
        ledger = open_ledger(
            location.target, create=False, wait=self.env.settings.ledger_wait, on_wait=on_ledger_wait
        )
        if ledger.read_only:
            click.echo(f"提示：台账 {location.path} 是只读的，只能查看和导出。", err=True)
        for note in ledger.recover():
            click.echo(f"台账：{note}", err=True)
        return ledger

    def kind_id(self, name: str | None) -> str | None:
        return self.env.kind(name).id if name else None

    def kind_names(self) -> dict[str, str]:
        from ..kinds import all_kinds

        return {k.id: k.name for k in all_kinds(self.env.settings.kind_dirs)}


DB_HELP = "台账文件，默认为工作区（jiancha.toml 所在文件夹）的 .jiancha/ledger.sqlite3。"


def _set_db(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_object(LedgerContext).db = value


def db_option(command: Any) -> Any:
    """--db after the subcommand too (jiancha ledger list --db X), as render takes it."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        help=DB_HELP,
        expose_value=False,
        callback=_set_db,
    )(command)


@cli.group()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
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
@db_option
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
        if overdue:
            from ..ledger.loop import overdue_sorted

            entries = overdue_sorted(entries, now)  # the longest overdue first
        if as_json:
            entries = [book.find(e.doc_number) for e in entries]  # with their history
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
@db_option
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def ledger_show(ctx: LedgerContext, number: str, as_json: bool) -> None:
    """显示文号 NUMBER 的登记信息和状态变更记录。"""
    now = today()
    with ctx.open() as book:
        entry = book.find(number.strip())
        related = book.get(entry.related_number) if entry.related_number else None
        followups = book.followups(entry.doc_number)
        from ..ledger.audit import trail

        audit_lines = trail(book, entry.doc_number)
    if as_json:
        emit_json(
            {
                **entry.as_json(now),
                "followups": [
                    {"doc_number": f.doc_number, "kind": f.kind, "status": f.status} for f in followups
                ],
                "audit": [item.as_json() for item in audit_lines],
            }
        )
        return
    names = ctx.kind_names()

    def described(other: Any) -> str:
        return f"{other.doc_number}（{names.get(other.kind, other.kind)}，{other.status}）"

    kind = names.get(entry.kind, entry.kind) + (f"（{entry.subtype}）" if entry.subtype else "")
    late = entry.overdue_days(now)
    lines = [
        ("文号", entry.doc_number),
        ("文书类型", kind),
        ("主送单位", entry.recipient or ""),
        ("事由", entry.subject or ""),
        ("成文日期", str(entry.doc_date or "")),
        ("反馈期限", str(entry.reply_deadline or "无") + (f"（已逾期 {late} 天）" if late else "")),
        *([("期限计算", entry.deadline_rule)] if entry.deadline_rule else []),
        ("状态", entry.status + (f"（{entry.void_reason}）" if entry.void_reason else "")),
        ("输出文件", entry.output_file or ""),
        *([("取代", f"本文号重新发出，取代原文号 {entry.replaces}")] if entry.replaces else []),
        *([("被取代", f"已由新文号 {entry.replaced_by} 取代")] if entry.replaced_by else []),
        *(
            [("答复或跟进", described(related) if related else f"{entry.related_number}（不在本台账中）")]
            if entry.related_number
            else []
        ),
        *([("后续文书", "；".join(described(f) for f in followups))] if followups else []),
        ("SHA-256", entry.sha256 or ""),
        ("来源", entry.source_text()),
    ]
    for label, value in lines:
        click.echo(f"{label}：{value}")
    click.echo("状态记录：")
    for item in entry.history:
        when = f"{item.at.replace('T', ' ')}" + (f"（日期：{item.event_date}）" if item.event_date else "")
        click.echo(f"  {when}  {item.status}" + (f"  {item.note}" if item.note else ""))
    if audit_lines:
        click.echo("审计记录：")
        for line in audit_lines:
            change = f"{line.action_label}" + (f"  {line.note}" if line.note else "")
            click.echo(f"  {line.at.replace('T', ' ')}  {line.actor}（{line.source}）  {change}")


@ledger.command("mark")
@db_option
@click.argument("number", metavar="文号")
@click.argument("more", nargs=-1, metavar="状态")
@click.option("--date", "event_date", metavar="日期", help="事件日期（如送达日期、反馈日期），默认今天。")
@click.option("--note", metavar="说明", help="说明，例如“已收到书面整改报告”。")
@click.option("--reason", metavar="原因", help="作废或更正的原因（作废、--correct 时必填）。")
@click.option(
    "--correct", is_flag=True, help="更正登记错误：用 STATUS 替换当前状态（可以退回），须写明 --reason。"
)
@click.option(
    "--from",
    "sheet_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="表格",
    help="从表格（如 回执.xlsx、.csv）的一列读取文号，批量变更。",
)
@click.option(
    "--column", default="文号", show_default=True, metavar="列名", help="--from 表格中文号所在的列。"
)
@click.option(
    "--date-column", metavar="列名", help="--from 表格中各行日期所在的列（如“送达日期”），没有时用 --date。"
)
@click.option("--sheet", metavar="工作表", help="--from 为 .xlsx 时读取的工作表，默认第一张。")
@click.option("--yes", "-y", is_flag=True, help="作废时不再询问确认（供脚本使用）。")
@click.pass_obj
def ledger_mark(
    ctx: LedgerContext,
    number: str,
    more: tuple[str, ...],
    event_date: str | None,
    note: str | None,
    reason: str | None,
    correct: bool,
    sheet_path: Path | None,
    column: str,
    date_column: str | None,
    sheet: str | None,
    yes: bool,
) -> None:
    """把文号的状态改为“状态”（已送达、已反馈、已回访、已归档或作废）：文号… 状态。

    标记“已送达”并给出日期时，按“自收到之日起 N 日内”计算的反馈期限改从送达日起算。
    日期不能早于成文日期、不能晚于今天，也不能早于上一状态的日期。

    可一次标记多个文号，或用 --from 读取回执表格的一列。批量标记全部成功或全部不变：
    任何一个文号有问题（不在台账、状态不能变更、日期不对、重复），整批都不变更，并逐行列出问题，
    改正后整批重新运行即可。配置 [ledger] approval = true 时，未登记审批的文书不能标为已送达。

    \b
    例：jiancha ledger mark 某纪建〔2024〕3号 已送达 --date 2024-12-05
        jiancha ledger mark 某纪建〔2024〕3号 某纪建〔2024〕4号 已反馈
        jiancha ledger mark 已送达 --from 回执.xlsx --date-column 送达日期
        jiancha ledger mark 某纪建〔2024〕3号 已送达 --correct --reason "误标为已反馈"
        jiancha ledger mark 某纪建〔2024〕3号 作废 --reason "主送单位写错，已重新发文"
    """
    from ..errors import UsageError
    from ..ledger.model import VOID, parse_event_date

    words = [number, *more]
    status = words[-1].strip()
    numbers = [w.strip() for w in words[:-1]]
    if not numbers and sheet_path is None:
        raise UsageError(
            "缺少参数“状态”",
            hint="用法：jiancha ledger mark 文号… 状态，或 jiancha ledger mark 状态 --from 回执.xlsx",
        )
    if (status == VOID or correct) and not (reason and reason.strip()):
        what = "作废" if status == VOID else "更正"
        raise UsageError(
            f"{what}须用 --reason 写明原因", hint=f'例如：--reason "主送单位写错"（{what}记录会留在台账中）'
        )
    if correct and (len(numbers) > 1 or sheet_path is not None):
        raise UsageError("--correct 一次只能更正一个文号")
    now = today()
    when = parse_event_date(event_date) if event_date else (None if correct else now)
    text = reason.strip() if reason and (status == VOID or correct) else note
    if note and text is not note:
        text = f"{text}；{note}"
    from ..calendar import using

    if len(numbers) == 1 and sheet_path is None:
        if status == VOID and not yes:
            _confirm_void(numbers[0])
        with ctx.open() as book, using(ctx.env.calendar()):
            if ctx.env.settings.ledger_approval:
                from ..ledger.loop import require_approval

                require_approval(book, numbers[0], status)
            entry = book.mark(numbers[0], status, when, text, today=now, correct=correct)
        deadline = f"，反馈期限 {entry.reply_deadline}" if entry.reply_deadline else ""
        verb = "已更正为" if correct else "已标记为"
        from ..kinds.fields import CnDate

        shown = entry.history[-1].event_date or when
        click.echo(
            f"文号“{entry.doc_number}”{verb}“{entry.status}”（{CnDate.of(shown) if shown else ''}）{deadline}。"
        )
        return
    _mark_batch(ctx, numbers, status, when, text, sheet_path, column, date_column, sheet, yes, now)


def _mark_batch(
    ctx: LedgerContext,
    numbers: list[str],
    status: str,
    when: Any,
    text: str | None,
    sheet_path: Path | None,
    column: str,
    date_column: str | None,
    sheet: str | None,
    yes: bool,
    now: Any,
) -> None:
    from ..calendar import using
    from ..ledger.loop import BatchRefused, MarkLine, lines_from_sheet, mark_many
    from ..ledger.model import VOID

    lines = [MarkLine(n, f"命令行第 {i} 个文号") for i, n in enumerate(numbers, start=1)]
    if sheet_path is not None:
        lines += lines_from_sheet(sheet_path, column, date_column, sheet)
    if status == VOID and not yes:
        _confirm_void(f"{lines[0].number}”等 {len(lines)} 个文号“" if len(lines) > 1 else lines[0].number)
    with ctx.open() as book, using(ctx.env.calendar()):
        result = mark_many(
            book, lines, status, when, text, now, approval_needed=ctx.env.settings.ledger_approval
        )
    if result.problems:
        for problem in result.problems:
            click.echo(f"错误：{problem.line.where}（{problem.line.number}）：{problem.message}", err=True)
        raise BatchRefused(
            f"{len(lines)} 个文号中有 {len(result.problems)} 个不能标记为“{status}”，整批未变更",
            hint="改正上面列出的问题后重新运行整批",
        )
    click.echo(f"已将 {len(result.marked)} 个文号标记为“{status}”。")


def _confirm_void(number: str) -> None:
    from ..errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(
            f"作废文号“{number}”需要确认",
            hint="作废后该文号不再使用；确认无误请加 --yes（误作废可用 jiancha ledger undo 撤销）",
        )
    if not click.confirm(f"确定作废文号“{number}”吗？作废后该文号不再使用", default=False, err=True):
        click.echo("已取消，文号未作废。", err=True)
        sys.exit(1)


@ledger.command("undo")
@db_option
@click.argument("number", metavar="文号")
@click.option("--reason", metavar="原因", required=True, help="撤销的原因（必填，留在状态记录中）。")
@click.pass_obj
def ledger_undo(ctx: LedgerContext, number: str, reason: str) -> None:
    """撤销文号的上一次状态变更（包括误作废），原因记入状态记录。

    \b
    例：jiancha ledger undo 某纪建〔2024〕3号 --reason "误点了作废"
    """
    from ..calendar import using

    with ctx.open() as book, using(ctx.env.calendar()):
        entry = book.undo(number.strip(), reason)
    click.echo(f"文号“{entry.doc_number}”已撤销上一次变更，现为“{entry.status}”。")


@ledger.command("export")
@db_option
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@entry_filters
@click.option("--force", is_flag=True, help="覆盖不是 jiancha 导出的同名文件（jiancha 自己导出的直接更新）。")
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
    """把台账导出为 Excel 文件 OUTPUT（.xlsx）：中文表头、冻结首行、日期单元格、逾期行标红。

    末尾六列为备案所需的审核、审批记录（审核人、日期、意见；审批人、日期、意见），
    未登记的留空。"""
    from ..errors import UsageError
    from ..ledger.export import export_xlsx

    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"导出文件应以 .xlsx 结尾：{output}")
    now = today()
    with ctx.open() as book:
        entries = book.entries(ctx.kind_id(kind), year, status, overdue, due_within, now)
        entries = [book.find(e.doc_number) for e in entries]
        late = export_xlsx(entries, output, now, ctx.kind_names(), force=force, ledger=book)
    click.echo(f"已导出 {len(entries)} 条到 {output}" + (f"，其中 {late} 条逾期（标红）。" if late else "。"))


@ledger.command("backup")
@db_option
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有文件。")
@click.pass_obj
def ledger_backup(ctx: LedgerContext, output: Path, force: bool) -> None:
    """把台账完整备份到 OUTPUT；生成文书的同时也可以备份。"""
    with ctx.open() as book:
        book.backup(output, force=force)
    click.echo(f"已备份台账到 {output}。")


from . import ledger_loop, ledger_server  # noqa: E402,F401  (register the closed-loop and server commands)
