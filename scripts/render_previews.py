#!/usr/bin/env python3
"""Render page 1 of every document kind, in both layouts, to PNG for the README.

    python scripts/render_previews.py            # writes docs/images/<kind>-<layout>.png
    python scripts/render_previews.py --dpi 80 --outdir /tmp/previews

Each picture is the first example record of examples/ rendered by `jiancha render`, converted
by LibreOffice (one process for all of them, with the project's font substitution rules) and
rasterised by pdftoppm (poppler-utils). Needs LibreOffice, a Chinese font and poppler-utils.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# examples/<kind id>.<yaml|json|csv|xlsx>: one example file per kind.
EXAMPLE_SUFFIXES = (".yaml", ".json", ".csv", ".xlsx")
LAYOUTS = (("文件式", "official"), ("信函式", "letter"))


def examples() -> list[Path]:
    """The example input of every kind, by kind id (the file's stem)."""
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXAMPLE_SUFFIXES)


def jiancha(*args: str) -> None:
    """Run the jiancha command line in this process (as `jiancha ARGS…`); stop on failure."""
    from jiancha_docs.cli import main

    try:
        main(list(args))
    except SystemExit as stop:
        if stop.code:
            sys.exit(f"jiancha {' '.join(args)} failed with exit code {stop.code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument(
        "--dpi", type=int, default=60, help="resolution of the PNG (60 dpi: 496 × 702 pixels)"
    )
    options = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm not found: install poppler-utils")

    from jiancha_docs.printing.convert import convert_to_pdf

    options.outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jiancha-previews-") as work:
        work_dir = Path(work)
        # The demo configuration names the organs and the 机关代字; the ledgers stay in the work folder.
        os.environ["JIANCHA_CONFIG"] = str(EXAMPLES / "jiancha.toml")
        documents: list[tuple[Path, str]] = []
        for source in examples():
            kind_id = source.stem
            for layout, slug in LAYOUTS:
                outdir = work_dir / kind_id / slug
                # One ledger per layout: the same 文号 is rendered once in each.
                os.environ["JIANCHA_DB"] = str(work_dir / f"ledger-{slug}.sqlite3")
                jiancha("render", kind_id, str(source), "-o", str(outdir), "--layout", layout)
                first = sorted(outdir.glob("*.docx"))[0]
                documents.append((first, f"{kind_id}-{slug}"))
        report = convert_to_pdf([path for path, _ in documents], work_dir / "pdf")
        if not report.ok:
            sys.exit("; ".join(f"{o.source.name}: {o.error}" for o in report.outcomes if not o.ok))
        for outcome, (_, name) in zip(report.outcomes, documents, strict=True):
            target = options.outdir / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(options.dpi),
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(outcome.pdf),
                    str(target),
                ],
                check=True,
            )
            print(
                target.with_suffix(".png").relative_to(ROOT)
                if target.is_relative_to(ROOT)
                else target.with_suffix(".png")
            )
        if report.fonts is not None:
            print(report.fonts.summary())


if __name__ == "__main__":
    main()
