"""The JSON API, for the office's other systems and for tests. The same calls as the pages make;
errors are ``422 [{field, label, message}]`` (app.py's one translator)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from .app import WebContext
from .forms import render_one
from .ledger import filters_from, ledger_exists, open_ledger
from .rules import search_query


def kind_json(kind: Any) -> dict[str, Any]:
    def spec_json(spec: Any) -> dict[str, Any]:
        data = {
            "key": spec.key,
            "label": spec.label,
            "type": spec.type,
            "required": spec.required,
            "help": spec.help,
            "default": spec.default if spec.default is None else str(spec.default),
        }
        if spec.choices:
            data["choices"] = list(spec.choices)
        if spec.columns:
            data["columns"] = [spec_json(c) for c in spec.columns]
        return data

    return {"id": kind.id, "name": kind.name, "fields": [spec_json(s) for s in kind.fields]}


def routes(context: WebContext) -> list[Any]:
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Route

    from ..config import today

    def kinds(request: Any) -> Any:
        return JSONResponse([kind_json(k) for k in context.kinds()])

    def csrf(request: Any) -> Any:
        visitor = context.visitor(request)
        return JSONResponse(
            {"token": request.scope["state"]["csrf"], "header": "X-CSRF-Token", "visitor": visitor.as_json()}
        )

    async def render(request: Any) -> Any:
        kind = context.kind(request.path_params["kind"])
        try:
            record = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"请求内容不是有效的 JSON：{e}") from e
        if not isinstance(record, dict):
            raise UsageError("请求内容应为一条记录（JSON 对象，“字段: 值”）")
        draft = request.query_params.get("draft") in ("1", "true")
        result = render_one(context, kind, record, draft=draft, actor=context.actor(request))
        outcome = result.outcome
        # (headers are Latin-1: the Chinese status and 文号 travel percent-encoded, as UTF-8)
        headers = {"X-Jiancha-Status": quote(outcome.status)}
        if outcome.number:
            headers["X-Jiancha-Number"] = quote(outcome.number)
        return FileResponse(
            outcome.output,
            filename=outcome.output.name,
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers=headers,
        )

    def rules_search(request: Any) -> Any:
        return JSONResponse(search_query(context, request.query_params))

    def ledger(request: Any) -> Any:
        now = today()
        filters = filters_from(request.query_params, context)
        if not ledger_exists(context):
            return JSONResponse([])
        with open_ledger(context, context.actor(request)) as book:
            entries = [book.find(e.doc_number) for e in book.entries(**filters, today=now)]
        return JSONResponse([e.as_json(now) for e in entries])

    return [
        Route("/api/kinds", kinds),
        Route("/api/csrf", csrf),
        Route("/api/render/{kind}", render, methods=["POST"]),
        Route("/api/rules/search", rules_search),
        Route("/api/ledger", ledger),
    ]
