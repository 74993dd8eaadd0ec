"""One record, as a form gives it, checked or rendered by the same job as a file of records.

The web front has one record at a time (a dict keyed by field key or label). Checking it uses the
kind's ``Validator`` exactly as a batch does; rendering it writes the record as a one-record JSON
file and runs the ordinary render job on it (render/batch.py), so numbering, registration, drafts,
reruns and the 文号 identity are the CLI's, not a second implementation.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import Issue, Location
from ..kinds import KindSchema, Record, Validator
from .batch import RenderOptions, RenderReport, render_records
from .plan import RowOutcome

FORM_SOURCE = "网页填写.json"  # how the ledger and the manifest name a record typed into a form


@dataclass
class SingleResult:
    report: RenderReport
    outcome: RowOutcome | None  # None when the job failed as a whole (see report.issues())

    @property
    def ok(self) -> bool:
        return self.report.ok and self.outcome is not None

    def issues(self) -> list[Issue]:
        return self.report.issues()


def check_record(
    kind: KindSchema,
    record: dict[str, Any],
    defaults: dict[str, Any] | None = None,
    calendar: Any = None,
    columns: dict[str, str] | None = None,
) -> list[Issue]:
    """The record's problems, in the validator's words (empty: it would render)."""
    validator = Validator(kind, defaults, calendar=calendar, columns=columns)
    where = Location(FORM_SOURCE, 1, "record")
    header_map = validator.map_headers(list(record), FORM_SOURCE)
    if header_map.fatal:
        return [i for i in header_map.file_issues if i.severity == "error"]
    result = validator.validate(where, record, header_map)
    return [] if isinstance(result, Record) else result


def render_record(
    kind: KindSchema, record: dict[str, Any], options: RenderOptions, workdir: Path | None = None
) -> SingleResult:
    """Render one record with ``options`` (a draft, or numbered and registered as the CLI does).
    ``workdir`` holds the record's file while the job runs (a temporary folder by default)."""
    with tempfile.TemporaryDirectory(prefix="jiancha-web-", dir=workdir) as folder:
        source = Path(folder) / FORM_SOURCE
        source.write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
        single = replace(options, jobs=1, keep_outcomes=True, fail_fast=False, check_only=False)
        report = render_records(kind, [source], single)
    outcome = report.outcomes[0] if report.outcomes else None
    return SingleResult(report, outcome)


def document_text(path: Path) -> list[str]:
    """The paragraphs of a written .docx, for a text preview where LibreOffice is absent."""
    from docx import Document

    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return lines
