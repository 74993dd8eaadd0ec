"""评查抽查 (``jiancha ledger sample``): a reproducible random sample of a year's documents
(the same ``seed`` draws the same documents from the same ledger) and a checklist per document:
程序手续 (审核 and 审批 on record), 时限 (the reply came on time), 文书 (``jiancha check``, GB/T
9704), 归档 (filed by ``ledger archive``)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .db import LedgerError
from .interface import LedgerBase
from .loop import Timeliness, live, timeliness
from .model import Entry, Step, has_digest


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"

    @property
    def label(self) -> str:
        return {"pass": "符合", "fail": "不符合", "n/a": "不适用"}[self.value]


ASPECTS = [("procedure", "程序手续"), ("time_limit", "时限"), ("document", "文书"), ("archive", "归档")]


@dataclass
class Check:
    verdict: Verdict
    detail: str


@dataclass
class Sampled:
    entry: Entry
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.verdict is not Verdict.FAIL for c in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "doc_number": self.entry.doc_number,
            "kind": self.entry.kind,
            "recipient": self.entry.recipient,
            "passed": self.passed,
            "checks": {k: {"verdict": c.verdict.value, "detail": c.detail} for k, c in self.checks.items()},
        }


def draw(entries: list[Entry], year: int, count: int, seed: int) -> list[Entry]:
    """``count`` documents of ``year``, drawn with ``seed``: the population is ordered by 文号
    first, so the draw depends on the ledger's contents and the seed only."""
    population = sorted(
        (e for e in live(entries) if e.doc_date and e.doc_date.year == year), key=lambda e: e.doc_number
    )
    if not population:
        raise LedgerError(f"台账中没有 {year} 年成文的文书，无法抽查")
    if count > len(population):
        raise LedgerError(
            f"{year} 年只有 {len(population)} 份文书，不能抽取 {count} 份",
            hint=f"用 -n {len(population)} 或更小的数",
        )
    chosen = random.Random(seed).sample(population, count)
    return sorted(chosen, key=lambda e: e.doc_number)


def sample_year(ledger: LedgerBase, year: int, count: int, seed: int, today: dt.date) -> list[Sampled]:
    entries = [ledger.find(e.doc_number) for e in ledger.entries(year=year)]
    archived = ledger.archived()
    results = []
    for entry in draw(entries, year, count, seed):
        approvals = {a.step for a in ledger.approvals(entry.doc_number)}
        results.append(
            Sampled(
                entry,
                {
                    "procedure": _procedure(approvals),
                    "time_limit": _time_limit(entry, today),
                    "document": _document(entry),
                    "archive": Check(Verdict.PASS, f"已归档，档号 {archived[entry.doc_number]}")
                    if entry.doc_number in archived
                    else Check(Verdict.FAIL, "未归档"),
                },
            )
        )
    return results


def _procedure(steps: set[Step]) -> Check:
    missing = [s.label for s in (Step.REVIEW, Step.APPROVE) if s not in steps]
    if missing:
        return Check(Verdict.FAIL, f"台账中没有{'、'.join(missing)}记录")
    return Check(Verdict.PASS, "审核、审批均有记录")


def _time_limit(entry: Entry, today: dt.date) -> Check:
    state = timeliness(entry, today)
    if state is Timeliness.ON_TIME:
        return Check(Verdict.PASS, "按期反馈")
    if state is Timeliness.LATE:
        return Check(Verdict.FAIL, f"逾期 {entry.reply_lateness()} 天反馈")
    if state is Timeliness.OVERDUE:
        return Check(Verdict.FAIL, f"逾期 {entry.overdue_days(today)} 天未反馈")
    if state is Timeliness.UNRECORDED:
        return Check(Verdict.FAIL, "台账中没有反馈日期")
    return Check(Verdict.NOT_APPLICABLE, state.label)


def _document(entry: Entry) -> Check:
    from ..printing.checker import check_document
    from ..printing.ooxml import DocumentUnreadable

    path = Path(entry.output_file) if entry.output_file else None
    if path is None or not path.is_file():
        return Check(Verdict.FAIL, "文件缺失")
    if entry.sha256 and not has_digest(path, entry.sha256):
        return Check(Verdict.FAIL, "文件与台账记录的摘要不符（生成后被改动过）")
    try:
        report = check_document(path)
    except DocumentUnreadable as e:
        return Check(Verdict.FAIL, e.message)
    if report.ok:
        return Check(Verdict.PASS, "GB/T 9704 检查通过")
    clauses = report.failed_clauses()
    return Check(Verdict.FAIL, f"GB/T 9704 检查不通过：{'、'.join(clauses[:5])}")


def write_sample(
    results: list[Sampled], path: Path, year: int, seed: int, ledger: LedgerBase, force: bool
) -> None:
    from openpyxl import Workbook

    from .export import save_export
    from .report import print_setup, sheet_table, sheet_title, sheet_widths

    headers = ["序号", "文号", "主送单位", *(label for _, label in ASPECTS), "结论"]
    rows = [
        [
            index,
            s.entry.doc_number,
            s.entry.recipient or "",
            *(f"{s.checks[key].verdict.label}：{s.checks[key].detail}" for key, _ in ASPECTS),
            "合格" if s.passed else "存在问题",
        ]
        for index, s in enumerate(results, start=1)
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "评查抽查"
    sheet_title(
        sheet,
        f"{year}年度文书评查抽查表",
        f"随机抽取 {len(results)} 份（种子 {seed}，同一台账同一种子结果相同）",
        len(headers),
    )
    sheet_table(sheet, 4, headers, rows)
    sheet_widths(sheet, [6, 22, 26, 24, 24, 30, 24, 10])
    print_setup(sheet)
    save_export(path, workbook.save, "评查抽查", ledger, force)
