"""Running the web front: the context, the resident LibreOffice, uvicorn, and --open."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Any

from .app import WebContext, create_app


def make_context(config: Path | None, outdir: Path, preview: bool = True) -> WebContext:
    """The server's context; with ``preview``, a resident LibreOffice when one can run here."""
    context = WebContext(config_path=config, outdir=outdir, preview=preview).load()
    if preview:
        from ..printing.resident import ResidentOffice

        office = ResidentOffice()
        if office.available:
            context.office = office
    return context


# How `serve --workers N` tells its worker processes what the command line said.
WORKER_ENV = "JIANCHA_SERVE_WORKER"


def worker_app() -> Any:
    """The app of one of N uvicorn worker processes (``serve --workers N``): each has its own
    context; sessions, CSRF tokens and download links are signed with the shared secret, so a
    request may reach any of them."""
    import json
    import os

    given = json.loads(os.environ[WORKER_ENV])
    config = Path(given["config"]) if given["config"] else None
    context = make_context(config, Path(given["outdir"]), given["preview"])
    context.workdir, context.owns_workdir = Path(given["workdir"]), False
    return create_app(context)


def serve_workers(
    config: Path | None, host: str, port: int, outdir: Path, preview: bool, workers: int
) -> None:
    import json
    import os
    import shutil
    import tempfile

    import uvicorn

    from ..config import load_settings
    from .auth import load_secret

    load_secret(load_settings(config))  # made once here, before the workers start
    workdir = Path(tempfile.mkdtemp(prefix="jiancha-web-"))  # shared by the workers
    os.environ[WORKER_ENV] = json.dumps(
        {
            "config": str(config.resolve()) if config else None,
            "outdir": str(outdir.resolve()),
            "preview": preview,
            "workdir": str(workdir),
        }
    )
    # uvicorn's --proxy-headers: behind the reverse proxy (docs/deploy), the client's address
    try:
        uvicorn.run(
            "jiancha_docs.web.server:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            proxy_headers=True,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def serve_forever(
    config: Path | None,
    host: str,
    port: int,
    outdir: Path,
    preview: bool = True,
    open_browser: bool = False,
    workers: int = 1,
) -> None:
    import uvicorn

    from ..errors import UsageError

    if workers > 1:
        serve_workers(config, host, port, outdir, preview, workers)
        return
    context = make_context(config, outdir, preview)
    app = create_app(context)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=True)
    )
    if open_browser:
        url = f"http://{host}:{port}/"

        def opener() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.1)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=opener, daemon=True).start()
    try:
        server.run()
    except OSError as e:
        raise UsageError(
            f"无法在 {host}:{port} 上启动网页服务：{e.strerror or e}", hint="换一个端口：--port 8766"
        ) from e
    finally:
        context.close()
    if not server.started:
        raise UsageError(
            f"无法在 {host}:{port} 上启动网页服务（端口可能已被占用）", hint="换一个端口：--port 8766"
        )


def app_for_tests(config: Path | None, outdir: Path, preview: bool = False) -> Any:
    return create_app(make_context(config, outdir, preview))
