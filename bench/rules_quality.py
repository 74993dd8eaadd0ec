"""Quality and speed of regulation search on the real texts in ../shared/corpus.

    python bench/rules_quality.py [--runs 3] [--fresh 10] [--show-misses]

Quality: the labelled queries of bench/rules_queries.yaml (written as staff ask, half keywords,
half questions), scored by recall@1, recall@5 and MRR over the top 10. The baseline, measured in
the same run on the same articles: plain whoosh with jieba's stock ChineseAnalyzer (title and
text fields) and an OR query parser.

Speed: indexing the corpus (full build, median of --runs), warm query latency (every query,
--runs rounds, p50/p95), and `jiancha rules search` in a fresh process end to end (median and
max of --fresh runs), beside `python -c pass` and `jiancha --help` for scale.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
QUERIES = Path(__file__).with_name("rules_queries.yaml")
TOP = 10


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")


def score(ranked: list[list[str]], answers: list[list[str]]) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for got, want in zip(ranked, answers, strict=True):
        rank = next((i + 1 for i, g in enumerate(got[:TOP]) if g in want), None)
        r1 += rank == 1
        r5 += bool(rank and rank <= 5)
        mrr += 1 / rank if rank else 0.0
    n = len(answers)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "MRR": mrr / n}


# -- the system --------------------------------------------------------------------------------
def build_ours(index_dir: Path, runs: int) -> tuple[float, list[float]]:
    from jiancha_docs.rules.indexer import build_index
    from jiancha_docs.rules.sources import RulesConfig

    config = RulesConfig(workspace=index_dir.parent, index_dir=index_dir, samples=False)
    times = []
    for i in range(runs):
        report = build_index(config, tuple(corpus_files()), rebuild=i > 0)
        assert not report.errors, report.errors
        times.append(report.seconds)
    return statistics.median(times), times


def run_ours(index_dir: Path, queries: list[dict], rounds: int) -> tuple[list[list[str]], list[float]]:
    from jiancha_docs.rules.library import Library
    from jiancha_docs.rules.search import SearchOptions, search

    ranked: list[list[str]] = []
    latencies: list[float] = []
    with Library(index_dir) as library:
        for q in queries:  # warm-up pass, also the quality run
            hits = search(library, q["查询"], SearchOptions(limit=TOP)).hits
            ranked.append([h.title + h.label for h in hits])
        for _ in range(rounds):
            for q in queries:
                start = time.perf_counter()
                search(library, q["查询"], SearchOptions(limit=TOP))
                latencies.append(time.perf_counter() - start)
    return ranked, latencies


# -- the baseline ------------------------------------------------------------------------------
def run_baseline(
    index_dir: Path, queries: list[dict], rounds: int
) -> tuple[list[list[str]], list[float], float]:
    import logging

    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index, qparser

    from jiancha_docs.rules.parser import parse_file

    jieba.setLogLevel(logging.WARNING)
    start = time.perf_counter()
    analyzer = ChineseAnalyzer()
    schema = fields.Schema(
        key=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer),
        content=fields.TEXT(analyzer=analyzer),
    )
    index_dir.mkdir(parents=True)
    ix = index.create_in(str(index_dir), schema)
    writer = ix.writer(limitmb=128)
    for path in corpus_files():
        reg = parse_file(path).regulation
        for article in reg.articles:
            writer.add_document(key=reg.title + article.label, title=reg.title, content=article.text)
    writer.commit()
    build_seconds = time.perf_counter() - start
    parser = qparser.MultifieldParser(["title", "content"], schema, group=qparser.OrGroup)
    ranked: list[list[str]] = []
    latencies: list[float] = []
    with ix.searcher() as searcher:
        for q in queries:
            ranked.append([hit["key"] for hit in searcher.search(parser.parse(q["查询"]), limit=TOP)])
        for _ in range(rounds):
            for q in queries:
                start = time.perf_counter()
                searcher.search(parser.parse(q["查询"]), limit=TOP)
                latencies.append(time.perf_counter() - start)
    return ranked, latencies, build_seconds


# -- fresh processes ---------------------------------------------------------------------------
def timed(cmd: list[str], runs: int, cwd: Path) -> list[float]:
    out = []
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, cwd=cwd, env=env)
        out.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stderr.decode()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="index builds and latency rounds")
    parser.add_argument("--fresh", type=int, default=10, help="fresh-process searches")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--queries",
        type=Path,
        default=QUERIES,
        help="the labelled query file (bench/rules_queries_heldout.yaml: 30 queries written later, never tuned on)",
    )
    args = parser.parse_args()
    if not corpus_files():
        sys.exit(f"没有真实法规文本：{CORPUS}")
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))
    answers = [q["答案"] for q in queries]
    kinds = {k: sum(1 for q in queries if q["类型"] == k) for k in ("关键词", "问句")}
    articles = sum(
        1
        for p in corpus_files()
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.startswith("第") and "条" in line[:12]
    )

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ours_dir = tmp_path / "ours" / "index"
        build_median, build_times = build_ours(ours_dir, args.runs)
        ours_ranked, ours_lat = run_ours(ours_dir, queries, args.runs)
        base_ranked, base_lat, base_build = run_baseline(tmp_path / "baseline", queries, args.runs)
        query = "函询以后被函询人要在多长时间内回复"
        # the installed console script, as a clerk runs it
        script = shutil.which("jiancha")
        jiancha = [script] if script else [sys.executable, "-c", "from jiancha_docs.cli import main; main()"]
        fresh = timed([*jiancha, "rules", "search", query, "--index", str(ours_dir)], args.fresh, tmp_path)
        python_only = timed([sys.executable, "-c", "pass"], args.fresh, tmp_path)
        helps = timed([*jiancha, "--help"], args.fresh, tmp_path)

    ours, base = score(ours_ranked, answers), score(base_ranked, answers)
    print(
        f"语料：{len(corpus_files())} 部法规，约 {articles} 条；查询 {len(queries)} 条（关键词 {kinds['关键词']}，问句 {kinds['问句']}）"
    )
    print()
    print("| 方法 | recall@1 | recall@5 | MRR |")
    print("|---|---|---|---|")
    print(f"| jiancha（本实现） | {ours['recall@1']:.3f} | {ours['recall@5']:.3f} | {ours['MRR']:.3f} |")
    print(
        f"| 基线：whoosh + jieba ChineseAnalyzer + OR 解析 | {base['recall@1']:.3f} | {base['recall@5']:.3f} | {base['MRR']:.3f} |"
    )
    print(
        f"| 差值 | {ours['recall@1'] - base['recall@1']:+.3f} | {ours['recall@5'] - base['recall@5']:+.3f} | {ours['MRR'] - base['MRR']:+.3f} |"
    )
    print()
    ms = 1000
    print("| 速度 | 本实现 | 基线 / 参照 |")
    print("|---|---|---|")
    print(
        f"| 建索引（全量，{args.runs} 次中位数） | {build_median:.2f} s（{', '.join(f'{t:.2f}' for t in build_times)}） | 基线 {base_build:.2f} s |"
    )
    print(
        f"| 热查询 p50 / p95（{len(ours_lat)} 次） | {statistics.median(ours_lat) * ms:.1f} / {percentile(ours_lat, 0.95) * ms:.1f} ms | 基线 {statistics.median(base_lat) * ms:.1f} / {percentile(base_lat, 0.95) * ms:.1f} ms |"
    )
    print(
        f"| 新进程 `jiancha rules search` 中位数 / 最大（{args.fresh} 次） | {statistics.median(fresh):.3f} / {max(fresh):.3f} s | `python -c pass` {statistics.median(python_only):.3f} s，`jiancha --help` {statistics.median(helps):.3f} s |"
    )
    if args.show_misses:
        print()
        for q, got in zip(queries, ours_ranked, strict=True):
            if not got or got[0] not in q["答案"]:
                print(f"未命中第一：{q['id']} {q['查询']} → {got[:3]}")


if __name__ == "__main__":
    main()
