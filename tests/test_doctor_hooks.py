"""jiancha doctor's lines for the rules index, through the rules package's own hook."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from jiancha_docs.rules import doctor_fact

from .test_rules_support import build, make_workspace


def test_doctor_reports_what_the_index_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_workspace(tmp_path)
    build(config)
    monkeypatch.setenv("JIANCHA_RULES_INDEX", str(config.index_dir))
    status, detail = doctor_fact(SimpleNamespace(path=None))
    assert status == "ok"
    assert detail == f"{config.index_dir}：法规 3 部、条文 13 条"


def test_doctor_says_how_to_build_a_missing_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANCHA_RULES_INDEX", str(tmp_path / "none"))
    status, detail = doctor_fact(SimpleNamespace(path=None))
    assert status == "warn"
    assert detail == f"尚未建立（{tmp_path / 'none'}）；运行 jiancha rules index 编入示例工作指引和本单位法规"
