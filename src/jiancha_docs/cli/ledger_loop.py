"""The 建议书 closed-loop commands of ``jiancha ledger``: review/approve, assign, supervise,
remind, tasks/task, visit, report, archive, sample. Parse, call ledger/loop.py, report.py,
archive.py, sample.py, format the result."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from ..config import today
from .app import emit_json, format_table
from .ledger import LedgerContext, db_option, entry_filters, ledger


def _date_option(command: Any) -> Any:
    return click.option("--date", "on_date", metavar="日期", help="日期，默认今天。")(command)


def _when(text: str | None, now: dt.date) -> dt.date:
    from ..ledger.model import parse_event_date

    return parse_event_date(text) if text else now


# -- 审核 / 审批 ----------------------------------------------------------------------------------
def _approval_command(step_name: str, label: str) -> Any:
    """``label`` is the step's Chinese name (ledger.model.Step's), given here so that building the
    command line imports no ledger (``jiancha --help`` stays instant)."""

    @db_option
    @click.argument("number", metavar="文号或草稿号")
    @click.option("--by", "person", required=True, metavar="姓名", help=f"{label}人（必填）。")
    @click.option("--opinion", metavar="意见", help=f"{label}意见，如“同意印发”。")
    @_date_option
    @click.pass_obj
    def command(
        ctx: LedgerContext, number: str, person: str, opinion: str | None, on_date: str | None
    ) -> None:
        from ..ledger.model import Step, is_draft_handle

        now = today()
        with ctx.open() as book:
            done = book.record_approval(
                number.strip(), Step(step_name), person, _when(on_date, now), opinion, now
            )
        last = done[-1]
        handle = is_draft_handle(number)
        click.echo(
            f"{'草稿号' if handle else '文号'}“{number.strip()}”已登记{label}：{last.person}（{last.on_date}）"
            + (f"，{last.opinion}" if last.opinion else "")
            + "。"
            + (
                "再次运行同一 jiancha render 命令即取得文号、生成正式文书。"
                if handle and step_name == "approve"
                else ""
            )
        )

    command.__doc__ = (
        f"登记文号的{label}（{label}人、日期、意见），印发前的前置{'审核' if step_name == 'review' else '审批'}留痕。"
        + ("\n\n须先登记审核。" if step_name == "approve" else "")
        + "\n\n配置 [ledger] approval = true 时，文号在审批后才取得：jiancha render 先生成草稿（不取文号），"
        "提示并在生成清单中列出其草稿号（如 草稿-1a2b3c4d）；对草稿号登记审核、审批后，再次运行同一"
        " jiancha render 命令即取得文号、生成正式文书，审核、审批随文号记入台账。"
        "未经审批的文书不能标记为已送达。"
    )
    return command


ledger.command("review")(_approval_command("review", "审核"))
ledger.command("approve")(_approval_command("approve", "审批"))


@ledger.command("assign")
@db_option
@click.argument("number", metavar="文号")
@click.argument("handler", metavar="承办人")
@click.pass_obj
def ledger_assign(ctx: LedgerContext, number: str, handler: str) -> None:
    """登记文号的承办人（跟踪督办的经办人员）；默认取文书的“联系人”。"""
    with ctx.open() as book:
        entry = book.assign(number.strip(), handler)
    click.echo(f"文号“{entry.doc_number}”的承办人为“{entry.handler}”。")


# -- reminders ------------------------------------------------------------------------------------
@ledger.command("remind")
@db_option
@click.option(
    "--within",
    "days",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    metavar="天数",
    help="反馈期限在今后若干天内的（已逾期的也列出）。",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="另存为 Excel 文件（.xlsx）。"
)
@click.option("--force", is_flag=True, help="覆盖不是 jiancha 导出的同名文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def ledger_remind(ctx: LedgerContext, days: int, output: Path | None, force: bool, as_json: bool) -> None:
    """按承办人列出即将到期和已逾期、尚未反馈的文书，供提醒承办人催办。"""
    from ..ledger.loop import due_soon_by_handler
    from ..ledger.report import write_reminders

    now = today()
    _check_xlsx(output)
    with ctx.open() as book:
        entries = [book.find(e.doc_number) for e in book.entries(today=now)]
        groups = due_soon_by_handler(entries, now, days)
        if output is not None:
            write_reminders(groups, output, now, ctx.kind_names(), book, force)
    if as_json:
        emit_json(
            [
                {"handler": handler or None, "documents": [_due_json(e, now) for e in group]}
                for handler, group in groups.items()
            ]
        )
        return
    if not groups:
        click.echo(f"今后 {days} 天内没有到期的文书，也没有逾期未反馈的文书。", err=True)
        return
    names = ctx.kind_names()
    for handler, group in groups.items():
        click.echo(f"承办人：{handler or '（未登记）'}（{len(group)} 份）")
        rows = [
            [
                e.doc_number,
                names.get(e.kind, e.kind),
                e.recipient or "",
                str(e.reply_deadline),
                _due_text(e, now),
            ]
            for e in group
        ]
        click.echo(format_table(["文号", "文书类型", "主送单位", "反馈期限", "情况"], rows))
        click.echo()
    if output is not None:
        click.echo(f"已另存到 {output}。", err=True)


def _due_text(entry: Any, now: dt.date) -> str:
    late = entry.overdue_days(now)
    if late:
        return f"已逾期 {late} 天" + ("（未送达）" if entry.status == "已印发" else "")
    left = (entry.reply_deadline - now).days
    return "今天到期" if left == 0 else f"还有 {left} 天"


def _due_json(entry: Any, now: dt.date) -> dict[str, Any]:
    return {
        "doc_number": entry.doc_number,
        "kind": entry.kind,
        "recipient": entry.recipient,
        "reply_deadline": entry.reply_deadline.isoformat(),
        "overdue_days": entry.overdue_days(now),
        "days_left": max((entry.reply_deadline - now).days, 0),
    }


def _check_xlsx(path: Path | None) -> None:
    from ..errors import UsageError

    if path is not None and path.suffix.lower() != ".xlsx":
        raise UsageError(f"导出文件应以 .xlsx 结尾：{path}")


# -- 督办函 -----------------------------------------------------------------------------------------
def _require_code(ctx: LedgerContext, kind_id: str, draft: bool) -> None:
    """A 督办函 or 回访记录 must be numbered and registered (so a re-run knows it exists)."""
    from ..errors import ConfigError

    schema = ctx.env.kind(kind_id)
    if draft or any(name in ctx.env.settings.numbering for name in schema.names()):
        return
    raise ConfigError(
        f"jiancha.toml 的 [numbering] 没有为「{schema.name}」设置机关代字，{schema.name}无法编号登记",
        hint=f'例如在 [numbering] 中加一行："{schema.name}" = "某纪督"；只想预览请加 --draft',
    )


def _render(ctx: LedgerContext, kind_id: str, records: Path, outdir: Path, draft: bool) -> Any:
    """Render ``records`` as the render command would (numbered and registered unless ``draft``)."""
    from ..kinds.validate import columns_for
    from ..render.batch import RenderOptions, render_records
    from .app import describe_issue
    from .ledger import on_ledger_wait

    env = ctx.env
    schema = env.kind(kind_id)
    _require_code(ctx, kind_id, draft)
    location = env.settings.ledger_location(ctx.db)
    options = RenderOptions(
        outdir=outdir,
        columns=columns_for(schema, env.settings.columns),
        defaults=env.settings.defaults,
        ledger_path=location.path,
        ledger_may_create=False,
        ledger_wait=env.settings.ledger_wait,
        on_ledger_wait=on_ledger_wait,
        numbering=env.settings.numbering,
        draft=draft,
        jobs=1,
        calendar=env.calendar(),
    )
    report = render_records(schema, [records], options)
    for issue in [*report.warnings, *report.issues()]:
        click.echo(describe_issue(issue), err=True)
    return report


def _save_records(book: Any, path: Path, records: list[dict[str, Any]], what: str) -> None:
    """The records a command renders, kept beside the documents (an input the clerk may edit and
    render again); a file of the same name the ledger did not write is not overwritten."""
    import json

    from ..ledger.export import save_export

    text = json.dumps(records, ensure_ascii=False, indent=2)
    save_export(path, lambda stream: stream.write(text.encode("utf-8")), what, book)


@ledger.command("supervise")
@db_option
@entry_filters
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="督办函输出文件夹。",
)
@click.option(
    "--term", default="20个工作日", show_default=True, metavar="期限", help="督办函给出的新办理期限。"
)
@click.option("--draft", is_flag=True, help="只生成草稿预览：不取文号，不登记台账。")
@click.pass_obj
def ledger_supervise(
    ctx: LedgerContext,
    kind: str | None,
    year: int | None,
    status: str | None,
    overdue: bool,
    due_within: int | None,
    outdir: Path,
    term: str,
    draft: bool,
) -> None:
    """为每份逾期的文书（未送达或逾期未反馈）起草一份督办函，写明原文号、成文日期、反馈期限和逾期天数。

    督办函编号并登记台账，与原文书关联（jiancha ledger show 原文号 可见）；同一逾期期间已有督办函的不再重复起草，
    重新运行只补起草新出现的逾期文书。筛选条件与 jiancha ledger list 相同。需在 [numbering] 配置督办函的机关代字，
    发文机关等取 [defaults]。

    \b
    例：jiancha ledger supervise -o 督办函
        jiancha ledger supervise -o 预览 --draft
    """
    from ..ledger.loop import URGING_KIND, urging_plans, urging_record

    _require_code(ctx, URGING_KIND, draft)
    now = today()
    names = ctx.kind_names()
    with ctx.open() as book:
        entries = [
            book.find(e.doc_number)
            for e in book.entries(ctx.kind_id(kind), year, status, False, due_within, now)
        ]
        plans = urging_plans(book, entries, now)
        fresh = [p for p in plans if p.existing is None]
        for plan in plans:
            if plan.existing is not None:
                click.echo(
                    f"跳过：{plan.entry.doc_number} 本次逾期已有督办函 {plan.existing.doc_number}（{plan.existing.status}）。",
                    err=True,
                )
        if not fresh:
            click.echo("没有需要新起草督办函的逾期文书。" if plans else "台账中没有逾期的文书。", err=True)
            return
        records = [urging_record(p, now, names.get(p.entry.kind, p.entry.kind), term) for p in fresh]
        outdir.mkdir(parents=True, exist_ok=True)
        records_path = outdir / f"督办函记录_{now.isoformat()}{'_草稿' if draft else ''}.json"
        _save_records(book, records_path, records, "督办函记录")
    report = _render(ctx, URGING_KIND, records_path, outdir, draft)
    what = "督办函草稿" if draft else "督办函"
    click.echo(
        f"已起草{what} {report.written} 份（逾期文书 {len(plans)} 份，其中 {len(plans) - len(fresh)} 份已有督办函），失败 {report.failed} 份。记录：{records_path}",
        err=True,
    )
    if not report.ok:
        sys.exit(1)


# -- 整改 items ----------------------------------------------------------------------------------------
ITEM_STATUS_WORDS = {"未完成": "open", "已完成": "done", "逾期": "overdue"}


@ledger.command("tasks")
@db_option
@click.argument("number", metavar="[文号]", required=False)
@click.option("--status", "state", metavar="状态", help="只看某一状态：未完成、已完成、逾期。")
@click.option("--owner", metavar="责任单位", help="只看某一责任单位的（包含这些字即可）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def ledger_tasks(
    ctx: LedgerContext, number: str | None, state: str | None, owner: str | None, as_json: bool
) -> None:
    """列出整改任务（建议书的整改建议、以案促改通知书的整改任务，逐项登记）：责任单位、完成时限、状态、佐证。

    一份文书的整改任务全部完成，即为“整改到位”。
    """
    from ..errors import UsageError
    from ..ledger.model import ItemStatus

    wanted = None
    if state is not None:
        if state.strip() not in ITEM_STATUS_WORDS:
            raise UsageError(f"整改任务状态“{state}”无效，应为：{'、'.join(ITEM_STATUS_WORDS)}")
        wanted = ItemStatus(ITEM_STATUS_WORDS[state.strip()])
    now = today()
    with ctx.open() as book:
        if number:
            book.find(number.strip())  # an unknown 文号 is said as such
        items = book.items(number.strip() if number else None)
    items = [
        i
        for i in items
        if (wanted is None or i.status(now) is wanted) and (not owner or owner in (i.owner or ""))
    ]
    if as_json:
        emit_json([i.as_json(now) for i in items])
        return
    if not items:
        click.echo("没有符合条件的整改任务。", err=True)
        return
    rows = [
        [
            i.doc_number,
            str(i.seq),
            i.task,
            i.owner or "",
            str(i.deadline or i.deadline_text or ""),
            i.status(now).label,
            i.evidence or (Path(i.evidence_file).name if i.evidence_file else ""),
        ]
        for i in items
    ]
    click.echo(format_table(["文号", "序号", "整改任务", "责任单位", "完成时限", "状态", "佐证"], rows))
    done = sum(1 for i in items if i.status(now) is ItemStatus.DONE)
    late = sum(1 for i in items if i.status(now) is ItemStatus.OVERDUE)
    click.echo(
        f"共 {len(items)} 项：已完成 {done} 项，逾期 {late} 项，未完成 {len(items) - done - late} 项。",
        err=True,
    )


@ledger.group("task")
def ledger_task() -> None:
    """整改任务：逐项销号（done）或补登（add）。"""


@ledger_task.command("done")
@db_option
@click.argument("number", metavar="文号")
@click.argument("seq", type=click.IntRange(min=1), metavar="序号")
@click.option("--evidence", metavar="说明", help="完成情况和佐证说明。")
@click.option(
    "--file",
    "evidence_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="佐证材料文件。",
)
@_date_option
@click.pass_obj
def ledger_task_done(
    ctx: LedgerContext,
    number: str,
    seq: int,
    evidence: str | None,
    evidence_file: Path | None,
    on_date: str | None,
) -> None:
    """把文号的第“序号”项整改任务标为已完成，须有佐证（--evidence 说明或 --file 材料）。

    \b
    例：jiancha ledger task done 某监建〔2026〕3号 2 --evidence "已建立履约监管台账" --file 台账.pdf
    """
    now = today()
    with ctx.open() as book:
        item = book.complete_item(
            number.strip(),
            seq,
            evidence,
            str(evidence_file.resolve()) if evidence_file else None,
            _when(on_date, now),
            now,
        )
        left = [i for i in book.items(item.doc_number) if i.state.value != "done"]
    tail = "该文书整改任务已全部完成（整改到位）。" if not left else f"该文书还有 {len(left)} 项未完成。"
    click.echo(f"文号“{item.doc_number}”第 {item.seq} 项整改任务已完成（{item.done_on}）。{tail}")


@ledger_task.command("add")
@db_option
@click.argument("number", metavar="文号")
@click.option("--task", "text", required=True, metavar="任务", help="整改任务内容。")
@click.option("--owner", metavar="责任单位", help="责任单位，默认为主送单位。")
@click.option("--deadline", metavar="日期", help="完成时限，默认为反馈期限。")
@click.pass_obj
def ledger_task_add(
    ctx: LedgerContext, number: str, text: str, owner: str | None, deadline: str | None
) -> None:
    """为文号补登一项整改任务（台账跟踪整改任务之前生成的文书）。"""
    from ..ledger.model import TaskSpec, parse_event_date

    with ctx.open() as book:
        entry = book.find(number.strip())
        due = parse_event_date(deadline) if deadline else entry.reply_deadline
        items = book.add_items(entry.doc_number, [TaskSpec(text.strip(), owner or entry.recipient, due)])
    click.echo(f"文号“{entry.doc_number}”已登记第 {items[-1].seq} 项整改任务。")


@ledger.command("visit")
@db_option
@click.argument("number", metavar="文号")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="回访记录输出文件夹。",
)
@click.option("--visitors", required=True, metavar="人员", help="回访人员（单位、职务、姓名）。")
@click.option("--visit-date", metavar="日期", help="回访日期，默认今天。")
@click.option("--draft", is_flag=True, help="只生成草稿预览：不取文号，不登记台账。")
@click.pass_obj
def ledger_visit(
    ctx: LedgerContext, number: str, outdir: Path, visitors: str, visit_date: str | None, draft: bool
) -> None:
    """用文号的整改任务生成回访记录：逐项列出落实情况和佐证；全部完成的结论为“整改到位”，否则“需继续督办”。"""
    from ..ledger.db import LedgerError
    from ..ledger.loop import FOLLOW_UP_KIND, follow_up_record

    _require_code(ctx, FOLLOW_UP_KIND, draft)
    now = today()
    with ctx.open() as book:
        entry = book.find(number.strip())
        items = book.items(entry.doc_number)
        if not items:
            raise LedgerError(
                f"文号“{entry.doc_number}”没有登记整改任务，无法生成回访记录",
                hint=f"可用 jiancha ledger task add {entry.doc_number} --task 任务 补登",
            )
        record = follow_up_record(entry, items, now, visitors, _when(visit_date, now))
        outdir.mkdir(parents=True, exist_ok=True)
        path = outdir / f"回访记录_{_safe(entry.doc_number)}{'_草稿' if draft else ''}.json"
        _save_records(book, path, [record], "回访记录")
    report = _render(ctx, FOLLOW_UP_KIND, path, outdir, draft)
    if not report.ok:
        click.echo(f"回访记录未生成。记录：{path}", err=True)
        sys.exit(1)
    click.echo(f"已生成回访记录（{record['回访结论']}）。记录：{path}", err=True)


def _safe(number: str) -> str:
    return "".join(c for c in number if c not in '\\/:*?"<>|')


# -- the Monday report -----------------------------------------------------------------------------
@ledger.command("report")
@db_option
@entry_filters
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="报表文件（.xlsx）。")
@click.option("--force", is_flag=True, help="覆盖不是 jiancha 导出的同名文件（jiancha 自己导出的直接更新）。")
@click.option("--json", "as_json", is_flag=True, help="把报表数字以 JSON 输出。")
@click.pass_obj
def ledger_report(
    ctx: LedgerContext,
    kind: str | None,
    year: int | None,
    status: str | None,
    overdue: bool,
    due_within: int | None,
    output: Path | None,
    force: bool,
    as_json: bool,
) -> None:
    """督办报表：“截至某日”标题；逾期分为未送达和逾期未反馈、按逾期天数排列；送达日期、反馈日期、承办人、按期；
    按单位、类型、月份统计，附 Excel 图表（各月印发与按期反馈、各单位逾期）。

    jiancha 自己导出的报表每周重新导出时直接更新，无需 --force；不会覆盖其他文件。

    \b
    例：jiancha ledger report -o 督办报表.xlsx
        jiancha ledger report --json
    """
    from ..errors import UsageError
    from ..ledger.report import report_figures, write_report

    if output is None and not as_json:
        raise UsageError("请用 -o 指定报表文件（.xlsx），或加 --json 输出数字")
    _check_xlsx(output)
    now = today()
    names = ctx.kind_names()
    with ctx.open() as book:
        entries = book.entries(ctx.kind_id(kind), year, status, overdue, due_within, now)
        figs = report_figures(book, entries, now)
        if output is not None:
            write_report(figs, output, names, book, force)
    if as_json:
        emit_json(figs.as_json(names))
    if output is not None:
        t = figs.total
        click.echo(
            f"已导出报表到 {output}：印发 {t.issued} 份，已反馈 {t.replied} 份（按期 {t.on_time}），"
            f"逾期未送达 {t.undelivered} 份，逾期未反馈 {t.no_reply} 份。",
            err=True,
        )


# -- 立卷归档 and 评查抽查 ------------------------------------------------------------------------------
@ledger.command("archive")
@db_option
@click.option("--year", type=int, required=True, metavar="年度", help="归档的年度（按成文日期）。")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="归档材料输出文件夹。",
)
@click.option("--force", is_flag=True, help="覆盖不是 jiancha 生成的同名文件。")
@click.pass_obj
def ledger_archive(ctx: LedgerContext, year: int, outdir: Path, force: bool) -> None:
    """立卷归档（《纪检监察机关案件档案管理办法》第八至十三条）：每组文书（建议书及其督办函、回访记录等）立一卷。

    每卷生成卷内目录（顺序号、文号、责任者、题名、日期、页数、备注）、备考表、封皮（.docx 供打印，卷内目录另有 .xlsx），
    按顺序附各文书的 PDF（旁边没有较新的 PDF 时用 LibreOffice 转换，页数取自 PDF）；全年一份移交目录，一式两份，
    次年第二季度移交档案部门。保管期限按附件二建议，档号按 DA/T 13 编制，全宗号等取 jiancha.toml 的 [ledger]
    fonds、archive_unit、archive_code。任何一份文书缺失或与台账记录的摘要不符，整个年度都不归档。
    归档后文书状态为“已归档”。
    """
    from ..ledger.archive import ArchiveSettings, archive_year

    now = today()
    settings = ArchiveSettings.of(ctx.env.settings.archive)
    with ctx.open() as book:
        result = archive_year(book, year, outdir, settings, ctx.kind_names(), now, force)
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
    documents = sum(len(v.documents) for v in result.volumes)
    pages = sum(v.pages for v in result.volumes)
    click.echo(
        f"已立卷 {len(result.volumes)} 卷，{documents} 件，{pages} 页，归档材料在 {outdir}（移交目录一式两份：移交目录.docx）。"
    )


@ledger.command("sample")
@db_option
@click.option("--year", type=int, required=True, metavar="年度", help="抽查的年度（按成文日期）。")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    metavar="份数",
    help="抽取的份数。",
)
@click.option(
    "--seed",
    type=int,
    required=True,
    metavar="种子",
    help="随机种子：同一台账、同一种子抽到同样的文书，便于复核。",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="抽查表另存为 Excel 文件（.xlsx）。",
)
@click.option("--force", is_flag=True, help="覆盖不是 jiancha 导出的同名文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def ledger_sample(
    ctx: LedgerContext, year: int, count: int, seed: int, output: Path | None, force: bool, as_json: bool
) -> None:
    """评查抽查：从某年度的文书中随机抽取若干份，逐份检查程序手续（审核、审批记录）、时限（是否按期反馈）、
    文书（GB/T 9704 检查，同 jiancha check）、归档（是否已立卷归档）。"""
    from ..ledger.sample import ASPECTS, sample_year, write_sample

    _check_xlsx(output)
    now = today()
    with ctx.open() as book:
        results = sample_year(book, year, count, seed, now)
        if output is not None:
            write_sample(results, output, year, seed, book, force)
    if as_json:
        emit_json({"year": year, "seed": seed, "documents": [r.as_json() for r in results]})
        return
    rows = [
        [
            r.entry.doc_number,
            *(f"{r.checks[k].verdict.label}：{r.checks[k].detail}" for k, _ in ASPECTS),
            "合格" if r.passed else "存在问题",
        ]
        for r in results
    ]
    click.echo(format_table(["文号", *(label for _, label in ASPECTS), "结论"], rows))
    bad = sum(1 for r in results if not r.passed)
    click.echo(
        f"抽查 {len(results)} 份（种子 {seed}）：合格 {len(results) - bad} 份，存在问题 {bad} 份。", err=True
    )
