"""Web front benchmarks: the live preview, and the batch upload's memory.

1. Preview — what the form's preview costs a clerk, end to end in this process: render the record
   as a draft (render/single.py, the ordinary render job) and turn its first page into a PNG by
   the resident LibreOffice (printing/resident.py). The cold start (LibreOffice started, first
   preview) is reported apart from the warm previews (p50 / p95 / max of N, each with a different
   主送单位 so nothing is cached). Baseline, in the same run: the same preview with a fresh
   ``soffice --convert-to pdf`` per preview (no resident process), then the same poppler step.
2. Batch memory — the batch upload through the web app in-process (starlette TestClient:
   upload an .xlsx, generate, poll the progress, download the zip), in a fresh process per size;
   peak RSS of that process at 1,000 and 10,000 rows (1,000 is the baseline).

    .venv/bin/python bench/preview_bench.py                 # both
    .venv/bin/python bench/preview_bench.py --part preview --warm 30
    .venv/bin/python bench/preview_bench.py --part batch --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = {
    "subtype": "纪检监察建议",
    "discipline_organ": "中共某某市纪律检查委员会",
    "supervision_organ": "某某市监察委员会",
    "recipient": "某某市R&D中心党委",
    "subject": "规范科研经费管理",
    "source": "我委在查办该中心原主任张某某严重违纪违法案件中发现，你单位存在以下问题。",
    "basis": ["《中华人民共和国监察法》第五十二条"],
    "problems": ["科研经费报销审核流于形式。"],
    "causes": "主体责任落实不到位。",
    "recommendations": ["建立经费报销复核制度。"],
    "reply_days": "30",
    "date": "2024-12-01",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def preview_part(warm: int, baseline_runs: int) -> dict:
    from jiancha_docs.kinds import find_kind
    from jiancha_docs.printing.convert import find_soffice
    from jiancha_docs.printing.resident import ResidentOffice, pdf_page_png
    from jiancha_docs.render.batch import RenderOptions
    from jiancha_docs.render.single import render_record

    kind = find_kind("recommendation")
    work = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    office = ResidentOffice()
    if not office.available:
        return {"error": "no LibreOffice with python3-uno here"}

    def draft(i: int) -> Path:
        options = RenderOptions(outdir=work / f"d{i}", draft=True)
        result = render_record(kind, {**RECORD, "recipient": f"第{i}单位党委"}, options, work)
        assert result.ok, result.issues()
        return result.outcome.output

    def preview(i: int) -> float:
        started = time.perf_counter()
        docx = draft(i)
        office.first_page_png(docx, docx.with_suffix(".png"))
        return time.perf_counter() - started

    cold = preview(0)
    times = [preview(i) for i in range(1, warm + 1)]
    office.close()

    soffice = find_soffice()
    baseline = []
    for i in range(baseline_runs):
        started = time.perf_counter()
        docx = draft(1000 + i)
        out = work / f"b{i}"
        subprocess.run(
            [
                str(soffice),
                f"-env:UserInstallation={(work / f'profile{i}').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(docx),
            ],
            capture_output=True,
            check=True,
        )
        pdf_page_png(next(out.glob("*.pdf")), out / "page.png")
        baseline.append(time.perf_counter() - started)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "cold_s": cold,
        "warm_n": warm,
        "warm_p50_s": statistics.median(times),
        "warm_p95_s": percentile(times, 0.95),
        "warm_max_s": max(times),
        "baseline_n": baseline_runs,
        "baseline_median_s": statistics.median(baseline),
        "ratio": statistics.median(baseline) / statistics.median(times),
    }


def make_register(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记")
    sheet.append(["建议类型", "主送单位", "问题来源", "存在问题", "整改建议", "成文日期"])
    for i in range(rows):
        sheet.append(
            # a 纪律检查建议: a 纪检监察建议 also needs its causes and basis, which a register lacks
            ["纪律检查建议", f"第{i + 1}单位党委", "在工作中发现。", "问题一", "建议一", "2024-12-01"]
        )
    book.save(path)


def batch_one(rows: int) -> dict:
    """In a fresh process: the batch upload through the web app; peak RSS of this process."""
    import re

    from starlette.testclient import TestClient

    from jiancha_docs.web.app import WebContext, create_app

    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    (work / "jiancha.toml").write_text(
        '[defaults]\n"纪委名称" = "中共某某市纪律检查委员会"\n"监委名称" = "某某市监察委员会"\n'
        '[numbering]\n"纪检监察建议书" = "某纪建"\n',
        encoding="utf-8",
    )
    os.environ["JIANCHA_DB"] = str(work / "ledger.sqlite3")
    register = work / "登记表.xlsx"
    make_register(register, rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    context = WebContext(config_path=work / "jiancha.toml", outdir=work / "out").load()
    started = time.perf_counter()
    with TestClient(create_app(context)) as client:
        client.get("/")
        token = {"X-CSRF-Token": client.cookies.get("jiancha_csrf")}
        with register.open("rb") as handle:
            page = client.post(
                "/batch/upload",
                data={"kind": "recommendation"},
                files={"file": (register.name, handle)},
                headers=token,
            ).text
        upload = re.search(r'hx-post="/batch/([^/]+)/mapping"', page).group(1)
        page = client.post(f"/batch/{upload}/generate", headers=token).text
        job = re.search(r'hx-get="/batch/jobs/([^"]+)"', page).group(1)
        while 'hx-trigger="every' in page:
            time.sleep(0.5)
            page = client.get(f"/batch/jobs/{job}").text
        assert "新生成" in page, page[-2000:]
        link = re.search(r'id="zip" href="(/files/[^"]+)"', page).group(1)
        size = 0
        archive = work / "batch.zip"
        with client.stream("GET", link) as response, archive.open("wb") as out:
            for chunk in response.iter_bytes():
                size += len(chunk)
                out.write(chunk)
        with zipfile.ZipFile(archive) as done:
            documents = sum(1 for n in done.namelist() if n.endswith(".docx"))
        # every row a document: a batch that rejected its rows would measure nothing
        assert documents == rows, f"{documents} documents for {rows} rows"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "before_mb": before / 1024,
        "zip_mb": size / 2**20,
    }


def batch_part(sizes: list[int]) -> list[dict]:
    results = []
    for rows in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--batch-one", str(rows)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["preview", "batch", "both"], default="both")
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--batch-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_one:
        print(json.dumps(batch_one(args.batch_one)))
        return
    if args.part in ("preview", "both"):
        p = preview_part(args.warm, args.baseline_runs)
        if "error" in p:
            print(f"preview: {p['error']}")
        else:
            print(
                f"preview (one-page 纪检监察建议书, render + first page PNG): cold {p['cold_s']:.2f} s; "
                f"warm n={p['warm_n']} p50 {p['warm_p50_s']:.3f} s, p95 {p['warm_p95_s']:.3f} s, "
                f"max {p['warm_max_s']:.3f} s; baseline (fresh soffice per preview) median "
                f"{p['baseline_median_s']:.2f} s over {p['baseline_n']}; ratio {p['ratio']:.1f}x"
            )
    if args.part in ("batch", "both"):
        rows = batch_part([int(s) for s in args.sizes.split(",")])
        base = rows[0]
        for r in rows:
            print(
                f"batch upload {r['rows']:>6} rows: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.1f} MB "
                f"(x{r['peak_rss_mb'] / base['peak_rss_mb']:.2f} of {base['rows']} rows), zip {r['zip_mb']:.1f} MB"
            )


if __name__ == "__main__":
    main()
