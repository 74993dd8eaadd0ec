"""Every ``--help`` is Chinese — click's own words, metavars and ranges included — and every
command shows at least one example."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli, main

ALLOWED_CAPITALS = {
    "CPU",
    "YAML",
    "JSON",
    "CSV",
    "PDF",
    "XLSX",
    "DOCX",
    "UTF",
    "AND",
    "NOT",
    "OR",
    "GB",
    "SQLITE",
    "LTS",
}


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found.extend(commands(command, (*path, name)))
        else:
            found.append((*path, name))
    return found


ALL = commands()


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_walked() -> None:
    assert ("render",) in ALL and ("ledger", "mark") in ALL and ("rules", "import") in ALL and () in ALL


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "jiancha")
def test_every_command_has_an_example(path: tuple[str, ...]) -> None:
    text = help_text(path)
    assert "示例：" in text, f"jiancha {' '.join(path)} --help has no example (add one in cli/examples.py)"
    example = text.split("示例：", 1)[1].strip().splitlines()[0]
    assert example.startswith(("jiancha", " jiancha")), example
    assert example.split()[: len(path) + 1] == ["jiancha", *path], "the example runs this very command"


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "jiancha")
def test_help_is_chinese_throughout(path: tuple[str, ...]) -> None:
    text = help_text(path)
    for english in (
        "Usage",
        "Options",
        "Commands",
        "[OPTIONS]",
        "COMMAND",
        "[ARGS]",
        "RANGE",
        "x>=",
        "Show this",
    ):
        assert english not in text, f"{english!r} in jiancha {' '.join(path)} --help"
    capitals = set(re.findall(r"\b[A-Z][A-Z_]{2,}\b", text)) - ALLOWED_CAPITALS
    capitals = {c for c in capitals if not c.startswith("JIANCHA_")}
    assert not capitals, f"untranslated metavars {capitals} in jiancha {' '.join(path)} --help"
    assert "选项：" in text


def test_click_errors_are_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ledger", "mark"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "错误：缺少参数“文号”。"
    assert "用法： jiancha ledger mark [选项] 文号 状态" in err

    with pytest.raises(SystemExit):
        main(["render", "-j", "0", "建议书", "a.csv"])
    assert (
        capsys.readouterr().err.splitlines()[-1]
        == "错误：'-j' / '--jobs' 的值无效：0 超出了允许的范围（至少 1）。"
    )

    with pytest.raises(SystemExit):
        main(["render", "--header-row", "abc", "建议书", "a.csv"])
    assert capsys.readouterr().err.splitlines()[-1] == "错误：'--header-row' 的值无效：'abc' 不是有效的整数。"
