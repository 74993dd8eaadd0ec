"""The sample guides never pollute an office's library; the learned ranking and its data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.search import search
from jiancha_docs.rules.sources import RulesConfig, discover_sources, standard_regulations_dir

from .test_rules_support import FIXTURES, build


def _samples() -> set[str]:
    return {p.resolve().as_posix() for p in standard_regulations_dir().glob("*.md")}


def test_samples_are_indexed_only_while_the_office_has_no_regulations(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    config = RulesConfig(workspace=workspace, index_dir=workspace / "index")
    build(config)
    with Library(config.index_dir) as library:
        assert library.entries and all(e.source.startswith("示例/") for e in library.entries)
        assert search(library, "函询 回复 期限").hits[0].title.endswith("（示例）")
    regs = workspace / "regulations"
    regs.mkdir()
    for path in sorted(FIXTURES.glob("*.md")):
        shutil.copy(path, regs / path.name)
    report = build(config)
    assert len(report.removed) == len(_samples())
    with Library(config.index_dir) as library:
        assert library.entries and not any(e.source.startswith("示例/") for e in library.entries)
        for query in ("函询 回复 期限", "谈话函询 工作指引", "澄清 正名", "监察建议书"):
            hits = search(library, query).hits
            assert not any(library.by_id[h.reg_id].source.startswith("示例/") for h in hits), query


def test_samples_beside_own_regulations_only_when_asked(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "regulations").mkdir(parents=True)
    shutil.copy(sorted(FIXTURES.glob("*.md"))[0], workspace / "regulations")
    keys = {s.key for s in discover_sources(RulesConfig(workspace=workspace, index_dir=tmp_path / "i"))}
    assert not keys & _samples()
    asked = RulesConfig(workspace=workspace, index_dir=tmp_path / "i", samples_always=True)
    assert _samples() <= {s.key for s in discover_sources(asked)}
    never = RulesConfig(workspace=tmp_path / "empty", index_dir=tmp_path / "i", samples=False)
    assert discover_sources(never) == []


def test_rules_index_samples_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "ws"
    (workspace / "regulations").mkdir(parents=True)
    shutil.copy(sorted(FIXTURES.glob("*.md"))[0], workspace / "regulations")
    runner = CliRunner()
    index = workspace / "index"
    monkeypatch.chdir(workspace)
    plain = runner.invoke(cli, ["rules", "index", "--index", str(index)])
    assert plain.exit_code == 0, plain.output
    assert "1 部法规" in plain.output
    asked = runner.invoke(cli, ["rules", "index", "--samples", "--index", str(index)])
    assert asked.exit_code == 0, asked.output
    assert f"{1 + len(_samples())} 部法规" in asked.output
