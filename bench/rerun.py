#!/usr/bin/env python3
"""Reruns: what it costs to render a sheet again once the ledger has it.

    python bench/rerun.py                 # 1,000 and 10,000 rows of reform_notice
    python bench/rerun.py --sizes 3000 --kind recommendation

For each size, in one run and in fresh processes (the whole `jiancha render` command):

1. *first*: the sheet rendered into an empty folder with a new ledger (every row a new number);
2. *rerun*: the same sheet again into the same folder (every row recognised: no number taken,
   nothing written);
3. *edited rerun*: 1 % of the rows edited, again (those rows are refused as changed, which makes
   the job read the file a second time to tell moved rows from edited ones).

The first render is the baseline; the ratios say how much of it a rerun costs. After each step
the ledger is checked: numbers 1..N, none voided, none added by the reruns.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_throughput import CONFIG, jiancha_command, write_input  # noqa: E402


def run(folder: Path, kind: str, source: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JIANCHA_DB", "JIANCHA_CONFIG")}
    started = time.perf_counter()
    result = subprocess.run(
        [*jiancha_command(), "render", kind, str(source), "-o", "out"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, result.stderr.strip().splitlines()[-1]


def numbers(folder: Path) -> tuple[int, int]:
    with sqlite3.connect(folder / ".jiancha" / "ledger.sqlite3") as connection:
        total, void = connection.execute("SELECT COUNT(*), SUM(status = '作废') FROM documents").fetchone()
    return total, void or 0


def edit(source: Path, share: float) -> int:
    with open(source, encoding="gbk", newline="") as stream:
        rows = list(csv.reader(stream))
    step = max(int(1 / share), 1)
    column = len(rows[0]) - 3  # a text column near the end
    edited = 0
    for index in range(1, len(rows), step):
        rows[index][column] += "（修改）"
        edited += 1
    with open(source, "w", encoding="gbk", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return edited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--kind", default="reform_notice")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"{'rows':>7}  {'first s':>8}  {'rerun s':>8}  {'rerun/first':>11}  {'edited s':>8}  {'edited/first':>12}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            (folder / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
            source = write_input(args.kind, size, folder)
            first, _ = run(folder, args.kind, source)
            assert numbers(folder) == (size, 0), numbers(folder)
            rerun, summary = run(folder, args.kind, source)
            assert "新生成 0 份" in summary and numbers(folder) == (size, 0), summary
            edited_rows = edit(source, 0.01)
            edited, summary = run(folder, args.kind, source)
            assert f"失败 {edited_rows} 条" in summary and numbers(folder) == (size, 0), summary
            print(
                f"{size:>7}  {first:>8.2f}  {rerun:>8.2f}  {rerun / first:>11.2f}  {edited:>8.2f}  {edited / first:>12.2f}"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
