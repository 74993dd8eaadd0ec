"""Fixtures of the web tests: a workspace, the app in-process (starlette's TestClient), a live
server on a free port (started and stopped by the fixture) and the system Chromium (Playwright,
never ``playwright install``)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CONFIG = """\
[defaults]
"纪委名称" = "中共某某市纪律检查委员会"
"监委名称" = "某某市监察委员会"

[numbering]
"纪检监察建议书" = "某纪建"
"以案促改通知书" = "某纪改"
"""
RECORD = {  # a 纪检监察建议书 as a form or the API gives it (keys or labels)
    "subtype": "纪检监察建议",
    "recipient": "某某市R&D中心党委",
    "subject": "规范科研经费管理",
    "source": "我委在查办该中心原主任张某某严重违纪违法案件中发现，你单位存在以下问题。",
    "basis": ["《中华人民共和国监察法》第五十二条"],
    "problems": ["科研经费报销审核流于形式。"],
    "causes": "主体责任落实不到位。",
    "recommendations": ["建立经费报销复核制度。"],
    "reply_days": "30",
    "date": "2024-12-01",
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace folder with a jiancha.toml (organ names, 机关代字), the test's own ledger
    (conftest's JIANCHA_DB) and a fixed today."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("JIANCHA_TODAY", "2025-02-01")
    monkeypatch.chdir(folder)
    return folder


def make_app(workspace: Path, office: Any = None) -> tuple[Any, Any]:
    from jiancha_docs.web.app import WebContext, create_app

    context = WebContext(config_path=workspace / "jiancha.toml", outdir=workspace / "out").load()
    if office is not None:
        context.office, context.owns_office = office, False
    return create_app(context), context


class Client:
    """The TestClient with the page's CSRF token on every request, as static/app.js adds it."""

    def __init__(self, client: Any) -> None:
        self.raw = client
        client.get("/")  # the CSRF cookie
        self.token = client.cookies.get("jiancha_csrf")

    def get(self, url: str, **kw: Any) -> Any:
        return self.raw.get(url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.token, **kw.pop("headers", {})}
        return self.raw.post(url, headers=headers, **kw)


@pytest.fixture
def client(workspace: Path) -> Iterator[Client]:
    from starlette.testclient import TestClient

    app, _ = make_app(workspace)
    with TestClient(app, raise_server_exceptions=False) as raw:
        yield Client(raw)


@pytest.fixture(scope="session")
def office() -> Iterator[Any]:
    """One resident LibreOffice for the session, or None where it cannot run here."""
    from jiancha_docs.printing.resident import ResidentOffice

    resident = ResidentOffice()
    if not resident.available or shutil.which("pdftoppm") is None:
        yield None
        return
    yield resident
    resident.close()


@pytest.fixture(scope="session")
def rules_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The shipped sample guides indexed once (JIANCHA_RULES_INDEX points every test at it)."""
    from jiancha_docs.config import load_settings
    from jiancha_docs.rules.indexer import build_index
    from jiancha_docs.rules.sources import rules_config

    index = tmp_path_factory.mktemp("rules") / "index"
    patch = pytest.MonkeyPatch()
    patch.setenv("JIANCHA_RULES_INDEX", str(index))
    empty = tmp_path_factory.mktemp("no-workspace")
    report = build_index(rules_config(load_settings(cwd=empty), cwd=empty), ())
    assert not report.errors, report.errors
    yield index
    patch.undo()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(workspace: Path, office: Any) -> Iterator[str]:
    """The web front served by uvicorn on a free loopback port in this process; stopped after."""
    import uvicorn

    app, _ = make_app(workspace, office)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any, live_server: str) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.base = live_server  # type: ignore[attr-defined]
    offsite: list[str] = []
    page.on("request", lambda r: offsite.append(r.url) if not r.url.startswith(live_server) else None)
    yield page
    context.close()
    assert not offsite, f"the page asked for something off the machine: {offsite}"


def screenshot(page: Any, name: str) -> None:
    """Keep a screenshot for the README when JIANCHA_SCREENSHOTS names a folder."""
    folder = os.environ.get("JIANCHA_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"web_{name}.png"))


def pytest_configure(config: pytest.Config) -> None:
    # starlette's TestClient on httpx says it prefers httpx2, which is not what is installed here
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")
