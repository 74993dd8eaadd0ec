"""The office server, done-when: with the ledger on PostgreSQL, two ``jiancha serve`` instances
(one of them with two workers) and command-line renders number documents at once — distinct,
gapless numbers, read back equal — and a ``kill -9`` of one server mid-run leaves the ledger
consistent. The servers require a login (a 文书 account), as an office's would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jiancha_docs.accounts import Accounts, Role
from jiancha_docs.ledger import open_ledger
from jiancha_docs.ledger.audit import Actor, trail
from jiancha_docs.ledger.model import file_digest

from .conftest import RECORD, free_port

PASSWORD = "correct horse"
ENTRY = [sys.executable, "-c", "from jiancha_docs.cli import main; main()"]


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "JIANCHA_DB": url, "JIANCHA_TODAY": "2025-02-01"}


def start_server(workspace: Path, url: str, out: Path, workers: int = 1) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    command = [
        *ENTRY,
        "serve",
        "--port",
        str(port),
        "--no-preview",
        "-o",
        str(out),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        command,
        cwd=workspace,
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers are its own process group, stopped with it
    )
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def signed_in(base: str, name: str) -> Any:
    """An HTTP client signed in to ``base`` as ``name``, sending its CSRF token."""
    import httpx

    client = httpx.Client(base_url=base, timeout=120)
    client.get("/login")
    token = client.cookies.get("jiancha_csrf")
    client.headers["X-CSRF-Token"] = token
    answer = client.post("/login", data={"name": name, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def record(label: str) -> dict[str, Any]:
    """A record no other render has (the same record twice would rightly keep one number)."""
    return {**RECORD, "subject": f"规范科研经费管理（{label}）"}


def seq(number: str) -> int:
    return int(number.split("〕")[1].rstrip("号"))


def test_two_servers_and_the_command_line_number_together_and_survive_a_kill(
    workspace: Path, pg_url: str, tmp_path: Path
) -> None:
    with open_ledger(pg_url) as book:
        Accounts(book, Actor("安装人员", "命令行@test")).add("张三", Role.CLERK, PASSWORD)
    out_a, out_b = tmp_path / "out-a", tmp_path / "out-b"
    server_a, base_a = start_server(workspace, pg_url, out_a, workers=2)
    server_b, base_b = start_server(workspace, pg_url, out_b)
    issued: dict[str, str] = {}  # number → who
    failures: list[str] = []
    lock = threading.Lock()

    def clerk(base: str, label: str, count: int, tolerate: bool) -> None:
        import httpx

        client = signed_in(base, "张三")
        for i in range(count):
            try:
                answer = client.post("/api/render/recommendation", json=record(f"{label}-{i}"))
            except httpx.HTTPError:
                if tolerate:  # the server was killed under it
                    return
                raise
            with lock:
                if answer.status_code != 200:
                    failures.append(f"{label}-{i}: {answer.status_code} {answer.text}")
                    continue
                number = unquote(answer.headers["x-jiancha-number"])
                if number in issued:
                    failures.append(f"{number} was issued twice")
                issued[number] = label

    try:
        cli_jobs = []
        for index in range(3):
            source = tmp_path / f"cli{index}.json"
            source.write_text(
                json.dumps([record(f"cli{index}-{i}") for i in range(3)], ensure_ascii=False),
                encoding="utf-8",
            )
            cli_jobs.append(
                subprocess.Popen(
                    [
                        *ENTRY,
                        "render",
                        "纪检监察建议书",
                        str(source),
                        "-o",
                        str(tmp_path / f"cli{index}"),
                        "-j",
                        "1",
                    ],
                    cwd=workspace,
                    env=environment(pg_url),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        threads = [threading.Thread(target=clerk, args=(base_a, f"a{t}", 5, False)) for t in range(2)] + [
            threading.Thread(target=clerk, args=(base_b, f"b{t}", 30, True)) for t in range(2)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and sum(1 for who in issued.values() if who.startswith("b")) < 3:
            time.sleep(0.05)
        os.killpg(server_b.pid, signal.SIGKILL)  # kill -9, mid-run
        server_b.wait()
        for thread in threads:
            thread.join(timeout=600)
        for job in cli_jobs:
            _, err = job.communicate(timeout=600)
            assert job.returncode == 0, err
        assert not failures, failures
        from_b = sum(1 for who in issued.values() if who.startswith("b"))
        assert 3 <= from_b < 60, "the kill should land mid-run"
        after = signed_in(base_a, "张三").post("/api/render/recommendation", json=record("after"))
        assert after.status_code == 200, after.text  # the surviving server goes on numbering
        issued[unquote(after.headers["x-jiancha-number"])] = "after"
    finally:
        stop(server_a)
        stop(server_b)

    cli_files = {p.name.split("_")[0]: p for i in range(3) for p in (tmp_path / f"cli{i}").glob("*.docx")}
    assert len(cli_files) == 9 and not set(cli_files) & set(issued)
    with open_ledger(pg_url) as book:
        book.recover()
        entries = {e.doc_number: e for e in book.entries()}
        audit = trail(book)
    # distinct and gapless: 1…N, every number a document or a voided one with its reason
    assert sorted(seq(n) for n in entries) == list(range(1, len(entries) + 1))
    assert all(e.status in ("已印发", "作废") for e in entries.values())
    for number in [*issued, *cli_files]:
        entry = entries[number]
        assert entry.status == "已印发"
        assert file_digest(Path(entry.output_file)) == entry.sha256  # read back equal
    voided = [e for e in entries.values() if e.status == "作废"]
    assert all(e.void_reason for e in voided)
    assert len(entries) - len(voided) >= len(issued) + len(cli_files)
    # the servers' numbers are the account's, the command line's the operating-system user's
    takers = {line.doc_number: line.actor for line in audit if line.action == "entry"}
    assert all(takers[n] == "张三" for n in issued)
    assert all(takers[n] != "张三" for n in cli_files)
