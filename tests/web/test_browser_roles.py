"""The office server in a real Chromium: anonymous visitors land on the login page; each role,
once signed in, sees only its own menus and buttons, is refused the pages of the others, and its
changes carry its name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import RECORD, screenshot
from .test_auth import PASSWORD, add_accounts


@pytest.fixture
def site(private_ledger: Path, request: pytest.FixtureRequest) -> Any:
    """A live server whose ledger has the three accounts of test_auth (made before it starts)."""
    add_accounts(private_ledger)
    return request.getfixturevalue("browser_page")


def sign_in(page: Any, name: str) -> None:
    page.goto(page.base + "/")
    page.wait_for_selector("#login-form")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("#who")


def menus(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("header nav a").all_inner_texts()]


def render_as_clerk(page: Any) -> str:
    """A numbered document through the API, with the page's own session and CSRF token."""
    token = page.request.get(page.base + "/api/csrf").json()["token"]
    answer = page.request.post(
        page.base + "/api/render/recommendation",
        data=json.dumps(RECORD),
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert answer.status == 200, answer.text()
    from urllib.parse import unquote

    return unquote(answer.headers["x-jiancha-number"])


def test_anonymous_visitors_land_on_the_login_page_and_a_wrong_password_is_said(site: Any) -> None:
    page = site
    page.goto(page.base + "/ledger")
    assert page.url.endswith("/login?next=/ledger")
    assert page.locator("header nav").count() == 0  # nothing to see before signing in
    page.fill("#name", "张三")
    page.fill("#password", "wrong horse!")
    page.click("#login")
    page.wait_for_selector("#messages .error")
    assert "用户名或密码不对" in page.locator("#messages").inner_text()
    assert page.request.get(page.base + "/api/ledger").status == 401
    screenshot(page, "login")


def test_a_clerk_drafts_and_marks_but_manages_nothing(site: Any) -> None:
    page = site
    sign_in(page, "张三")
    assert page.url == page.base + "/"
    assert menus(page) == ["填写文书", "批量生成", "文号台账", "法规检索"]
    assert "张三（文书）" in page.inner_text("#who")
    number = render_as_clerk(page)
    page.goto(page.base + "/ledger")
    assert page.locator("#mark").count() == 1 and page.locator("#review").count() == 0
    page.check(f'input[name="numbers"][value="{number}"]')
    page.select_option('select[name="status"]', "已送达")
    page.click("#mark")
    page.wait_for_selector("text=已把 1 份文书标记为“已送达”")
    page.goto(page.base + "/ledger/entry?number=" + number)
    audit = page.inner_text("#audit")
    assert "张三" in audit and "网页@127.0.0.1" in audit and "变更状态" in audit
    page.goto(page.base + "/users")
    assert "无权进行这项操作" in page.inner_text("main")
    page.goto(page.base + "/")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    page.goto(page.base + "/")
    assert page.url.endswith("/login")


def test_a_reviewer_reviews_on_the_dashboard_and_drafts_nothing(site: Any) -> None:
    page = site
    sign_in(page, "张三")
    number = render_as_clerk(page)
    page.click("#logout")
    page.wait_for_selector("#login-form")
    sign_in(page, "李四")
    assert page.url == page.base + "/ledger"
    assert menus(page) == ["文号台账", "法规检索"]
    assert page.locator("#mark").count() == 0
    page.check(f'input[name="numbers"][value="{number}"]')
    page.fill('input[name="opinion"]', "同意")
    page.click("#review")
    page.wait_for_selector("text=已为 1 份文书登记审核（李四")
    assert "审核：李四" in page.inner_text("#ledger-table")
    screenshot(page, "review")
    page.goto(page.base + "/kinds/recommendation")
    assert "无权进行这项操作" in page.inner_text("main")


def test_an_admin_manages_accounts_and_cannot_draft(site: Any) -> None:
    page = site
    sign_in(page, "王五")
    page.goto(page.base + "/users")
    assert menus(page) == ["批量生成", "文号台账", "法规检索", "账户管理"]
    page.fill('#add-user input[name="name"]', "赵六")
    page.select_option('#add-user select[name="role"]', "reviewer")
    page.fill('#add-user input[name="password"]', "another horse")
    page.click("#add")
    page.wait_for_selector("text=已新建账户“赵六”（审核）")
    row = page.locator('tr[data-account="赵六"]')
    assert row.locator(".role").inner_text() == "审核"
    row.locator("button.toggle").click()
    page.wait_for_selector("text=账户“赵六”已停用")
    assert page.locator('tr[data-account="赵六"] .state').inner_text() == "已停用"
    screenshot(page, "users")
    page.goto(page.base + "/kinds/recommendation")
    assert "无权进行这项操作" in page.inner_text("main")
