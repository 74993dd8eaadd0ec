"""The web front's application: one ``WebContext`` (settings, folders, the resident LibreOffice),
the page groups' routes, and the one translator of errors.

A route parses the request, calls the core, renders a template (or JSON: pages and the API share
their code path). ``JianchaError`` becomes a page, an htmx fragment, or ``422 [{field, label,
message}]`` for the API — here only, as cli/__init__.py is the CLI's one translator.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Issue, JianchaError, describe_os_error

WEB_DIR = Path(__file__).parent
ISSUE_SEVERITY = {"error": "错误", "warning": "警告", "note": "提示"}


@dataclass
class WebContext:
    """What every request may use. Settings are read once, at start (as the CLI reads them once
    per command); ``outdir`` is where documents are written, as ``render -o``."""

    config_path: Path | None = None
    outdir: Path = Path("out")
    preview: bool = True  # False: never start LibreOffice (text previews only)
    settings: Any = None
    office: Any = None
    owns_office: bool = True  # close() stops it (False: shared, e.g. by a test session)
    # Uploads, job progress, previews: shared by the workers of one server (serve --workers),
    # then made and removed by the parent process (owns_workdir False in each worker).
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jiancha-web-")))
    owns_workdir: bool = True
    jobs: dict[str, Any] = field(default_factory=dict)  # batch jobs, by id
    uploads: dict[str, Any] = field(default_factory=dict)  # uploaded registers, by id
    lock: threading.Lock = field(default_factory=threading.Lock)
    max_upload: int = 64 * 1024 * 1024  # a register; a form or a JSON record: max_form
    max_form: int = 2 * 1024 * 1024
    signer: Any = None  # auth.Signer: session cookies and download links

    def load(self) -> WebContext:
        from ..config import load_settings
        from .auth import Signer, load_secret

        self.settings = load_settings(self.config_path)
        self.signer = Signer(load_secret(self.settings))
        return self

    # -- what the CLI's Env gives its commands ---------------------------------------------------
    def kind(self, name: str) -> Any:
        from ..kinds import find_kind

        return find_kind(name, self.settings.kind_dirs)

    def kinds(self) -> list[Any]:
        from ..kinds import all_kinds

        return all_kinds(self.settings.kind_dirs)

    def calendar(self) -> Any:
        from ..calendar import calendar_from_table

        return calendar_from_table(self.settings.calendar, str(self.settings.path or "jiancha.toml"))

    def check_config_names(self) -> None:
        from ..errors import ConfigError
        from ..kinds.registry import config_name_problems

        settings = self.settings
        problems = config_name_problems(settings.numbering, settings.defaults, self.kinds())
        if problems:
            raise ConfigError(f"配置文件 {settings.path} 有误：" + "；".join(problems))

    def offer(self, path: Path) -> str:
        """A token under which ``path`` (written by this server) may be downloaded: the path
        signed with the server's secret, so any worker of the server can answer it."""
        return self.signer.files.dumps(str(Path(path).resolve()))

    def offered(self, token: str) -> Path | None:
        """The file a token of :meth:`offer` names (None: not ours, or older than a day)."""
        from itsdangerous import BadSignature

        try:
            return Path(self.signer.files.loads(token, max_age=24 * 3600))
        except BadSignature:
            return None

    def scratch(self) -> Path:
        """A new private folder under the server's work folder."""
        return Path(tempfile.mkdtemp(dir=self.workdir))

    # -- who asks, for the ledger's audit trail -----------------------------------------------
    @staticmethod
    def visitor(request: Any) -> Any:
        """The request's visitor (auth.AuthMiddleware put it there)."""
        return request.scope["state"]["visitor"]

    def actor(self, request: Any) -> Any:
        """Who makes the request's changes: the signed-in account (or the single user), from
        the client's address."""
        return self.visitor(request).actor

    def close(self) -> None:
        if self.office is not None and self.owns_office:
            self.office.close()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# -- the one error translator ------------------------------------------------------------------
def issue_json(kind: Any, issue: Issue) -> dict[str, Any]:
    """An issue as the API gives it: the field's key, its Chinese label, the message."""
    key = None
    if kind is not None and issue.field:
        key = next((s.key for s in kind.fields if issue.field in (s.label, s.key)), None)
    return {"field": key, "label": issue.field, "message": issue.message, "severity": issue.severity}


class IssuesError(JianchaError):
    """A record that did not pass: its issues travel to the one translator."""

    def __init__(self, kind: Any, issues: list[Issue]) -> None:
        errors = [i for i in issues if i.severity == "error"] or issues
        super().__init__("；".join(i.describe() for i in errors))
        self.kind = kind
        self.issues = errors


def _error_payload(error: JianchaError) -> list[dict[str, Any]]:
    if isinstance(error, IssuesError):
        return [issue_json(error.kind, i) for i in error.issues]
    message = error.message + (f"（{error.hint}）" if error.hint else "")
    return [{"field": None, "label": None, "message": message}]


def create_app(context: WebContext) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from . import api, batch, forms, ledger, rules, users
    from .auth import AuthMiddleware
    from .pages import render_page
    from .security import Forbidden, SecurityMiddleware, TooLarge

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def on_jiancha_error(request: Request, error: Exception) -> Any:
        assert isinstance(error, JianchaError)
        status = 413 if isinstance(error, TooLarge) else 403 if isinstance(error, Forbidden) else 422
        if wants_json(request):
            return JSONResponse(_error_payload(error), status_code=status)
        if request.headers.get("hx-request"):
            html = render_page(request, "_error.html", {"errors": _error_payload(error)})
            # htmx swaps 2xx responses only; an error fragment is still what the clerk must see
            return HTMLResponse(html, status_code=200, headers={"HX-Retarget": "#messages"})
        return HTMLResponse(
            render_page(request, "error.html", {"errors": _error_payload(error)}), status_code=status
        )

    async def on_os_error(request: Request, error: Exception) -> Any:
        assert isinstance(error, OSError)
        return await on_jiancha_error(request, JianchaError(f"无法读写文件：{describe_os_error(error)}"))

    async def on_not_found(request: Request, error: Exception) -> Any:
        message = JianchaError(f"没有这个页面：{request.url.path}")
        response = await on_jiancha_error(request, message)
        response.status_code = 404 if not request.headers.get("hx-request") else 200
        return response

    async def on_anything(request: Request, error: Exception) -> Any:
        # The last line of defence: no traceback reaches the clerk.
        failure = JianchaError(
            f"这个操作没有完成（{type(error).__name__}）；请把这段文字发给维护人员，"
            "或在终端中用 jiancha --debug 重做同一操作"
        )
        response = await on_jiancha_error(request, failure)
        response.status_code = 500 if not request.headers.get("hx-request") else 200
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield
        context.close()  # the resident LibreOffice is killed with the server

    routes = [
        *forms.routes(context),
        *batch.routes(context),
        *ledger.routes(context),
        *rules.routes(context),
        *api.routes(context),
        *users.routes(context),
        Mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityMiddleware, max_upload=context.max_upload, max_form=context.max_form),
            Middleware(AuthMiddleware, context=context),
        ],
        exception_handlers={
            JianchaError: on_jiancha_error,
            OSError: on_os_error,
            404: on_not_found,
            Exception: on_anything,
        },
        lifespan=lifespan,
    )
    app.state.context = context
    return app
