"""The closed-loop commands that make documents: 督办函 for what is overdue (draft, numbered, never
twice for one overdue period), 回访记录 from the items, 立卷归档 (refused for a missing or altered
document), 评查抽查 (reproducible, with its checklist)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from jiancha_docs.ledger import DocumentMeta, Ledger

from .closed_loop_year import TODAY, Plan, build_year
from .helpers import docx_text, run_jiancha

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG = """
[numbering]
recommendation = { "纪律检查建议" = "某纪建", "监察建议" = "某监建", "纪检监察建议" = "某纪监建" }
"督办函" = "某纪督"
"回访记录" = "某纪访"

[defaults]
"发文机关" = "中共某某市纪律检查委员会 某某市监察委员会"

[ledger]
fonds = "J012"
archive_unit = "中共某某市纪律检查委员会"
archive_code = "JJ"
"""


def jiancha(cwd: Path, *args: str, today: str = "2025-02-03"):
    return run_jiancha(cwd, *args, today=today)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one 建议书 rendered (某纪监建〔2024〕1号, due 2024-12-31, two items)."""
    root = tmp_path_factory.mktemp("ws")
    (root / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    text = (
        (FIXTURES / "recommendation.yaml")
        .read_text(encoding="utf-8")
        .replace("文号: 某纪监建〔2024〕3号\n", "")
    )
    (root / "建议书.yaml").write_text(text, encoding="utf-8")
    result = jiancha(root, "render", "建议书", "建议书.yaml", "-o", "out")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def workspace(rendered: Path, tmp_path: Path) -> Path:
    shutil.copytree(rendered, tmp_path / "ws")
    root = tmp_path / "ws"
    with Ledger(root / ".jiancha" / "ledger.sqlite3") as ledger:  # the copy's files are the copies
        for entry in ledger.entries():
            moved = str(root / Path(entry.output_file).relative_to(rendered))
            ledger.connection.execute(
                "UPDATE documents SET output_file = ? WHERE doc_number = ?", (moved, entry.doc_number)
            )
    return root


NUMBER = "某纪监建〔2024〕1号"


def test_supervise_drafts_numbers_and_never_twice(workspace: Path) -> None:
    draft = jiancha(workspace, "ledger", "supervise", "-o", "督办", "--draft")
    assert draft.returncode == 0, draft.stderr
    assert "已起草督办函草稿 1 份（逾期文书 1 份，其中 0 份已有督办函）" in draft.stderr
    assert (workspace / "督办" / "草稿_某某市R&D中心党委.docx").is_file()
    with Ledger(workspace / ".jiancha" / "ledger.sqlite3") as ledger:
        assert ledger.followups(NUMBER) == []  # a draft takes no number
    made = jiancha(workspace, "ledger", "supervise", "-o", "督办")
    assert made.returncode == 0, made.stderr
    letter = workspace / "督办" / "某纪督〔2025〕1号_某某市R&D中心党委.docx"
    text = "\n".join(docx_text(letter))
    assert NUMBER in text and "2024年12月1日" in text and "2024年12月31日" in text
    assert "截至2025年2月3日已逾期34天，台账中尚无送达记录" in text
    again = jiancha(workspace, "ledger", "supervise", "-o", "督办", today="2025-02-10")
    assert again.returncode == 0
    assert again.stderr.splitlines() == [
        f"跳过：{NUMBER} 本次逾期已有督办函 某纪督〔2025〕1号（已印发）。",
        "没有需要新起草督办函的逾期文书。",
    ]
    shown = json.loads(jiancha(workspace, "ledger", "show", NUMBER, "--json").stdout)
    assert [f["doc_number"] for f in shown["followups"]] == ["某纪督〔2025〕1号"]
    # delivered late: a new deadline is a new overdue period, and a new 督办函
    assert (
        jiancha(
            workspace, "ledger", "mark", NUMBER, "已送达", "--date", "2025-02-04", today="2025-02-04"
        ).returncode
        == 0
    )
    later = jiancha(workspace, "ledger", "supervise", "-o", "督办", today="2025-03-20")
    assert later.returncode == 0, later.stderr
    assert "已起草督办函 1 份" in later.stderr and "仍未书面反馈" in "\n".join(
        docx_text(workspace / "督办" / "某纪督〔2025〕2号_某某市R&D中心党委.docx")
    )


def test_supervise_errors(workspace: Path) -> None:
    (workspace / "jiancha.toml").write_text(CONFIG.replace('"督办函" = "某纪督"\n', ""), encoding="utf-8")
    result = jiancha(workspace, "ledger", "supervise", "-o", "督办")
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[0]
        == "错误：jiancha.toml 的 [numbering] 没有为「督办函」设置机关代字，督办函无法编号登记"
    )
    assert not (workspace / "督办").exists()
    (workspace / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    none = jiancha(workspace, "ledger", "supervise", "-o", "督办", today="2024-12-15")
    assert none.returncode == 0 and none.stderr == "台账中没有逾期的文书。\n"
    (workspace / "督办").mkdir()
    (workspace / "督办" / "督办函记录_2025-02-03.json").write_text("[]", encoding="utf-8")
    foreign = jiancha(workspace, "ledger", "supervise", "-o", "督办")
    assert foreign.returncode == 1 and "已存在，未覆盖（它不是 jiancha 导出的）" in foreign.stderr


def test_visit_record_from_the_items(workspace: Path) -> None:
    none = jiancha(workspace, "ledger", "visit", NUMBER, "-o", "回访")
    assert none.returncode == 2 and "--visitors" in none.stderr
    assert (
        jiancha(
            workspace,
            "ledger",
            "task",
            "done",
            NUMBER,
            "1",
            "--evidence",
            "已印发复核办法",
            "--date",
            "2025-01-20",
        ).returncode
        == 0
    )
    result = jiancha(
        workspace, "ledger", "visit", NUMBER, "-o", "回访", "--visitors", "市纪委监委第二监督检查室赵某某"
    )
    assert result.returncode == 0, result.stderr
    assert "已生成回访记录（需继续督办）" in result.stderr
    text = "\n".join(docx_text(workspace / "回访" / "某纪访〔2025〕1号_某某市R&D中心党委.docx"))
    assert "已印发复核办法" in text and "完善采购比价制度" in text and "需继续督办" in text
    assert (
        jiancha(workspace, "ledger", "task", "done", NUMBER, "2", "--evidence", "已修订采购制度").returncode
        == 0
    )
    done = jiancha(workspace, "ledger", "visit", NUMBER, "-o", "回访2", "--visitors", "赵某某")
    assert done.returncode == 0 and "已生成回访记录（整改到位）" in done.stderr
    missing = jiancha(
        workspace, "ledger", "visit", "某纪监建〔2024〕9号", "-o", "回访", "--visitors", "赵某某"
    )
    assert missing.returncode == 1 and missing.stderr.startswith("错误：台账中没有文号“某纪监建〔2024〕9号”")


# -- 立卷归档 ------------------------------------------------------------------------------------------
def _pdf(path: Path, pages: int) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    document.save(path)
    document.close()


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """Three 2025 建议书 (one with a 督办函, one still awaiting its reply) with their files and PDFs."""
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    db = tmp_path / ".jiancha" / "ledger.sqlite3"
    docs = tmp_path / "out"
    docs.mkdir()
    with Ledger(db) as ledger:
        for index, (pages, replied) in enumerate([(3, True), (2, True), (4, False)], start=1):
            meta = DocumentMeta(
                kind="recommendation",
                recipient=f"某某市第{index}局",
                subject=f"监察建议{index}",
                doc_date=dt.date(2025, 3, index),
                reply_deadline=dt.date(2025, 4, index),
            )
            number = ledger.allocate("某监建", 2025, meta)
            _write(ledger, number, docs / f"{index}.docx", pages)
            ledger.mark(number, "已送达", dt.date(2025, 3, 10), today=TODAY)
            if replied:
                ledger.mark(number, "已反馈", dt.date(2025, 3, 30), today=TODAY)
        meta = DocumentMeta(
            kind="urging_letter",
            recipient="某某市第1局",
            subject="督办",
            doc_date=dt.date(2025, 3, 20),
            related_number="某监建〔2025〕1号",
        )
        _write(ledger, ledger.allocate("某纪督", 2025, meta), docs / "督办.docx", 1)
    return tmp_path


def _write(ledger: Ledger, number: str, path: Path, pages: int) -> None:
    path.write_bytes(f"document {number}".encode())
    _pdf(path.with_suffix(".pdf"), pages)
    ledger.issue(number, hashlib.sha256(path.read_bytes()).hexdigest(), str(path))


def test_archive_volumes_contents_and_transfer(office: Path) -> None:
    from openpyxl import load_workbook

    result = jiancha(office, "ledger", "archive", "--year", "2025", "-o", "归档", today="2026-04-10")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "已立卷 2 卷，3 件，6 页，归档材料在 归档（移交目录一式两份：移交目录.docx）。\n"
    assert result.stderr == "提示：1 组文书尚未反馈，本次未立卷：某监建〔2025〕3号\n"
    first = office / "归档" / "卷001_某监建〔2025〕1号"
    assert sorted(p.name for p in first.iterdir()) == [
        "01_某监建〔2025〕1号.pdf",
        "02_某纪督〔2025〕1号.pdf",
        "卷内目录.docx",
        "卷内目录.xlsx",
        "备考表.docx",
        "封皮.docx",
    ]
    sheet = load_workbook(first / "卷内目录.xlsx").active
    assert [c.value for c in sheet[4]] == ["顺序号", "文号", "责任者", "题名", "日期", "页数", "备注"]
    row = [c.value for c in sheet[5]]
    assert row[4].date() == dt.date(2025, 3, 1) and sheet["E5"].number_format == "yyyy年m月d日"
    assert row[:4] + row[5:] == [
        1,
        "某监建〔2025〕1号",
        "中共某某市纪律检查委员会",
        "监察建议1",
        3,
        "纪检监察建议书",
    ]
    assert [c.value for c in sheet[6]][:2] == [2, "某纪督〔2025〕1号"] and sheet["F6"].value == 1
    assert sheet["A1"].value == "卷内目录　档号：J012-WS·2025-C-JJ-001"  # 长期: a 建议书 group
    cover = "\n".join(docx_text(first / "封皮.docx"))
    assert "J012-WS·2025-C-JJ-001" in cover and "长期" in cover and "2 件，4 页" in cover
    notes = "\n".join(docx_text(first / "备考表.docx"))
    assert "本卷共有文件 2 件，4 页。" in notes and "附件二" in notes
    transfer = docx_text(office / "归档" / "移交目录.docx")
    assert sum("2025年度案件档案移交目录" in line for line in transfer) == 2  # 一式两份
    assert any("第一份：随卷移交档案部门" in line for line in transfer)
    assert any("第二份：立卷部门留存备查" in line for line in transfer)
    assert load_workbook(office / "归档" / "移交目录.xlsx").sheetnames == ["第一份", "第二份"]
    with Ledger(office / ".jiancha" / "ledger.sqlite3") as ledger:
        assert [
            ledger.find(n).status for n in ("某监建〔2025〕1号", "某纪督〔2025〕1号", "某监建〔2025〕3号")
        ] == ["已归档", "已归档", "已送达"]
        assert ledger.archived()["某纪督〔2025〕1号"] == "J012-WS·2025-C-JJ-001-002"
    again = jiancha(office, "ledger", "archive", "--year", "2025", "-o", "归档", today="2026-04-10")
    assert again.returncode == 0, again.stderr  # its own files: refreshed without --force


def test_archive_refuses_a_missing_or_altered_document(office: Path) -> None:
    (office / "out" / "2.docx").write_bytes(b"edited after issue")
    (office / "out" / "督办.docx").unlink()
    result = jiancha(office, "ledger", "archive", "--year", "2025", "-o", "归档", today="2026-04-10")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "错误：有 2 份文书不能归档，未生成任何归档材料：某纪督〔2025〕1号 的文件 督办.docx 不存在；"
        "某监建〔2025〕2号 的文件 2.docx 与台账记录的摘要不符（生成后被改动过）",
        "提示：找回原文件（或用 jiancha render 按原文号重新生成）后再归档",
    ]
    assert not (office / "归档").exists()
    with Ledger(office / ".jiancha" / "ledger.sqlite3") as ledger:
        assert ledger.archived() == {}
    empty = jiancha(office, "ledger", "archive", "--year", "2019", "-o", "归档")
    assert empty.returncode == 1 and empty.stderr.startswith("错误：台账中没有 2019 年成文的文书，无可归档")


# -- 评查抽查 ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return build_year(tmp_path_factory.mktemp("year") / "year.sqlite3")


def test_sample_is_reproducible_with_its_checklist(year: Plan, tmp_path: Path) -> None:
    db = ("ledger", "--db", str(year.db))
    first = jiancha(
        tmp_path,
        *db,
        "sample",
        "--year",
        "2025",
        "-n",
        "10",
        "--seed",
        "7",
        "--json",
        today=TODAY.isoformat(),
    )
    assert first.returncode == 0, first.stderr
    again = jiancha(
        tmp_path,
        *db,
        "sample",
        "--year",
        "2025",
        "-n",
        "10",
        "--seed",
        "7",
        "--json",
        today=TODAY.isoformat(),
    )
    other = jiancha(
        tmp_path,
        *db,
        "sample",
        "--year",
        "2025",
        "-n",
        "10",
        "--seed",
        "8",
        "--json",
        today=TODAY.isoformat(),
    )
    drawn = json.loads(first.stdout)["documents"]
    assert drawn == json.loads(again.stdout)["documents"]
    assert [d["doc_number"] for d in drawn] != [
        d["doc_number"] for d in json.loads(other.stdout)["documents"]
    ]
    assert len(drawn) == 10 and len({d["doc_number"] for d in drawn}) == 10
    plan = {p.number: p for p in year.documents}
    for document in drawn:
        checks = document["checks"]
        assert checks["procedure"] == {"verdict": "fail", "detail": "台账中没有审核、审批记录"}
        assert checks["document"] == {"verdict": "fail", "detail": "文件缺失"}  # the fixture writes no files
        assert checks["archive"] == {"verdict": "fail", "detail": "未归档"}
        planned = plan.get(document["doc_number"])
        if planned is not None and planned.replied:
            on_time = planned.replied <= planned.deadline
            assert checks["time_limit"]["verdict"] == ("pass" if on_time else "fail")
        assert not document["passed"]
    workbook = tmp_path / "抽查.xlsx"
    table = jiancha(
        tmp_path,
        *db,
        "sample",
        "--year",
        "2025",
        "-n",
        "3",
        "--seed",
        "7",
        "-o",
        str(workbook),
        today=TODAY.isoformat(),
    )
    assert table.returncode == 0 and workbook.is_file()
    assert table.stderr == "抽查 3 份（种子 7）：合格 0 份，存在问题 3 份。\n"
    too_many = jiancha(
        tmp_path, *db, "sample", "--year", "2025", "-n", "5000", "--seed", "7", today=TODAY.isoformat()
    )
    assert too_many.returncode == 1 and "不能抽取 5000 份" in too_many.stderr
    no_year = jiancha(tmp_path, *db, "sample", "--year", "2019", "--seed", "7")
    assert no_year.returncode == 1 and no_year.stderr.startswith(
        "错误：台账中没有 2019 年成文的文书，无法抽查"
    )


def test_sample_of_a_rendered_approved_archived_document(workspace: Path) -> None:
    ws = workspace
    assert jiancha(ws, "ledger", "review", NUMBER, "--by", "张某", "--date", "2024-12-01").returncode == 0
    assert jiancha(ws, "ledger", "approve", NUMBER, "--by", "李某", "--date", "2024-12-01").returncode == 0
    assert jiancha(ws, "ledger", "mark", NUMBER, "已送达", "--date", "2024-12-05").returncode == 0
    assert jiancha(ws, "ledger", "mark", NUMBER, "已反馈", "--date", "2024-12-30").returncode == 0
    docx = next((ws / "out").glob("*.docx"))
    _pdf(docx.with_suffix(".pdf"), 2)
    assert jiancha(ws, "ledger", "archive", "--year", "2024", "-o", "归档").returncode == 0
    result = jiancha(ws, "ledger", "sample", "--year", "2024", "-n", "1", "--seed", "1", "--json")
    checks = json.loads(result.stdout)["documents"][0]["checks"]
    assert checks["procedure"]["verdict"] == "pass"
    assert checks["time_limit"] == {"verdict": "pass", "detail": "按期反馈"}
    assert checks["document"] == {"verdict": "pass", "detail": "GB/T 9704 检查通过"}
    assert checks["archive"] == {"verdict": "pass", "detail": "已归档，档号 J012-WS·2024-C-JJ-001-001"}
