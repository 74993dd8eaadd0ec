"""The GB/T 9704-2012 checker: every clause that can be verified from a .docx, one finding each,
and the positions only a rendering shows, measured on its PDF.

    roles.py    which element each paragraph is (a staged classifier, the ``Role`` enum)
    props.py    typed paragraph properties: styles, direct formatting, numbering, frames, boxes
    clauses.py  one function per clause of the standard
    pdfpass.py  positions on the rendered pages: 版记 at the foot, 一字线 7 mm, nothing alone
    report.py   findings, clause results and the report

Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..ooxml import Document
from ..profiles import Profile, load_profile
from .clauses import CLAUSES, Parsed, date_problems, line_pitch, parse
from .report import FAIL, PASS, SKIP, STATUS_LABELS, WARN, CheckReport, ClauseResult, Finding, Status
from .roles import Role, classify, detect_layout

__all__ = [
    "CLAUSES",
    "FAIL",
    "PASS",
    "SKIP",
    "STATUS_LABELS",
    "WARN",
    "CheckReport",
    "ClauseResult",
    "Finding",
    "Parsed",
    "Role",
    "Status",
    "check_document",
    "check_documents",
    "classify",
    "date_problems",
    "detect_layout",
    "line_pitch",
    "parse",
]


def check_document(path: Path, profile: Profile | str | None = None, pdf: Path | None = None) -> CheckReport:
    """Check one .docx against a profile (a Profile, a built-in name, or a TOML path); with
    ``pdf`` (its rendering), also the positions measured on the pages."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    doc = Document(path)
    try:
        parsed = parse(doc, profile)
        report = CheckReport(
            path=path,
            profile=profile,
            layout=parsed.layout,
            layout_detected=profile.layout is None,
            template=parsed.template,
        )
        for number, title, function in CLAUSES:
            report.clauses.append(ClauseResult(number, title, function(parsed)))
        if pdf is not None:
            from .pdfpass import check_pdf

            for number, title, findings in check_pdf(parsed, pdf):
                report.merge(number, title, findings)
            report.pdf = pdf
        # In the standard's order, the PDF pass's clauses and 7.3.7 (defined after 7.4.1) included.
        report.clauses.sort(key=lambda c: tuple(int(x) for x in c.clause.split(".")))
    finally:
        doc.close()
    return report


def check_documents(paths: Iterable[Path], profile: Profile | str | None = None) -> list[CheckReport]:
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    return [check_document(path, profile) for path in paths]
