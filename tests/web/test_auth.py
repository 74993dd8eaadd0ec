"""Accounts in the web front, in-process: anonymous requests refused (401 for the API, /login for
pages), each role let through only where it may go (403 otherwise), the login's rate limits,
sessions ended by logout or a changed account, and every change attributed in the audit trail."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jiancha_docs.accounts import MAX_FAILURES, MAX_SOURCE_FAILURES, Accounts, Role
from jiancha_docs.ledger import open_ledger
from jiancha_docs.ledger.audit import Actor, trail

from .conftest import RECORD, Client, make_app

PASSWORD = "correct horse"
PEOPLE = {"张三": Role.CLERK, "李四": Role.REVIEWER, "王五": Role.ADMIN}


def add_accounts(ledger_path: Path, people: dict[str, Role] = PEOPLE) -> None:
    with open_ledger(ledger_path) as book:
        accounts = Accounts(book, Actor("安装人员", "命令行@test"))
        for name, role in people.items():
            accounts.add(name, role, PASSWORD)


@pytest.fixture
def office(workspace: Path, private_ledger: Path) -> Iterator[Any]:
    """The app with three accounts (文书 张三, 审核 李四, 管理 王五); a function that gives a
    client signed in as one of them (or anonymous with None)."""
    from starlette.testclient import TestClient

    add_accounts(private_ledger)
    app, _ = make_app(workspace)
    clients: list[Any] = []

    def client(name: str | None = None) -> Client:
        raw = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        raw.__enter__()
        clients.append(raw)
        signed = Client(raw)
        if name is not None:
            answer = signed.post("/login", data={"name": name, "password": PASSWORD})
            assert answer.status_code == 303, answer.text
        return signed

    yield client
    for raw in clients:
        raw.__exit__(None, None, None)


def test_anonymous_requests_are_sent_to_login_or_refused_401(office: Any) -> None:
    anonymous = office()
    home = anonymous.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/login"
    ledger = anonymous.get("/ledger?year=2024")
    assert ledger.status_code == 303 and ledger.headers["location"] == "/login?next=/ledger%3Fyear%3D2024"
    api = anonymous.get("/api/ledger")
    assert api.status_code == 401
    assert api.json() == [{"field": None, "label": None, "message": "请先登录（网页服务已设置账户）"}]
    render = anonymous.post("/api/render/recommendation", json=RECORD)
    assert render.status_code == 401
    htmx = anonymous.post("/ledger/mark", data={"numbers": "x"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"
    page = anonymous.get("/login")
    assert page.status_code == 200 and "用户名" in page.text and "密码" in page.text
    assert anonymous.get("/static/app.css").status_code == 200  # the login page's own style


def test_without_accounts_the_single_user_mode_stays(client: Any) -> None:
    assert client.get("/").status_code == 200
    assert client.raw.get("/login", follow_redirects=False).headers["location"] == "/"
    assert client.get("/users").status_code == 200  # the one user of the machine does everything
    assert "退出登录" not in client.get("/ledger").text


def test_a_login_sets_a_signed_http_only_cookie_and_a_wrong_one_says_so(office: Any) -> None:
    anonymous = office()
    wrong = anonymous.post("/login", data={"name": "张三", "password": "wrong horse!"})
    assert wrong.status_code == 422 and "用户名或密码不对" in wrong.text
    right = anonymous.post("/login", data={"name": "张三", "password": PASSWORD, "next": "/ledger"})
    assert right.status_code == 303 and right.headers["location"] == "/ledger"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("jiancha_session=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert PASSWORD not in cookie
    assert anonymous.get("/").status_code == 200
    # a forged or altered cookie is nobody
    value = anonymous.raw.cookies.get("jiancha_session")
    anonymous.raw.cookies.delete("jiancha_session")
    anonymous.raw.cookies.set("jiancha_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert anonymous.get("/").status_code == 303


def test_login_does_not_return_to_another_site(office: Any) -> None:
    anonymous = office()
    answer = anonymous.post("/login", data={"name": "张三", "password": PASSWORD, "next": "//evil.example/"})
    assert answer.headers["location"] == "/"


def nav(html: str) -> list[str]:
    menu = re.search(r"<nav>(.*?)</nav>", html, re.S)
    assert menu is not None
    return re.findall(r">([^<>]+)</a>", menu.group(1))


def test_each_role_sees_only_its_menus(office: Any) -> None:
    assert nav(office("张三").get("/").text) == ["填写文书", "批量生成", "文号台账", "法规检索"]
    reviewer = office("李四")
    home = reviewer.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/ledger"
    assert nav(reviewer.get("/ledger").text) == ["文号台账", "法规检索"]
    assert nav(office("王五").get("/ledger").text) == ["批量生成", "文号台账", "法规检索", "账户管理"]


@pytest.mark.parametrize(
    "name, method, url, allowed",
    [
        ("张三", "GET", "/kinds/recommendation", True),
        ("张三", "GET", "/users", False),
        ("张三", "POST", "/ledger/review", False),
        ("张三", "POST", "/users/add", False),
        ("张三", "POST", "/rules/index", False),
        ("李四", "GET", "/kinds/recommendation", False),
        ("李四", "POST", "/kinds/recommendation/generate", False),
        ("李四", "POST", "/api/render/recommendation", False),
        ("李四", "POST", "/ledger/mark", False),
        ("李四", "GET", "/batch", False),
        ("李四", "GET", "/api/ledger", True),
        ("王五", "GET", "/users", True),
        ("王五", "GET", "/kinds/recommendation", False),
        ("王五", "POST", "/api/render/recommendation", False),
        ("王五", "POST", "/ledger/mark", False),
        ("王五", "POST", "/ledger/review", False),
        ("王五", "GET", "/batch", True),
    ],
)
def test_requests_a_role_may_not_make_are_refused_403(
    office: Any, name: str, method: str, url: str, allowed: bool
) -> None:
    client = office(name)
    answer = client.get(url) if method == "GET" else client.post(url, data={})
    if allowed:
        assert answer.status_code == 200, answer.text
        return
    assert answer.status_code == 403
    label = PEOPLE[name].label
    message = f"当前账户“{name}”（{label}）无权进行这项操作"
    if url.startswith("/api/"):
        assert answer.json()[0]["message"] == message
    else:
        assert message in answer.text


def test_every_route_of_the_app_has_a_rule(workspace: Path) -> None:
    from starlette.routing import Route

    from jiancha_docs.web.auth import PUBLIC, requirement

    app, _ = make_app(workspace)
    for route in app.routes:
        if not isinstance(route, Route):
            continue  # /static
        example = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            assert PUBLIC.match(example) or requirement(method, example) is not None, (method, route.path)


def test_a_clerk_renders_and_the_audit_trail_names_the_clerk(office: Any, private_ledger: Path) -> None:
    clerk = office("张三")
    answer = clerk.post("/api/render/recommendation", json=RECORD)
    assert answer.status_code == 200, answer.text
    number = answer.headers["x-jiancha-number"]
    from urllib.parse import unquote

    number = unquote(number)
    with open_ledger(private_ledger) as book:
        lines = trail(book, doc_number=number)
    assert lines and {(line.actor, line.source) for line in lines} == {("张三", "网页@testclient")}
    # the web history of the document shows it
    history = office("李四").get(f"/ledger/entry?number={number}")
    assert history.status_code == 200 and "审计记录" in history.text and "张三" in history.text


def test_a_reviewer_reviews_on_the_dashboard_as_themself(office: Any, private_ledger: Path) -> None:
    from urllib.parse import unquote

    number = unquote(
        office("张三").post("/api/render/recommendation", json=RECORD).headers["x-jiancha-number"]
    )
    reviewer = office("李四")
    dashboard = reviewer.get("/ledger").text
    assert 'id="review"' in dashboard and 'id="mark"' not in dashboard
    answer = reviewer.post("/ledger/review", data={"numbers": number, "step": "review", "opinion": "同意"})
    assert answer.status_code == 200 and "已为 1 份文书登记审核（李四" in answer.text
    again = reviewer.post("/ledger/review", data={"numbers": number, "step": "review"})
    assert "已登记过审核" in again.text
    with open_ledger(private_ledger) as book:
        approvals = book.approvals(number)
        lines = trail(book, doc_number=number)
    assert [(a.step.value, a.person, a.opinion) for a in approvals] == [("review", "李四", "同意")]
    assert lines[-1].actor == "李四" and "审核：李四" in (lines[-1].note or "")
    assert "审核：李四" in reviewer.get("/ledger").text  # shown on the dashboard
    assert 'id="review"' not in office("张三").get("/ledger").text
    # the exported 台账 carries the 审核 on record, as ``jiancha ledger export`` does
    export = reviewer.get("/ledger/export.xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if number in r)
    assert row[header.index("审核人")] == "李四" and row[header.index("审核意见")] == "同意"


def test_the_admin_manages_accounts_and_each_change_is_audited(office: Any, private_ledger: Path) -> None:
    admin = office("王五")
    added = admin.post("/users/add", data={"name": "赵六", "role": "clerk", "password": "another horse"})
    assert added.status_code == 200 and "已新建账户“赵六”（文书）" in added.text
    assert "赵六" in admin.get("/users").text
    weak = admin.post("/users/add", data={"name": "钱七", "role": "clerk", "password": "short"})
    assert "密码太短" in weak.text
    assert "角色已改为“审核”" in admin.post("/users/role", data={"name": "赵六", "role": "reviewer"}).text
    assert "设置新密码" in admin.post("/users/passwd", data={"name": "赵六", "password": "third horse!"}).text
    assert "已停用" in admin.post("/users/disable", data={"name": "赵六"}).text
    last_admin = admin.post("/users/disable", data={"name": "王五"})
    assert "唯一可用的管理账户" in last_admin.text
    with open_ledger(private_ledger) as book:
        changes = [(line.actor, line.note) for line in trail(book) if line.action == "account"]
        assert Accounts(book).get("赵六").disabled
    assert changes[-4:] == [
        ("王五", "新建账户"),
        ("王五", "修改角色"),
        ("王五", "修改密码"),
        ("王五", "停用账户"),
    ]
    assert all(line.source == "网页@testclient" for line in _trail(private_ledger) if line.actor == "王五")


def _trail(path: Path) -> list[Any]:
    with open_ledger(path) as book:
        return trail(book)


def test_saving_the_column_mapping_is_the_admins(office: Any, tmp_path: Path) -> None:
    csv = "受文单位,事由\n某单位,某事\n".encode()
    for name, allowed in (("张三", False), ("王五", True)):
        client = office(name)
        upload = client.post(
            "/batch/upload", data={"kind": "recommendation"}, files={"file": ("表.csv", csv)}
        )
        assert upload.status_code == 200, upload.text
        assert ('name="save"' in upload.text) is allowed
        upload_id = re.search(r"/batch/([\w-]+)/mapping", upload.text).group(1)
        saved = client.post(f"/batch/{upload_id}/mapping", data={"save": "1", "map:受文单位": "recipient"})
        assert (saved.status_code == 403) is not allowed, saved.text


def test_a_session_ends_at_logout_and_when_the_account_is_disabled(office: Any, private_ledger: Path) -> None:
    clerk = office("张三")
    cookie = clerk.raw.cookies.get("jiancha_session")
    assert clerk.post("/logout").status_code == 303
    assert clerk.get("/").status_code == 303  # the cookie is gone
    clerk.raw.cookies.set("jiancha_session", cookie)
    assert clerk.raw.cookies.get("jiancha_session") == cookie  # and a copy of it is no longer valid
    assert clerk.get("/").status_code == 303
    other = office("张三")
    assert other.get("/").status_code == 200
    office("王五").post("/users/disable", data={"name": "张三"})
    assert other.get("/").status_code == 303
    with open_ledger(private_ledger) as book:
        assert any(line.action == "logout" and line.actor == "张三" for line in trail(book))


def test_login_is_rate_limited_per_account_and_per_address(office: Any) -> None:
    anonymous = office()
    for _ in range(MAX_FAILURES):
        anonymous.post("/login", data={"name": "张三", "password": "wrong horse!"})
    locked = anonymous.post("/login", data={"name": "张三", "password": PASSWORD})
    assert locked.status_code == 422 and "已暂停登录" in locked.text
    for i in range(MAX_SOURCE_FAILURES):
        anonymous.post("/login", data={"name": f"猜测{i}", "password": "wrong horse!"})
    from_here = anonymous.post("/login", data={"name": "李四", "password": PASSWORD})
    assert "来自 网页@testclient 的登录连续失败次数过多" in from_here.text


def test_a_download_link_is_signed(office: Any) -> None:
    clerk = office("张三")
    made = clerk.post(
        "/kinds/recommendation/generate",
        data={k: v if isinstance(v, str) else v[0] for k, v in RECORD.items()},
    )
    link = re.search(r'href="(/files/[^"]+)"', made.text)
    assert link is not None, made.text
    assert clerk.get(link.group(1)).status_code == 200
    assert clerk.get(link.group(1)[:-3] + "xyz").status_code == 422
