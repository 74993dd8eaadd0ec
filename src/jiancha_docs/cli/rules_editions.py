"""``jiancha rules diff``: the 新旧对照 of two editions, as a table or a .docx / .xlsx to print."""

from __future__ import annotations

from pathlib import Path

import click

from .app import Env, emit_json, format_table
from .rules import INDEX_OPTION, _config, rules


@rules.command("diff")
@click.argument("title", metavar="标题")
@click.argument("old", metavar="旧版本")
@click.argument("new", metavar="新版本")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写成 .docx（两栏对照表）或 .xlsx，供打印。",
)
@click.option("--all", "show_all", is_flag=True, help="也列出未变的条文。")
@click.option("--force", is_flag=True, help="覆盖已有的输出文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@INDEX_OPTION
@click.pass_obj
def rules_diff(
    env: Env,
    title: str,
    old: str,
    new: str,
    output: Path | None,
    show_all: bool,
    force: bool,
    as_json: bool,
    index_dir: Path | None,
) -> None:
    """两个版本的新旧对照：逐条列出新增、删除、修改和条号变动。

    版本可写年份、日期或“版本”字段（如 2024年修正）。
    """
    from ..errors import OutputError, UsageError
    from ..rules.diff import Change, compare, write_docx, write_xlsx
    from ..rules.editions import editions_of, pick
    from ..rules.library import Library

    if output is not None:
        suffix = output.suffix.lower()
        if suffix not in (".docx", ".xlsx"):
            raise UsageError(f"输出文件“{output.name}”应为 .docx 或 .xlsx")
        if output.exists() and not force:
            raise OutputError(f"{output} 已存在；要覆盖请加 --force")
    config = _config(env, index_dir)
    with Library(config.index_dir) as library:
        editions = editions_of(library, title)
        before, after = pick(editions, old), pick(editions, new)
        if before.id == after.id:
            raise UsageError(f"“{old}”和“{new}”是同一个版本（{before.label}）")
        diff = compare(library.regulation(before.id), library.regulation(after.id), before.label, after.label)
    if output is not None:
        writer = write_docx if output.suffix.lower() == ".docx" else write_xlsx
        writer(diff, output, include_unchanged=True, overwrite=force)
        click.echo(f"已写入 {output}（{diff.summary()}）")
        return
    if as_json:
        emit_json(diff.to_dict())
        return
    click.echo(f"《{diff.title}》{diff.old_edition} → {diff.new_edition}：{diff.summary()}")
    rows = []
    for row in diff.rows:
        if row.change == Change.UNCHANGED and not show_all:
            continue
        text = (row.new or row.old).text.replace("\n", " ") if (row.new or row.old) else ""
        rows.append(
            [
                row.change.label,
                row.old.label if row.old else "—",
                row.new.label if row.new else "—",
                text[:40] + ("…" if len(text) > 40 else ""),
            ]
        )
    if rows:
        click.echo(format_table(["变化", diff.old_edition, diff.new_edition, "条文"], rows))
