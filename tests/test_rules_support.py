"""Shared helpers for the regulation tests (no tests here): small indexes in tmp_path, the corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

from jiancha_docs.rules.indexer import BuildReport, build_index
from jiancha_docs.rules.sources import RulesConfig

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
REPO = Path(__file__).resolve().parents[1]
# ../shared/corpus beside the repository: real regulation texts, never copied into the repo
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")


def make_workspace(tmp_path: Path, files: list[Path] | None = None) -> RulesConfig:
    """A workspace with ./regulations holding the fixtures (or ``files``), samples excluded."""
    regs = tmp_path / "ws" / "regulations"
    regs.mkdir(parents=True)
    for path in files if files is not None else sorted(FIXTURES.glob("*.md")):
        shutil.copy(path, regs / path.name)
    return RulesConfig(workspace=tmp_path / "ws", index_dir=tmp_path / "ws" / "index", samples=False)


def build(config: RulesConfig, rebuild: bool = False) -> BuildReport:
    report = build_index(config, rebuild=rebuild)
    assert not report.errors, report.errors
    return report
