"""Each standard kind rendered from YAML, CSV (UTF-8 with BOM and GBK) and XLSX gives the same
document, whose paragraph text matches the golden file (regenerate with --update-golden)."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml

from jiancha_docs.kinds import KindSchema, all_kinds, find_kind
from jiancha_docs.render.batch import RenderOptions, render_records
from jiancha_docs.sources import write_csv, write_xlsx

from .helpers import docx_text

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
# Every standard kind: each has tests/fixtures/<id>.yaml and tests/golden/<id>.txt.
KINDS = sorted(kind.id for kind in all_kinds())


def cell(kind: KindSchema, label: str, value: Any) -> Any:
    """A YAML value as a clerk would type it into one spreadsheet cell."""
    spec = next(s for s in kind.fields if s.label == label)
    if spec.type == "list" and isinstance(value, list):
        return "\n".join(value)
    if spec.type == "table" and isinstance(value, list):
        return "\n".join("|".join(str(row.get(c.label, "")) for c in spec.columns) for row in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_inputs(kind: KindSchema, tmp_path: Path) -> dict[str, Path]:
    record = yaml.safe_load((FIXTURES / f"{kind.id}.yaml").read_text(encoding="utf-8"))
    headers = list(record)
    row = [cell(kind, h, record[h]) for h in headers]
    paths = {"yaml": FIXTURES / f"{kind.id}.yaml"}
    paths["csv-utf8-bom"] = tmp_path / "utf8.csv"
    write_csv(paths["csv-utf8-bom"], headers, [row], encoding="utf-8-sig")
    paths["csv-gbk"] = tmp_path / "gbk.csv"
    write_csv(paths["csv-gbk"], headers, [row], encoding="gbk")
    paths["xlsx"] = tmp_path / "input.xlsx"
    write_xlsx(paths["xlsx"], headers, [row])
    return paths


def compare_golden(name: str, lines: list[str], update: bool) -> None:
    golden = GOLDEN / f"{name}.txt"
    text = "\n".join(lines) + "\n"
    if update:
        golden.write_text(text, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "golden", "rendered")
        )
        pytest.fail(
            f"{name}: rendered text differs from {golden.name} (run pytest --update-golden if intended)\n{diff}"
        )


@pytest.mark.parametrize("kind_id", KINDS)
def test_every_input_format_gives_the_golden_document(
    kind_id: str, tmp_path: Path, update_golden: bool
) -> None:
    kind = find_kind(kind_id)
    for fmt, path in write_inputs(kind, tmp_path).items():
        out = tmp_path / f"out-{fmt}"
        report = render_records(kind, [path], RenderOptions(outdir=out))
        assert report.ok, [i.describe() for i in report.issues()]
        assert report.written == 1
        compare_golden(kind_id, docx_text(report.outcomes[0].output), update_golden and fmt == "yaml")


@pytest.mark.parametrize("kind_id", KINDS)
@pytest.mark.parametrize("layout", ["文件式", "信函式"])
def test_both_layouts_render_the_whole_content(kind_id: str, layout: str, tmp_path: Path) -> None:
    kind = find_kind(kind_id)
    report = render_records(
        kind, [FIXTURES / f"{kind_id}.yaml"], RenderOptions(outdir=tmp_path, layout=layout)
    )
    assert report.ok
    body = "\n".join(docx_text(report.outcomes[0].output))
    golden = (GOLDEN / f"{kind_id}.txt").read_text(encoding="utf-8")
    # The body paragraphs are the same in both layouts; only the letterhead and 版记 (印发) differ.
    for line in golden.splitlines():
        if len(line) > 12 and not line.endswith("印发"):
            assert line in body, (layout, line)
