#!/usr/bin/env python3
"""Batch rendering: `jiancha render` against docxtpl's naive loop, documents per second and peak memory.

    python bench/batch_throughput.py                          # 1,000 / 10,000 / 100,000 rows × 4 kinds
    python bench/batch_throughput.py --sizes 1000 --kinds recommendation

For each kind and size it writes a GBK CSV (or, with ``--input-format xlsx``, a workbook) of SIZE rows (the starter row of ``jiancha new KIND
--format csv``, every row its own 主送单位/姓名, 文号 left empty so the ledger numbers them), then
in the same run measures

* ``jiancha render KIND input.csv -o OUT`` as a user runs it: a fresh process, a fresh ledger that
  numbers every document, the manifest, validation of every row — the whole command's wall time; and
* the baseline, docxtpl's naive loop in a fresh process: per row ``DocxTemplate(path)`` →
  ``render(ctx, jinja_env, autoescape=True)`` → ``save``. Only the loop is timed: reading and
  validating the rows (to give it the same context) is left out, which favours the baseline. The
  naive loop's cost per document does not depend on the batch size, so by default it runs on the
  first ``--baseline-rows`` rows of each input (2,000) rather than for an hour at 100,000.

Peak memory is read from /proc every 50 ms while each command runs: the highest VmHWM (the
kernel's own peak-RSS mark, so no spike between samples is missed) of any one process of the command, and the highest sum of RSS over the command's processes (main + render
workers) seen in the samples. CPU is the command's user + system time (its workers included) over
its wall time: 2.0 means both cores busy the whole time.

After each run the output is checked: one .docx per row, a manifest line per row in row order, and
ledger numbers 1..N in row order with nothing 生成中 or 作废.

Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("recommendation", "reform_notice", "clarification_notice", "clarification_letter")
# The column each row varies, so that every document (and its file name) is its own.
VARIED = {
    "recommendation": "主送单位",
    "reform_notice": "主送单位",
    "clarification_notice": "姓名",
    "clarification_letter": "姓名",
}
CONFIG = """\
[numbering]
"以案促改通知书" = "某纪改"
"澄清正名通报" = "某纪通"
"澄清说明" = "某纪函"
"纪检监察建议书" = { "纪律检查建议" = "某纪建", "监察建议" = "某监建", "纪检监察建议" = "某纪监建" }
"""
SAMPLE_SECONDS = 0.05


def jiancha_command() -> list[str]:
    script = Path(sys.executable).parent / "jiancha"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jiancha_docs.cli"]


# -- inputs ------------------------------------------------------------------------------------
def write_input(kind: str, rows: int, folder: Path, fmt: str = "csv") -> Path:
    """A GBK CSV (or an .xlsx) of ROWS rows made from the kind's starter row (`jiancha new`)."""
    seed_path = folder / f"{kind}_seed.csv"
    if not seed_path.exists():
        subprocess.run(
            [*jiancha_command(), "new", kind, "--format", "csv", "-o", str(seed_path)],
            check=True,
            capture_output=True,
        )
    with open(seed_path, encoding="utf-8-sig", newline="") as stream:
        headers, seed = list(csv.reader(stream))[:2]
    varied = headers.index(VARIED[kind])
    number = headers.index("文号")

    def varied_rows():
        for index in range(1, rows + 1):
            row = list(seed)
            row[number] = ""
            row[varied] = f"{seed[varied]}{index:06d}"
            yield row

    path = folder / f"{kind}_{rows}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(headers)
        for row in varied_rows():
            sheet.append(row)
        workbook.save(path)
        return path
    with open(path, "w", encoding="gbk", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(varied_rows())
    return path


# -- measuring a command -----------------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _status_kb(pid: int, key: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as stream:
            for line in stream:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run COMMAND; wall seconds, CPU seconds, peak RSS of one process and of the whole tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_process: dict[int, int] = {}
    peak_sum = 0
    status = None
    usage = None
    while status is None:
        pids = _tree(process.pid)
        total = 0
        for pid in pids:
            total += _status_kb(pid, b"VmRSS:")
            peak_process[pid] = max(peak_process.get(pid, 0), _status_kb(pid, b"VmHWM:"))
        peak_sum = max(peak_sum, total)
        finished, raw_status, usage = os.wait4(process.pid, os.WNOHANG)
        if finished:
            status = raw_status
            break
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - start
    stdout, stderr = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(command)}\n{stderr.decode('utf-8', 'replace')}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        # (Not ru_maxrss: on Linux it keeps the high-water mark of the process that forked it.)
        "peak_process_mb": max(peak_process.values(), default=0) / 1024,
        "peak_sum_mb": peak_sum / 1024,
        "processes": len(peak_process),
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr.decode("utf-8", "replace"),
    }


# -- the two ways ------------------------------------------------------------------------------
def run_jiancha(kind: str, source: Path, rows: int, work: Path, extra: list[str]) -> dict:
    out = work / "out_jiancha"
    shutil.rmtree(out, ignore_errors=True)
    ledger = work / "ledger.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "JIANCHA_CONFIG": str(work / "jiancha.toml"), "JIANCHA_DB": str(ledger)}
    env.pop("JIANCHA_RULES_INDEX", None)
    result = measure([*jiancha_command(), "render", kind, str(source), "-o", str(out), *extra], env, work)
    verify(out, ledger, rows)
    shutil.rmtree(out)
    return result


def verify(out: Path, ledger: Path, rows: int) -> None:
    """One document per row, the manifest in row order, ledger numbers 1..N in row order."""
    documents = sum(1 for _ in out.glob("*.docx"))
    manifests = list(out.glob("生成清单_*.csv"))
    if documents != rows or len(manifests) != 1:
        sys.exit(f"expected {rows} documents and one manifest, found {documents} and {len(manifests)}")
    with open(manifests[0], encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))[1:]
    if [int(line[1]) for line in lines] != list(range(2, rows + 2)) or any(
        line[3] != "已生成" for line in lines
    ):
        sys.exit("the manifest is not one 已生成 line per row in row order")
    connection = sqlite3.connect(ledger)
    numbered = connection.execute("SELECT seq, source_row, status FROM documents ORDER BY seq").fetchall()
    connection.close()
    if [(seq, row) for seq, row, _ in numbered] != [(n, n + 1) for n in range(1, rows + 1)]:
        sys.exit("ledger numbers are not 1..N in row order")
    if any(status != "已印发" for _, _, status in numbered):
        sys.exit("ledger has entries that are not 已印发")
    for line in lines:
        if not (out / line[2]).is_file():
            sys.exit(f"the manifest names {line[2]}, which is not in the output folder")


def run_naive(kind: str, source: Path, rows: int, work: Path) -> dict:
    out = work / "out_naive"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "JIANCHA_CONFIG": str(work / "jiancha.toml")}
    command = [sys.executable, __file__, "--naive-loop", kind, str(source), str(out), str(rows)]
    result = measure(command, env, work)
    loop = json.loads(result["stdout"].strip().splitlines()[-1])
    shutil.rmtree(out)
    result["loop_seconds"], result["documents"] = loop["seconds"], loop["documents"]
    return result


def naive_loop(kind_name: str, source: Path, out: Path, limit: int) -> None:
    """The baseline process: docxtpl's documented loop, one DocxTemplate per document."""
    from docxtpl import DocxTemplate

    from jiancha_docs.config import load_settings
    from jiancha_docs.kinds import Record, Validator, find_kind
    from jiancha_docs.render.environment import make_environment
    from jiancha_docs.sources import open_source

    kind = find_kind(kind_name)
    settings = load_settings()
    validator = Validator(kind, settings.defaults)
    template = kind.template_path(None)
    jinja_env = make_environment()
    elapsed, documents = 0.0, 0
    with open_source(source) as opened:
        header_map = validator.map_headers(opened.headers, opened.display_name)
        for raw in opened.records():
            if documents >= limit:
                break
            record = validator.validate(raw.location, raw.values, header_map)
            assert isinstance(record, Record), record
            context = {**record.values, "doc_number": f"某纪〔2024〕{documents + 1}号", "layout": "文件式"}
            started = time.perf_counter()
            document = DocxTemplate(template)
            document.render(context, jinja_env, autoescape=True)
            document.save(out / f"{documents + 1}.docx")
            elapsed += time.perf_counter() - started
            documents += 1
    print(json.dumps({"seconds": elapsed, "documents": documents}))


def help_time(runs: int) -> tuple[float, float]:
    """Median seconds of `jiancha --help`, and of a bare `python -c pass` (the floor)."""

    def median(command: list[str]) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return median([*jiancha_command(), "--help"]), median([sys.executable, "-c", "pass"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="rows per input, comma-separated")
    parser.add_argument("--kinds", default=",".join(KINDS), help="document kinds, comma-separated")
    parser.add_argument("--baseline-rows", type=int, default=2000, help="rows the naive loop renders")
    parser.add_argument("--workdir", type=Path, help="where inputs and outputs go (default: a temp folder)")
    parser.add_argument("--jiancha-args", default="", help="extra arguments for jiancha render, e.g. -j1")
    parser.add_argument("--input-format", choices=("csv", "xlsx"), default="csv", help="the inputs' format")
    parser.add_argument(
        "--naive-loop", nargs=4, metavar=("KIND", "CSV", "OUT", "ROWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.naive_loop:
        kind, source, out, rows = args.naive_loop
        naive_loop(kind, Path(source), Path(out), int(rows))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jiancha-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; work folder: {work}")
    help_seconds, python_seconds = help_time(11)
    print(f"jiancha --help: {help_seconds:.3f} s (median of 11); python -c pass: {python_seconds:.3f} s")
    print()
    header = (
        f"{'kind':<22}{'rows':>8}{'jiancha doc/s':>15}{'naive doc/s':>13}{'ratio':>8}"
        f"{'CPU':>6}{'peak RSS 1 proc':>17}{'peak RSS sum':>14}{'naive RSS':>11}"
    )
    print(header)
    results = []
    for kind in kinds:
        for rows in sizes:
            source = write_input(kind, rows, work, args.input_format)
            ours = run_jiancha(kind, source, rows, work, args.jiancha_args.split())
            naive = run_naive(kind, source, min(rows, args.baseline_rows), work)
            ours_rate = rows / ours["wall"]
            naive_rate = naive["documents"] / naive["loop_seconds"]
            result = {
                "kind": kind,
                "rows": rows,
                "jiancha_seconds": round(ours["wall"], 2),
                "jiancha_docs_per_s": round(ours_rate, 1),
                "jiancha_cpu_cores": round(ours["cpu"] / ours["wall"], 2),
                "jiancha_processes": ours["processes"],
                "jiancha_peak_process_mb": round(ours["peak_process_mb"], 1),
                "jiancha_peak_sum_mb": round(ours["peak_sum_mb"], 1),
                "naive_documents": naive["documents"],
                "naive_seconds": round(naive["loop_seconds"], 2),
                "naive_docs_per_s": round(naive_rate, 1),
                "naive_peak_process_mb": round(naive["peak_process_mb"], 1),
                "ratio": round(ours_rate / naive_rate, 1),
            }
            results.append(result)
            print(
                f"{kind:<22}{rows:>8}{ours_rate:>15.1f}{naive_rate:>13.1f}{result['ratio']:>7.1f}×"
                f"{result['jiancha_cpu_cores']:>6.2f}{result['jiancha_peak_process_mb']:>14.1f} MB"
                f"{result['jiancha_peak_sum_mb']:>11.1f} MB{result['naive_peak_process_mb']:>8.1f} MB",
                flush=True,
            )
            source.unlink()
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps({"help_seconds": round(help_seconds, 3), "results": results}, ensure_ascii=False))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
