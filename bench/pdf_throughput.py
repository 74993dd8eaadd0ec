#!/usr/bin/env python3
"""PDF throughput: one LibreOffice for a whole batch (jiancha) against one soffice per document.

    python bench/pdf_throughput.py                 # 100 documents, both ways, in this run
    python bench/pdf_throughput.py --count 20 --repeat 1

Renders COUNT distinct documents (the four kinds of tests/fixtures in turn, each record with its
own 文号, in both layouts), then converts them

* with ``convert_to_pdf`` — what ``jiancha render --pdf`` and ``jiancha pdf`` do: one soffice
  process over the whole batch, a fresh private profile (its creation is counted), the
  project's font rules, the watchdog polling for finished PDFs; and
* the baseline: one ``soffice --convert-to pdf`` process per document, with the same font
  rules and a private profile created once beforehand and reused (which favours the baseline).

Prints the seconds and documents per second of each and the speed-up ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
KINDS = ("recommendation", "reform_notice", "clarification_notice", "clarification_letter")


def render_batch(count: int, outdir: Path) -> list[Path]:
    """COUNT distinct documents: fixture records with their own 文号, kinds and layouts in turn."""
    from jiancha_docs.kinds import find_kind
    from jiancha_docs.render.batch import RenderOptions, render_records

    documents: list[Path] = []
    for index in range(count):
        kind_id = KINDS[index % len(KINDS)]
        layout = ("文件式", "信函式")[(index // len(KINDS)) % 2]
        record = yaml.safe_load((FIXTURES / f"{kind_id}.yaml").read_text(encoding="utf-8"))
        code = record["文号"].split("〔")[0]
        record["文号"] = f"{code}〔2024〕{index + 1}号"
        source = outdir / "input" / f"{index:03d}.yaml"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        report = render_records(
            find_kind(kind_id),
            [source],
            RenderOptions(outdir=outdir / "docx" / f"{index:03d}", layout=layout),
        )
        if not report.ok:
            sys.exit(f"rendering record {index} failed: {[i.describe() for i in report.issues()]}")
        documents.append(report.outcomes[0].output)
    return documents


def batch(documents: list[Path], outdir: Path) -> float:
    from jiancha_docs.printing.convert import convert_to_pdf

    started = time.perf_counter()
    report = convert_to_pdf(documents, outdir)
    elapsed = time.perf_counter() - started
    if not report.ok or report.processes != 1:
        sys.exit(f"batch conversion: {report.failed} failed, {report.processes} processes")
    return elapsed


def one_process_per_document(documents: list[Path], outdir: Path, soffice: Path, profile: Path) -> float:
    from jiancha_docs.printing.fonts import conversion_environment

    env = conversion_environment()
    outdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for document in documents:
        subprocess.run(
            [
                str(soffice),
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(outdir),
                str(document),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=300,
        )
    elapsed = time.perf_counter() - started
    produced = len(list(outdir.glob("*.pdf")))
    if produced != len(documents):
        sys.exit(f"baseline produced {produced} PDFs for {len(documents)} documents")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="documents in the batch")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the batch conversion (median reported)"
    )
    options = parser.parse_args()

    from jiancha_docs.printing.convert import find_soffice, libreoffice_version

    soffice = find_soffice()
    if soffice is None:
        sys.exit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="jiancha-bench-") as work:
        work_dir = Path(work)
        documents = render_batch(options.count, work_dir)
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"LibreOffice: {libreoffice_version(soffice)}; documents: {len(documents)}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        runs = []
        for run in range(options.repeat):
            runs.append(batch(documents, work_dir / f"batch-{run}"))
        batch_seconds = statistics.median(runs)

        # The baseline's profile is created before timing, so its runs measure start-up only.
        profile = work_dir / "baseline-profile"
        one_process_per_document(documents[:1], work_dir / "warm-up", soffice, profile)
        baseline_seconds = one_process_per_document(documents, work_dir / "baseline", soffice, profile)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    count = len(documents)
    rows = [
        (
            "jiancha: one soffice per batch",
            batch_seconds,
            f"median of {options.repeat}: " + ", ".join(f"{r:.1f}" for r in runs),
        ),
        ("baseline: one soffice per document", baseline_seconds, "1 run"),
    ]
    print()
    print(f"{'method':<36} {'seconds':>8} {'docs/s':>7}  runs")
    for name, seconds, note in rows:
        print(f"{name:<36} {seconds:8.1f} {count / seconds:7.2f}  {note}")
    print(f"speed-up: {baseline_seconds / batch_seconds:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
