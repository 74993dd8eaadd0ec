"""Rule search on staff questions: every query set, the untuned baselines, speed — in one run.

    python bench/search_quality.py [--runs 3] [--fresh 10]

Quality (recall@1, recall@5, MRR over the top 10) on:
  - bench/queries/staff.yaml, 测试 (test) third: held back, never used to fit the weights;
  - the same file's 训练 + 开发 parts (the weights were fitted on them: optimistic);
  - the earlier sets bench/rules_queries*.yaml;
for jiancha, for plain whoosh + jieba with an OR query (bench/rules_quality.py's baseline), and
for a character-bigram BM25 over the same articles, all measured in the same run.

Speed: a full index of the corpus (median of --runs), warm query latency over the staff
questions (p50 / p95), and `jiancha rules search` in a fresh process beside `python -c pass`,
once as this checkout runs (with PYTHONDONTWRITEBYTECODE=1 every module is compiled from source
in every process) and once with the bytecode compiled beforehand, as an installed package has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rules_quality import (  # noqa: E402
    build_ours,
    corpus_files,
    percentile,
    run_baseline,
    run_ours,
    score,
    timed,
)

HERE = Path(__file__).resolve().parent
STAFF = HERE / "queries" / "staff.yaml"
EARLIER = (
    "rules_queries.yaml",
    "rules_queries_dev2.yaml",
    "rules_queries_heldout.yaml",
    "rules_queries_heldout2.yaml",
    "rules_queries_heldout3.yaml",  # written 2026-12-04 by someone who saw neither the code nor any set
)


def run_bigram(queries: list[dict]) -> list[list[str]]:
    """Character-bigram BM25 over title + text, no tuning (the issue's second baseline)."""
    from jiancha_docs.rules.bigrams import BigramIndex, grams, write
    from jiancha_docs.rules.parser import parse_file

    class Row:
        def __init__(self, title: str, label: str, body: str, n: int) -> None:
            self.uid, self.reg, self.status, self.category = f"{n}", "", "现行有效", ""
            self.title, self.label, self.chapter, self.body = title, label, "", body
            self.number = self.sub = self.order = 0

    rows = []
    for path in corpus_files():
        reg = parse_file(path).regulation
        rows.extend(Row(reg.title, a.label, a.text, len(rows) + i) for i, a in enumerate(reg.articles))
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "b.bin", rows)
        index = BigramIndex(Path(tmp) / "b.bin")
    return [
        [d.title + d.label for d in (index.docs[i] for i in index.top(grams(q["查询"]), 10))] for q in queries
    ]


def timed_compiled(cmd: list[str], runs: int, cwd: Path) -> list[float]:
    """``timed`` with the modules' bytecode compiled once beforehand, as an installed package
    has it (pip compiles it at install time). A checkout run with PYTHONDONTWRITEBYTECODE=1
    compiles every module of the project from source in every process instead."""
    import subprocess

    cache = cwd / "pycache"
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(cmd, capture_output=True, cwd=cwd, env=env, check=True)  # writes the bytecode
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=cwd, env=env, check=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", type=int, default=10)
    args = parser.parse_args()
    # the fresh processes run in a temporary folder: a relative PYTHONPATH (PYTHONPATH=src) must
    # still name this checkout's code there, not whatever jiancha is installed
    if os.environ.get("PYTHONPATH"):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            str(Path(p).resolve()) for p in os.environ["PYTHONPATH"].split(os.pathsep) if p
        )
    if not corpus_files():
        sys.exit("没有真实法规文本：../shared/corpus")
    staff = yaml.safe_load(STAFF.read_text(encoding="utf-8"))
    sets = [
        ("staff 测试（held back）", [q for q in staff if q["集"] == "测试"]),
        ("staff 训练+开发（fitted on）", [q for q in staff if q["集"] != "测试"]),
    ]
    sets += [(name, yaml.safe_load((HERE / name).read_text(encoding="utf-8"))) for name in EARLIER]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ours_dir = tmp_path / "ours" / "index"
        build_median, build_times = build_ours(ours_dir, args.runs)
        rows = []
        latencies: list[float] = []
        for i, (name, queries) in enumerate(sets):
            ours, lat = run_ours(ours_dir, queries, args.runs if i < 2 else 0)
            latencies += lat
            base, _, _ = run_baseline(tmp_path / f"baseline{i}", queries, 0)
            bigram = run_bigram(queries)
            answers = [q["答案"] for q in queries]
            rows.append(
                (name, len(queries), score(ours, answers), score(base, answers), score(bigram, answers))
            )
        script = shutil.which("jiancha")
        jiancha = [script] if script else [sys.executable, "-c", "from jiancha_docs.cli import main; main()"]
        query = "函询以后被函询人要在多长时间内回复"
        command = [*jiancha, "rules", "search", query, "--index", str(ours_dir)]
        fresh = timed(command, args.fresh, tmp_path)
        compiled = timed_compiled(command, args.fresh, tmp_path)
        python_only = timed([sys.executable, "-c", "pass"], args.fresh, tmp_path)

    def fmt(s: dict[str, float]) -> str:
        return f"{s['recall@1']:.3f} / {s['recall@5']:.3f} / {s['MRR']:.3f}"

    print(f"语料 {len(corpus_files())} 部法规；{time.strftime('%Y-%m-%d')}")
    print()
    print("| set | queries | jiancha R@1 / R@5 / MRR | whoosh+jieba OR | char-bigram BM25 |")
    print("|---|---|---|---|---|")
    for name, n, ours, base, bigram in rows:
        print(f"| {name} | {n} | {fmt(ours)} | {fmt(base)} | {fmt(bigram)} |")
    print()
    print("| speed | jiancha | reference |")
    print("|---|---|---|")
    print(
        f"| full index, median of {args.runs} | {build_median:.2f} s ({', '.join(f'{t:.2f}' for t in build_times)}) | |"
    )
    print(
        f"| warm query p50 / p95 ({len(latencies)}) | {statistics.median(latencies) * 1000:.1f} / "
        f"{percentile(latencies, 0.95) * 1000:.1f} ms | |"
    )
    print(
        f"| fresh `jiancha rules search`, median / max of {args.fresh} | {statistics.median(fresh):.3f} / "
        f"{max(fresh):.3f} s | `python -c pass` {statistics.median(python_only):.3f} s |"
    )
    print(
        f"| the same with the bytecode compiled (as installed), median / max of {args.fresh} | "
        f"{statistics.median(compiled):.3f} / {max(compiled):.3f} s | |"
    )


if __name__ == "__main__":
    main()
