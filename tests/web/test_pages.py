"""The pages' endpoints in-process: the form, live checks, the text preview, generating, batch
upload with its mapping, the ledger dashboard and the rules pages."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from html import unescape
from pathlib import Path
from urllib.parse import quote

from .conftest import RECORD, Client


def form_data(record: dict, **extra: str) -> dict[str, str | list[str]]:
    """A record as the browser posts the form (a list field: its name repeated)."""
    items: dict[str, str | list[str]] = {
        k: [str(v) for v in value] if isinstance(value, list) else str(value) for k, value in record.items()
    }
    return {**items, **extra}


def test_the_form_has_every_field_with_labels_help_required_marks_and_defaults(client: Client) -> None:
    from jiancha_docs.kinds import find_kind

    html = client.get("/kinds/recommendation").text
    kind = find_kind("recommendation")
    for spec in kind.fields:
        assert f'id="field-{spec.key}"' in html and f">{spec.label}<" in html.replace(
            '<span class="req">*</span>', "<"
        )
    assert "<legend>发文信息</legend>" in html and "<legend>落款与印发</legend>" in html
    assert 'value="中共某某市纪律检查委员会"' in html  # [defaults] of jiancha.toml
    assert '<select id="in-subtype" name="subtype"' in html  # choices as a select
    assert 'type="date" class="picker" data-for="in-date"' in html  # a picker beside typed text
    assert 'data-add="in-problems"' in html  # a list as repeatable rows
    # sub-type switches: 监委名称 is required only for a 监察建议
    shown = re.search(r'id="field-supervision_organ" data-show-when=\'([^\']+)\'', html).group(1)
    assert json.loads(unescape(shown)) == {"subtype": ["监察建议", "纪检监察建议"]}


def test_a_table_field_is_an_editable_table(client: Client) -> None:
    from jiancha_docs.kinds import all_kinds

    kind = next(k for k in all_kinds() if any(s.type == "table" for s in k.fields))
    spec = next(s for s in kind.fields if s.type == "table")
    html = client.get(f"/kinds/{kind.id}").text
    assert f'<table class="cells" id="in-{spec.key}">' in html
    for column in spec.columns:
        assert f'name="{spec.key}.{column.key}"' in html


def test_live_check_puts_each_message_beside_its_field(client: Client) -> None:
    response = client.post("/kinds/recommendation/check", data=form_data({**RECORD, "date": "2024-13-01"}))
    assert response.status_code == 200
    errors = dict(re.findall(r'id="err-(\w+)" hx-swap-oob="true">([^<]*)<', response.text))
    assert errors["date"] == "日期“2024-13-01”不存在：月份应为 1 至 12"
    assert errors["recipient"] == ""
    ok = client.post("/kinds/recommendation/check", data=form_data(RECORD))
    assert "检查通过" in ok.text


def test_without_libreoffice_the_preview_is_text_with_a_note(client: Client) -> None:
    response = client.post("/kinds/recommendation/preview", data=form_data(RECORD))
    assert response.status_code == 200
    assert "本机未找到 LibreOffice" in response.text
    assert "某某市R&amp;D中心党委：" in response.text or "某某市R&amp;D中心党委:" in response.text


def test_the_preview_of_an_incomplete_form_says_what_it_waits_for(client: Client) -> None:
    response = client.post("/kinds/recommendation/preview", data=form_data({"date": "2024-12-01"}))
    assert "填好以下栏目后显示预览" in response.text and "「主送单位」必填项，不能为空" in response.text


def test_generate_numbers_registers_and_offers_the_download(client: Client, workspace: Path) -> None:
    response = client.post("/kinds/recommendation/generate", data=form_data(RECORD))
    assert "已生成，文号" in response.text and "某纪建〔2024〕1号" in response.text
    link = re.search(r'href="(/files/[^"]+)"', response.text).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    again = client.post("/kinds/recommendation/generate", data=form_data(RECORD))
    assert "沿用文号 <strong>某纪建〔2024〕1号</strong>" in again.text  # a rerun is the same document
    draft = client.post("/kinds/recommendation/generate", data=form_data(RECORD, _draft="1"))
    assert "已生成草稿" in draft.text


def test_generate_with_errors_shows_them_and_takes_no_number(client: Client) -> None:
    response = client.post(
        "/kinds/recommendation/generate",
        data=form_data({**RECORD, "recipient": ""}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and response.headers["hx-retarget"] == "#messages"
    assert "「主送单位」：必填项，不能为空" in response.text
    assert client.get("/api/ledger").json() == []


def test_a_stale_download_link_says_so(client: Client) -> None:
    response = client.get("/files/nothing-here")
    assert response.status_code == 422 and "下载链接已失效" in response.text


# -- batch -------------------------------------------------------------------------------------
def register_xlsx(path: Path, rows: int, header: list[str] | None = None) -> Path:
    """A register as an office keeps it: its own column names for some fields."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "建议书登记"
    book.create_sheet("说明")
    sheet.append(header or ["建议类型", "收文单位", "问题来源", "存在问题", "整改建议", "成文日期"])
    for i in range(rows):
        sheet.append(
            ["纪律检查建议", f"第{i + 1}单位党委", "在工作中发现。", "问题一", "建议一", "2024-12-01"]
        )
    book.save(path)
    return path


def upload(client: Client, path: Path) -> tuple[str, str]:
    response = client.post(
        "/batch/upload",
        data={"kind": "recommendation"},
        files={"file": (path.name, path.read_bytes())},
    )
    assert response.status_code == 200, response.text
    upload_id = re.search(r'hx-post="/batch/([^/]+)/mapping"', response.text).group(1)
    return upload_id, response.text


def test_an_upload_shows_the_mapping_with_suggestions(client: Client, tmp_path: Path) -> None:
    _, html = upload(client, register_xlsx(tmp_path / "登记表.xlsx", 2))
    assert "<option selected>建议类型登记</option>" not in html
    assert "<option selected>建议书登记</option>" in html and "<option >说明</option>" in html
    # 收文单位 is an unknown column the validator guesses as 主送单位: preselected for the clerk
    row = re.search(r'name="map:收文单位".*?</select>', html, re.S).group(0)
    assert '<option value="recipient" selected>主送单位</option>' in row
    assert "建议对应「主送单位」，请核对" in html and "缺少必填列" not in html


def test_check_reports_per_row_with_the_confirmed_mapping(client: Client, tmp_path: Path) -> None:
    path = register_xlsx(tmp_path / "登记表.xlsx", 3)
    upload_id, _ = upload(client, path)
    unmapped = client.post(f"/batch/{upload_id}/check", data={"map:收文单位": ""})
    assert "缺少必填列" in unmapped.text
    mapped = client.post(f"/batch/{upload_id}/check", data={"map:收文单位": "recipient"})
    assert "共校验 3 条记录：通过 3 条，有错误 0 条。" in mapped.text


def test_the_confirmed_mapping_is_saved_into_jiancha_toml(
    client: Client, tmp_path: Path, workspace: Path
) -> None:
    from jiancha_docs.config import load_settings

    upload_id, _ = upload(client, register_xlsx(tmp_path / "登记表.xlsx", 1))
    response = client.post(f"/batch/{upload_id}/mapping", data={"map:收文单位": "recipient", "save": "1"})
    assert "已把 1 个列名的对应关系保存到" in response.text
    text = (workspace / "jiancha.toml").read_text(encoding="utf-8")
    assert '"纪委名称" = "中共某某市纪律检查委员会"' in text  # the rest of the file kept
    assert load_settings(workspace / "jiancha.toml").columns["纪检监察建议书"] == {"收文单位": "主送单位"}
    # a later upload maps the column by itself
    _, html = upload(client, register_xlsx(tmp_path / "又一表.xlsx", 1))
    row = re.search(r'name="map:收文单位".*?</select>', html, re.S).group(0)
    assert '<option value="recipient" selected>' in row and "未知的列" not in html


def wait_for_job(client: Client, html: str) -> str:
    job = re.search(r'hx-get="/batch/jobs/([^"]+)"', html)
    deadline = time.monotonic() + 120
    while job and 'hx-trigger="every' in html:
        assert time.monotonic() < deadline
        time.sleep(0.2)
        html = client.get(f"/batch/jobs/{job.group(1)}").text
    return html


def test_generate_streams_progress_then_a_zip_of_documents_and_manifest(
    client: Client, tmp_path: Path
) -> None:
    upload_id, _ = upload(client, register_xlsx(tmp_path / "登记表.xlsx", 3))
    started = client.post(f"/batch/{upload_id}/generate", data={"map:收文单位": "recipient"})
    assert "<progress" in started.text
    done = wait_for_job(client, started.text)
    assert "新生成 3 份" in done and "自动编号 3 个" in done
    link = re.search(r'id="zip" href="(/files/[^"]+)"', done).group(1)
    with zipfile.ZipFile(io.BytesIO(client.get(link).content)) as archive:
        names = archive.namelist()
    assert sorted(n for n in names if n.endswith(".docx")) == [
        f"某纪建〔2024〕{i}号_第{i}单位党委.docx" for i in (1, 2, 3)
    ]
    assert any(n.startswith("生成清单_") and n.endswith(".csv") for n in names)
    again = wait_for_job(
        client, client.post(f"/batch/{upload_id}/generate", data={"map:收文单位": "recipient"}).text
    )
    assert "沿用已有文号 3 份" in again  # the same register again: no new numbers


def test_a_bad_upload_is_named(client: Client) -> None:
    response = client.post("/batch/upload", data={"kind": "recommendation"}, files={"file": ("表.xls", b"x")})
    assert "请上传 Excel（.xlsx）或 CSV（.csv）文件" in response.text
    broken = client.post(
        "/batch/upload", data={"kind": "recommendation"}, files={"file": ("表.xlsx", b"not a zip")}
    )
    assert "无法打开这个 Excel 文件" in broken.text


# -- ledger ------------------------------------------------------------------------------------
def test_the_dashboard_lists_overdue_first_and_marks_many_at_once(client: Client) -> None:
    old = client.post(
        "/api/render/recommendation", json={**RECORD, "date": "2024-10-01", "recipient": "甲单位党委"}
    )
    recent = client.post(
        "/api/render/recommendation", json={**RECORD, "date": "2025-01-20", "recipient": "乙单位党委"}
    )
    assert old.status_code == recent.status_code == 200
    html = client.get("/ledger").text
    rows = re.findall(r'<tr class="(\w*)">\s*<td><input type="checkbox" name="numbers" value="([^"]+)"', html)
    assert rows[0] == ("overdue", "某纪建〔2024〕1号") and "逾期" in html
    response = client.post(
        "/ledger/mark",
        data={
            "numbers": ["某纪建〔2024〕1号", "某纪建〔2025〕1号"],
            "status": "已送达",
            "date": "2025-01-25",
        },
    )
    assert "已把 2 份文书标记为“已送达”（2025年1月25日）" in response.text
    statuses = {e["doc_number"]: e["status"] for e in client.get("/api/ledger").json()}
    assert statuses == {"某纪建〔2024〕1号": "已送达", "某纪建〔2025〕1号": "已送达"}


def test_marking_nothing_or_a_wrong_status_is_refused(client: Client) -> None:
    assert "请先勾选要标记的文书" in client.post("/ledger/mark", data={"status": "已送达"}).text
    assert (
        "状态应为"
        in client.post("/ledger/mark", data={"numbers": "某纪建〔2024〕1号", "status": "作废"}).text
    )


def test_a_documents_history_and_the_export(client: Client) -> None:
    client.post("/api/render/recommendation", json=RECORD)
    html = client.get("/ledger/entry", params={"number": "某纪建〔2024〕1号"}).text
    assert "<h1>某纪建〔2024〕1号</h1>" in html and "已印发" in html
    export = client.get("/ledger/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    missing = client.get("/ledger/entry", params={"number": "某纪建〔2024〕99号"})
    assert missing.status_code == 422 and "某纪建〔2024〕99号" in missing.text


def test_without_a_ledger_the_dashboard_says_so(client: Client) -> None:
    assert "还没有台账" in client.get("/ledger").text


# -- rules -------------------------------------------------------------------------------------
def test_search_page_shows_citation_status_and_highlighted_snippet(client: Client, rules_index: Path) -> None:
    data = client.get("/api/rules/search", params={"q": "函询 回复 期限"}).json()
    html = client.get("/rules", params={"q": "函询 回复 期限"}).text
    first = data["results"][0]
    assert first["citation"] in html and first["status"] in html and "<mark>" in html


def test_an_article_page_links_its_references(client: Client, rules_index: Path) -> None:
    hit = client.get("/api/rules/search", params={"q": "函询 回复 期限"}).json()["results"][0]
    html = client.get("/rules/show", params={"ref": hit["citation"]}).text
    assert f"<strong>{hit['label']}</strong>" in html and f"［{hit['status']}］" in html


def test_link_citations_makes_links_and_escapes_the_rest() -> None:
    from jiancha_docs.web.pages import link_citations

    html = str(link_citations("依照《中华人民共和国监察法》第四十五条<b>处理</b>"))
    assert '<a class="ref" href="/rules/show?ref=%E3%80%8A' in html and "&lt;b&gt;" in html


def test_an_article_page_links_what_the_article_refers_to() -> None:
    from jiancha_docs.rules.links import links_of
    from jiancha_docs.rules.parser import parse_text
    from jiancha_docs.web.pages import linked_paragraphs

    reg = parse_text(
        "# 某某规定\n\n第一条 甲。\n\n第二条 依照本规定第一条办理<甲>。\n\n违反前款规定的，依照《中华人民共和国监察法》第十九条处理。\n",
        "某某规定.md",
    ).regulation
    article = reg.numbered()[1]
    first, second = (str(p) for p in linked_paragraphs(article, links_of(article, reg), reg.title))
    href = "/rules/show?ref=" + quote("《某某规定》第一条")
    assert first == f'依照<a class="ref" href="{href}" title="第一条">本规定第一条</a>办理&lt;甲&gt;。'
    assert '<span class="ref" title="本条第一款">前款</span>' in second
    # no index to resolve the other law: marked, not linked
    assert (
        '<span class="ref" title="《中华人民共和国监察法》第十九条（未编入索引）">《中华人民共和国监察法》第十九条</span>'
        in second
    )
