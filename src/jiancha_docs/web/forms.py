"""Pages for one document: the home page, a kind's form (from its schema), live checks, the
preview of the first page, and generating the .docx / .pdf — by the core, as ``jiancha render``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import Issue
from .app import IssuesError, WebContext
from .pages import page

GROUPS_FILE = Path(__file__).with_name("form_groups.yaml")


# -- the form, as the schema describes it ------------------------------------------------------
@dataclass
class FieldView:
    spec: Any
    value: Any  # text for a text/date field, a list of texts for a list, rows of cells for a table
    show_when: dict[str, list[str]] = field(default_factory=dict)  # a sub-type switch shows it

    @property
    def widget(self) -> str:
        if self.spec.type == "choice":
            return "select"
        if self.spec.type in ("list", "table", "multiline", "date"):
            return self.spec.type
        return "text"


@dataclass
class GroupView:
    name: str
    fields: list[FieldView]


@cache
def _groups() -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(GROUPS_FILE.read_text(encoding="utf-8"))


def _default(spec: Any, defaults: dict[str, Any]) -> Any:
    value = defaults.get(spec.key, defaults.get(spec.label, spec.default))
    if spec.type == "list":
        if value is None or value == "":
            return [""]
        return [str(v) for v in value] if isinstance(value, list) else str(value).splitlines() or [""]
    if spec.type == "table":
        rows = value if isinstance(value, list) and value else [{}]
        return [
            {
                c.key: str(r.get(c.key, r.get(c.label, ""))) if isinstance(r, dict) else ""
                for c in spec.columns
            }
            for r in rows
        ]
    return "" if value is None else str(value)


def _switches(kind: Any) -> dict[str, dict[str, list[str]]]:
    """Fields a sub-type requires (a rule ``when: {subtype: X}, require: [...]``) and that are not
    required otherwise: shown only when the switch has that value."""
    shown: dict[str, dict[str, list[str]]] = {}
    for rule in kind.rules:
        if not rule.when or not rule.require:
            continue
        for key in rule.require:
            if kind.field(key).required:
                continue
            target = shown.setdefault(key, {})
            for switch, allowed in rule.when.items():
                target.setdefault(switch, []).extend(a for a in allowed if a not in target.get(switch, []))
    return shown


def form_model(kind: Any, defaults: dict[str, Any]) -> list[GroupView]:
    switches = _switches(kind)
    views = {s.key: FieldView(s, _default(s, defaults), switches.get(s.key, {})) for s in kind.fields}
    listed = {key for group in _groups() for key in group.get("keys", [])}
    groups = []
    for group in _groups():
        if group.get("rest"):
            keys = [s.key for s in kind.fields if s.key not in listed]
        else:
            keys = [s.key for s in kind.fields if s.key in group.get("keys", [])]
        if keys:
            groups.append(GroupView(group["name"], [views[k] for k in keys]))
    return groups


def record_from_form(kind: Any, form: Any) -> dict[str, Any]:
    """The form's fields as one record keyed by field key (what a JSON file of records holds):
    a list field's rows as a list, a table's rows as mappings; empty rows dropped."""
    record: dict[str, Any] = {}
    for spec in kind.fields:
        if spec.type == "list":
            record[spec.key] = [v.strip() for v in form.getlist(spec.key) if v.strip()]
        elif spec.type == "table":
            columns = {c.key: form.getlist(f"{spec.key}.{c.key}") for c in spec.columns}
            count = max((len(v) for v in columns.values()), default=0)
            rows = []
            for i in range(count):
                row = {c: (values[i] if i < len(values) else "").strip() for c, values in columns.items()}
                if any(row.values()):
                    rows.append(row)
            record[spec.key] = rows
        else:
            record[spec.key] = str(form.get(spec.key, "")).strip()
    return record


# -- options for the core, as the CLI's render command builds them ----------------------------
def render_options(context: WebContext, kind: Any, outdir: Path, draft: bool, actor: Any = None) -> Any:
    from ..kinds.validate import columns_for
    from ..render.batch import RenderOptions
    from ..rules.sources import rules_config

    settings = context.settings
    location = settings.ledger_location(None)
    return RenderOptions(
        outdir=outdir,
        columns=columns_for(kind, settings.columns),
        defaults=settings.defaults,
        ledger_path=location.target,
        ledger_may_create=location.may_create,
        actor=actor,
        ledger_wait=settings.ledger_wait,
        numbering=settings.numbering,
        draft=draft,
        rules_index=rules_config(settings).index_dir,
        calendar=context.calendar(),
    )


def issues_by_field(kind: Any, issues: list[Issue]) -> tuple[dict[str, list[str]], list[Issue]]:
    """Messages beside the field they name (by key), and the rest for the top of the form."""
    labels = {s.label: s.key for s in kind.fields} | {s.key: s.key for s in kind.fields}
    beside: dict[str, list[str]] = {}
    rest = []
    for issue in issues:
        key = labels.get(issue.field or "")
        if key is not None and issue.severity == "error":
            beside.setdefault(key, []).append(issue.message)
        else:
            rest.append(issue)
    return beside, rest


def render_one(context: WebContext, kind: Any, record: dict[str, Any], draft: bool, actor: Any = None) -> Any:
    """Render the record into the output folder (or a scratch folder for a draft); ``actor``
    is who the ledger's audit trail names."""
    from ..render.single import render_record

    outdir = context.scratch() if draft else context.outdir
    if not draft:
        context.check_config_names()
    result = render_record(kind, record, render_options(context, kind, outdir, draft, actor), context.workdir)
    if not result.ok or result.outcome is None or result.outcome.output is None:
        raise IssuesError(kind, result.issues() or [Issue(result.outcome.location, None, _why(result))])
    return result


def _why(result: Any) -> str:
    outcome = result.outcome
    return outcome.note or f"没有生成文书（{outcome.status}）" if outcome else "没有生成文书"


def make_pdf(context: WebContext, docx: Path) -> Path:
    """The PDF beside a written document: by the resident LibreOffice when it runs, otherwise as
    ``render --pdf`` makes it."""
    target = docx.with_suffix(".pdf")
    if context.office is not None:
        return context.office.pdf(docx, target)
    from ..printing.convert import convert_to_pdf

    report = convert_to_pdf([docx])
    outcome = report.outcomes[0]
    if not outcome.ok:
        from ..errors import JianchaError

        raise JianchaError(f"无法生成 PDF：{outcome.error}")
    return outcome.pdf


# -- routes ------------------------------------------------------------------------------------
def routes(context: WebContext) -> list[Any]:
    from starlette.responses import FileResponse, HTMLResponse
    from starlette.routing import Route

    def home(request: Any) -> Any:
        return page(request, "home.html", {"kinds": context.kinds(), "outdir": context.outdir})

    def form_page(request: Any) -> Any:
        kind = context.kind(request.path_params["kind"])
        groups = form_model(kind, context.settings.defaults)
        return page(
            request,
            "form.html",
            {"kind": kind, "groups": groups, "preview_ready": context.office is not None},
        )

    async def check(request: Any) -> Any:
        from ..kinds.validate import columns_for
        from ..render.single import check_record

        kind = context.kind(request.path_params["kind"])
        record = record_from_form(kind, await request.form())
        settings = context.settings
        issues = check_record(
            kind, record, settings.defaults, context.calendar(), columns_for(kind, settings.columns)
        )
        return _issues_fragment(request, kind, issues, ok_message="检查通过，可以预览或生成。")

    async def preview(request: Any) -> Any:
        kind = context.kind(request.path_params["kind"])
        record = record_from_form(kind, await request.form())
        try:
            result = render_one(context, kind, record, draft=True)
        except IssuesError as e:  # not yet complete: say what the preview waits for
            blocked = [f"「{i.field}」{i.message}" if i.field else i.message for i in e.issues]
            return page(
                request, "_preview.html", {"image": None, "lines": [], "note": "", "blocked": blocked}
            )
        return page(
            request, "_preview.html", {"blocked": [], **_preview_values(context, result.outcome.output)}
        )

    async def generate(request: Any) -> Any:
        form = await request.form()
        kind = context.kind(request.path_params["kind"])
        record = record_from_form(kind, form)
        draft = form.get("_draft") == "1"
        result = render_one(context, kind, record, draft=draft, actor=context.actor(request))
        outcome = result.outcome
        files = [(outcome.output.name, context.offer(outcome.output))]
        if form.get("_pdf") == "1":
            pdf = make_pdf(context, outcome.output)
            files.append((pdf.name, context.offer(pdf)))
        return page(
            request,
            "_generated.html",
            {"outcome": outcome, "files": files, "draft": draft, "report": result.report},
        )

    def download(request: Any) -> Any:
        path = context.offered(request.path_params["token"])
        if path is None or not path.is_file():
            from ..errors import JianchaError

            raise JianchaError("下载链接已失效（服务重启过，或文件已被移走），请重新生成")
        inline = path.suffix.lower() == ".png"
        return FileResponse(
            path, filename=None if inline else path.name, content_disposition_type="attachment"
        )

    def favicon(request: Any) -> Any:
        return HTMLResponse("", status_code=204)

    return [
        Route("/", home),
        Route("/favicon.ico", favicon),
        Route("/kinds/{kind}", form_page),
        Route("/kinds/{kind}/check", check, methods=["POST"]),
        Route("/kinds/{kind}/preview", preview, methods=["POST"]),
        Route("/kinds/{kind}/generate", generate, methods=["POST"]),
        Route("/files/{token}", download),
    ]


def _preview_values(context: WebContext, docx: Path) -> dict[str, Any]:
    from ..errors import JianchaError
    from ..render.single import document_text

    if context.office is not None:
        try:
            png = context.office.first_page_png(docx, docx.with_suffix(".png"))
            return {"image": context.offer(png), "lines": [], "note": ""}
        except JianchaError as e:
            note = f"页面预览暂时无法生成（{e.message}），以下为文字预览"
    else:
        note = "本机未找到 LibreOffice，无法显示版面；以下为文字预览，生成的 Word 文书不受影响"
    return {"image": None, "lines": document_text(docx), "note": note}


def _issues_fragment(request: Any, kind: Any, issues: list[Issue], ok_message: str) -> Any:
    beside, rest = issues_by_field(kind, issues)
    return page(
        request,
        "_issues.html",
        {
            "kind": kind,
            "beside": beside,
            "rest": rest,
            "ok_message": ok_message if not issues else "",
            "count": sum(len(v) for v in beside.values()) + sum(1 for i in rest if i.severity == "error"),
        },
    )
