"""``jiancha rules search --server URL``: the client of the office server's search, against a
tiny stub server that answers as the web's endpoint must — exactly ``rules search --json``."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiancha_docs.rules.remote import RemoteSearchError, search_remote, search_url
from jiancha_docs.rules.search import SearchOptions

from .test_rules_cli import run, workspace  # noqa: F401 (the indexed workspace fixture)


class Stub(http.server.BaseHTTPRequestHandler):
    """GET /api/rules/search: runs ``rules search --json`` in the workspace with the query's
    q, n and filters; /broken answers 500, /html a page, /slow nothing for a while."""

    folder: Path
    asked: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path.startswith("/slow"):
            time.sleep(2)  # the client has given up by now: answer nothing
            return None
        if url.path == "/broken/api/rules/search":
            return self._answer(500, json.dumps({"message": "索引正在重建"}).encode())
        if url.path == "/html/api/rules/search":
            return self._answer(200, b"<html>login</html>")
        Stub.asked.append(params)
        args = ["rules", "search", *params["q"], "-n", params["n"][0], "--json"]
        for status in params.get("status", []):
            args += ["--status", status]
        result = run(*args, cwd=self.folder)
        self._answer(200 if result.returncode == 0 else 422, result.stdout.encode())

    def _answer(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(workspace: Path) -> Iterator[str]:  # noqa: F811
    Stub.folder = workspace
    Stub.asked = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_server_answers_as_the_local_index_does(server: str, workspace: Path, tmp_path: Path) -> None:  # noqa: F811
    local = run("rules", "search", "被函询人", "说明材料", "-n", "2", cwd=workspace)
    remote = run("rules", "search", "被函询人", "说明材料", "-n", "2", "--server", server + "/", cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and "1. 《测试规则（示例）》第三条［现行有效］" in remote.stdout
    as_json = run("rules", "search", "测试规则第三条", "--json", "--server", server, cwd=tmp_path)
    assert json.loads(as_json.stdout) == json.loads(
        run("rules", "search", "测试规则第三条", "--json", cwd=workspace).stdout
    )
    assert Stub.asked[0] == {"q": ["被函询人 说明材料"], "n": ["2"]}


def test_filters_travel_with_the_query() -> None:
    url = search_url(
        "http://s:8000/", "函询 回复", SearchOptions(limit=3, statuses=("现行有效",), within="规则")
    )
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query) == {
        "q": ["函询 回复"],
        "n": ["3"],
        "status": ["现行有效"],
        "in": ["规则"],
    }
    assert url.startswith("http://s:8000/api/rules/search?")


@pytest.mark.parametrize(
    "suffix,message",
    [
        ("/broken", "法规检索服务器 {s}/broken 返回错误 500（索引正在重建）"),
        ("/html", "法规检索服务器 {s}/html 的回答不是检索结果（可能不是 jiancha 服务器，或版本不一致）"),
    ],
)
def test_a_server_that_answers_badly_is_named(server: str, suffix: str, message: str) -> None:
    with pytest.raises(RemoteSearchError) as caught:
        search_remote(server + suffix, "函询", SearchOptions())
    assert caught.value.message == message.format(s=server)


def test_a_slow_server_times_out(server: str) -> None:
    with pytest.raises(RemoteSearchError, match=f"法规检索服务器 {server}/slow 在 0.5 秒内没有回应|连接超时"):
        search_remote(server + "/slow", "函询", SearchOptions(), timeout=0.5)


def test_an_unreachable_server_and_a_bad_address_on_the_command_line(tmp_path: Path) -> None:
    down = run("rules", "search", "函询", "--server", "http://127.0.0.1:1", cwd=tmp_path)
    assert down.returncode == 1
    assert down.stderr.startswith("错误：无法连接法规检索服务器 http://127.0.0.1:1：无法连接")
    bad = run("rules", "search", "函询", "--server", "台账服务器:8000", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.startswith("错误：服务器地址“台账服务器:8000”无效，应以 http:// 或 https:// 开头")
    assert "Traceback" not in down.stderr + bad.stderr
