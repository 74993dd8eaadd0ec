"""`jiancha init` makes a workspace the rest of jiancha finds; `jiancha doctor` says which one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from jiancha_docs.cli import main
from jiancha_docs.config import CONFIG, LedgerLocation, load_settings
from jiancha_docs.errors import UsageError
from jiancha_docs.printing import doctor
from jiancha_docs.workspace import config_text, create_workspace

ORGANS = ["--discipline-organ", "中共某某市纪律检查委员会", "--supervision-organ", "某某市监察委员会"]


@pytest.fixture(autouse=True)
def no_named_files(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JIANCHA_CONFIG", "JIANCHA_DB"):
        monkeypatch.delenv(name, raising=False)


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)
@click.pass_context
def jiancha(ctx: click.Context) -> None:
    """The real entry point, errors translated as for a user, run in-process by CliRunner."""
    main(ctx.args)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(jiancha, list(args), input=input)


def init(*args: str, input: str | None = None):
    return run("init", *args, input=input)


def test_init_writes_a_config_that_reads_back_and_an_empty_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = init(*ORGANS, "--code", "以案促改通知书=某纪改", "--code", "recommendation=某纪建")
    assert result.exit_code == 0, result.output
    assert result.stdout == "已写入 jiancha.toml，台账：.jiancha/ledger.sqlite3。\n"
    ledger = tmp_path / ".jiancha" / "ledger.sqlite3"
    with sqlite3.connect(ledger) as connection:
        assert connection.execute("SELECT count(*) FROM documents").fetchone() == (0,)
    (tmp_path / "案件").mkdir()
    settings = load_settings(cwd=tmp_path / "案件")
    assert settings.path == tmp_path / "jiancha.toml"
    assert settings.defaults == {"纪委名称": "中共某某市纪律检查委员会", "监委名称": "某某市监察委员会"}
    assert settings.numbering == {"以案促改通知书": "某纪改", "纪检监察建议书": "某纪建"}
    # the file names the ledger: once made, it is never silently made again
    assert settings.ledger_location() == LedgerLocation(ledger, CONFIG, may_create=False)
    assert "# 中文键名要加引号" in (tmp_path / "jiancha.toml").read_text(encoding="utf-8")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    config = tmp_path / "jiancha.toml"
    config.write_text("# 本单位的\n", encoding="utf-8")
    result = init("--dir", str(tmp_path), *ORGANS)
    assert result.exit_code == 1
    assert result.stderr == f"错误：文件“{config}”已存在，未覆盖；如需覆盖请加 --force\n"
    assert config.read_text(encoding="utf-8") == "# 本单位的\n"
    assert not (tmp_path / ".jiancha").exists()
    assert init("--dir", str(tmp_path), *ORGANS, "--force").exit_code == 0
    assert load_settings(config).defaults["监委名称"] == "某某市监察委员会"


def test_init_inside_a_workspace_is_refused_unless_nested(tmp_path: Path) -> None:
    assert init("--dir", str(tmp_path), *ORGANS).exit_code == 0
    inner = tmp_path / "派驻" / "第一组"
    refused = init("--dir", str(inner), *ORGANS)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[0] == (
        f"错误：上级文件夹已是工作区（{tmp_path / 'jiancha.toml'}）；在这里另建工作区会另起一本台账，文号从 1 号重新编起"
    )
    assert not (inner / "jiancha.toml").exists()
    result = init("--dir", str(inner), *ORGANS, "--nested")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"注意：上级文件夹已有配置文件 {tmp_path / 'jiancha.toml'}；在 {inner} 及其子文件夹中将改用新的 jiancha.toml。"
    )
    assert load_settings(cwd=inner).path == inner / "jiancha.toml"


def test_init_checks_codes_and_names(tmp_path: Path) -> None:
    result = init("--dir", str(tmp_path), *ORGANS, "--code", "澄清说明=某纪[函")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "错误：「澄清说明」的机关代字“某纪[函”中不能有括号“[”（年份的六角括号由编号自动加上）\n"
    )
    result = init("--dir", str(tmp_path), *ORGANS, "--code", "某纪函")
    assert result.exit_code == 2
    assert result.stderr == "错误：--code 的值“某纪函”应为“文书类型=机关代字”，例如 以案促改通知书=某纪改\n"
    assert init("--dir", str(tmp_path), *ORGANS, "--code", "通知=某纪").exit_code == 2
    assert not (tmp_path / "jiancha.toml").exists()


def test_init_without_names_off_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    result = init("--dir", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：缺少纪委名称：请用 --discipline-organ 给出，例如 --discipline-organ 中共某某市纪律检查委员会\n"
    )


def test_init_asks_at_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jiancha_docs.cli.workspace as command

    monkeypatch.setattr(command, "at_terminal", lambda: True)
    result = init("--dir", str(tmp_path), input="中共甲县纪律检查委员会\n甲县监察委员会\n")
    assert result.exit_code == 0, result.output
    assert "纪委名称（例如“中共某某市纪律检查委员会”）" in result.stdout
    assert load_settings(tmp_path / "jiancha.toml").defaults["监委名称"] == "甲县监察委员会"


def test_config_text_escapes_what_toml_needs() -> None:
    import tomllib

    text = config_text('某"市"纪委\\', "某监委", {"澄清说明": "某纪函"})
    data = tomllib.loads(text)
    assert data["defaults"]["纪委名称"] == '某"市"纪委\\'
    assert data["ledger"] == {"db": ".jiancha/ledger.sqlite3"}
    with pytest.raises(UsageError):
        create_workspace(Path("不会建立"), " ", "某监委")


# -- doctor ------------------------------------------------------------------------------------
def doctor_facts() -> dict[str, tuple[str, str]]:
    result = run("doctor", "--json")
    return {fact["item"]: (fact["status"], fact["detail"]) for fact in json.loads(result.stdout)}


def test_doctor_names_the_config_and_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_config, doctor.check_ledger])
    monkeypatch.setattr("jiancha_docs.ledger.doctor_fact", None, raising=False)  # the plain line
    assert init("--dir", str(tmp_path), *ORGANS).exit_code == 0
    (tmp_path / "案件").mkdir()
    monkeypatch.chdir(tmp_path / "案件")
    ledger = tmp_path / ".jiancha" / "ledger.sqlite3"
    facts = doctor_facts()
    assert facts["配置文件"] == ("ok", f"{tmp_path / 'jiancha.toml'}（在当前或上级文件夹中找到）")
    assert facts["台账位置"] == ("ok", f"{ledger}（配置文件）")
    assert facts["文号台账"][0] == "ok"
    ledger.unlink()
    facts = doctor_facts()
    assert facts["文号台账"] == (
        "warn",
        f"{ledger} 不存在；配置文件指定了这个台账，不会自动新建。请检查 [ledger] db，或用 jiancha ledger backup 的备份恢复",
    )
    monkeypatch.setenv("JIANCHA_DB", "别处.sqlite3")
    facts = doctor_facts()
    assert facts["台账位置"] == ("ok", "别处.sqlite3（环境变量 JIANCHA_DB）")


def test_doctor_without_a_config_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_config])
    monkeypatch.chdir(tmp_path)
    result = run("doctor", "--json")
    facts = json.loads(result.stdout)
    searched = "、".join(str(p) for p in (tmp_path, *tmp_path.parents))
    assert facts == [
        {"item": "配置文件", "status": "ok", "detail": f"未找到配置文件，使用默认设置（查找过：{searched}）"},
        {"item": "台账位置", "status": "ok", "detail": ".jiancha/ledger.sqlite3（默认位置）"},
    ]


def test_doctor_reports_a_config_error_as_a_fact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_config])
    (tmp_path / "jiancha.toml").write_text("[numbring]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("doctor", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "item": "配置文件",
            "status": "fail",
            "detail": f"配置文件 {tmp_path / 'jiancha.toml'} 有未知的表 [numbring]，是否应为 [numbering]？",
        }
    ]


def test_reinit_where_the_ledger_has_gone_is_refused_and_keeps_the_codes(tmp_path: Path) -> None:
    assert init("--dir", str(tmp_path), *ORGANS, "--code", "以案促改通知书=青纪改").exit_code == 0
    ledger = tmp_path / ".jiancha" / "ledger.sqlite3"
    ledger.unlink()
    refused = init("--dir", str(tmp_path), *ORGANS, "--force")
    assert refused.exit_code == 2
    assert "重新初始化会新建空台账，文号从 1 号重新编起" in refused.stderr
    assert not ledger.exists()
    assert init("--dir", str(tmp_path), *ORGANS, "--force", "--new-ledger").exit_code == 0
    assert load_settings(cwd=tmp_path).numbering == {"以案促改通知书": "青纪改"}  # kept without --code
