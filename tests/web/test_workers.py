"""``serve --workers N``: a clerk's requests reach whichever worker is free. Two apps in this
process stand for two workers (each its own context, the work folder and the secret shared):
a login, a batch uploaded on one, mapped, checked and generated on the other, its progress and
zip asked of the first — every step finds what the previous one left."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

from .test_auth import PASSWORD, add_accounts
from .test_pages import register_xlsx


class RoundRobin:
    """One browser (one cookie jar) whose requests alternate between the workers."""

    def __init__(self, clients: list[Any]) -> None:
        self.clients = clients
        self.turn = 0
        self.token = ""

    def _next(self) -> Any:
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        return client

    def _share(self, answer: Any) -> Any:
        for name, value in answer.cookies.items():
            for client in self.clients:
                client.cookies.delete(name)
                client.cookies.set(name, value, domain="testserver.local")
        return answer

    def get(self, url: str, **kw: Any) -> Any:
        return self._share(self._next().get(url, **kw))

    def post(self, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.token, **kw.pop("headers", {})}
        return self._share(self._next().post(url, headers=headers, **kw))


def test_a_batch_and_a_session_work_across_workers(
    workspace: Path, private_ledger: Path, tmp_path: Path
) -> None:
    from starlette.testclient import TestClient

    from jiancha_docs.web.app import WebContext, create_app

    add_accounts(private_ledger)
    shared = tmp_path / "work"
    shared.mkdir()
    contexts = [
        WebContext(config_path=workspace / "jiancha.toml", outdir=workspace / "out", workdir=shared).load()
        for _ in range(2)
    ]
    for context in contexts:
        context.owns_workdir = False
    clients = [
        TestClient(create_app(c), raise_server_exceptions=False, follow_redirects=False) for c in contexts
    ]
    for client in clients:
        client.__enter__()
    try:
        browser = RoundRobin(clients)
        browser.get("/login")
        browser.token = clients[0].cookies.get("jiancha_csrf")
        assert browser.post("/login", data={"name": "张三", "password": PASSWORD}).status_code == 303
        assert browser.get("/").status_code == 200  # the session another worker signed

        path = register_xlsx(tmp_path / "登记表.xlsx", 3)
        answer = browser.post(
            "/batch/upload", data={"kind": "recommendation"}, files={"file": (path.name, path.read_bytes())}
        )
        assert answer.status_code == 200, answer.text
        upload_id = re.search(r'hx-post="/batch/([^/]+)/mapping"', answer.text).group(1)
        mapped = browser.post(f"/batch/{upload_id}/check", data={"map:收文单位": "recipient"})
        assert "共校验 3 条记录：通过 3 条" in mapped.text, mapped.text
        html = browser.post(f"/batch/{upload_id}/generate", data={"map:收文单位": "recipient"}).text
        job = re.search(r'hx-get="/batch/jobs/([^"]+)"', html).group(1)
        deadline = time.monotonic() + 120
        while 'hx-trigger="every' in html:
            assert time.monotonic() < deadline
            time.sleep(0.2)
            html = browser.get(f"/batch/jobs/{job}").text
        assert "新生成 3 份" in html, html
        link = re.search(r'id="zip" href="(/files/[^"]+)"', html).group(1)
        for _ in range(2):  # the zip from either worker
            with zipfile.ZipFile(io.BytesIO(browser.get(link).content)) as archive:
                assert len([n for n in archive.namelist() if n.endswith(".docx")]) == 3
    finally:
        for client in clients:
            client.__exit__(None, None, None)
        for context in contexts:
            context.close()
