"""[ledger] approval = true: the 文号 is taken only once a document is approved. ``jiancha render``
writes a draft under a 草稿号 (no number consumed), ``ledger review``/``approve`` take the 草稿号,
and the rerun of the same render numbers the document; its 审核/审批 follow the 文号."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiancha_docs.ledger import Ledger

from .helpers import run_jiancha
from .test_closed_loop_documents import CONFIG, FIXTURES

TODAY = "2025-02-03"


def jiancha(cwd: Path, *args: str):
    return run_jiancha(cwd, *args, today=TODAY)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    (tmp_path / "jiancha.toml").write_text(CONFIG + "approval = true\n", encoding="utf-8")
    text = (
        (FIXTURES / "recommendation.yaml")
        .read_text(encoding="utf-8")
        .replace("文号: 某纪监建〔2024〕3号\n", "")
    )
    (tmp_path / "建议书.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _render(root: Path):
    return jiancha(root, "render", "建议书", "建议书.yaml", "-o", "out")


def test_numbered_only_after_approval(office: Path) -> None:
    first = _render(office)
    assert first.returncode == 0, first.stderr
    handle = re.search(r"待审批：草稿号 (草稿-[0-9a-f]{8})，未取文号", first.stderr)
    assert handle, first.stderr
    handle = handle.group(1)
    assert sorted(p.name for p in (office / "out").glob("*.docx")) == ["草稿_某某市R&D中心党委.docx"]
    db = office / ".jiancha" / "ledger.sqlite3"
    with Ledger(db) as ledger:
        assert ledger.entries() == []  # no 文号 taken for a draft
    again = _render(office)  # a rerun keeps the same draft and the same 草稿号; nothing overwritten
    assert again.returncode == 0 and handle in again.stderr
    assert len(list((office / "out").glob("*.docx"))) == 1

    early = jiancha(office, "ledger", "approve", handle, "--by", "李某")
    assert early.returncode == 1
    assert early.stderr.startswith(f"错误：草稿号“{handle}”尚未登记审核，不能先审批")
    reviewed = jiancha(
        office, "ledger", "review", handle, "--by", "张某", "--opinion", "同意", "--date", "2025-01-20"
    )
    assert (
        reviewed.returncode == 0
        and reviewed.stdout == f"草稿号“{handle}”已登记审核：张某（2025年1月20日），同意。\n"
    )
    approved = jiancha(office, "ledger", "approve", handle, "--by", "李某", "--opinion", "同意印发")
    assert approved.returncode == 0 and "再次运行同一 jiancha render 命令即取得文号" in approved.stdout
    twice = jiancha(office, "ledger", "approve", handle, "--by", "李某")
    assert twice.returncode == 1 and twice.stderr.startswith(f"错误：草稿号“{handle}”已登记过审批")

    numbered = _render(office)
    assert numbered.returncode == 0, numbered.stderr
    assert "待审批" not in numbered.stderr
    number = "某纪监建〔2024〕1号"
    assert (office / "out" / f"{number}_某某市R&D中心党委.docx").exists()
    with Ledger(db) as ledger:
        assert [e.doc_number for e in ledger.entries()] == [number]
        steps = [(a.step.label, a.person, a.opinion) for a in ledger.approvals(number)]
    assert steps == [("审核", "张某", "同意"), ("审批", "李某", "同意印发")]
    # One document, one number: a further rerun reuses it; the 草稿号 takes no more steps.
    assert _render(office).returncode == 0
    with Ledger(db) as ledger:
        assert [e.doc_number for e in ledger.entries()] == [number]
    late = jiancha(office, "ledger", "review", handle, "--by", "张某")
    assert late.returncode == 1
    assert late.stderr.startswith(f"错误：草稿号“{handle}”已取得文号“{number}”，不能再登记审核")
    assert jiancha(office, "ledger", "approve", number, "--by", "李某").returncode == 1  # 已登记过审批
    assert jiancha(office, "ledger", "mark", number, "已送达", "--date", "2025-01-25").returncode == 0


def test_unknown_draft_handle(office: Path) -> None:
    assert _render(office).returncode == 0
    result = jiancha(office, "ledger", "review", "草稿-00000000", "--by", "张某")
    assert result.returncode == 1 and result.stderr.startswith("错误：台账中没有草稿号“草稿-00000000”")
