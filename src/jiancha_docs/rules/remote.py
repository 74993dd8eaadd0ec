"""Searching the office server's regulation library instead of a local index
(``jiancha rules search --server URL``): ``GET URL/api/rules/search?q=…&n=…`` answers exactly
what ``rules search --json`` prints, which becomes the same :class:`SearchResult`.

Only the standard library (urllib): the CLI needs nothing more to talk to the server. Every
failure — unreachable, timed out, an error page, an answer that is not the search's JSON — is a
Chinese error naming the server."""

from __future__ import annotations

import base64
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import fields
from typing import Any

from ..errors import JianchaError
from .search import Hit, SearchOptions, SearchResult

TIMEOUT = 15.0  # seconds
PATH = "/api/rules/search"
# An office server with accounts answers signed-in requests only: the account's name and
# password travel as HTTP Basic (over the reverse proxy's HTTPS), from these variables.
USER_ENV, PASSWORD_ENV = "JIANCHA_SERVER_USER", "JIANCHA_SERVER_PASSWORD"


class RemoteSearchError(JianchaError):
    """The server's search could not be asked or did not answer usably."""


def search_url(server: str, query: str, options: SearchOptions) -> str:
    """The request for ``query``: q and n, and the filters, each as often as given."""
    parts = urllib.parse.urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteSearchError(
            f"服务器地址“{server}”无效，应以 http:// 或 https:// 开头，如 http://台账服务器:8000"
        )
    params: list[tuple[str, str]] = [("q", query), ("n", str(options.limit))]
    params += [("status", s) for s in options.statuses]
    params += [("category", c) for c in options.categories]
    if options.within:
        params.append(("in", options.within))
    base = server.strip().rstrip("/")
    return f"{base}{PATH}?{urllib.parse.urlencode(params)}"


def search_remote(server: str, query: str, options: SearchOptions, timeout: float = TIMEOUT) -> SearchResult:
    url = search_url(server, query, options)
    shown = server.strip().rstrip("/")
    headers = {"Accept": "application/json"}
    user, password = os.environ.get(USER_ENV, "").strip(), os.environ.get(PASSWORD_ENV, "")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as e:
        if e.code == 401:
            raise RemoteSearchError(
                f"法规检索服务器 {shown} 要求登录：{_reason(e)}",
                hint=f"用环境变量 {USER_ENV} 和 {PASSWORD_ENV} 给出您在服务器上的账户和密码",
            ) from e
        raise RemoteSearchError(
            f"法规检索服务器 {shown} 返回错误 {e.code}（{_reason(e)}）",
            hint="检查地址是否正确（应为 jiancha serve 的地址），或请管理员查看服务器日志",
        ) from e
    except urllib.error.URLError as e:
        why = (
            "连接超时" if isinstance(e.reason, (TimeoutError, socket.timeout)) else f"无法连接（{e.reason}）"
        )
        raise RemoteSearchError(
            f"无法连接法规检索服务器 {shown}：{why}",
            hint="检查网络和服务器是否在运行；也可以去掉 --server，用本机的法规索引检索",
        ) from e
    except TimeoutError as e:
        raise RemoteSearchError(f"法规检索服务器 {shown} 在 {timeout:g} 秒内没有回应") from e
    except OSError as e:
        raise RemoteSearchError(f"无法连接法规检索服务器 {shown}：{e}") from e
    return parse_answer(body, shown)


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(error.read() or b"null")
    except (ValueError, OSError):
        return str(error.reason)
    if isinstance(data, list) and data and isinstance(data[0], dict):  # the web's [{field, label, message}]
        data = data[0]
    if isinstance(data, dict) and isinstance(data.get("message") or data.get("detail"), str):
        return str(data.get("message") or data.get("detail"))
    return str(error.reason)


HIT_FIELDS = {f.name for f in fields(Hit)}


def parse_answer(body: bytes, shown: str) -> SearchResult:
    """The server's JSON (``rules search --json``) as a SearchResult; anything else is refused."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
        hits = [Hit(**{k: v for k, v in item.items() if k in HIT_FIELDS}) for item in data["results"]]
        return SearchResult(
            query=str(data["query"]), hits=hits, notes=[str(n) for n in data.get("notes", [])]
        )
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        raise RemoteSearchError(
            f"法规检索服务器 {shown} 的回答不是检索结果（可能不是 jiancha 服务器，或版本不一致）",
            hint="检查 --server 地址；服务器与本机的 jiancha 版本应一致",
        ) from e
