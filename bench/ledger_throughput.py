#!/usr/bin/env python3
"""The ledger's numbering throughput: numbered documents per second with 1, 2 and 4 concurrent
writers, on PostgreSQL (the office server) against SQLite (the embedded default, the baseline),
measured in the same run.

    python bench/ledger_throughput.py                     # 1/2/4 writers, 300 documents each
    python bench/ledger_throughput.py --per-writer 1000 --writers 1,2,4,8

One "numbered document" is what a render job asks of the ledger for each row: ``allocate`` (the
number, held as 生成中, in the transaction that advances the counter), ``record_digest`` before the
file is written, ``issue`` after — three transactions — without rendering a .docx, so the figure
is the ledger's, not Word's. Each writer is its own process (as clerks' machines are) opening its
own connection; all start together on a ledger created beforehand, and the wall time runs from
the start signal to the last writer's end. After each run the numbers are checked: 1…N for the
代字 and year, all 已印发, none twice.

PostgreSQL: a throw-away cluster (tests/pg.py: initdb as the postgres user, 127.0.0.1, a free
port) with its defaults except ``fsync=off`` (as the tests run it; a production server keeps
fsync on, which costs a disk flush per commit). SQLite: WAL, synchronous=NORMAL, as jiancha
opens it, in a temporary folder on the local disk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def writer(target: str, count: int, start: object, out: object) -> None:
    from jiancha_docs.ledger import DocumentMeta, open_ledger

    meta = DocumentMeta(kind="recommendation", recipient="某局", doc_date=dt.date(2024, 12, 1))
    numbers = []
    with open_ledger(target) as ledger:
        start.wait()  # type: ignore[attr-defined]
        for _ in range(count):
            number = ledger.allocate("某纪建", 2024, meta)
            ledger.record_digest(number, "0" * 64, f"/nonexistent/{number}.docx")
            ledger.issue(number)
            numbers.append(number)
    out.put(numbers)  # type: ignore[attr-defined]


def run(target: str, writers: int, per_writer: int) -> float:
    from jiancha_docs.ledger import open_ledger

    open_ledger(target).close()
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    processes = [
        context.Process(target=writer, args=(target, per_writer, start, out)) for _ in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(3.0)  # every writer imported and connected
    began = time.perf_counter()
    start.set()
    numbers = [n for _ in processes for n in out.get(timeout=900)]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    total = writers * per_writer
    assert sorted(numbers) == sorted(f"某纪建〔2024〕{n}号" for n in range(1, total + 1)), "numbers not 1…N"
    with open_ledger(target) as ledger:
        assert all(e.status == "已印发" for e in ledger.entries())
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,2,4")
    parser.add_argument("--per-writer", type=int, default=300)
    args = parser.parse_args()
    from tests.pg import PgCluster, unavailable

    why = unavailable()
    if why:
        sys.exit(f"PostgreSQL 不可用：{why}")
    from jiancha_docs.ledger.postgres import upgrade

    cluster = PgCluster.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for count in [int(w) for w in args.writers.split(",")]:
                sqlite = run(str(Path(folder) / f"l{count}.sqlite3"), count, args.per_writer)
                url = cluster.new_database()
                upgrade(url)
                postgres = run(url, count, args.per_writer)
                rows.append((count, sqlite, postgres))
                print(f"{count} writers: SQLite {sqlite:.0f}/s, PostgreSQL {postgres:.0f}/s", flush=True)
    finally:
        cluster.stop()
    print()
    print("| writers | documents | SQLite (docs/s) | PostgreSQL (docs/s) | PostgreSQL / SQLite |")
    print("|---|---|---|---|---|")
    for count, sqlite, postgres in rows:
        print(
            f"| {count} | {count * args.per_writer} | {sqlite:.0f} | {postgres:.0f} | {postgres / sqlite:.2f}× |"
        )


if __name__ == "__main__":
    main()
