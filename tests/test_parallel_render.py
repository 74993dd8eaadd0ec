"""Rendering on every core: the same documents, names, 文号 and manifest as one process, and a
ledger that agrees with the files however the batch ends (a bad row, a template error, Ctrl-C,
SIGKILL)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jiancha_docs.errors import OutputError, TemplateProblem
from jiancha_docs.kinds import find_kind
from jiancha_docs.ledger import Ledger
from jiancha_docs.ledger.model import file_digest
from jiancha_docs.render import docx
from jiancha_docs.render.batch import PARALLEL_FROM, RenderOptions, render_records

from .test_batch import REFORM_HEADERS

ROWS = 150
assert ROWS > PARALLEL_FROM + 40, "the batch must be big enough to start worker processes"


def rows(count: int) -> list[list[str]]:
    """Reform notices without 文号 (the ledger numbers them); every 10th row has a bad date,
    rows 21 and 22 (lines 22 and 23) name the same unit."""
    found = []
    for n in range(1, count + 1):
        unit = "某某市第21局党组" if n == 22 else f"某某市第{n}局党组"
        date = "2024-13-40" if n % 10 == 0 else "2024-12-20"
        found.append(
            [
                "中共某某市纪律检查委员会",
                "",
                unit,
                f"给予该局原副局长某某{n}开除党籍处分。",
                "监督乏力\n制度漏洞",
                f"专项整治|局办公室|2025-03-31\n修订制度|局法规科|2025/2/{(n % 28) + 1}",
                "2025-01-15",
                "2025-04-30",
                "2025-01-31",  # 专题民主生活会时限, 会议材料报送日期 (test_batch.REFORM_HEADERS)
                "2025-02-10",
                date,
            ]
        )
    return found


def write_input(path: Path, count: int = ROWS, data: list[list[str]] | None = None) -> Path:
    with open(path, "w", encoding="gbk", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(REFORM_HEADERS)
        writer.writerows(rows(count) if data is None else data)
    return path


def run(tmp_path: Path, name: str, jobs: int, source: Path, **options: object):
    out, db = tmp_path / name, tmp_path / f"{name}.sqlite3"
    opts = RenderOptions(outdir=out, ledger_path=db, code="某纪改", jobs=jobs, **options)
    return render_records(find_kind("reform_notice"), [source], opts), out, db


def manifest_lines(out: Path) -> list[list[str]]:
    (manifest,) = out.glob("生成清单_*.csv")
    with open(manifest, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def ledger_rows(db: Path) -> list[tuple]:
    with Ledger(db) as ledger:
        return [
            (
                e.doc_number,
                e.source_row,
                Path(e.output_file).name if e.output_file else None,
                e.sha256,
                e.status,
            )
            for e in ledger.entries()
        ]


def assert_files_agree_with_ledger(out: Path, db: Path) -> None:
    """Every document on disk is 已印发 with its digest; every other entry is 作废; nothing is
    left 生成中; no temporary file is left behind; numbers run without a gap."""
    with Ledger(db) as ledger:
        entries = ledger.entries()
    assert all(e.status in ("已印发", "作废") for e in entries)
    written = {p.name for p in out.glob("*.docx")}
    issued = {Path(e.output_file).name for e in entries if e.status == "已印发"}
    assert issued == written
    for entry in entries:
        if entry.status == "已印发":
            assert file_digest(out / Path(entry.output_file).name) == entry.sha256
    assert [e.doc_number for e in entries] == [f"某纪改〔2024〕{n}号" for n in range(1, len(entries) + 1)]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_two_processes_make_exactly_what_one_makes(tmp_path: Path) -> None:
    source = write_input(tmp_path / "input.csv")
    one, out_one, db_one = run(tmp_path, "one", 1, source)
    two, out_two, db_two = run(tmp_path, "two", 2, source)
    assert (one.workers, two.workers) == (0, 2)
    assert (two.written, two.failed) == (one.written, one.failed) == (135, 15)
    # the same file names, byte for byte the same documents
    names = sorted(p.name for p in out_one.glob("*.docx"))
    assert names == sorted(p.name for p in out_two.glob("*.docx"))
    for name in names:
        assert (out_one / name).read_bytes() == (out_two / name).read_bytes(), name
    # the same manifest, in row order, with the bad rows in their places
    assert manifest_lines(out_one) == manifest_lines(out_two)
    assert [int(line[1]) for line in manifest_lines(out_two)[1:]] == list(range(2, ROWS + 2))
    # the same 文号 for the same rows, in row order, none taken by a bad row
    assert ledger_rows(db_one) == ledger_rows(db_two)
    good_rows = [n + 1 for n in range(1, ROWS + 1) if n % 10]
    assert [row for _, row, *_ in ledger_rows(db_two)] == good_rows
    assert_files_agree_with_ledger(out_two, db_two)


def test_a_row_that_fails_in_a_worker_voids_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document that cannot be made in a worker (here: every unit ending in 7) fails alone:
    its number is voided with the reason, the rest of the batch is written."""
    original = docx.PreparedTemplate.render_bytes

    def picky(self, context):
        if context["recipient"].endswith("7局党组"):
            raise OutputError("磁盘已满")
        return original(self, context)

    monkeypatch.setattr(docx.PreparedTemplate, "render_bytes", picky)  # workers are forked: they see it
    source = write_input(tmp_path / "input.csv")
    one, out_one, db_one = run(tmp_path, "one", 1, source)
    two, out_two, db_two = run(tmp_path, "two", 2, source)
    assert two.workers == 2
    assert (two.written, two.failed) == (one.written, one.failed) == (120, 30)
    assert manifest_lines(out_one) == manifest_lines(out_two)
    assert ledger_rows(db_one) == ledger_rows(db_two)
    voided = [e for e in Ledger(db_two).entries() if e.status == "作废"]
    assert len(voided) == 15 and all(e.void_reason == "磁盘已满" for e in voided)
    assert all(e.recipient.endswith("7局党组") for e in voided)
    assert_files_agree_with_ledger(out_two, db_two)


def test_a_template_error_part_way_stops_the_job_and_settles_every_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = docx.PreparedTemplate.render_bytes

    def breaks_at_row_120(self, context):
        if context["recipient"] == "某某市第119局党组":
            raise TemplateProblem("模板 official.docx 渲染失败：模板使用了未定义的变量“x”")
        return original(self, context)

    monkeypatch.setattr(docx.PreparedTemplate, "render_bytes", breaks_at_row_120)
    source = write_input(tmp_path / "input.csv")
    with pytest.raises(TemplateProblem):
        run(tmp_path, "two", 2, source)
    out, db = tmp_path / "two", tmp_path / "two.sqlite3"
    lines = manifest_lines(out)[1:]
    assert [int(line[1]) for line in lines] == list(range(2, 120))  # the rows before, in order
    assert_files_agree_with_ledger(out, db)
    entries = Ledger(db).entries()
    stopped = [e for e in entries if e.status == "作废"]
    assert stopped and all(e.void_reason.startswith("本批次因错误停止（模板") for e in stopped)


def test_ctrl_c_part_way_keeps_ledger_and_files_in_agreement(tmp_path: Path) -> None:
    seen = []

    def interrupt(outcome) -> None:
        seen.append(outcome)
        if len(seen) == 100:
            raise KeyboardInterrupt

    source = write_input(tmp_path / "input.csv")
    out, db = tmp_path / "two", tmp_path / "two.sqlite3"
    options = RenderOptions(outdir=out, ledger_path=db, code="某纪改", jobs=2)
    with pytest.raises(KeyboardInterrupt):
        render_records(find_kind("reform_notice"), [source], options, on_row=interrupt)
    lines = manifest_lines(out)[1:]
    assert len(lines) >= 100
    # the manifest lists the rows done in order, and every document on disk
    assert [int(line[1]) for line in lines] == list(range(2, len(lines) + 2))
    assert {line[2] for line in lines if line[3] == "已生成"} == {p.name for p in out.glob("*.docx")}
    assert_files_agree_with_ledger(out, db)
    entries = Ledger(db).entries()
    assert any(e.void_reason == "生成被中断，文件未写出" for e in entries)


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_while_documents_are_being_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Interrupted in the middle of a chunk (the 100th document about to get its name): the
    documents named so far are in the manifest and registered, the rest leave nothing behind."""
    from jiancha_docs.render import batch

    calls = []
    original = batch.publish

    def interrupted(temporary: Path, path: Path, overwrite: bool = False) -> None:
        calls.append(path)
        if len(calls) == 100:
            raise KeyboardInterrupt
        original(temporary, path, overwrite)

    monkeypatch.setattr(batch, "publish", interrupted)
    source = write_input(tmp_path / "input.csv")
    out, db = tmp_path / "out", tmp_path / "l.sqlite3"
    with pytest.raises(KeyboardInterrupt):
        render_records(
            find_kind("reform_notice"),
            [source],
            RenderOptions(outdir=out, ledger_path=db, code="某纪改", jobs=jobs),
        )
    assert len(list(out.glob("*.docx"))) == 99
    lines = manifest_lines(out)[1:]
    assert {line[2] for line in lines if line[3] == "已生成"} == {p.name for p in out.glob("*.docx")}
    assert_files_agree_with_ledger(out, db)


KILLED_BATCH = """
import sys
from pathlib import Path
from jiancha_docs.kinds import find_kind
from jiancha_docs.render.batch import RenderOptions, render_records
options = RenderOptions(outdir=Path(sys.argv[2]), ledger_path=Path(sys.argv[3]), code="某纪改", jobs=2)
render_records(find_kind("reform_notice"), [Path(sys.argv[1])], options)
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that never reaps it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            return stream.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stream:
                    if int(stream.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_a_parallel_batch_leaves_no_worker_and_a_consistent_ledger(tmp_path: Path) -> None:
    source = write_input(tmp_path / "input.csv", 3000)
    out, db = tmp_path / "out", tmp_path / "l.db"
    batch = subprocess.Popen([sys.executable, "-c", KILLED_BATCH, str(source), str(out), str(db)])
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and (len(workers) < 2 or len(list(out.glob("*.docx"))) < 300):
        workers = children_of(batch.pid)
        time.sleep(0.05)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    assert len(workers) == 2
    # orphaned workers notice and exit
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
    with Ledger(db) as ledger:
        ledger.recover()
    from jiancha_docs.render.output import remove_stale_temporaries

    remove_stale_temporaries(out)  # the next run does this first
    assert_files_agree_with_ledger(out, db)


def test_workers_started_by_spawn_make_the_same_documents(tmp_path: Path) -> None:
    """Windows and macOS start workers with spawn: each prepares its own template, and the
    records travel pickled (dates as CnDate, tables as lists of dicts)."""
    from jiancha_docs.kinds import Record, Validator
    from jiancha_docs.render.workers import InlineRenderer, ProcessRenderer, RenderTask, make_prepared
    from jiancha_docs.sources import open_source

    kind = find_kind("reform_notice")
    validator = Validator(kind)
    contexts = []
    with open_source(write_input(tmp_path / "input.csv", 9)) as source:
        header_map = validator.map_headers(source.headers, source.display_name)
        for raw in source.records():
            record = validator.validate(raw.location, raw.values, header_map)
            if isinstance(record, Record):
                contexts.append({**record.values, "doc_number": "某纪改〔2024〕1号", "layout": "文件式"})
    assert len(contexts) == 9
    template = tmp_path / "template.docx"
    template.write_bytes(kind.template_path(None).read_bytes())
    prepared = make_prepared(template, None)
    (tmp_path / "inline").mkdir()
    (tmp_path / "spawned").mkdir()
    inline = InlineRenderer(prepared).submit(
        [RenderTask(c, tmp_path / "inline" / f"{n}.docx") for n, c in enumerate(contexts)]
    )
    pool = ProcessRenderer(prepared, template, None, 2, start_method="spawn")
    template.unlink()  # the workers render the template the job read, whatever the disk holds now
    try:
        spawned = pool.submit(
            [RenderTask(c, tmp_path / "spawned" / f"{n}.docx") for n, c in enumerate(contexts)]
        )
        results = spawned.result(timeout=120)
    finally:
        pool.close()
    for ours, theirs in zip(inline.result(), results, strict=True):
        assert ours.problem is None and theirs.problem is None
        assert ours.digest == theirs.digest
        assert ours.temporary.read_bytes() == theirs.temporary.read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_on_the_command_line(tmp_path: Path) -> None:
    """What a clerk sees after Ctrl-C on `jiancha render`, and what is left."""
    source = write_input(tmp_path / "input.csv", 3000)
    out, db = tmp_path / "out", tmp_path / "l.sqlite3"
    command = [sys.executable, "-c", "from jiancha_docs.cli import main; main()"]
    env = {**os.environ, "JIANCHA_DB": str(db)}
    batch = subprocess.Popen(
        [*command, "render", "reform_notice", str(source), "-o", str(out), "--code", "某纪改"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 300:
        time.sleep(0.05)
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130
    assert stderr.strip().endswith(
        "已中断。已开始生成的文书都已完成，登记了台账并列入生成清单；其余记录没有处理，也没有占用文号；不会留下半个文件。"
    )
    assert 300 <= len(list(out.glob("*.docx"))) < 2700
    lines = manifest_lines(out)[1:]
    assert {line[2] for line in lines if line[3] == "已生成"} == {p.name for p in out.glob("*.docx")}
    assert_files_agree_with_ledger(out, db)
    # the rows being rendered were finished, not voided: every number taken has its document
    assert all(e.status == "已印发" for e in Ledger(db).entries())


def test_a_template_that_always_fails_costs_one_number_even_after_a_bad_first_row(tmp_path: Path) -> None:
    """Rows go one at a time until a document has been written, so a broken template stops the
    job at its first renderable record: one number voided, not a chunk of them."""
    from docx import Document

    broken = tmp_path / "broken.docx"
    document = Document()
    # Fails only when rendering (an unknown variable is refused before any number is taken).
    document.add_paragraph("{{ recipient }}{{ recipient.no_such_attribute }}")
    document.save(broken)
    data = rows(40)
    data[0][-1] = "2024-13-40"  # the first row fails validation
    source = write_input(tmp_path / "input.csv", data=data)
    with pytest.raises(TemplateProblem):
        run(tmp_path, "out", 2, source, template=broken)
    entries = Ledger(tmp_path / "out.sqlite3").entries()
    assert [(e.doc_number, e.status, e.source_row) for e in entries] == [("某纪改〔2024〕1号", "作废", 3)]


def test_the_ledger_is_not_held_while_the_next_input_file_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (ledger mark, a second render) can write to the ledger between files."""
    import sqlite3

    from jiancha_docs import sources

    db = tmp_path / "out.sqlite3"
    opened = []
    original = sources.open_source

    def open_and_probe(path: Path, *args, **kwargs):
        if opened:
            other = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails with "database is locked" if held
                other.execute("ROLLBACK")
            finally:
                other.close()
        opened.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(sources, "open_source", open_and_probe)
    first = write_input(tmp_path / "a.csv", 5)
    second = write_input(tmp_path / "b.csv", data=rows(10)[5:])  # other units: new documents
    out = tmp_path / "out"
    options = RenderOptions(outdir=out, ledger_path=db, code="某纪改", jobs=1)
    report = render_records(find_kind("reform_notice"), [first, second], options)
    assert len(opened) == 2 and report.written == 9 and report.failed == 1  # row 10: a bad date


def test_colliding_names_are_numbered_the_same_way_by_any_number_of_processes(tmp_path: Path) -> None:
    """Without 文号 the file name is the unit's; two rows share one, and the second gets "_2"
    whichever process renders it."""
    source = write_input(tmp_path / "input.csv")
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        report = render_records(
            find_kind("reform_notice"), [source], RenderOptions(outdir=out, ledger_path=None, jobs=jobs)
        )
        assert report.workers == (0 if jobs == 1 else 2)
        outputs.append((sorted(p.name for p in out.glob("*.docx")), manifest_lines(out)))
    assert outputs[0] == outputs[1]
    names = outputs[1][0]
    assert "某某市第21局党组.docx" in names and "某某市第21局党组_2.docx" in names
