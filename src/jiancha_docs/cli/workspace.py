"""Workspace command: ``jiancha init``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UsageError
from .app import cli

EXAMPLES = {"纪委名称": "中共某某市纪律检查委员会", "监委名称": "某某市监察委员会"}


def at_terminal() -> bool:
    return sys.stdin.isatty()


def _organ(value: str | None, label: str, option: str) -> str:
    """The option's value; asked for at a terminal, a usage error elsewhere."""
    if value:
        return value
    if not at_terminal():
        raise UsageError(f"缺少{label}：请用 {option} 给出，例如 {option} {EXAMPLES[label]}")
    return click.prompt(f"{label}（例如“{EXAMPLES[label]}”）", type=str).strip()


def _codes(pairs: tuple[str, ...]) -> dict[str, str]:
    """``KIND=代字`` pairs as {Chinese name of the kind: 代字}."""
    from ..kinds import find_kind

    codes: dict[str, str] = {}
    for pair in pairs:
        kind, sep, code = pair.partition("=")
        if not sep or not kind.strip():
            raise UsageError(f"--code 的值“{pair}”应为“文书类型=机关代字”，例如 以案促改通知书=某纪改")
        codes[find_kind(kind).name] = code.strip()
    return codes


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="在哪个文件夹建立工作区，默认为当前文件夹。",
)
@click.option("--discipline-organ", metavar="纪委名称", help="纪委名称，如“中共某某市纪律检查委员会”。")
@click.option("--supervision-organ", metavar="监委名称", help="监委名称，如“某某市监察委员会”。")
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="类型=代字",
    help="某类文书的机关代字，用于自动编号，可多次给出，如 --code 以案促改通知书=某纪改。",
)
@click.option(
    "--force", is_flag=True, help="覆盖已有的 jiancha.toml（台账保留不动，未给出的机关代字沿用原文件）。"
)
@click.option("--nested", is_flag=True, help="在另一个工作区的子文件夹中另建独立的工作区（另一本台账）。")
@click.option("--new-ledger", is_flag=True, help="原台账已丢失且无法恢复时，确认新建空台账。")
def init(
    folder: Path,
    discipline_organ: str | None,
    supervision_organ: str | None,
    codes: tuple[str, ...],
    force: bool,
    nested: bool,
    new_ledger: bool,
) -> None:
    """在当前文件夹（或 --dir）建立工作区：写入 jiancha.toml，并新建空的文号台账。

    之后在该文件夹及其子文件夹中运行 jiancha，都使用这份配置和台账。未给出机关名称时在终端中逐项询问。

    \b
    例如：
      jiancha init --discipline-organ 中共某某市纪律检查委员会 \\
                   --supervision-organ 某某市监察委员会 --code 以案促改通知书=某纪改
    """
    from ..workspace import create_workspace

    discipline = _organ(discipline_organ, "纪委名称", "--discipline-organ")
    supervision = _organ(supervision_organ, "监委名称", "--supervision-organ")
    made = create_workspace(
        folder, discipline, supervision, _codes(codes), force=force, nested=nested, new_ledger=new_ledger
    )
    if made.enclosing is not None:
        click.echo(
            f"注意：上级文件夹已有配置文件 {made.enclosing}；在 {folder} 及其子文件夹中将改用新的 jiancha.toml。",
            err=True,
        )
    click.echo(f"已写入 {made.config}，台账：{made.ledger}。")
    first = next(iter(_codes(codes)), "以案促改通知书")
    click.echo(f"下一步：jiancha new {first} 生成输入表格，填好后用 jiancha render 生成文书。", err=True)
