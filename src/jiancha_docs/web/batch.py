"""Batch upload: drop a register (.xlsx / .csv), pick the sheet, confirm the header mapping (and
save it into jiancha.toml), check it row by row, generate with a streamed progress bar, download
a .zip of the documents and the manifest.

The upload is written to disk as it arrives and read by the same readers as ``jiancha render``;
the job is ``render_records`` (numbering and registration as the CLI), with ``keep_outcomes`` off
and every finished document added to the zip as it completes, so memory stays flat.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Issue, JianchaError, SourceError, UsageError
from .app import WebContext
from .forms import render_options
from .pages import page

ACCEPTED = (".xlsx", ".csv")
IGNORE = ""  # the mapping choice "not a field"


@dataclass
class Upload:
    id: str
    kind: Any
    path: Path
    name: str
    sheets: list[str]
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # confirmed: column → field label


@dataclass
class Job:
    id: str
    upload: Upload
    draft: bool
    total: int | None = None  # rows to do (counted before rendering starts)
    done: int = 0
    finished: bool = False
    report: Any = None
    error: str | None = None
    zip_token: str | None = None
    files: int = 0
    actor: Any = None  # who started it (the audit trail names them)


@dataclass
class ColumnView:
    column: str
    chosen: str  # a field key, or IGNORE
    note: str = ""
    severity: str = ""


# -- what several workers share: uploads and job progress, as files under the work folder ------
# (``serve --workers N``: a clerk's next request may reach another worker process)
def _shared(context: WebContext, what: str) -> Path:
    folder = context.workdir / what
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_aside(path: Path, text: str) -> None:
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    aside.write_text(text, encoding="utf-8")
    aside.replace(path)


def keep_upload(context: WebContext, upload: Upload) -> None:
    """Remember the upload (its file, its sheet and confirmed columns) for every worker."""
    import json

    with context.lock:
        context.uploads[upload.id] = upload
    state = {
        "kind": upload.kind.id,
        "path": str(upload.path),
        "name": upload.name,
        "sheets": upload.sheets,
        "sheet": upload.sheet,
        "columns": upload.columns,
    }
    _write_aside(_shared(context, "uploads") / f"{upload.id}.json", json.dumps(state, ensure_ascii=False))


def load_upload(context: WebContext, upload_id: str) -> Upload | None:
    import json

    found = context.uploads.get(upload_id)
    if found is not None or not _SAFE_ID.match(upload_id):
        return found
    path = _shared(context, "uploads") / f"{upload_id}.json"
    if not path.is_file():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    kind = context.kind(state["kind"])
    return Upload(
        upload_id, kind, Path(state["path"]), state["name"], state["sheets"], state["sheet"], state["columns"]
    )


def progress_html(job: Job) -> str:
    from .auth import Permission
    from .pages import environment

    template = environment().get_template("_batch_progress.html")
    return template.render(job=job, csrf="", path="", visitor=None, P=Permission)


def publish(context: WebContext, job: Job) -> None:
    """The job's progress as its page fragment, for a worker that does not run it."""
    _write_aside(_shared(context, "jobs") / f"{job.id}.html", progress_html(job))


def published(context: WebContext, job_id: str) -> str | None:
    if not _SAFE_ID.match(job_id):
        return None
    path = _shared(context, "jobs") / f"{job_id}.html"
    return path.read_text(encoding="utf-8") if path.is_file() else None


PUBLISH_EVERY = 0.3  # seconds between two progress fragments written for the other workers
_SAFE_ID = re.compile(r"^[\w-]{8,40}$")  # ids are token_urlsafe: never a path


# -- the core calls, in the order a clerk makes them -------------------------------------------
def save_upload(context: WebContext, kind: Any, name: str, stream: Any) -> Upload:
    """Keep an uploaded register under the server's work folder (copied in chunks)."""
    safe = Path(name.replace("\\", "/")).name.strip() or "登记表.xlsx"
    if Path(safe).suffix.lower() not in ACCEPTED:
        raise UsageError(f"{safe}：请上传 Excel（.xlsx）或 CSV（.csv）文件")
    folder = context.scratch()
    path = folder / safe
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    upload = Upload(secrets.token_urlsafe(12), kind, path, safe, sheet_names(path))
    upload.sheet = upload.sheets[0] if upload.sheets else None
    keep_upload(context, upload)
    return upload


def sheet_names(path: Path) -> list[str]:
    """The visible worksheets of an .xlsx (a CSV has none)."""
    if path.suffix.lower() != ".xlsx":
        return []
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception as e:  # openpyxl raises a dozen kinds of error on a damaged archive
        raise SourceError(f"{path.name}：无法打开这个 Excel 文件，它可能已损坏，或并不是 .xlsx 格式") from e
    try:
        return [ws.title for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    finally:
        book.close()


def mapping_view(context: WebContext, upload: Upload) -> tuple[list[ColumnView], list[Issue]]:
    """Each column of the sheet with the field it maps to: the validator's mapping, or its guess
    for an unknown column (preselected, for the clerk to confirm); and the file-level issues as
    they stand with the mapping shown."""
    from ..kinds.validate import columns_for

    kind = upload.kind
    columns = {**columns_for(kind, context.settings.columns), **upload.columns}
    headers, header_map = _headers(context, upload, columns)
    by_label = {s.label: s.key for s in kind.fields}
    notes = {i.field: i for i in header_map.file_issues if i.field}
    views = []
    suggested: dict[str, str] = {}
    for name in headers:
        chosen = header_map.column_to_key.get(name, IGNORE)
        issue = notes.get(name)
        note, severity = (issue.message, issue.severity) if issue else ("", "")
        if chosen == IGNORE and issue is not None:
            guess = re.search(r"是否应为「(.+?)」", issue.message)
            if guess and guess.group(1) in by_label:
                chosen = by_label[guess.group(1)]
                suggested[name] = guess.group(1)
                note, severity = (
                    f"建议对应「{guess.group(1)}」，请核对（不对时改选或选“不使用这一列”）",
                    "note",
                )
        views.append(ColumnView(name, chosen, note, severity))
    if suggested:  # the issues as they will be once the clerk accepts the suggestions
        _, header_map = _headers(context, upload, {**columns, **suggested})
    shown = {v.column for v in views}
    rest = [i for i in header_map.file_issues if not i.field or i.field not in shown or i.severity == "error"]
    return views, rest


def _headers(context: WebContext, upload: Upload, columns: dict[str, str]) -> tuple[list[str], Any]:
    from ..kinds import Validator
    from ..sources import open_source

    validator = Validator(upload.kind, context.settings.defaults, columns=columns)
    source = open_source(upload.path, upload.sheet, known=validator.is_column)
    headers = [str(h).strip() for h in source.headers if str(h).strip()]
    return headers, validator.map_headers(source.headers, source.display_name)


def confirm_mapping(upload: Upload, form: Any) -> dict[str, str]:
    """The clerk's choices: column → field label for every column mapped to a field under
    another name."""
    kind = upload.kind
    labels = {s.key: s.label for s in kind.fields}
    chosen: dict[str, str] = {}
    for key, value in form.multi_items():
        if not key.startswith("map:"):
            continue
        column, target = key[4:], str(value)
        if target == IGNORE or target not in labels:
            continue
        if column not in (target, labels[target]):
            chosen[column] = labels[target]
    upload.columns = chosen
    return chosen


def batch_options(
    context: WebContext, upload: Upload, draft: bool, check_only: bool, actor: Any = None
) -> Any:
    from ..kinds.validate import columns_for

    options = render_options(context, upload.kind, context.outdir, draft, actor)
    options.sheet = upload.sheet
    options.columns = {**columns_for(upload.kind, context.settings.columns), **upload.columns}
    options.check_only = check_only
    options.keep_outcomes = False
    options.jobs = 1  # a server thread forks no worker processes
    return options


def check_upload(context: WebContext, upload: Upload) -> Any:
    from ..render.batch import render_records

    return render_records(upload.kind, [upload.path], batch_options(context, upload, False, True))


def count_rows(upload: Upload) -> int:
    """The rows the job will read (for the progress bar), found as the job finds its header."""
    from ..kinds import Validator
    from ..sources import open_source

    known = Validator(upload.kind, columns=upload.columns).is_column
    return sum(1 for _ in open_source(upload.path, upload.sheet, known=known).records())


def run_job(context: WebContext, job: Job) -> None:
    """The batch, in its own thread: documents go into the output folder and, one by one, into
    the zip; the manifest goes in last."""
    from ..render.batch import STATUS_DONE, STATUS_REUSED, render_records

    upload = job.upload
    target = context.scratch() / f"{upload.kind.name}_{Path(upload.name).stem}.zip"
    try:
        if not job.draft:
            context.check_config_names()
        job.total = count_rows(upload)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            names: set[str] = set()

            last = [0.0]

            def on_row(outcome: Any) -> None:
                job.done += 1
                if time.monotonic() - last[0] > PUBLISH_EVERY:
                    last[0] = time.monotonic()
                    publish(context, job)
                output = outcome.output
                written = outcome.status in (STATUS_DONE, STATUS_REUSED) and output is not None
                if written and output.name not in names and output.is_file():
                    names.add(output.name)
                    archive.write(output, output.name)
                    job.files += 1

            options = batch_options(context, upload, job.draft, False, job.actor)
            job.report = render_records(upload.kind, [upload.path], options, on_row=on_row)
            if job.report.manifest is not None and job.report.manifest.is_file():
                archive.write(job.report.manifest, job.report.manifest.name)
        job.zip_token = context.offer(target)
    except JianchaError as e:
        job.error = e.message + (f"（{e.hint}）" if e.hint else "")
    except OSError as e:
        from ..errors import describe_os_error

        job.error = f"无法读写文件：{describe_os_error(e)}"
    except Exception as e:  # the thread's last line of defence: the clerk is told, in Chinese
        job.error = f"批量生成没有完成（{type(e).__name__}）；请在终端中用 jiancha --debug render 重做"
    finally:
        job.finished = True
        publish(context, job)


# -- routes ------------------------------------------------------------------------------------
def routes(context: WebContext) -> list[Any]:
    from starlette.routing import Route

    def find_upload(request: Any) -> Upload:
        upload = load_upload(context, request.path_params["upload"])
        if upload is None:
            raise UsageError("上传的文件已失效（服务重启过），请重新上传")
        return upload

    def mapping_page(request: Any, upload: Upload, message: str = "") -> Any:
        views, issues = mapping_view(context, upload)
        return page(
            request,
            "_batch_mapping.html",
            {"upload": upload, "views": views, "issues": issues, "kind": upload.kind, "message": message},
        )

    def batch_page(request: Any) -> Any:
        return page(request, "batch.html", {"kinds": context.kinds(), "outdir": context.outdir})

    async def upload(request: Any) -> Any:
        form = await request.form()
        kind_name = str(form.get("kind", "")).strip()
        if not kind_name:
            raise UsageError("请选择文书类型")
        kind = context.kind(kind_name)
        file = form.get("file")
        if file is None or isinstance(file, str) or not file.filename:
            raise UsageError("请选择要上传的登记表（.xlsx 或 .csv）")
        saved = save_upload(context, kind, file.filename, file.file)
        saved.sheet = saved.sheets[0] if saved.sheets else None
        return mapping_page(request, saved)

    async def remap(request: Any) -> Any:
        found = find_upload(request)
        form = await request.form()
        sheet = str(form.get("sheet", "")).strip()
        if found.sheets and sheet:
            if sheet not in found.sheets:
                raise SourceError(f"{found.name}：找不到工作表“{sheet}”")
            if sheet != found.sheet:
                found.sheet, found.columns = sheet, {}
                keep_upload(context, found)
                return mapping_page(request, found)
        confirm_mapping(found, form)
        keep_upload(context, found)
        message = ""
        if form.get("save") == "1" and found.columns:
            from ..settings_file import save_columns
            from .auth import Permission, forbidden

            visitor = context.visitor(request)
            if not visitor.may(Permission.CONFIGURE):  # the configuration is the 管理 role's
                raise forbidden(visitor)

            where = context.settings.path
            written = save_columns(where, found.kind.name, found.columns, Path.cwd())
            context.load()
            message = f"已把 {len(found.columns)} 个列名的对应关系保存到 {written}。"
        return mapping_page(request, found, message)

    async def check(request: Any) -> Any:
        found = find_upload(request)
        confirm_mapping(found, await request.form())
        keep_upload(context, found)
        report = check_upload(context, found)
        return page(request, "_batch_check.html", {"report": report, "upload": found})

    async def generate(request: Any) -> Any:
        found = find_upload(request)
        form = await request.form()
        confirm_mapping(found, form)
        job = Job(
            secrets.token_urlsafe(12), found, draft=form.get("draft") == "1", actor=context.actor(request)
        )
        with context.lock:
            context.jobs[job.id] = job
        publish(context, job)
        threading.Thread(target=run_job, args=(context, job), daemon=True, name=f"batch-{job.id}").start()
        return page(request, "_batch_progress.html", {"job": job})

    def progress(request: Any) -> Any:
        from starlette.responses import HTMLResponse

        job = context.jobs.get(request.path_params["job"])
        if job is None:  # run by another worker: the progress it last published
            shown = published(context, request.path_params["job"])
            if shown is None:
                raise UsageError("这个批量任务已不存在（服务重启过），请重新生成")
            return HTMLResponse(shown)
        return page(request, "_batch_progress.html", {"job": job})

    return [
        Route("/batch", batch_page),
        Route("/batch/upload", upload, methods=["POST"]),
        Route("/batch/{upload}/mapping", remap, methods=["POST"]),
        Route("/batch/{upload}/check", check, methods=["POST"]),
        Route("/batch/{upload}/generate", generate, methods=["POST"]),
        Route("/batch/jobs/{job}", progress),
    ]
