"""Precision and recall of the GB/T 9704 checker on the independent corpus, per defect, with main's
old checker (``printing/checker.py`` before the split) scored on the same documents in the same run.

    python bench/checker_corpus/generate.py /tmp/checker_corpus      # 70 documents + PDFs + labels
    python bench/checker_score.py /tmp/checker_corpus [--old-ref main]

A (document, clause) pair is a true positive when the checker fails a clause a seeded defect
breaks, a false positive when it fails a clause no defect breaks; recall counts the seeded
defects whose clause failed. The new checker gets each document's PDF (``check --pdf``); the old
one has no PDF pass.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def old_checker(ref: str):
    """main's single-module checker, loaded as jiancha_docs.printing._old_checker."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:src/jiancha_docs/printing/checker.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "_old_checker.py"
    path.write_text(source, "utf-8")
    import jiancha_docs.printing as package

    spec = importlib.util.spec_from_file_location(
        "jiancha_docs.printing._old_checker", path, submodule_search_locations=None
    )
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package.__name__
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def score(name: str, run, labels: dict, corpus: Path) -> dict:
    tp = fp = 0
    found_defects: Counter = Counter()
    all_defects: Counter = Counter()
    false_by_clause: Counter = Counter()
    errors = 0
    details = []
    for file, label in sorted(labels.items()):
        expected = {d["clause"] for d in label["defects"]}
        try:
            failed = set(run(corpus / file))
        except Exception as e:  # a crash is a miss on every defect of the file
            errors += 1
            failed = set()
            details.append(f"{file}: 出错 {type(e).__name__}: {e}")
        tp += len(failed & expected)
        fp += len(failed - expected)
        for clause in failed - expected:
            false_by_clause[clause] += 1
            details.append(f"{file}: false alarm {clause}")
        for defect in label["defects"]:
            all_defects[defect["id"]] += 1
            if defect["clause"] in failed:
                found_defects[defect["id"]] += 1
            else:
                details.append(f"{file}: missed {defect['id']} ({defect['clause']})")
    seeded = sum(all_defects.values())
    recall = sum(found_defects.values()) / seeded if seeded else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return {
        "name": name,
        "precision": precision,
        "recall": recall,
        "tp": tp,
        "fp": fp,
        "found": found_defects,
        "defects": all_defects,
        "false_by_clause": false_by_clause,
        "errors": errors,
        "details": details,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--old-ref", default="main")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--no-pdf", action="store_true", help="the new checker without its PDF pass")
    args = parser.parse_args()
    labels = json.loads((args.corpus / "labels.json").read_text("utf-8"))
    from jiancha_docs.printing.checker import check_document

    def new(path: Path):
        pdf = path.with_suffix(".pdf")
        use = pdf if pdf.exists() and not args.no_pdf else None
        return check_document(path, pdf=use).failed_clauses()

    old = old_checker(args.old_ref)
    results = [
        score("new (check --pdf)", new, labels, args.corpus),
        score(
            f"old ({args.old_ref}:printing/checker.py)",
            lambda p: old.check_document(p).failed_clauses(),
            labels,
            args.corpus,
        ),
    ]
    ok = sum(1 for v in labels.values() if not v["defects"])
    print(
        f"corpus: {len(labels)} documents, {ok} conforming, {sum(len(v['defects']) for v in labels.values())} seeded defects"
    )
    print("| checker | precision | recall | true pos. | false alarms | crashes |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['name']} | {r['precision']:.2f} | {r['recall']:.2f} | {r['tp']} | {r['fp']} | {r['errors']} |"
        )
    print()
    print("| defect | clause | seeded | found (new) | found (old) |")
    print("|---|---|---:|---:|---:|")
    clause_of = {d["id"]: d["clause"] for v in labels.values() for d in v["defects"]}
    for defect in sorted(results[0]["defects"], key=lambda d: (clause_of[d], d)):
        print(
            f"| {defect} | {clause_of[defect]} | {results[0]['defects'][defect]} | {results[0]['found'][defect]} "
            f"| {results[1]['found'][defect]} |"
        )
    print()
    for r in results:
        print(f"false alarms by clause, {r['name']}: {dict(r['false_by_clause'])}")
    if args.verbose:
        for r in results:
            print(f"\n## {r['name']}")
            print("\n".join(r["details"]))


if __name__ == "__main__":
    main()
