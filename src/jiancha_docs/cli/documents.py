"""Document commands: ``kinds``, ``new`` and ``render``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .app import Env, cli, describe_issue, format_table, progress_bar


# -- kinds -------------------------------------------------------------------------------------
@cli.group(invoke_without_command=True)
@click.pass_context
def kinds(ctx: click.Context) -> None:
    """列出可生成的文书类型；子命令查看字段或检查模板。"""
    if ctx.invoked_subcommand is not None:
        return
    from ..kinds import all_kinds

    env: Env = ctx.obj
    rows = [
        [k.id, k.name, "、".join(k.aliases), k.default_layout, k.description]
        for k in all_kinds(env.settings.kind_dirs)
    ]
    click.echo(format_table(["类型", "名称", "别名", "默认版式", "说明"], rows))


@kinds.command("show")
@click.argument("kind")
@click.pass_obj
def kinds_show(env: Env, kind: str) -> None:
    """以表格列出文书类型 KIND 的全部字段（KIND 可用英文标识或中文名称）。"""
    schema = env.kind(kind)
    rows = []
    for spec in schema.fields:
        type_label = spec.type_label
        if spec.choices:
            type_label += "：" + "/".join(spec.choices)
        if spec.columns:
            type_label += "：" + "|".join(c.label for c in spec.columns)
        default = "" if spec.default is None else str(spec.default)
        if spec.default_from:
            default = spec.default_from
        if len(default) > 16:
            default = default[:15] + "…"
        rows.append([spec.label, spec.key, type_label, "是" if spec.required else "", default, spec.help])
    click.echo(f"{schema.name}（{schema.id}），默认版式：{schema.default_layout}")
    click.echo(format_table(["列名", "键", "类型", "必填", "默认值", "说明"], rows))
    from ..kinds.rules import rule_lines  # the kinds package costs 50 ms: not at start-up

    rules = rule_lines(schema)
    if rules:
        click.echo("\n内容规则（生成前逐条检查）：")
        for line in rules:
            click.echo(line)


@kinds.command("check-template")
@click.argument("kind")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def kinds_check_template(env: Env, kind: str, template: Path) -> None:
    """检查单位自己的 Word 模板 TEMPLATE 与文书类型 KIND 的字段是否对应。"""
    from ..render.inspect import check_template

    schema = env.kind(kind)
    result = check_template(schema, template)
    for name in result.unknown:
        key = result.keys_to_write.get(name)
        if key is not None:
            click.echo(
                f"错误：模板中的 {{{{ {name} }}}} 写的是字段的中文名称，请改写为 {{{{ {key} }}}}", err=True
            )
        else:
            click.echo(f"错误：模板使用了字段表中没有的变量“{name}”，生成时会失败", err=True)
    for label in result.unshown_required:
        click.echo(f"警告：必填字段「{label}」在模板中没有出现", err=True)
    if result.ok:
        click.echo(f"模板 {template.name} 与「{schema.name}」的字段一致，共使用 {len(result.used)} 个变量。")
    if result.unknown:
        sys.exit(1)


# -- new ---------------------------------------------------------------------------------------
@cli.command()
@click.argument("kind")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "yaml"]),
    default="xlsx",
    show_default=True,
    help="输入文件格式。",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写到哪个文件，默认为“文书名称.格式”。",
)
@click.option("--force", is_flag=True, help="覆盖已有文件。")
@click.pass_obj
def new(env: Env, kind: str, fmt: str, output: Path | None, force: bool) -> None:
    """为文书类型 KIND 生成一个输入文件：表头齐全，附一行填好的示例。"""
    from ..starter import write_starter

    schema = env.kind(kind)
    path = output or Path(f"{schema.name}.{fmt}")
    write_starter(schema, fmt, path, force=force)
    click.echo(
        f"已写入 {path}：{len(schema.fields)} 列，含一行示例。填好后运行：jiancha render {schema.id} {path} -o 输出文件夹"
    )


# -- render ------------------------------------------------------------------------------------
@cli.command()
@click.argument("kind")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="输出文件夹。",
)
@click.option("--layout", type=click.Choice(["文件式", "信函式"]), help="版式，默认用文书类型的默认版式。")
@click.option(
    "--all-organ-marks",
    is_flag=True,
    help="联合行文的信函式文书印出全部发文机关标志（默认只印主办机关的，GB/T 9704 10.1）；"
    "也可在 jiancha.toml 的 [kinds] 中设 all_organ_marks = true。",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="使用单位自己的 Word 模板（字段与标准类型相同）。",
)
@click.option("--sheet", metavar="工作表", help="Excel 文件中要读取的工作表名称，默认第一个未隐藏的工作表。")
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    metavar="行号",
    help="表头所在的行号（按 Excel 的行号），默认自动查找：第一行含有字段名称的行。",
)
@click.option("--check", "check_only", is_flag=True, help="只校验输入，不生成文件。")
@click.option("--fail-fast", is_flag=True, help="遇到第一条有错误的记录即停止。")
@click.option("--force", is_flag=True, help="覆盖输出文件夹中已有的同名文书。")
@click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), help="台账文件，默认为 .jiancha/ledger.sqlite3。"
)
@click.option(
    "--code", metavar="代字", help="机关代字（如 许纪建）：文号为空的记录按此代字自动编号，优先于配置文件。"
)
@click.option("--force-number", is_flag=True, help="允许使用台账中已有的文号（重新生成该文号的文书）。")
@click.option(
    "--reissue",
    is_flag=True,
    help="已生成过的行内容有改动时，按新内容重新发文：取新文号，原文号作废并注明由新文号取代。",
)
@click.option(
    "--as-new",
    is_flag=True,
    help="已生成过的行换成了另一份新的文书时，按新文书取新文号，原文书照旧有效。",
)
@click.option("--draft", is_flag=True, help="生成草稿：文书标注“草稿”，不取文号、不登记台账，可随意试模板。")
@click.option("--pdf", "make_pdf", is_flag=True, help="同时用 LibreOffice 在每份文书旁生成 PDF。")
@click.option(
    "--check-citations",
    is_flag=True,
    help="核对依据条款中引用的每一条（《标题》第N条）在法规索引中是否存在。",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="进程数",
    help="同时生成文书的进程数，默认为 CPU 核数；1 表示只用一个进程。文件名、文号和清单顺序与进程数无关。",
)
@click.pass_obj
def render(
    env: Env,
    kind: str,
    inputs: tuple[Path, ...],
    outdir: Path,
    layout: str | None,
    all_organ_marks: bool,
    template: Path | None,
    sheet: str | None,
    header_row: int | None,
    check_only: bool,
    fail_fast: bool,
    force: bool,
    db: Path | None,
    code: str | None,
    force_number: bool,
    reissue: bool,
    as_new: bool,
    draft: bool,
    make_pdf: bool,
    check_citations: bool,
    jobs: int | None,
) -> None:
    """用输入文件 INPUT（YAML、JSON、CSV 或 .xlsx，可多个）生成文书类型 KIND 的 Word 文书。

    每条记录先校验，全部问题以中文列出（文件、行号、列名）；有错的记录不生成，其余照常生成，
    最后退出码为 1。输出文件夹中的“生成清单_文书名称_时间.csv”列出每行的结果。

    文号为空且配置了机关代字的记录自动编号；每份文书都登记到台账（jiancha ledger）。
    再次运行同一输入时，台账中已有的文书沿用原文号、不重复编号（中断后重新运行即从中断处继续）；
    内容有改动的行要加 --reissue 才重新发文。试模板请用 --draft。

    配置 [ledger] approval = true 时，未审批的记录只生成草稿、不取文号，并给出草稿号；
    jiancha ledger review/approve 草稿号 登记审核、审批后，再次运行本命令即取得文号。
    """
    from ..kinds.validate import columns_for
    from ..render.batch import STATUS_DONE, RenderOptions, render_records
    from ..rules.sources import rules_config
    from ..sources import collect_inputs
    from .ledger import on_ledger_wait

    schema = env.kind(kind)
    found = collect_inputs(inputs)  # a missing file stops here, before any folder is made
    for note in found.notes:
        click.echo(f"提示：{note}", err=True)
    env.check_config_names()
    location = env.settings.ledger_location(db)
    options = RenderOptions(
        outdir=outdir,
        layout=layout,
        template=template,
        sheet=sheet,
        header_row=header_row,
        columns=columns_for(schema, env.settings.columns),
        force=force,
        check_only=check_only,
        fail_fast=fail_fast,
        defaults=env.settings.defaults,
        accuser_words=env.settings.accuser_words,
        office_short_name=env.settings.office_short_name,
        all_organ_marks=env.settings.all_organ_marks(all_organ_marks or None),
        ledger_path=location.target,
        ledger_may_create=location.may_create,
        ledger_wait=env.settings.ledger_wait,
        on_ledger_wait=on_ledger_wait,
        numbering=env.settings.numbering,
        code=code.strip() if code else None,
        force_number=force_number,
        reissue=reissue,
        as_new=as_new,
        draft=draft,
        approval=env.settings.ledger_approval,
        rules_index=rules_config(env.settings).index_dir,
        check_citations=check_citations,
        jobs=jobs,
        keep_outcomes=False,  # a batch of any size: the report keeps counts and failed rows
        calendar=env.calendar(),
    )
    written: list[Path] = []  # only for --pdf

    def on_row(outcome: Any) -> None:
        tick()
        if make_pdf and outcome.status == STATUS_DONE:
            written.append(outcome.output)

    try:
        with progress_bar("生成" if not check_only else "校验") as tick:
            report = render_records(schema, found.paths, options, on_row=on_row)
    except KeyboardInterrupt:
        click.echo(
            "已中断。已开始生成的文书都已完成，登记了台账并列入生成清单；其余记录没有处理，也没有占用文号；"
            "不会留下半个文件。",
            err=True,
        )
        sys.exit(130)
    if report.ledger_created:
        click.echo(f"已新建台账 {report.ledger_created}（以后的文号都登记在这里）。", err=True)
        if env.settings.path is None and location.origin == "default":
            click.echo(
                "提示：没有找到 jiancha.toml。如本单位已有工作区，请到工作区文件夹（或其子文件夹）中运行；"
                "新的工作区请先运行 jiancha init",
                err=True,
            )
    for note in report.ledger_notes:
        click.echo(f"台账：{note}", err=True)
    for issue in [*report.warnings, *report.issues()]:
        click.echo(describe_issue(issue), err=True)
    total = report.total
    if check_only:
        summary = f"共校验 {total} 条记录：通过 {report.checked} 条，有错误 {report.failed} 条。"
    elif draft:
        summary = f"共 {total} 条记录：已生成草稿 {report.written} 份（未取文号，未登记台账），失败 {report.failed} 条。"
    else:
        summary = f"共 {total} 条记录：新生成 {report.new} 份，沿用已有文号 {report.reused} 份，失败 {report.failed} 条。"
        if report.reused and report.written > report.new:
            summary += f"（其中 {report.written - report.new} 份按原文号重新写出）"
        if report.elsewhere:
            summary += (
                f"{report.elsewhere} 份已生成的文书在其他文件夹中（位置见清单），本次没有写入 {outdir}。"
            )
    if report.failed_files:
        summary += f"另有 {report.failed_files} 个文件无法处理。"
    if report.numbered:
        summary += f"自动编号 {report.numbered} 个。"
    if report.unregistered:
        summary += (
            f"{report.unregistered} 份没有文号，未登记台账（可在 jiancha.toml 的 [numbering] 配置机关代字）。"
        )
    if report.stopped_early:
        summary += "（--fail-fast：已在第一个错误处停止）"
    if report.manifest:
        summary += f"清单：{report.manifest}"
    click.echo(summary, err=True)
    pdf_ok = True
    if make_pdf and not check_only:
        from .printing import convert_written

        pdf_ok, _ = convert_written(written)
    if not report.ok or not pdf_ok:
        sys.exit(1)
