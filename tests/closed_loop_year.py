"""A year of an office's 建议书 activity, built straight through the ledger API (no rendering):
hundreds of documents to a dozen units, delivered or not, replied on time, late or never, 整改
items done or not, 督办函 for some of the overdue ones. ``Plan`` keeps what was done to each
document, so a test counts the expected figures from the plan, not from the code under test."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from jiancha_docs.ledger import DocumentMeta, Ledger
from jiancha_docs.ledger.model import TaskSpec

YEAR = 2025
TODAY = dt.date(2026, 1, 20)  # a Monday
UNITS = [
    f"某某市{name}"
    for name in (
        "自然资源和规划局",
        "住房和城乡建设局",
        "交通运输局",
        "水利局",
        "教育局",
        "卫生健康委员会",
        "农业农村局",
        "市场监督管理局",
        "财政局",
        "民政局",
        "城市管理局",
        "国有资产监督管理委员会",
    )
]
HANDLERS = ["王某", "李某", "赵某", "钱某"]
REPLY_DAYS = 30


@dataclass
class Planned:
    number: str
    recipient: str
    handler: str | None
    doc_date: dt.date
    delivered: dt.date | None = None
    replied: dt.date | None = None
    voided: bool = False
    deadline: dt.date | None = None
    items: int = 0
    items_done: list[int] = field(default_factory=list)
    item_deadline: dt.date | None = None
    urged: str | None = None  # the 督办函's 文号


@dataclass
class Plan:
    db: Path
    documents: list[Planned]
    urging: list[str]

    def live(self) -> list[Planned]:
        return [p for p in self.documents if not p.voided]


def build_year(db: Path, count: int = 320, seed: int = 2025) -> Plan:
    rng = random.Random(seed)
    documents: list[Planned] = []
    urging: list[str] = []
    with Ledger(db) as ledger, ledger.batch():
        for index in range(count):
            doc_date = dt.date(YEAR, 1, 2) + dt.timedelta(days=int(index * 360 / count))
            recipient = rng.choice(UNITS)
            handler = rng.choice([*HANDLERS, None])
            tasks = [
                TaskSpec(f"整改任务{index}-{k}", recipient, doc_date + dt.timedelta(days=REPLY_DAYS))
                for k in range(rng.randint(1, 4))
            ]
            meta = DocumentMeta(
                kind="recommendation",
                subtype="监察建议",
                recipient=recipient,
                subject=f"关于某某问题的监察建议{index}",
                doc_date=doc_date,
                reply_deadline=doc_date + dt.timedelta(days=REPLY_DAYS),
                reply_days=REPLY_DAYS,
                handler=handler,
                tasks=tasks,
            )
            number = ledger.allocate("某监建", YEAR, meta)
            ledger.issue(number, f"{index:064x}", str(db.parent / f"{index}.docx"))
            planned = Planned(
                number, recipient, handler, doc_date, items=len(tasks), item_deadline=tasks[0].deadline
            )
            documents.append(planned)
            roll = rng.random()
            if roll < 0.03:
                ledger.mark(number, "作废", doc_date, "主送单位写错", today=TODAY)
                planned.voided = True
                continue
            if roll < 0.12 or doc_date > TODAY - dt.timedelta(days=5):
                planned.deadline = doc_date + dt.timedelta(days=REPLY_DAYS)  # never delivered
                continue
            delivered = doc_date + dt.timedelta(days=rng.randint(1, 10))
            delivered = min(delivered, TODAY)
            ledger.mark(number, "已送达", delivered, today=TODAY)
            planned.delivered = delivered
            planned.deadline = delivered + dt.timedelta(days=REPLY_DAYS)
            answer = rng.random()
            replied = planned.deadline + dt.timedelta(
                days=rng.randint(-20, 0) if answer < 0.6 else rng.randint(1, 25)
            )
            if answer < 0.85 and replied <= TODAY:
                ledger.mark(number, "已反馈", replied, today=TODAY)
                planned.replied = replied
                for seq in range(1, len(tasks) + 1):
                    if rng.random() < 0.7:
                        ledger.complete_item(number, seq, "已整改并报送材料", None, replied, TODAY)
                        planned.items_done.append(seq)
        # 督办函 for a third of what is overdue and delivered, dated after the missed deadline.
        for planned in documents:
            if planned.voided or planned.replied or planned.deadline is None or planned.deadline >= TODAY:
                continue
            if rng.random() < 0.33:
                on = min(planned.deadline + dt.timedelta(days=3), TODAY)
                meta = DocumentMeta(
                    kind="urging_letter",
                    recipient=planned.recipient,
                    subject="督办",
                    doc_date=on,
                    reply_deadline=on + dt.timedelta(days=28),
                    related_number=planned.number,
                )
                number = ledger.allocate("某纪督", YEAR if on.year == YEAR else on.year, meta)
                ledger.issue(number, "f" * 64, str(db.parent / f"{number}.docx"))
                planned.urged = number
                urging.append(number)
    return Plan(db, documents, urging)
