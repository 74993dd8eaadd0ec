"""整改 items: which field of a kind lists them (tasks.yaml, beside this module) and how a record's
rows become the items the ledger tracks one by one."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from .model import TaskSpec

TASK_FIELDS = Path(__file__).with_name("tasks.yaml")


@cache
def task_fields() -> dict[str, dict[str, str]]:
    import yaml

    data: dict[str, dict[str, str]] = yaml.safe_load(TASK_FIELDS.read_text(encoding="utf-8"))
    return data


def tasks_of(
    kind: str, values: dict[str, Any], recipient: str | None, deadline: dt.date | None
) -> list[TaskSpec] | None:
    """The items a document of ``kind`` made from ``values`` lists; None for a kind without any."""
    spec = task_fields().get(kind)
    if spec is None:
        return None
    rows = values.get(spec["field"]) or []
    if isinstance(rows, str):
        rows = [rows]
    tasks = []
    for row in rows:
        if isinstance(row, dict):
            text = str(row.get(spec.get("task", "task")) or "").strip()
            owner = row.get(spec["owner"]) if "owner" in spec else None
            due = row.get(spec["deadline"]) if "deadline" in spec else None
            date = due if isinstance(due, dt.date) else None
            written = None if date is not None or due in (None, "") else str(due)
            tasks.append(TaskSpec(text, str(owner) if owner else recipient, date or deadline, written))
        elif str(row).strip():
            tasks.append(TaskSpec(str(row).strip(), recipient, deadline))
    return [t for t in tasks if t.task]
