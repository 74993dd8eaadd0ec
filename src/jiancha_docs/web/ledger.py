"""The ledger's dashboard: overdue first, then due soon; marking 已送达 / 已反馈 (one or many); a
document's history; the 台账.xlsx export. Through the ledger API (ledger/interface.py), as
``jiancha ledger`` uses it."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from ..errors import JianchaError, UsageError
from .app import WebContext
from .pages import page

SOON_DAYS = 7  # "due soon": a reply deadline within this many days
MARKABLE = ("已送达", "已反馈")
REVIEW_STEPS = ("review", "approve")  # ledger.model.Step values: 审核, 审批


@contextmanager
def open_ledger(context: WebContext, actor: Any = None) -> Any:
    """The existing ledger (a SQLite file, or the office server's), numbers left by an
    interrupted batch settled (as ``ledger`` does); ``actor`` is who its changes are by."""
    from ..ledger import open_ledger as open_book

    settings = context.settings
    location = settings.ledger_location(None)
    with open_book(location.target, create=False, wait=settings.ledger_wait, actor=actor) as book:
        if not book.read_only:
            book.recover()
        yield book


def ledger_exists(context: WebContext) -> bool:
    location = context.settings.ledger_location(None)
    return location.url is not None or location.path.exists()


def filters_from(query: Any, context: WebContext) -> dict[str, Any]:
    """The ``ledger list`` filters from a query string."""

    def number(name: str) -> int | None:
        text = (query.get(name) or "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise UsageError(f"筛选条件“{name}”应为整数：{text}")
        return int(text)

    kind = (query.get("kind") or "").strip()
    return {
        "kind": context.kind(kind).id if kind else None,
        "year": number("year"),
        "status": (query.get("status") or "").strip() or None,
        "overdue": (query.get("overdue") or "") in ("1", "true", "on"),
        "due_within": number("due_within"),
    }


def dashboard_order(entries: list[Any], today: dt.date) -> list[tuple[str, Any]]:
    """Overdue first (most days first), then due within SOON_DAYS (soonest first), then the rest
    as the ledger lists them; each with its band: overdue, soon or "" ."""
    overdue = sorted((e for e in entries if e.overdue_days(today)), key=lambda e: -e.overdue_days(today))
    late = {e.doc_number for e in overdue}

    def soon(e: Any) -> bool:
        return (
            e.doc_number not in late
            and e.reply_deadline is not None
            and e.overdue_days(today) == 0
            and 0 <= (e.reply_deadline - today).days <= SOON_DAYS
            and e.status in _awaiting()
        )

    due = sorted((e for e in entries if soon(e)), key=lambda e: e.reply_deadline)
    seen = late | {e.doc_number for e in due}
    rest = [e for e in entries if e.doc_number not in seen]
    return [("overdue", e) for e in overdue] + [("soon", e) for e in due] + [("", e) for e in rest]


def each(numbers: list[str], change: Any) -> tuple[list[str], list[str]]:
    """``change`` on each ticked 文号: those done, and what was refused (one refused change
    does not stop the others)."""
    done, problems = [], []
    for number in numbers:
        try:
            change(number)
            done.append(number)
        except JianchaError as e:
            problems.append(f"{number}：{e.message}")
    return done, problems


def _steps() -> list[Any]:
    from ..ledger.model import Step

    return [Step(s) for s in REVIEW_STEPS]


def _awaiting() -> Any:
    from ..ledger.model import AWAITING_REPLY

    return AWAITING_REPLY


def routes(context: WebContext) -> list[Any]:
    from starlette.responses import FileResponse
    from starlette.routing import Route

    from ..config import today

    def names() -> dict[str, str]:
        return {k.id: k.name for k in context.kinds()}

    def table_values(request: Any, message: str = "", problems: list[str] | None = None) -> dict[str, Any]:
        now = today()
        filters = filters_from(request.query_params, context)
        rows: list[tuple[str, Any]] = []
        approvals: dict[str, list[Any]] = {}
        if ledger_exists(context):
            with open_ledger(context, context.actor(request)) as book:
                rows = dashboard_order(book.entries(**filters, today=now), now)
                approvals = book.all_approvals()
        return {
            "rows": rows,
            "names": names(),
            "today": now,
            "exists": ledger_exists(context),
            "location": context.settings.ledger_location(None).path,
            "filters": filters,
            "kinds": context.kinds(),
            "markable": MARKABLE,
            "approvals": approvals,
            "steps": _steps(),
            "message": message,
            "problems": problems or [],
            "query": str(request.query_params),
        }

    def dashboard(request: Any) -> Any:
        return page(request, "ledger.html", table_values(request))

    async def mark(request: Any) -> Any:
        from ..calendar import using
        from ..ledger.model import parse_event_date

        form = await request.form()
        numbers = [n.strip() for n in form.getlist("numbers") if n.strip()]
        status = str(form.get("status", "")).strip()
        if not numbers:
            raise UsageError("请先勾选要标记的文书")
        if status not in MARKABLE:
            raise UsageError(f"状态应为：{'、'.join(MARKABLE)}")
        text = str(form.get("date", "")).strip()
        when = parse_event_date(text) if text else today()
        note = str(form.get("note", "")).strip() or None
        with open_ledger(context, context.actor(request)) as book, using(context.calendar()):
            done, problems = each(numbers, lambda n: book.mark(n, status, when, note, today=today()))
        message = f"已把 {len(done)} 份文书标记为“{status}”（{when}）。" if done else ""
        return page(request, "_ledger_table.html", table_values(request, message, problems))

    def history(request: Any) -> Any:
        now = today()
        number = request.query_params.get("number", "").strip()
        if not number:
            raise UsageError("请给出文号")
        from ..ledger.audit import table_rows, trail

        with open_ledger(context, context.actor(request)) as book:
            entry = book.find(number)
            related = book.get(entry.related_number) if entry.related_number else None
            followups = book.followups(entry.doc_number)
            approvals = book.approvals(entry.doc_number)
            audit = table_rows(trail(book, doc_number=entry.doc_number))
        return page(
            request,
            "ledger_entry.html",
            {
                "e": entry,
                "related": related,
                "followups": followups,
                "names": names(),
                "today": now,
                "approvals": approvals,
                "audit": audit,
            },
        )

    async def review(request: Any) -> Any:
        """审核 or 审批 of the ticked documents, by the signed-in account, dated today."""
        from ..ledger.model import Step

        form = await request.form()
        numbers = [n.strip() for n in form.getlist("numbers") if n.strip()]
        step_name = str(form.get("step", "")).strip()
        if not numbers:
            raise UsageError("请先勾选要登记的文书")
        if step_name not in REVIEW_STEPS:
            raise UsageError(f"应为：{'、'.join(s.label for s in _steps())}")
        step = Step(step_name)
        opinion = str(form.get("opinion", "")).strip() or None
        actor = context.actor(request)
        with open_ledger(context, actor) as book:
            done, problems = each(
                numbers, lambda n: book.record_approval(n, step, actor.name, today(), opinion, today())
            )
        message = f"已为 {len(done)} 份文书登记{step.label}（{actor.name}，{today()}）。" if done else ""
        return page(request, "_ledger_table.html", table_values(request, message, problems))

    def export(request: Any) -> Any:
        from ..ledger.export import export_xlsx

        now = today()
        filters = filters_from(request.query_params, context)
        if not ledger_exists(context):
            raise JianchaError("还没有台账：生成第一份带文号的文书后才会建立台账")
        with open_ledger(context, context.actor(request)) as book:
            entries = [book.find(e.doc_number) for e in book.entries(**filters, today=now)]
            target = context.scratch() / "台账.xlsx"
            # with the ledger: the 审核/审批 columns filled and the export on record
            export_xlsx(entries, target, now, names(), force=True, ledger=book)
        return FileResponse(target, filename="台账.xlsx")

    return [
        Route("/ledger", dashboard),
        Route("/ledger/mark", mark, methods=["POST"]),
        Route("/ledger/review", review, methods=["POST"]),
        Route("/ledger/entry", history),
        Route("/ledger/export.xlsx", export),
    ]
