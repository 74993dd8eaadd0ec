"""`jiancha doctor`: a list of checks, each a fact; optional hooks of the rules index and ledger."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.config import Settings
from jiancha_docs.errors import JianchaError
from jiancha_docs.printing import doctor
from jiancha_docs.printing.doctor import FAIL, OK, WARN, Fact, diagnose


def test_every_check_gives_facts_in_order() -> None:
    facts = diagnose(Settings())
    labels = [f.label for f in facts]
    for expected in ("Python", "配置文件", "文书模板", "LibreOffice", "法规索引", "文号台账"):
        assert expected in labels
    assert labels.index("Python") < labels.index("LibreOffice") < labels.index("文号台账")
    assert all(f.status in (OK, WARN, FAIL) and f.detail for f in facts)
    assert next(f for f in facts if f.label == "文书模板").status == OK


def test_a_check_is_a_function_and_its_errors_become_facts() -> None:
    def check_custom(ctx):
        return [Fact("自定义", OK, "一切正常")]

    def check_broken(ctx):
        raise JianchaError("读不到")

    facts = diagnose(Settings(), checks=[check_custom, check_broken])
    assert facts == [Fact("自定义", OK, "一切正常"), Fact("broken", FAIL, "读不到")]


def test_hooks_of_the_rules_index_and_the_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = types.ModuleType("jiancha_docs.rules")
    rules.doctor_fact = lambda settings: ("ok", "法规 3 部、条文 120 条")
    monkeypatch.setitem(sys.modules, "jiancha_docs.rules", rules)
    ledger = types.ModuleType("jiancha_docs.ledger")

    def broken(settings):
        raise RuntimeError("磁盘已满")

    ledger.doctor_fact = broken
    monkeypatch.setitem(sys.modules, "jiancha_docs.ledger", ledger)
    facts = diagnose(Settings(), checks=[doctor.check_rules, doctor.check_ledger])
    assert facts == [
        Fact("法规索引", OK, "法规 3 部、条文 120 条"),
        Fact("文号台账", FAIL, "检查出错：RuntimeError: 磁盘已满"),
    ]


def test_without_hooks_plain_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "jiancha_docs.rules", types.ModuleType("jiancha_docs.rules"))
    monkeypatch.setitem(sys.modules, "jiancha_docs.ledger", types.ModuleType("jiancha_docs.ledger"))
    monkeypatch.setenv("JIANCHA_DB", str(tmp_path / "台账.sqlite3"))
    facts = diagnose(Settings(), checks=[doctor.check_rules, doctor.check_ledger])
    assert facts[0] == Fact("法规索引", WARN, "未配置")
    assert facts[1] == Fact("文号台账", OK, f"尚未建立，首次分配文号时创建于 {tmp_path / '台账.sqlite3'}")


def test_a_broken_config_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_config])
    bad = tmp_path / "jiancha.toml"
    bad.write_text("[defaults\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bad), "doctor"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2].startswith(f"配置文件  错误  配置文件 {bad} 格式有误")


def test_doctor_command_table_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        doctor, "CHECKS", [lambda ctx: [Fact("Python", OK, "3.11"), Fact("LibreOffice", WARN, "未安装")]]
    )
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0
    assert result.stdout == (
        "项目         状态  说明\n"
        "-----------  ----  --------------------\n"
        "Python       正常  3.11\n"
        "LibreOffice  注意  未安装\n"
    )
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert json.loads(result.stdout)[1] == {"item": "LibreOffice", "status": "warn", "detail": "未安装"}
