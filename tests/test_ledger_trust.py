"""The 文号 register an office can trust: every way today's offices reissued numbers or lost
the register is replayed here — reruns, Ctrl-C, subfolders, busy, read-only, emptied and damaged
ledgers, kill -9 during a forced re-render, formula cells, corrections — and must now come out
with one number per document and a ledger that agrees with the folder."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from jiancha_docs.kinds import find_kind
from jiancha_docs.ledger import Ledger, LedgerBusy, LedgerDamaged, LedgerError
from jiancha_docs.ledger.model import file_digest
from jiancha_docs.render.batch import RenderOptions, render_records

from .helpers import run_jiancha
from .test_parallel_render import rows, write_input

CONFIG = """
[numbering]
"以案促改通知书" = "青纪改"
"""
KIND = find_kind("reform_notice")


def write_sheet(path: Path, data: list[list[str]]) -> Path:
    """A register as Excel on a Chinese Windows saves it: GBK CSV."""
    return write_input(path, data=data)


def good_rows(count: int) -> list[list[str]]:
    found = rows(count + count // 9 + 1)
    return [r for r in found if r[-1] != "2024-13-40"][:count]


def jiancha(cwd: Path, *args: str, env: dict[str, str] | None = None, **kw):
    return run_jiancha(cwd, *args, env=env, **kw)


def init_office(folder: Path, *extra: str) -> None:
    organs = ["--discipline-organ", "中共青县纪律检查委员会", "--supervision-organ", "青县监察委员会"]
    init = jiancha(folder, "init", *organs, *extra)
    assert init.returncode == 0, init.stderr


def options(out: Path, db: Path, **extra) -> RenderOptions:
    return RenderOptions(outdir=out, ledger_path=db, code="青纪改", **extra)


def ledger_state(db: Path) -> list[tuple[str, str, str | None]]:
    with Ledger(db) as ledger:
        return [(e.doc_number, e.status, e.void_reason) for e in ledger.entries()]


# -- 1. a document has an identity: rerun, resume, changed rows -------------------------------------
def test_rendering_the_same_sheet_twice_takes_no_new_number(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "登记表.csv", good_rows(30))
    out, db = tmp_path / "out", tmp_path / "l.db"
    first = render_records(KIND, [sheet], options(out, db))
    assert (first.new, first.reused, first.failed) == (30, 0, 0)
    files = {p.name: file_digest(p) for p in out.glob("*.docx")}
    again = render_records(KIND, [sheet], options(out, db))
    assert (again.new, again.reused, again.written, again.failed) == (0, 30, 0, 0)
    assert {p.name: file_digest(p) for p in out.glob("*.docx")} == files  # nothing rewritten
    numbers = [n for n, _, _ in ledger_state(db)]
    assert numbers == [f"青纪改〔2024〕{i}号" for i in range(1, 31)]
    reused = [o for o in again.outcomes if o.location.row == 2][0]
    assert (
        reused.note
        == f"已生成（沿用文号 青纪改〔2024〕1号）：{out.resolve() / '青纪改〔2024〕1号_某某市第1局党组.docx'}"
    )


def test_the_closing_line_says_how_many_were_new_reused_and_failed(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    write_sheet(tmp_path / "登记表.csv", good_rows(3))
    assert jiancha(tmp_path, "render", "以案促改通知书", "登记表.csv", "-o", "out").returncode == 0
    data = good_rows(4)
    data.append(rows(10)[9])  # a bad date
    write_sheet(tmp_path / "登记表.csv", data)
    result = jiancha(tmp_path, "render", "以案促改通知书", "登记表.csv", "-o", "out")
    assert result.returncode == 1
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("共 5 条记录：新生成 1 份，沿用已有文号 3 份，失败 1 条。自动编号 1 个。清单：")


def test_a_deleted_document_is_written_again_under_its_own_number(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "a.csv", good_rows(3))
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    lost = out / "青纪改〔2024〕2号_某某市第2局党组.docx"
    lost.unlink()
    again = render_records(KIND, [sheet], options(out, db))
    assert (again.new, again.reused, again.written) == (0, 3, 1)
    assert lost.is_file()
    with Ledger(db) as ledger:
        entry = ledger.find("青纪改〔2024〕2号")
        assert entry.sha256 == file_digest(lost) and entry.status == "已印发"
        assert len(ledger.entries()) == 3


def test_force_rewrites_the_documents_in_place_with_their_numbers(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "a.csv", good_rows(2))
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    forced = render_records(KIND, [sheet], options(out, db, force=True, layout="文件式"))
    assert (forced.new, forced.reused, forced.written) == (0, 2, 2)
    with Ledger(db) as ledger:
        for entry in ledger.entries():
            assert entry.sha256 == file_digest(Path(entry.output_file))
        assert len(ledger.entries()) == 2


def test_ctrl_c_then_rerun_resumes_where_it_stopped(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "a.csv", good_rows(300))
    out, db = tmp_path / "out", tmp_path / "l.db"
    script = (
        "import sys\nfrom pathlib import Path\nfrom jiancha_docs.kinds import find_kind\n"
        "from jiancha_docs.render.batch import RenderOptions, render_records\n"
        "o = RenderOptions(outdir=Path(sys.argv[2]), ledger_path=Path(sys.argv[3]), code='青纪改', jobs=1)\n"
        "try:\n    render_records(find_kind('reform_notice'), [Path(sys.argv[1])], o)\n"
        "except KeyboardInterrupt:\n    sys.exit(130)\n"
    )
    batch = subprocess.Popen([sys.executable, "-c", script, str(sheet), str(out), str(db)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 20:
        time.sleep(0.05)
    batch.send_signal(signal.SIGINT)
    assert batch.wait(timeout=120) == 130
    done = len(list(out.glob("*.docx")))
    assert 20 <= done < 300
    resumed = render_records(KIND, [sheet], options(out, db))
    assert (resumed.reused, resumed.new, resumed.failed) == (done, 300 - done, 0)
    state = ledger_state(db)
    assert [n for n, _, _ in state] == [f"青纪改〔2024〕{i}号" for i in range(1, 301)]
    assert {s for _, s, _ in state} == {"已印发"}  # no number voided, none issued twice


def test_a_changed_row_says_what_changed_and_reissue_voids_the_old_number(tmp_path: Path) -> None:
    data = good_rows(3)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    data[1][3] = "给予该局原副局长某某2开除党籍、开除公职处分。"
    write_sheet(sheet, data)
    refused = render_records(KIND, [sheet], options(out, db))
    assert (refused.new, refused.reused, refused.failed) == (0, 2, 1)
    assert [i.describe() for i in refused.issues()] == [
        "a.csv 第 3 行：本行此前已生成文号“青纪改〔2024〕2号”的文书（已印发），现在「案件简况」有改动；"
        "未重新编号。如需按新内容重新发文，加 --reissue（原文号作废并注明由新文号取代）；"
        "如这一行已换成另一份新的文书（原文书照旧有效），加 --as-new"
    ]
    reissued = render_records(KIND, [sheet], options(out, db, reissue=True))
    assert (reissued.new, reissued.reused, reissued.failed) == (1, 2, 0)
    with Ledger(db) as ledger:
        old, new = ledger.find("青纪改〔2024〕2号"), ledger.find("青纪改〔2024〕4号")
    assert (old.status, old.void_reason, old.replaced_by) == (
        "作废",
        "重新发文，由文号“青纪改〔2024〕4号”取代",
        "青纪改〔2024〕4号",
    )
    assert (new.status, new.replaces) == ("已印发", "青纪改〔2024〕2号")
    # and the next rerun reuses the new number
    third = render_records(KIND, [sheet], options(out, db))
    assert (third.new, third.reused, third.failed) == (0, 3, 0)


def test_a_row_inserted_above_is_a_new_document_not_a_change(tmp_path: Path) -> None:
    data = good_rows(3)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    inserted = rows(40)[35]  # another unit, on row 2: every row below moves down
    write_sheet(sheet, [inserted, *data])
    again = render_records(KIND, [sheet], options(out, db))
    assert (again.new, again.reused, again.failed) == (1, 3, 0)


def test_two_identical_rows_are_one_document(tmp_path: Path) -> None:
    row = good_rows(1)[0]
    sheet = write_sheet(tmp_path / "a.csv", [row, row])
    report = render_records(KIND, [sheet], options(tmp_path / "out", tmp_path / "l.db"))
    assert (report.new, report.reused) == (1, 1)
    assert report.outcomes[1].note == "与本文件第 2 行内容相同，沿用文号 青纪改〔2024〕1号，未重复生成"


# -- 2. draft mode ------------------------------------------------------------------------------
def test_a_draft_takes_no_number_and_is_marked(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "a.csv", good_rows(2))
    out, db = tmp_path / "out", tmp_path / "l.db"
    report = render_records(KIND, [sheet], options(out, db, draft=True))
    assert report.written == 2 and report.numbered == 0
    assert not db.exists()  # nothing registered, not even a ledger created
    drafts = sorted(p.name for p in out.glob("*.docx"))
    assert drafts == ["草稿_某某市第1局党组.docx", "草稿_某某市第2局党组.docx"]
    with zipfile.ZipFile(out / drafts[0]) as archive:
        draft_header = archive.read("word/jiancha_draft_header.xml").decode("utf-8")
        letterhead = archive.read("word/header1.xml").decode("utf-8")  # the 信函式 first-page header
        body = archive.read("word/document.xml").decode("utf-8")
    assert "草稿（未编号，不得印发）" in draft_header
    assert "草稿（未编号，不得印发）" in letterhead and "中共某某市纪律检查委员会" in letterhead
    assert body.count('r:id="rIdJianchaDraft"') == 2  # the default and even pages had no header
    # A real render afterwards starts at 1.
    render_records(KIND, [sheet], options(out, db))
    assert [n for n, _, _ in ledger_state(db)] == ["青纪改〔2024〕1号", "青纪改〔2024〕2号"]


def test_a_draft_opens_in_libreoffice_with_the_mark_on_the_page(tmp_path: Path) -> None:
    from jiancha_docs.printing.convert import find_soffice

    if find_soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler is not installed")
    sheet = write_sheet(tmp_path / "a.csv", good_rows(1))
    out = tmp_path / "out"
    render_records(KIND, [sheet], options(out, tmp_path / "l.db", draft=True))
    (draft,) = out.glob("*.docx")
    result = jiancha(tmp_path, "pdf", str(draft))
    assert result.returncode == 0, result.stderr
    text = subprocess.run(
        ["pdftotext", str(draft.with_suffix(".pdf")), "-"], capture_output=True, text=True
    ).stdout
    assert "草稿（未编号，不得印发）" in text.replace(" ", "")


def test_a_bad_code_costs_no_number_and_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    write_sheet(tmp_path / "a.csv", good_rows(1))
    result = jiancha(tmp_path, "render", "以案促改通知书", "a.csv", "-o", "out", "--code", "某纪[通")
    assert result.returncode == 2
    assert result.stderr == "错误：--code：机关代字“某纪[通”中不能有括号“[”（年份的六角括号由编号自动加上）\n"
    assert not (tmp_path / ".jiancha").exists() and not (tmp_path / "out").exists()


# -- 3. one workspace, found like git finds its repo --------------------------------------------------
def test_a_rerun_into_another_folder_says_where_the_documents_are(office: Path) -> None:
    result = jiancha(office, "render", "以案促改通知书", "a.csv", "-o", "elsewhere")
    assert result.returncode == 0
    assert "2 份已生成的文书在其他文件夹中（位置见清单），本次没有写入 elsewhere。" in result.stderr


def test_a_subfolder_uses_the_offices_config_and_ledger(tmp_path: Path) -> None:
    init_office(tmp_path, "--code", "以案促改通知书=青纪改")
    write_sheet(tmp_path / "a.csv", good_rows(2))
    assert jiancha(tmp_path, "render", "以案促改通知书", "a.csv", "-o", "out").returncode == 0
    month = tmp_path / "2024" / "十二月"
    month.mkdir(parents=True)
    data = good_rows(4)[2:]
    write_sheet(month / "b.csv", data)
    result = jiancha(month, "render", "以案促改通知书", "b.csv", "-o", "out", "--code", "青纪改")
    assert result.returncode == 0, result.stderr
    assert not (month / ".jiancha").exists()  # no second ledger
    assert "已新建台账" not in result.stderr
    assert sorted(p.name.split("_")[0] for p in (month / "out").glob("*.docx")) == [
        "青纪改〔2024〕3号",
        "青纪改〔2024〕4号",
    ]
    listed = jiancha(month, "ledger", "list", "--json")
    assert listed.returncode == 0
    assert [e["doc_number"] for e in json.loads(listed.stdout)] == [
        f"青纪改〔2024〕{i}号" for i in range(1, 5)
    ]


def test_doctor_names_the_config_and_ledger_in_use_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(CONFIG + '\n[ledger]\ndb = "台账.sqlite3"\n', encoding="utf-8")
    Ledger(tmp_path / "台账.sqlite3").close()
    sub = tmp_path / "二〇二四"
    sub.mkdir()
    result = jiancha(sub, "doctor")
    assert str(tmp_path / "jiancha.toml") in result.stdout
    assert str(tmp_path / "台账.sqlite3") in result.stdout


def test_a_misspelt_table_is_an_error_not_silence(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text('[numbring]\n"以案促改通知书" = "青纪改"\n', encoding="utf-8")
    write_sheet(tmp_path / "a.csv", good_rows(1))
    result = jiancha(tmp_path, "render", "以案促改通知书", "a.csv", "-o", "out")
    assert result.returncode == 1
    assert "[numbring]" in result.stderr and "[numbering]" in result.stderr
    assert not (tmp_path / "out").exists()


# -- 4. busy is busy, read-only is read-only, damage is named -----------------------------------------
HOLD = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode = EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE counters SET last = last")  # a write: the exclusive lock is taken now
print("held", flush=True)
if sys.argv[2] == "until-stdin":
    sys.stdin.readline()  # released by the test once the other process has said it waits
else:
    time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
c.close()
"""


def _hold(db: Path, seconds: float | str) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def office(tmp_path: Path) -> Path:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    write_sheet(tmp_path / "a.csv", good_rows(2))
    result = jiancha(tmp_path, "render", "以案促改通知书", "a.csv", "-o", "out")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_a_busy_ledger_says_so_within_a_second_then_gives_up_clearly(office: Path) -> None:
    db = office / ".jiancha" / "ledger.sqlite3"
    holder = _hold(db, 20)
    try:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", "from jiancha_docs.cli import main; main()", "ledger", "list"],
            cwd=office,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**{k: v for k, v in os.environ.items() if k != "JIANCHA_DB"}, "JIANCHA_LEDGER_WAIT": "3"},
        )
        assert process.stderr is not None
        first = process.stderr.readline()
        told_after = time.monotonic() - started
        rest = process.stderr.read()
        process.wait(timeout=30)
    finally:
        holder.kill()
        holder.wait()
    assert first == f"台账 {db} 正被其他程序使用，等待中…\n"
    assert told_after < 2.5  # interpreter start-up included
    assert process.returncode == 1
    assert rest.splitlines()[0].endswith("正被其他程序使用，请稍后重试")
    assert "损坏" not in rest and "替换" not in rest  # busy is not damage: no "restore a backup"


def test_a_render_waits_for_a_busy_ledger_and_goes_on_when_it_is_free(office: Path) -> None:
    db = office / ".jiancha" / "ledger.sqlite3"
    write_sheet(office / "b.csv", good_rows(4)[2:])
    holder = _hold(db, "until-stdin")
    try:
        # The lock is released only once the render has said it waits: no race with a slow start-up.
        render = subprocess.Popen(
            [sys.executable, "-c", "from jiancha_docs.cli import main; main()"]
            + ["render", "以案促改通知书", "b.csv", "-o", "out"],
            cwd=office,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**{k: v for k, v in os.environ.items() if k != "JIANCHA_DB"}, "JIANCHA_TODAY": "2025-02-01"},
        )
        assert render.stderr is not None
        first = render.stderr.readline()
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    rest = render.stderr.read()
    render.wait(timeout=120)
    assert render.returncode == 0, first + rest
    assert "正被其他程序使用，等待中…" in first
    assert [n for n, _, _ in ledger_state(db)] == [f"青纪改〔2024〕{i}号" for i in range(1, 5)]


def test_busy_is_never_called_damage_in_the_core(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    Ledger(db).close()
    holder = _hold(db, 10)
    heard: list[str] = []
    try:
        with pytest.raises(LedgerBusy) as caught:
            Ledger(db, wait=1.5, on_wait=heard.append)
    finally:
        holder.kill()
        holder.wait()
    assert caught.value.message == f"台账 {db} 正被其他程序使用，请稍后重试"
    assert heard == [f"台账 {db} 正被其他程序使用，等待中…"]


def _read_only(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command with ``folder`` mounted read-only, as a read-only office share would be."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not available")
    inner = " ".join(f"'{part}'" for part in command)
    script = f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && cd '{folder}' && exec {inner}"
    environment = {k: v for k, v in os.environ.items() if k != "JIANCHA_DB"}
    environment["JIANCHA_TODAY"] = "2025-02-01"
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=environment,
    )


def test_a_ledger_on_a_read_only_share_can_be_listed_shown_and_exported_but_not_changed(
    office: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = sys.executable
    cli = [python, "-c", "from jiancha_docs.cli import main; main()"]
    listed = _read_only(office, *cli, "ledger", "list")
    if "mount:" in listed.stderr:
        pytest.skip("this machine cannot mount: " + listed.stderr.strip())
    assert listed.returncode == 0, listed.stderr
    assert "青纪改〔2024〕1号" in listed.stdout and "青纪改〔2024〕2号" in listed.stdout
    assert "只读" in listed.stderr
    shown = _read_only(office, *cli, "ledger", "show", "青纪改〔2024〕1号")
    assert shown.returncode == 0 and "已印发" in shown.stdout
    elsewhere = tmp_path_factory.mktemp("export") / "台账.xlsx"
    exported = _read_only(office, *cli, "ledger", "export", str(elsewhere))
    assert exported.returncode == 0, exported.stderr
    marked = _read_only(office, *cli, "ledger", "mark", "青纪改〔2024〕1号", "已送达", "--date", "2024-12-25")
    assert marked.returncode == 1
    assert "是只读的（只读共享或没有写入权限），只能查看和导出，不能登记或变更" in marked.stderr
    assert "损坏" not in marked.stderr
    assert ledger_state(office / ".jiancha" / "ledger.sqlite3")[0][1] == "已印发"


def test_an_emptied_ledger_is_named_and_never_recreated(office: Path) -> None:
    db = office / ".jiancha" / "ledger.sqlite3"
    db.write_bytes(b"")  # a sync conflict left it empty
    write_sheet(office / "b.csv", good_rows(4)[2:])
    result = jiancha(office, "render", "以案促改通知书", "b.csv", "-o", "out2")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"错误：台账 {db} 是空文件（0 字节），可能在同步、复制或磁盘故障时被截断；"
        "没有重新创建，以免文号从 1 号重新开始"
    )
    assert "jiancha doctor" in result.stderr and "jiancha ledger backup" in result.stderr
    assert db.stat().st_size == 0 and not (office / "out2").exists()
    listed = jiancha(office, "ledger", "list")
    assert listed.returncode == 1 and "是空文件（0 字节）" in listed.stderr


def test_malformed_pages_are_named_not_an_internal_error(office: Path) -> None:
    db = office / ".jiancha" / "ledger.sqlite3"
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) >= 3 * page
    data[page : 2 * page] = b"\xa5" * page  # a whole table page overwritten (a bad disk block)
    db.write_bytes(bytes(data))
    result = jiancha(office, "ledger", "list")
    assert result.returncode == 1
    assert "已损坏" in result.stderr.splitlines()[0]
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content,named",
    [(b"PK\x03\x04" + b"\x00" * 200, "看起来是 Word 或 Excel 文件"), (b"\x00" * 4096, "开头全是零字节")],
)
def test_a_wrong_file_is_named(tmp_path: Path, content: bytes, named: str) -> None:
    db = tmp_path / "l.db"
    db.write_bytes(content)
    with pytest.raises(LedgerDamaged) as caught:
        Ledger(db)
    assert named in caught.value.message
    assert db.read_bytes() == content


def test_another_programs_database_is_not_taken_for_a_ledger(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE 人员 (姓名 TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(LedgerDamaged, match="是 SQLite 数据库，但不是 jiancha 台账（含有数据表：人员）"):
        Ledger(db)
    names = sqlite3.connect(db).execute("SELECT name FROM sqlite_master").fetchall()
    assert names == [("人员",)]  # untouched: no ledger tables added


# -- 5. kill -9 in every path --------------------------------------------------------------------------
KILLED_RERENDER = """
import os, sys
from pathlib import Path
from jiancha_docs.kinds import find_kind
from jiancha_docs.render import batch
from jiancha_docs.render.batch import RenderOptions, render_records
original, moment = batch.publish, sys.argv[4]
def publish(temporary, path, overwrite=False):
    if moment == "before":
        os._exit(9)           # killed after the ledger recorded the new digest, before the file
    original(temporary, path, overwrite)
    os._exit(9)               # killed after the file was replaced, before the ledger took it
batch.publish = publish
o = RenderOptions(outdir=Path(sys.argv[2]), ledger_path=Path(sys.argv[3]), force=True, force_number=True)
render_records(find_kind("reform_notice"), [Path(sys.argv[1])], o)
"""


@pytest.mark.parametrize("moment", ["before", "after"])
def test_kill_9_during_a_forced_rerender_leaves_ledger_and_file_agreeing(tmp_path: Path, moment: str) -> None:
    data = good_rows(1)
    data[0][1] = "青纪改〔2024〕7号"
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], RenderOptions(outdir=out, ledger_path=db))
    data[0][3] = "给予该局原副局长某某1开除党籍、开除公职处分。"  # the record changes
    write_sheet(sheet, data)
    killed = subprocess.run([sys.executable, "-c", KILLED_RERENDER, str(sheet), str(out), str(db), moment])
    assert killed.returncode == 9
    with Ledger(db) as ledger:
        notes = ledger.recover()
        entry = ledger.find("青纪改〔2024〕7号")
    assert entry.status == "已印发"
    assert file_digest(Path(entry.output_file)) == entry.sha256, notes
    expected = "新文件已完整写出，台账改记新文件" if moment == "after" else "新文件未写出，原文件保持不变"
    assert notes == [f"文号“青纪改〔2024〕7号”：上次重新生成中断，{expected}"]
    # The next render: after "after" the ledger has the changed record, so it is the same document;
    # after "before" it is still the old one, and the forced re-render is simply run again.
    flags = {} if moment == "after" else {"force": True, "force_number": True}
    again = render_records(KIND, [sheet], RenderOptions(outdir=out, ledger_path=db, **flags))
    assert again.failed == 0, again.issues()
    assert (again.new, again.reused, again.written) == (0, 1, 0 if moment == "after" else 1)
    assert not list(out.glob(".jiancha-*"))


def test_a_number_held_by_a_reused_process_id_is_settled(tmp_path: Path) -> None:
    """The process that held the number died and the system gave its id to another program:
    the start time tells them apart."""
    import socket

    db = tmp_path / "l.db"
    with Ledger(db) as ledger:
        from jiancha_docs.ledger import DocumentMeta

        number = ledger.allocate("青纪改", 2024, DocumentMeta(kind="reform_notice"))
        # The holder: a live process (pid 1) but with a start time that is not pid 1's.
        ledger.connection.execute(
            "UPDATE documents SET holder = ? WHERE doc_number = ?",
            (f"{socket.gethostname()}:1:12345.00", number),
        )
    with Ledger(db) as ledger:
        assert ledger.recover() == [f"文号“{number}”：上次生成中断，文件未写出，已作废"]
        assert ledger.find(number).status == "作废"


# -- 6. exports are data, never code -----------------------------------------------------------------
EVIL = ['=HYPERLINK("http://example.invalid","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


def test_values_from_other_units_never_become_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = good_rows(len(EVIL))
    for row, value in zip(data, EVIL, strict=True):
        row[2] = value  # 主送单位 as another unit typed it
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    report = render_records(KIND, [sheet], options(out, db))
    assert report.failed == 0
    with Ledger(db) as ledger:
        ledger.mark("青纪改〔2024〕1号", "已送达", note='=HYPERLINK("http://x.invalid")', today=None)
    exported = tmp_path / "台账.xlsx"
    result = jiancha(
        tmp_path, "ledger", "--db", str(db), "export", str(exported), env={"JIANCHA_TODAY": "2025-02-01"}
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(exported) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    cells = [c.value for r in load_workbook(exported).active.iter_rows() for c in r]
    for value in EVIL:
        assert any(isinstance(c, str) and value in c for c in cells), value
    (manifest,) = out.glob("生成清单_*.csv")
    with open(manifest, encoding="utf-8-sig", newline="") as stream:
        outputs = [line[2] for line in csv.reader(stream)][1:]
    assert outputs and all(o.startswith("青纪改") for o in outputs)  # the 文号 leads every file name


def test_a_file_name_starting_with_a_formula_sign_is_quoted_in_the_manifest(tmp_path: Path) -> None:
    data = good_rows(1)
    sheet = write_sheet(tmp_path / "=cmd.csv", data)
    out = tmp_path / "out"
    render_records(KIND, [sheet], RenderOptions(outdir=out))
    (manifest,) = out.glob("生成清单_*.csv")
    with open(manifest, encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert lines[1][0] == "'=cmd.csv"


def test_documents_get_the_umasks_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        sheet = write_sheet(tmp_path / "a.csv", good_rows(1))
        out, db = tmp_path / "out", tmp_path / "l.db"
        render_records(KIND, [sheet], options(out, db))
        with Ledger(db) as ledger:
            ledger.backup(tmp_path / "备份.sqlite3")
    finally:
        os.umask(previous)
    written = [*out.glob("*.docx"), *out.glob("*.csv"), tmp_path / "备份.sqlite3"]
    assert written and all(p.stat().st_mode & 0o777 == 0o644 for p in written), [
        (p.name, oct(p.stat().st_mode)) for p in written
    ]


# -- 7. corrections with an audit trail --------------------------------------------------------------
def test_a_wrong_status_is_corrected_with_a_reason_and_undone(office: Path) -> None:
    number = "青纪改〔2024〕1号"
    assert jiancha(office, "ledger", "mark", number, "已送达", "--date", "2024-12-25").returncode == 0
    assert jiancha(office, "ledger", "mark", number, "已反馈", "--date", "2025-01-10").returncode == 0
    back = jiancha(office, "ledger", "mark", number, "已送达")
    assert back.returncode == 1 and "加 --correct 并用 --reason 写明原因" in back.stderr
    no_reason = jiancha(office, "ledger", "mark", number, "已送达", "--correct")
    assert no_reason.returncode == 2 and "更正须用 --reason 写明原因" in no_reason.stderr
    corrected = jiancha(office, "ledger", "mark", number, "已送达", "--correct", "--reason", "误标为已反馈")
    assert corrected.returncode == 0, corrected.stderr
    shown = jiancha(office, "ledger", "show", number)
    assert "状态：已送达" in shown.stdout and "更正：已反馈 → 已送达（误标为已反馈）" in shown.stdout
    undone = jiancha(office, "ledger", "undo", number, "--reason", "更正错了")
    assert undone.returncode == 0 and "现为“已反馈”" in undone.stdout
    with Ledger(office / ".jiancha" / "ledger.sqlite3") as ledger:
        entry = ledger.find(number)
    assert entry.status == "已反馈"
    assert [h.status for h in entry.history] == ["生成中", "已印发", "已送达", "已反馈", "已送达", "已反馈"]


def test_voiding_needs_a_reason_and_a_confirmation_and_can_be_undone(office: Path) -> None:
    number = "青纪改〔2024〕2号"
    bare = jiancha(office, "ledger", "mark", number, "作废")
    assert bare.returncode == 2 and "作废须用 --reason 写明原因" in bare.stderr
    unconfirmed = jiancha(office, "ledger", "mark", number, "作废", "--reason", "主送单位写错")
    assert unconfirmed.returncode == 2 and "需要确认" in unconfirmed.stderr and "--yes" in unconfirmed.stderr
    declined = jiancha(office, "ledger", "mark", number, "作废", "--reason", "主送单位写错", input="n\n")
    assert declined.returncode != 0
    assert ledger_state(office / ".jiancha" / "ledger.sqlite3")[1][1] == "已印发"
    voided = jiancha(office, "ledger", "mark", number, "作废", "--reason", "主送单位写错", "--yes")
    assert voided.returncode == 0
    assert ledger_state(office / ".jiancha" / "ledger.sqlite3")[1][1:] == ("作废", "主送单位写错")
    undone = jiancha(office, "ledger", "undo", number, "--reason", "误操作")
    assert undone.returncode == 0
    assert ledger_state(office / ".jiancha" / "ledger.sqlite3")[1][1:] == ("已印发", None)


def test_a_terminal_is_asked_before_voiding(office: Path) -> None:
    """On a terminal, 作废 asks; answering n changes nothing."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: jiancha on a terminal
        os.chdir(office)
        os.environ.pop("JIANCHA_DB", None)
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-c",
                "from jiancha_docs.cli import main; main()",
                "ledger",
                "mark",
                "青纪改〔2024〕2号",
                "作废",
                "--reason",
                "测试",
            ],
        )
    seen = b""
    deadline = time.monotonic() + 30
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        seen += os.read(fd, 1024)
    os.write(fd, b"n\n")
    with pytest.raises(OSError):
        while True:
            if not os.read(fd, 1024):
                break
    _, status = os.waitpid(pid, 0)
    assert "确定作废文号“青纪改〔2024〕2号”吗？" in seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 1
    assert ledger_state(office / ".jiancha" / "ledger.sqlite3")[1][1] == "已印发"


@pytest.mark.parametrize(
    "date,message",
    [
        ("2024-12-01", "日期 2024年12月1日 早于文号“青纪改〔2024〕1号”的成文日期 2024年12月20日"),
        ("2025-03-01", "日期 2025年3月1日 晚于今天（2025年2月1日），不能登记将来的日期"),
    ],
)
def test_event_dates_are_checked(office: Path, date: str, message: str) -> None:
    result = jiancha(office, "ledger", "mark", "青纪改〔2024〕1号", "已送达", "--date", date)
    assert result.returncode == 1
    assert result.stderr == f"错误：{message}\n"


def test_dates_must_follow_the_status_before(office: Path) -> None:
    number = "青纪改〔2024〕1号"
    assert jiancha(office, "ledger", "mark", number, "已送达", "--date", "2025-01-10").returncode == 0
    result = jiancha(office, "ledger", "mark", number, "已反馈", "--date", "2025-01-05")
    assert result.stderr == "错误：日期 2025年1月5日 早于上一状态“已送达”的日期 2025年1月10日\n"


def test_an_invalid_jiancha_today_is_explained(office: Path) -> None:
    result = jiancha(office, "ledger", "list", env={"JIANCHA_TODAY": "2024-99-99"})
    assert result.returncode == 1
    assert "JIANCHA_TODAY" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert "内部错误" not in result.stderr


def test_numbers_typed_with_spaces_or_square_brackets_are_the_same_number(office: Path) -> None:
    shown = jiancha(office, "ledger", "show", "青纪改 [2024] 1号")
    assert shown.returncode == 0 and "文号：青纪改〔2024〕1号" in shown.stdout
    missing = jiancha(office, "ledger", "show", "青纪改〔2024〕9号")
    assert missing.returncode == 1
    assert "是否应为：" in missing.stderr and "“青纪改〔2024〕1号”" in missing.stderr
    data = good_rows(3)[2:]
    data[0][1] = "青纪改 〔2024〕 1号"  # typed with spaces: the number the ledger has
    write_sheet(office / "c.csv", data)
    result = jiancha(office, "render", "以案促改通知书", "c.csv", "-o", "out")
    assert result.returncode == 1
    assert "文号“青纪改〔2024〕1号”已在台账中" in result.stderr


def test_a_hand_typed_number_ahead_of_the_sequence_warns_what_it_skips(office: Path) -> None:
    data = good_rows(3)[2:]
    data[0][1] = "青纪改〔2024〕100号"
    write_sheet(office / "c.csv", data)
    result = jiancha(office, "render", "以案促改通知书", "c.csv", "-o", "out")
    assert result.returncode == 0, result.stderr
    assert (
        "警告：c.csv 第 2 行「文号」：手填的文号“青纪改〔2024〕100号”超前于顺序号，"
        "青纪改〔2024〕3号至99号将被跳过，自动编号从下一个号继续"
    ) in result.stderr.splitlines()


def test_a_missing_ledger_that_the_config_names_is_not_recreated(tmp_path: Path) -> None:
    init_office(tmp_path)
    (tmp_path / ".jiancha" / "ledger.sqlite3").unlink()
    write_sheet(tmp_path / "a.csv", good_rows(1))
    result = jiancha(tmp_path, "render", "以案促改通知书", "a.csv", "-o", "out", "--code", "青纪改")
    assert result.returncode == 1
    assert result.stderr.startswith("错误：找不到台账 ")
    assert not (tmp_path / ".jiancha" / "ledger.sqlite3").exists()


def test_ledger_errors_are_ledger_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError):
        Ledger(tmp_path / "nothing.db", create=False)


def test_doctor_runs_the_integrity_check_and_names_damage(office: Path) -> None:
    healthy = jiancha(office, "doctor")
    line = next(x for x in healthy.stdout.splitlines() if "文号台账" in x)
    assert "2 个文号，完整性检查通过" in line
    db = office / ".jiancha" / "ledger.sqlite3"
    data = bytearray(db.read_bytes())
    data[4096 : 2 * 4096] = b"\xa5" * 4096
    db.write_bytes(bytes(data))
    damaged = jiancha(office, "doctor")
    line = next(x for x in damaged.stdout.splitlines() if "文号台账" in x)
    assert "已损坏" in line and "Traceback" not in damaged.stderr


# -- found by trying it as a clerk: edits are recognised, whatever else changed ---------------------
def test_a_fixed_recipient_is_an_edit_not_a_second_document(tmp_path: Path) -> None:
    data = good_rows(2)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    data[0][2] = "中共某某市第1局机关党委"  # the 主送 was wrong
    write_sheet(sheet, data)
    again = render_records(KIND, [sheet], options(out, db))
    assert (again.new, again.reused, again.failed) == (0, 1, 1)
    assert "「主送单位」有改动" in again.issues()[0].message
    fixed = render_records(KIND, [sheet], options(out, db, reissue=True))
    assert (fixed.new, fixed.failed) == (1, 0)
    live = [n for n, status, _ in ledger_state(db) if status != "作废"]
    assert live == ["青纪改〔2024〕2号", "青纪改〔2024〕3号"]  # one live number per document


def test_after_a_row_is_inserted_an_edit_of_a_moved_row_is_still_recognised(tmp_path: Path) -> None:
    data = good_rows(2)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    inserted = rows(40)[35]
    write_sheet(sheet, [inserted, *data])  # a new row 2; the old rows are now 3 and 4
    assert render_records(KIND, [sheet], options(out, db)).new == 1
    data[0][3] += "（补充）"  # now edit the moved row (row 3)
    write_sheet(sheet, [inserted, *data])
    edited = render_records(KIND, [sheet], options(out, db))
    assert (edited.new, edited.failed) == (0, 1)
    assert "本行此前已生成文号“青纪改〔2024〕1号”" in edited.issues()[0].message
    assert edited.issues()[0].location.row == 3


def test_a_row_replaced_by_another_document_can_be_kept_apart_with_as_new(tmp_path: Path) -> None:
    data = good_rows(2)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    data[0] = rows(40)[35]  # row 2 now holds another notice; the first one was sent and stays valid
    write_sheet(sheet, data)
    assert render_records(KIND, [sheet], options(out, db)).failed == 1
    report = render_records(KIND, [sheet], options(out, db, as_new=True))
    assert (report.new, report.reused, report.failed) == (1, 1, 0)
    assert [s for _, s, _ in ledger_state(db)] == ["已印发", "已印发", "已印发"]


def test_the_number_written_back_into_the_sheet_is_the_same_document(tmp_path: Path) -> None:
    data = good_rows(2)
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], options(out, db))
    data[0][1], data[1][1] = "青纪改〔2024〕1号", "青纪改〔2024〕2号"  # the clerk fills the 文号 column in
    write_sheet(sheet, data)
    again = render_records(KIND, [sheet], options(out, db))
    assert (again.new, again.reused, again.failed) == (0, 2, 0)
    data[1][1] = "青纪改〔2024〕9号"  # a different number for the same document
    write_sheet(sheet, data)
    wrong = render_records(KIND, [sheet], options(out, db))
    assert wrong.failed == 1 and "同一份文书只能有一个文号" in wrong.issues()[0].message


def test_sheets_of_the_same_name_in_two_folders_are_different_files(tmp_path: Path) -> None:
    november, december = tmp_path / "十一月", tmp_path / "十二月"
    november.mkdir()
    december.mkdir()
    first = good_rows(1)
    second = [list(first[0])]
    second[0][3] = "给予该局原副局长某某9开除党籍处分。"
    second[0][-1] = "2024-12-28"
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [write_sheet(november / "登记表.csv", first)], options(out, db))
    report = render_records(KIND, [write_sheet(december / "登记表.csv", second)], options(out, db))
    assert (report.new, report.failed) == (1, 0)


def test_undoing_a_void_is_refused_once_the_document_has_a_new_number(office: Path) -> None:
    number = "青纪改〔2024〕1号"
    assert jiancha(office, "ledger", "mark", number, "作废", "--reason", "误作废", "--yes").returncode == 0
    again = jiancha(office, "render", "以案促改通知书", "a.csv", "-o", "out")
    assert again.returncode == 0 and "新生成 1 份" in again.stderr
    undone = jiancha(office, "ledger", "undo", number, "--reason", "误操作")
    assert undone.returncode == 1
    assert "已按新文号“青纪改〔2024〕3号”重新生成，不能撤销作废" in undone.stderr


def test_force_number_cannot_move_a_number_to_another_recipient(tmp_path: Path) -> None:
    data = good_rows(1)
    data[0][1] = "青纪改〔2024〕7号"
    sheet = write_sheet(tmp_path / "a.csv", data)
    out, db = tmp_path / "out", tmp_path / "l.db"
    render_records(KIND, [sheet], RenderOptions(outdir=out, ledger_path=db))
    data[0][2] = "测试单位"
    write_sheet(sheet, data)
    report = render_records(KIND, [sheet], RenderOptions(outdir=out, ledger_path=db, force_number=True))
    assert report.failed == 1
    assert "不能用 --force-number 改发给“测试单位”" in report.issues()[0].message
    assert len(list(out.glob("*.docx"))) == 1


def test_check_counts_rows_the_ledger_has_as_checked(office: Path) -> None:
    result = jiancha(office, "render", "以案促改通知书", "a.csv", "--check")
    assert result.returncode == 0
    assert result.stderr.splitlines()[-1] == "共校验 2 条记录：通过 2 条，有错误 0 条。"


def test_a_correction_keeps_the_delivery_date_and_its_deadline(office: Path) -> None:
    number = "青纪改〔2024〕1号"
    jiancha(office, "ledger", "mark", number, "已送达", "--date", "2024-12-25")
    before = json.loads(jiancha(office, "ledger", "show", number, "--json").stdout)["reply_deadline"]
    jiancha(office, "ledger", "mark", number, "已反馈", "--date", "2025-01-10")
    corrected = jiancha(office, "ledger", "mark", number, "已送达", "--correct", "--reason", "误标为已反馈")
    assert corrected.returncode == 0, corrected.stderr
    assert "已更正为“已送达”（2024年12月25日）" in corrected.stdout
    assert json.loads(jiancha(office, "ledger", "show", number, "--json").stdout)["reply_deadline"] == before
    jiancha(office, "ledger", "undo", number, "--reason", "更正错了")
    assert json.loads(jiancha(office, "ledger", "show", number, "--json").stdout)["reply_deadline"] == before


def test_config_names_no_kind_knows_are_errors(office: Path) -> None:
    (office / "jiancha.toml").write_text('[numbering]\n"以案促改通书" = "青纪改"\n', encoding="utf-8")
    result = jiancha(office, "render", "以案促改通知书", "a.csv", "-o", "out2")
    assert result.returncode == 1
    assert "[numbering] 中的“以案促改通书”不是文书类型，是否应为“以案促改通知书”？" in result.stderr
    assert not (office / "out2").exists()


def test_a_sheet_with_only_its_header_is_an_error(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "空表.csv", [])
    report = render_records(KIND, [sheet], options(tmp_path / "out", tmp_path / "l.db"))
    assert not report.ok
    assert [i.describe() for i in report.issues()] == [
        "空表.csv：文件中没有记录（只有表头，或表头下都是空行）"
    ]


def test_two_clerks_rendering_the_same_sheet_at_once_issue_each_document_once(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    write_sheet(tmp_path / "a.csv", good_rows(60))
    command = [
        sys.executable,
        "-c",
        "from jiancha_docs.cli import main; main()",
        "render",
        "以案促改通知书",
        "a.csv",
    ]
    env = {k: v for k, v in os.environ.items() if k != "JIANCHA_DB"}
    runs = [
        subprocess.Popen(
            [*command, "-o", f"out{n}", "-j", "1"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
        )
        for n in (1, 2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    state = ledger_state(tmp_path / ".jiancha" / "ledger.sqlite3")
    assert [n for n, _, _ in state] == [f"青纪改〔2024〕{i}号" for i in range(1, 61)]
    assert {s for _, s, _ in state} == {"已印发"}
