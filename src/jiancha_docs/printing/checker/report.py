"""What a check finds: one Finding per observation, grouped by clause into a CheckReport.

Statuses are a ``Status`` enum (its values are the JSON words); the Chinese label is only how a
report shows them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..ooxml import Paragraph
from ..profiles import Profile


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


PASS, FAIL, WARN, SKIP = Status.PASS, Status.FAIL, Status.WARN, Status.SKIP
STATUS_LABELS = {PASS: "通过", FAIL: "不通过", WARN: "注意", SKIP: "不适用"}
_SEVERITY = {SKIP: 0, PASS: 1, WARN: 2, FAIL: 3}


@dataclass
class Finding:
    status: Status
    message: str
    paragraph: Paragraph | None = None

    def where(self) -> str:
        return self.paragraph.label() if self.paragraph else ""

    def describe(self) -> str:
        return f"{self.where()}：{self.message}" if self.paragraph else self.message

    def as_json(self) -> dict:
        data: dict = {"status": str(self.status), "message": self.message}
        if self.paragraph is not None:
            data["where"] = self.paragraph.label()
            data["part"] = self.paragraph.where
            data["paragraph"] = self.paragraph.number
            data["text"] = self.paragraph.text
        return data


@dataclass
class ClauseResult:
    clause: str
    title: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if not self.findings:
            return SKIP
        return max((f.status for f in self.findings), key=_SEVERITY.__getitem__)

    @property
    def summary(self) -> str:
        """The line shown for the clause: its pass note, or the count of problems."""
        problems = self.problems()
        if not problems:
            return "；".join(f.message for f in self.findings)
        if len(problems) == 1:
            return problems[0].describe()
        if len({f.message for f in problems}) == 1:
            return f"{len(problems)} 处：{problems[0].message}"
        return f"{len(problems)} 处问题"

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status in (FAIL, WARN)]

    def as_json(self) -> dict:
        return {
            "clause": self.clause,
            "title": self.title,
            "status": str(self.status),
            "findings": [f.as_json() for f in self.findings],
        }


@dataclass
class CheckReport:
    path: Path
    profile: Profile
    layout: str
    layout_detected: bool
    template: bool
    clauses: list[ClauseResult] = field(default_factory=list)
    pdf: Path | None = None  # the rendering the position clauses were measured on

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.clauses)

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.clauses if c.status == WARN)

    def counts(self) -> Counter:
        return Counter(c.status for c in self.clauses)

    def clause(self, number: str) -> ClauseResult:
        return next(c for c in self.clauses if c.clause == number)

    def failed_clauses(self) -> list[str]:
        return [c.clause for c in self.clauses if c.status == FAIL]

    def merge(self, number: str, title: str, findings: list[Finding]) -> None:
        """Add findings (of the PDF pass) to a clause, the clause added if the report lacks it."""
        found = next((c for c in self.clauses if c.clause == number), None)
        if found is None:
            self.clauses.append(ClauseResult(number, title, findings))
            return
        if any(f.status in (FAIL, WARN) for f in findings):
            found.findings = [f for f in found.findings if f.status != PASS]
        found.findings.extend(findings)

    def as_json(self) -> dict:
        return {
            "file": str(self.path),
            "profile": self.profile.name,
            "layout": self.layout,
            "layout_detected": self.layout_detected,
            "template": self.template,
            "ok": self.ok,
            "pdf": str(self.pdf) if self.pdf else None,
            "clauses": [c.as_json() for c in self.clauses],
        }
