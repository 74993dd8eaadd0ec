"""The office server's ledger on PostgreSQL: many writers at once, a killed writer, the server's
errors in Chinese (unreachable, not upgraded, busy, connection lost), the append-only audit
trail. The shared ledger suite (test_ledger.py through the ``ledger_target`` fixture) runs on
this backend too; these are the tests only a server needs."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jiancha_docs.ledger import SCHEMA_VERSION, DocumentMeta, LedgerBusy, LedgerError, open_ledger
from jiancha_docs.ledger.model import file_digest
from jiancha_docs.ledger.postgres import PostgresLedger, server_name, upgrade

from .test_ledger import reform_rows, write_csv

META = DocumentMeta(kind="recommendation", recipient="某局", doc_date=dt.date(2024, 12, 1))


def render(source: Path, out: Path, url: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "JIANCHA_DB": url, "JIANCHA_TODAY": "2025-02-01"}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from jiancha_docs.cli import main; main()",
            "render",
            "以案促改通知书",
            str(source),
            "-o",
            str(out),
            "--code",
            "某纪改",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(batch: int, n: int) -> list[list[str]]:
    """Rows no other batch has (the same record twice would rightly get one number)."""
    made = reform_rows(n)
    for row in made:
        row[1] = f"第{batch}组{row[1]}"
    return made


def seq(number: str) -> int:
    return int(number.split("〕")[1].rstrip("号"))


def test_eight_processes_render_at_once_with_distinct_gapless_numbers(tmp_path: Path, pg_url: str) -> None:
    jobs = []
    for index in range(8):
        source = write_csv(tmp_path / f"{index}.csv", rows(index, 6))
        jobs.append((render(source, tmp_path / f"out{index}", pg_url), tmp_path / f"out{index}"))
    files: dict[str, Path] = {}
    for job, out in jobs:
        _, err = job.communicate(timeout=600)
        assert job.returncode == 0, err
        for path in out.glob("*.docx"):
            number = path.name.split("_")[0]
            assert number not in files, f"{number} was issued twice"
            files[number] = path
    assert sorted(files, key=seq) == [f"某纪改〔2024〕{n}号" for n in range(1, 49)]
    with open_ledger(pg_url) as ledger:
        entries = ledger.entries()
    # read back equal: every entry issued, its file the one on disk, its number in the document
    assert {e.doc_number: Path(e.output_file).resolve() for e in entries} == {
        n: p.resolve() for n, p in files.items()
    }
    assert all(e.status == "已印发" and file_digest(Path(e.output_file)) == e.sha256 for e in entries)
    from .helpers import docx_text

    assert "某纪改〔2024〕37号" in docx_text(files["某纪改〔2024〕37号"])


def test_killing_one_of_several_writers_leaves_the_server_ledger_consistent(
    tmp_path: Path, pg_url: str
) -> None:
    writers = [
        render(write_csv(tmp_path / f"{i}.csv", rows(i, 150)), tmp_path / f"out{i}", pg_url) for i in range(3)
    ]
    victim = tmp_path / "out0"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list(victim.glob("*.docx"))) < 10:
        time.sleep(0.02)
    os.kill(writers[0].pid, signal.SIGKILL)
    writers[0].wait()
    for writer in writers[1:]:
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
    written = {p.resolve() for i in range(3) for p in (tmp_path / f"out{i}").glob("*.docx")}
    assert 10 <= len(list(victim.glob("*.docx"))) < 150, "the kill should land half-way"
    with open_ledger(pg_url) as ledger:
        notes = ledger.recover()
        entries = ledger.entries()
    assert all(e.status in ("已印发", "作废") for e in entries), notes
    assert {Path(e.output_file).resolve() for e in entries if e.status == "已印发"} == written
    # none lost, none reused: 1…N, each a document or a voided number with its reason
    assert sorted(seq(e.doc_number) for e in entries) == list(range(1, len(entries) + 1))
    assert all(e.void_reason == "生成过程中断，文件未写出" for e in entries if e.status == "作废")


def test_an_unreachable_server_is_named_in_chinese(tmp_path: Path) -> None:
    url = "postgresql://jiancha:secret@127.0.0.1:1/jiancha"
    with pytest.raises(LedgerError) as caught:
        PostgresLedger(url)
    assert caught.value.message.startswith("无法连接台账服务器 jiancha@127.0.0.1:1/jiancha：无法连接")
    assert "secret" not in caught.value.message
    from .helpers import run_jiancha

    result = run_jiancha(tmp_path, "ledger", "list", env={"JIANCHA_DB": url})
    assert result.returncode == 1
    assert result.stderr.startswith("错误：无法连接台账服务器 jiancha@127.0.0.1:1/jiancha")
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_a_server_ledger_is_upgraded_by_the_administrator_only(pg_cluster) -> None:
    url = pg_cluster.new_database()
    with pytest.raises(LedgerError) as caught:
        PostgresLedger(url)
    assert caught.value.message == f"台账服务器 {server_name(url)} 尚未建立台账"
    assert caught.value.hint == "请管理员运行 jiancha ledger upgrade（可重复运行）"
    from .helpers import run_jiancha

    first = run_jiancha(Path.cwd(), "ledger", "upgrade", env={"JIANCHA_DB": url})
    assert (first.returncode, first.stdout) == (
        0,
        f"台账服务器 {server_name(url)} 已从结构版本 0 升级到 {SCHEMA_VERSION}。\n",
    )
    again = run_jiancha(Path.cwd(), "ledger", "upgrade", env={"JIANCHA_DB": url})
    assert again.stdout == f"台账服务器 {server_name(url)} 已是最新结构（版本 {SCHEMA_VERSION}）。\n"
    with PostgresLedger(url) as ledger:
        assert ledger.allocate("某纪建", 2024, META) == "某纪建〔2024〕1号"


def test_a_database_of_something_else_is_not_taken_over(pg_cluster) -> None:
    import psycopg

    url = pg_cluster.new_database()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(LedgerError, match=r"的数据库不是 jiancha 台账（含有数据表：invoices）"):
        upgrade(url)


def test_a_number_another_machine_is_taking_waits_then_says_busy(pg_url: str) -> None:
    import psycopg

    with open_ledger(pg_url) as ledger:
        ledger.allocate("某纪建", 2024, META)
    with psycopg.connect(pg_url) as other:  # another machine mid-transaction on the counter row
        other.execute("SELECT * FROM counters WHERE code = '某纪建' FOR UPDATE")
        with PostgresLedger(pg_url, wait=0.5) as ledger:
            with pytest.raises(LedgerBusy, match="正被其他电脑使用，等待超时"):
                ledger.allocate("某纪建", 2024, META)
            other.rollback()
            assert ledger.allocate("某纪建", 2024, META) == "某纪建〔2024〕2号"  # no gap from the refusal


def test_a_lost_connection_is_explained_and_nothing_is_half_done(pg_url: str) -> None:
    import psycopg

    with PostgresLedger(pg_url) as ledger:
        ledger.allocate("某纪建", 2024, META)
        pid = ledger.connection.raw.info.backend_pid
        with pytest.raises(LedgerError) as caught, ledger.batch():
            ledger.allocate("某纪建", 2024, META)
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            ledger.allocate("某纪建", 2024, META)
        assert caught.value.message.startswith(
            f"与台账服务器 {server_name(pg_url)} 的连接中断，本次操作未完成"
        )
    with open_ledger(pg_url) as ledger:
        assert [e.doc_number for e in ledger.entries()] == ["某纪建〔2024〕1号"]
        assert ledger.allocate("某纪建", 2024, META) == "某纪建〔2024〕2号"


def test_the_audit_trail_refuses_changes_on_the_server(pg_url: str) -> None:
    with open_ledger(pg_url) as ledger:
        ledger.allocate("某纪建", 2024, META)
        for statement in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit", "TRUNCATE audit"):
            with pytest.raises(LedgerError, match="审计日志只能追加，不能修改或删除"):
                ledger._sql(statement)
        assert ledger._sql("SELECT COUNT(*) FROM audit").fetchone()[0] == 1


def test_a_server_ledger_is_backed_up_as_a_sqlite_file(tmp_path: Path, pg_url: str) -> None:
    with open_ledger(pg_url) as ledger:
        number = ledger.allocate("某纪建", 2024, META)
        ledger.issue(number, "0" * 64, str(tmp_path / "a.docx"))
        ledger.mark(number, "已送达", dt.date(2024, 12, 3))
        ledger.backup(tmp_path / "copy.sqlite3")
        with pytest.raises(LedgerError, match="已存在，未覆盖"):
            ledger.backup(tmp_path / "copy.sqlite3")
    with open_ledger(tmp_path / "copy.sqlite3") as copy:
        entry = copy.find(number)
        assert [h.status for h in entry.history] == ["生成中", "已印发", "已送达"]
        assert copy.allocate("某纪建", 2024, META) == "某纪建〔2024〕2号"
    assert not list(tmp_path.glob(".*part*"))
