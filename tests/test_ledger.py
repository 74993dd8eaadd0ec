"""The 文号 register and follow-up ledger: allocation under concurrency, crash consistency,
migrations, follow-up statuses, the Excel export and online backup."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jiancha_docs.errors import TemplateProblem
from jiancha_docs.kinds import find_kind
from jiancha_docs.ledger import SCHEMA_VERSION, DocumentMeta, Ledger, LedgerError
from jiancha_docs.ledger.db import migrate, schema_version
from jiancha_docs.ledger.model import file_digest
from jiancha_docs.render.batch import RenderOptions, render_records

FIXTURES = Path(__file__).parent / "fixtures"
META = DocumentMeta(kind="recommendation", recipient="某局", doc_date=dt.date(2024, 12, 1))


def test_numbers_are_consecutive_per_code_and_year(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        assert [ledger.allocate("某纪建", 2024, META) for _ in range(3)] == [
            "某纪建〔2024〕1号",
            "某纪建〔2024〕2号",
            "某纪建〔2024〕3号",
        ]
        assert ledger.allocate("某纪建", 2025, META) == "某纪建〔2025〕1号"
        assert ledger.allocate("某监建", 2024, META) == "某监建〔2024〕1号"


def test_allocation_skips_numbers_given_by_hand(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.claim("某纪建〔2024〕5号", META)
        assert ledger.allocate("某纪建", 2024, META) == "某纪建〔2024〕6号"


def test_an_explicit_number_already_used_is_refused(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.claim("某纪建〔2024〕5号", META)
        with pytest.raises(LedgerError) as caught:
            ledger.claim("某纪建〔2024〕5号", META)
        assert caught.value.message == (
            "文号“某纪建〔2024〕5号”已在台账中（状态：生成中），不能重复使用；确需重新生成请加 --force-number"
        )
        assert ledger.claim("某纪建〔2024〕5号", META, force=True) is True


ALLOCATE = """
import sys, datetime as dt
from pathlib import Path
from jiancha_docs.ledger import Ledger, DocumentMeta
meta = DocumentMeta(kind="reform_notice", doc_date=dt.date(2024, 1, 1))
with Ledger(Path(sys.argv[1])) as ledger:
    numbers = [ledger.allocate("某纪改", 2024, meta) for _ in range(int(sys.argv[2]))]
print("\\n".join(numbers))
"""


def test_four_processes_allocating_at_once_get_distinct_consecutive_numbers(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    Ledger(db).close()  # create first, so the four start on an existing file
    workers = [
        subprocess.Popen([sys.executable, "-c", ALLOCATE, str(db), "200"], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    numbers = []
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        numbers += out.split()
    assert len(numbers) == 800
    assert sorted(numbers, key=lambda n: int(n[len("某纪改〔2024〕") : -1])) == [
        f"某纪改〔2024〕{n}号" for n in range(1, 801)
    ]


REFORM_HEADERS = [
    "发文机关",
    "主送单位",
    "案件简况",
    "暴露问题",
    "整改任务",
    "整改方案报送日期",
    "整改报告报送日期",
    "成文日期",
    "专题民主生活会时限",
    "会议材料报送日期",
]


def reform_rows(n: int) -> list[list[str]]:
    return [
        [
            "中共某某市纪律检查委员会",
            f"某某市第{i}局党组",
            "给予某某开除党籍处分。",
            "监督乏力",
            "专项整治|局办公室|2025-03-31",
            "2025-01-15",
            "2025-04-30",
            "2024-12-20",
            "2025-01-31",
            "2025-02-10",
        ]
        for i in range(1, n + 1)
    ]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(REFORM_HEADERS)
        writer.writerows(rows)
    return path


def test_a_batch_without_numbers_is_numbered_and_registered(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "a.csv", reform_rows(5))
    db = tmp_path / "l.db"
    options = RenderOptions(outdir=tmp_path / "out", ledger_path=db, numbering={"以案促改通知书": "某纪改"})
    report = render_records(find_kind("reform_notice"), [source], options)
    assert report.written == 5 and report.numbered == 5
    with Ledger(db) as ledger:
        entries = ledger.entries()
        assert [e.doc_number for e in entries] == [f"某纪改〔2024〕{n}号" for n in range(1, 6)]
        first = ledger.find("某纪改〔2024〕1号")
    assert first.status == "已印发"
    assert first.recipient == "某某市第1局党组"
    assert first.subject == "某某市第1局党组以案促改"
    assert first.reply_deadline == dt.date(2025, 4, 30)
    assert (first.source_file, first.source_row) == ("a.csv", 2)
    assert Path(first.output_file).name == "某纪改〔2024〕1号_某某市第1局党组.docx"
    assert file_digest(Path(first.output_file)) == first.sha256
    assert [h.status for h in first.history] == ["生成中", "已印发"]
    # the number is in the document itself
    from .helpers import docx_text

    assert "某纪改〔2024〕1号" in docx_text(Path(first.output_file))


def test_rendering_an_explicit_number_twice_reuses_it_and_a_changed_record_needs_force_number(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.db"
    kind = find_kind("reform_notice")
    source = FIXTURES / "reform_notice.yaml"
    assert render_records(kind, [source], RenderOptions(outdir=tmp_path / "a", ledger_path=db)).written == 1
    again = render_records(kind, [source], RenderOptions(outdir=tmp_path / "b", ledger_path=db))
    assert (again.new, again.reused, again.written, again.failed) == (0, 1, 0, 0)
    assert not list((tmp_path / "b").glob("*.docx"))  # the document is in a/, not made twice
    changed = tmp_path / "changed.yaml"
    text = source.read_text(encoding="utf-8")
    changed.write_text(text.replace("开除公职处分。", "开除公职处分，并移送检察机关。"), encoding="utf-8")
    refused = render_records(kind, [changed], RenderOptions(outdir=tmp_path / "b", ledger_path=db))
    assert [i.describe() for i in refused.issues()] == [
        "changed.yaml 第 1 条记录「文号」：文号“某纪改〔2024〕5号”已在台账中（状态：已印发），不能重复使用；"
        "确需重新生成请加 --force-number"
    ]
    forced = render_records(
        kind, [changed], RenderOptions(outdir=tmp_path / "c", ledger_path=db, force_number=True)
    )
    assert forced.written == 1 and forced.reused == 1
    with Ledger(db) as ledger:
        entry = ledger.find("某纪改〔2024〕5号")
    assert entry.status == "已印发"
    assert Path(entry.output_file).parent.name == "c"
    assert file_digest(Path(entry.output_file)) == entry.sha256
    assert entry.history[-1].note == "已按 --force-number 重新生成文号 某纪改〔2024〕5号 的文书"


def test_a_template_with_an_unknown_variable_costs_no_number(tmp_path: Path) -> None:
    from docx import Document

    broken = tmp_path / "broken.docx"
    document = Document()
    document.add_paragraph("{{ recipient }}{{ no_such_field }}")
    document.save(broken)
    db = tmp_path / "l.db"
    options = RenderOptions(outdir=tmp_path / "out", ledger_path=db, template=broken, code="某纪改")
    with pytest.raises(TemplateProblem) as caught:
        render_records(find_kind("reform_notice"), [write_csv(tmp_path / "a.csv", reform_rows(2))], options)
    assert caught.value.message == (
        "模板 broken.docx 使用了「以案促改通知书」字段表中没有的变量 “no_such_field”，未生成任何文书，也没有占用文号"
    )
    assert not (tmp_path / "out").exists()
    with Ledger(db) as ledger:
        assert ledger.entries() == []
        assert ledger.allocate("某纪改", 2024, META) == "某纪改〔2024〕1号"


def test_a_number_whose_document_fails_is_voided_with_the_reason(tmp_path: Path) -> None:
    from docx import Document

    broken = tmp_path / "broken.docx"
    document = Document()
    # Fails only when rendering: the field exists, the attribute of its value does not.
    document.add_paragraph("{{ recipient }}{{ recipient.no_such_attribute }}")
    document.save(broken)
    db = tmp_path / "l.db"
    options = RenderOptions(outdir=tmp_path / "out", ledger_path=db, template=broken, code="某纪改")
    with pytest.raises(TemplateProblem) as caught:
        render_records(find_kind("reform_notice"), [write_csv(tmp_path / "a.csv", reform_rows(2))], options)
    with Ledger(db) as ledger:
        entry = ledger.find("某纪改〔2024〕1号")
        assert entry.status == "作废"
        assert caught.value.message in entry.void_reason
        # never reused: the next number is 2
        assert ledger.allocate("某纪改", 2024, META) == "某纪改〔2024〕2号"


SLOW_BATCH = """
import sys
from pathlib import Path
from jiancha_docs.kinds import find_kind
from jiancha_docs.render.batch import RenderOptions, render_records
options = RenderOptions(outdir=Path(sys.argv[2]), ledger_path=Path(sys.argv[3]), code="某纪改")
render_records(find_kind("reform_notice"), [Path(sys.argv[1])], options)
"""


def test_killing_a_batch_half_way_leaves_ledger_and_files_in_agreement(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "a.csv", reform_rows(400))
    out, db = tmp_path / "out", tmp_path / "l.db"
    batch = subprocess.Popen([sys.executable, "-c", SLOW_BATCH, str(source), str(out), str(db)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 30:
        time.sleep(0.02)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    written = {p.resolve() for p in out.glob("*.docx")}
    assert 30 <= len(written) < 400, "the kill should land half-way"
    with Ledger(db) as ledger:
        notes = ledger.recover()
        entries = ledger.entries()
    assert all(e.status in ("已印发", "作废") for e in entries), notes
    issued = {Path(e.output_file).resolve() for e in entries if e.status == "已印发"}
    assert issued == written  # every file is registered, every registration has its file
    for entry in entries:
        if entry.status == "已印发":
            assert file_digest(Path(entry.output_file)) == entry.sha256
        else:
            assert entry.void_reason == "生成过程中断，文件未写出"
    # numbers are consecutive: none lost, none reused
    assert [e.doc_number for e in entries] == [f"某纪改〔2024〕{n}号" for n in range(1, len(entries) + 1)]
    # Nothing half-written under a real name; the killed run's hidden temporaries go at the next run.
    assert all(
        p.suffix == ".part" and p.name.startswith(".jiancha-")
        for p in out.iterdir()
        if p.name.startswith(".")
    )
    from jiancha_docs.render.output import remove_stale_temporaries

    remove_stale_temporaries(out)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_recover_leaves_numbers_of_a_live_process_alone(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.allocate("某纪建", 2024, META)
        assert ledger.recover() == []
        assert ledger.find("某纪建〔2024〕1号").status == "生成中"


def test_migration_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    connection = sqlite3.connect(db, isolation_level=None)
    migrate(connection, db, target=1)
    assert schema_version(connection) == 1
    connection.execute("INSERT INTO counters VALUES ('某纪建', 2023, 7)")
    connection.execute(
        "INSERT INTO documents (doc_number, code, year, seq, kind, recipient, doc_date, reply_deadline, status, created_at)"
        " VALUES ('某纪建〔2023〕7号', '某纪建', 2023, 7, 'recommendation', '某局', '2023-05-01', '2023-05-31', '已送达',"
        " '2023-05-01T09:00:00')"
    )
    connection.execute(
        "INSERT INTO history (document_id, status, at) VALUES (1, '已送达', '2023-05-02T09:00:00')"
    )
    connection.close()
    with Ledger(db) as ledger:
        assert schema_version(ledger.connection) == SCHEMA_VERSION
        entry = ledger.find("某纪建〔2023〕7号")
        assert (entry.recipient, entry.status, entry.reply_deadline) == (
            "某局",
            "已送达",
            dt.date(2023, 5, 31),
        )
        assert ledger.allocate("某纪建", 2023, META) == "某纪建〔2023〕8号"
        assert [e.doc_number for e in ledger.entries(overdue=True, today=dt.date(2023, 6, 1))] == [
            "某纪建〔2023〕7号"
        ]


def test_a_ledger_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    Ledger(db).close()
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(LedgerError, match="由更新版本的 jiancha 创建"):
        Ledger(db)


def test_a_corrupt_ledger_is_explained(tmp_path: Path) -> None:
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError) as caught:
        Ledger(db)
    assert caught.value.message == f"台账 {db} 不是台账文件（文件开头不是 SQLite 数据库的标记）"


@pytest.fixture
def issued(tmp_path: Path) -> Path:
    db = tmp_path / "l.db"
    with Ledger(db) as ledger:
        for days in (30, 60):
            meta = DocumentMeta(
                kind="recommendation",
                subtype="监察建议",
                recipient=f"{days}局",
                doc_date=dt.date(2024, 12, 1),
                reply_deadline=dt.date(2024, 12, 1) + dt.timedelta(days),
                reply_days=days,
            )
            number = ledger.allocate("某监建", 2024, meta)
            ledger.issue(number, "0" * 64, str(tmp_path / f"{days}.docx"))
    return db


def test_follow_up_statuses_and_deadlines(issued: Path) -> None:
    with Ledger(issued) as ledger:
        entry = ledger.mark("某监建〔2024〕1号", "已送达", dt.date(2024, 12, 10), "专人送达")
        assert entry.reply_deadline == dt.date(2025, 1, 9)  # 30 days from delivery, not from the date
        assert [e.doc_number for e in ledger.entries(overdue=True, today=dt.date(2025, 1, 10))] == [
            "某监建〔2024〕1号"
        ]
        assert [e.doc_number for e in ledger.entries(due_within=20, today=dt.date(2025, 1, 5))] == [
            "某监建〔2024〕1号"
        ]
        ledger.mark("某监建〔2024〕1号", "已反馈", dt.date(2025, 1, 8))
        assert ledger.entries(overdue=True, today=dt.date(2025, 3, 1))[0].doc_number == "某监建〔2024〕2号"
        ledger.mark("某监建〔2024〕2号", "作废", None, "主送单位撤并")
        assert ledger.entries(overdue=True, today=dt.date(2025, 3, 1)) == []
        assert ledger.find("某监建〔2024〕2号").void_reason == "主送单位撤并"
        assert [h.status for h in ledger.find("某监建〔2024〕1号").history] == [
            "生成中",
            "已印发",
            "已送达",
            "已反馈",
        ]


@pytest.mark.parametrize(
    "number,status,message",
    [
        ("某监建〔2024〕9号", "已送达", "台账中没有文号“某监建〔2024〕9号”"),
        (
            "某监建〔2024〕1号",
            "已完成",
            "状态“已完成”无效，应为：已印发、已送达、已反馈、已回访、已归档、作废",
        ),
        ("某监建〔2024〕1号", "已印发", "文号“某监建〔2024〕1号”已是“已印发”状态"),
    ],
)
def test_bad_marks_change_nothing(issued: Path, number: str, status: str, message: str) -> None:
    with Ledger(issued) as ledger:
        before = ledger.find("某监建〔2024〕1号")
        with pytest.raises(LedgerError) as caught:
            ledger.mark(number, status)
        assert caught.value.message == message
        assert ledger.find("某监建〔2024〕1号") == before


def test_no_going_back_and_no_change_after_voiding(issued: Path) -> None:
    with Ledger(issued) as ledger:
        ledger.mark("某监建〔2024〕1号", "已反馈")
        with pytest.raises(LedgerError, match="已是“已反馈”，不能退回到“已送达”"):
            ledger.mark("某监建〔2024〕1号", "已送达")
        ledger.mark("某监建〔2024〕2号", "作废", note="主送单位撤并")
        with pytest.raises(LedgerError, match="已作废，不能再变更状态"):
            ledger.mark("某监建〔2024〕2号", "已送达")


def test_export_reads_back_as_a_usable_ledger(issued: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from jiancha_docs.ledger.export import HEADERS, OVERDUE_FILL, export_xlsx

    with Ledger(issued) as ledger:
        entries = [ledger.find(e.doc_number) for e in ledger.entries()]
    target = tmp_path / "台账.xlsx"
    assert export_xlsx(entries, target, dt.date(2025, 1, 15), {"recommendation": "纪检监察建议书"}) == 1
    sheet = load_workbook(target).active
    assert [c.value for c in sheet[1]] == [h for h, _ in HEADERS]
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == "某监建〔2024〕1号"
    assert sheet["C2"].value == "纪检监察建议书"
    assert isinstance(sheet["G2"].value, dt.datetime) and sheet["G2"].value.date() == dt.date(2024, 12, 1)
    assert sheet["H2"].is_date
    assert sheet["J2"].value == 15  # 逾期天数
    assert sheet["A2"].fill.fgColor.rgb.endswith(OVERDUE_FILL)
    assert sheet["J3"].value is None and not sheet["A3"].fill.fgColor.rgb.endswith(OVERDUE_FILL)
    with pytest.raises(Exception, match="已存在，未覆盖"):
        export_xlsx(entries, target, dt.date(2025, 1, 15), {})


def test_backup_while_another_process_writes(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    Ledger(db).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", ALLOCATE, str(db), "300"], stdout=subprocess.PIPE, text=True
    )
    copies = []
    with Ledger(db) as ledger:
        for index in range(5):
            time.sleep(0.05)
            copies.append(ledger.backup(tmp_path / f"copy{index}.db"))
    writer.communicate(timeout=300)
    for copy in copies:
        connection = sqlite3.connect(copy)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        last = connection.execute("SELECT COALESCE(MAX(last), 0) FROM counters").fetchone()[0]
        count = connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        assert last == count  # counter and documents from the same moment
        connection.close()
    with pytest.raises(LedgerError, match="已存在，未覆盖"), Ledger(db) as ledger:
        ledger.backup(copies[0])


def test_the_exported_ledger_opens_in_libreoffice(issued: Path, tmp_path: Path) -> None:
    import shutil

    from jiancha_docs.ledger.export import export_xlsx

    soffice = shutil.which("soffice")
    if soffice is None or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice / poppler not installed (.ci/run installs them)")
    with Ledger(issued) as ledger:
        entries = [ledger.find(e.doc_number) for e in ledger.entries()]
    export_xlsx(entries, tmp_path / "ledger.xlsx", dt.date(2025, 1, 15), {"recommendation": "纪检监察建议书"})
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "ledger.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if "source file could not be loaded" in result.stderr:
        pytest.skip("LibreOffice Calc is not installed (.ci/run installs libreoffice-calc-nogui)")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "ledger.pdf"), "-"], capture_output=True, text=True
    ).stdout
    for expected in ["文号", "反馈期限", "逾期天数", "某监建〔2024〕1号", "纪检监察建议书"]:
        assert expected in text
