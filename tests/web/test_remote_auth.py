"""``jiancha rules search --server URL`` against an office server with accounts: refused with a
Chinese message until the account is given (JIANCHA_SERVER_USER / JIANCHA_SERVER_PASSWORD),
then answered; each such request is a login of that account in the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiancha_docs.ledger import open_ledger
from jiancha_docs.ledger.audit import trail
from jiancha_docs.rules.remote import RemoteSearchError, search_remote
from jiancha_docs.rules.search import SearchOptions

from .test_auth import PASSWORD, add_accounts


@pytest.fixture
def server(private_ledger: Path, rules_index: Path, request: pytest.FixtureRequest) -> Any:
    add_accounts(private_ledger)
    return request.getfixturevalue("live_server")


def test_the_server_search_wants_an_account(
    server: str, private_ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = SearchOptions()
    with pytest.raises(RemoteSearchError) as anonymous:
        search_remote(server, "函询", options)
    assert anonymous.value.message == f"法规检索服务器 {server} 要求登录：请先登录（网页服务已设置账户）"
    assert "JIANCHA_SERVER_USER" in (anonymous.value.hint or "")
    monkeypatch.setenv("JIANCHA_SERVER_USER", "李四")
    monkeypatch.setenv("JIANCHA_SERVER_PASSWORD", "wrong horse!")
    with pytest.raises(RemoteSearchError) as wrong:
        search_remote(server, "函询", options)
    assert wrong.value.message == f"法规检索服务器 {server} 要求登录：用户名或密码不对"
    monkeypatch.setenv("JIANCHA_SERVER_PASSWORD", PASSWORD)
    found = search_remote(server, "函询", options)
    assert found.hits and found.hits[0].citation.startswith("《")
    with open_ledger(private_ledger) as book:
        lines = [(a.action, a.source) for a in trail(book, actor="李四")]
    assert lines == [("login_failed", "网页@127.0.0.1"), ("login", "网页@127.0.0.1")]
