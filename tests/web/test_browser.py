"""The web front in a real Chromium (the system one, driven by Playwright): a clerk's main jobs."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ..helpers import docx_paragraphs
from .conftest import RECORD, screenshot
from .test_pages import register_xlsx


def fill(page: Any, record: dict) -> None:
    """Type a record into the form, as a clerk does (list rows added with ＋)."""
    from jiancha_docs.kinds import find_kind

    kind = find_kind("recommendation")
    for key, value in record.items():
        spec = kind.field(key)
        if spec.type == "choice":
            page.select_option(f"#in-{key}", value)
        elif spec.type == "list":
            for i, item in enumerate(value):
                if page.locator(f"#in-{key} input").count() <= i:
                    page.click(f'[data-add="in-{key}"]')
                page.locator(f"#in-{key} input").nth(i).fill(item)
        else:
            page.fill(f"#in-{key}", value)


def test_an_error_shows_inline_beside_its_field_in_the_validators_words(browser_page: Any) -> None:
    page = browser_page
    page.goto(page.base + "/kinds/recommendation")
    fill(page, {**RECORD, "date": "2024-13-01"})
    # (checks made while typing may still say 必填项 first: the latest one answers last)
    page.locator("#err-date", has_text="2024-13-01").wait_for()
    assert page.inner_text("#err-date") == "日期“2024-13-01”不存在：月份应为 1 至 12"
    page.locator("#messages", has_text="有 1 处需要修改").wait_for()  # (the latest check answers last)
    page.fill("#in-date", "2024-12-01")
    page.wait_for_selector("#err-date:empty", state="attached")
    page.wait_for_selector("#messages .ok")


def test_a_sub_type_switch_shows_the_fields_it_requires(browser_page: Any) -> None:
    page = browser_page
    page.goto(page.base + "/kinds/recommendation")
    page.select_option("#in-subtype", "纪律检查建议")
    assert page.is_hidden("#field-supervision_organ") and page.is_visible("#field-discipline_organ")
    page.select_option("#in-subtype", "监察建议")
    assert page.is_visible("#field-supervision_organ") and page.is_hidden("#field-discipline_organ")


def test_the_date_picker_writes_the_typed_field(browser_page: Any) -> None:
    page = browser_page
    page.goto(page.base + "/kinds/recommendation")
    page.fill('input.picker[data-for="in-date"]', "2024-12-05")
    page.dispatch_event('input.picker[data-for="in-date"]', "change")
    assert page.input_value("#in-date") == "2024-12-05"


def test_the_preview_image_changes_as_the_clerk_types(browser_page: Any, office: Any) -> None:
    if office is None:
        pytest.skip("no LibreOffice with python3-uno here: previews are text (tested in-process)")
    page = browser_page
    page.goto(page.base + "/kinds/recommendation")
    fill(page, RECORD)
    page.wait_for_selector("#preview-image")
    first = page.get_attribute("#preview-image", "src")
    before = page.request.get(page.base + first).body()
    page.fill("#in-recipient", "另一个单位党委")
    # A preview of the unchanged record (debounced from the last field typed) may still land
    # after the first: wait until a newer image shows the changed page, within a bound.
    seen = {first}
    after = before
    deadline = time.monotonic() + 60
    while after == before and time.monotonic() < deadline:
        page.wait_for_selector("#preview-image:not(" + ",".join(f'[src="{s}"]' for s in seen) + ")")
        current = page.get_attribute("#preview-image", "src")
        seen.add(current)
        after = page.request.get(page.base + current).body()
    assert before[:8] == after[:8] == b"\x89PNG\r\n\x1a\n" and before != after
    screenshot(page, "form")


def test_download_a_docx_and_open_it(browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    page.goto(page.base + "/kinds/recommendation")
    fill(page, RECORD)
    page.click("#generate")
    page.wait_for_selector("#result a.download")
    assert "已生成，文号 某纪建〔2024〕1号，已登记台账。" in page.inner_text("#result")
    with page.expect_download() as info:
        page.click("#result a.download")
    download = info.value
    assert download.suggested_filename == "某纪建〔2024〕1号_某某市R&D中心党委.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = "\n".join(docx_paragraphs(saved))
    assert "某纪建〔2024〕1号" in text and "某某市R&D中心党委：" in text


def test_upload_a_register_and_get_the_zip(browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    register = register_xlsx(tmp_path / "建议书登记表.xlsx", 3)
    page.goto(page.base + "/batch")
    page.select_option('select[name="kind"]', "recommendation")
    page.set_input_files('input[name="file"]', str(register))
    page.click('#upload-form button[type="submit"]')
    page.wait_for_selector("#mapping-table")
    assert page.input_value('select[name="map:收文单位"]') == "recipient"  # the suggestion
    screenshot(page, "batch")
    page.click("#batch-check")
    page.wait_for_selector("#batch-result .ok")
    assert "通过 3 条" in page.inner_text("#batch-result")
    page.click("#batch-generate")
    page.wait_for_selector("#zip", timeout=120000)
    assert "新生成 3 份" in page.inner_text("#job")
    with page.expect_download() as info:
        page.click("#zip")
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        names = archive.namelist()
    assert len([n for n in names if n.endswith(".docx")]) == 3
    assert any(n.startswith("生成清单_") for n in names)


def test_mark_a_document_on_the_dashboard(browser_page: Any) -> None:
    page = browser_page
    created = page.request.get(page.base + "/api/csrf")
    token = created.json()["token"]
    response = page.request.post(
        page.base + "/api/render/recommendation",
        data={**RECORD, "date": "2024-10-01"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status == 200
    page.goto(page.base + "/ledger")
    row = page.locator("tr.overdue", has_text="某纪建〔2024〕1号")
    assert "逾期" in row.inner_text()
    screenshot(page, "ledger")
    row.locator('input[name="numbers"]').check()
    page.select_option('#mark-form select[name="status"]', "已送达")
    page.fill('#mark-form input[name="date"]', "2024-10-08")
    page.click("#mark")
    page.wait_for_selector("#ledger-table .ok")
    assert "已把 1 份文书标记为“已送达”" in page.inner_text("#ledger-table")
    assert page.locator("tr", has_text="某纪建〔2024〕1号").locator("td.status").inner_text() == "已送达"
    page.click("text=某纪建〔2024〕1号")
    page.wait_for_selector("#history")
    assert "已送达" in page.inner_text("#history")


def test_search_the_rules_and_open_an_article(browser_page: Any, rules_index: Path) -> None:
    page = browser_page
    page.goto(page.base + "/rules")
    page.fill('input[name="q"]', "函询 回复 期限")
    page.press('input[name="q"]', "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark").count() > 0
    screenshot(page, "rules")
    citation = page.locator(".hit a.citation").first
    text = citation.inner_text().split(". ", 1)[1]
    citation.click()
    page.wait_for_selector(".article")
    assert text in page.inner_text("h1")


def test_home_page(browser_page: Any) -> None:
    page = browser_page
    page.goto(page.base + "/")
    assert page.locator("ul.kinds li").count() >= 10
    screenshot(page, "home")
