"""The JSON API and the pages' endpoints, in-process (starlette's TestClient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..helpers import docx_paragraphs, jiancha_in_process
from .conftest import RECORD, Client

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cli_json(capsys, *args: str) -> object:
    """What ``jiancha ARGS`` prints as JSON, run in this process."""
    from jiancha_docs.cli import main

    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as e:
        assert not e.code
    return json.loads(capsys.readouterr().out)


def document_xml(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        return "".join(
            docx.read(n).decode() for n in docx.namelist() if n.startswith("word/") and n.endswith(".xml")
        )


def number_of(response) -> str:
    from urllib.parse import unquote

    return unquote(response.headers["x-jiancha-number"])


def test_kinds_lists_every_kind_with_its_fields(client: Client) -> None:
    from jiancha_docs.kinds import all_kinds

    kinds = client.get("/api/kinds").json()
    assert [k["id"] for k in kinds] == [k.id for k in all_kinds()]
    recommendation = next(k for k in kinds if k["id"] == "recommendation")
    assert recommendation["name"] == "纪检监察建议书"
    subtype = next(f for f in recommendation["fields"] if f["key"] == "subtype")
    assert subtype["label"] == "建议类型" and subtype["required"] and subtype["choices"]


def test_render_gives_a_numbered_registered_docx(client: Client, workspace: Path) -> None:
    response = client.post("/api/render/recommendation", json=RECORD)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    assert number_of(response) == "某纪建〔2024〕1号"
    text = "\n".join(docx_paragraphs(response.content))
    assert "某某市R&D中心党委" in text and "某纪建〔2024〕1号" in text
    assert (workspace / "out" / "某纪建〔2024〕1号_某某市R&D中心党委.docx").is_file()
    ledger = client.get("/api/ledger").json()
    assert [e["doc_number"] for e in ledger] == ["某纪建〔2024〕1号"]
    assert ledger[0]["source_file"] == "网页填写.json"


def test_the_same_record_again_is_the_same_document_with_its_number(client: Client) -> None:
    first = client.post("/api/render/recommendation", json=RECORD)
    again = client.post("/api/render/recommendation", json={**RECORD})
    other = client.post("/api/render/recommendation", json={**RECORD, "recipient": "另一单位党委"})
    assert number_of(first) == number_of(again) == "某纪建〔2024〕1号"
    assert again.headers["x-jiancha-status"] == "%E6%B2%BF%E7%94%A8"  # 沿用
    assert number_of(other) == "某纪建〔2024〕2号"
    assert len(client.get("/api/ledger").json()) == 2


def test_a_draft_takes_no_number_and_is_not_registered(client: Client) -> None:
    response = client.post("/api/render/recommendation?draft=1", json=RECORD)
    assert response.status_code == 200
    assert "x-jiancha-number" not in response.headers
    assert "filename*=utf-8''%E8%8D%89%E7%A8%BF_" in response.headers["content-disposition"]  # 草稿_
    assert "草稿" in document_xml(response.content)
    assert client.get("/api/ledger").json() == []


def test_a_bad_record_is_422_with_field_label_and_the_validators_words(client: Client) -> None:
    from jiancha_docs.config import load_settings
    from jiancha_docs.kinds import find_kind
    from jiancha_docs.render.single import check_record

    bad = {**RECORD, "date": "2024-13-01", "recipient": ""}
    response = client.post("/api/render/recommendation", json=bad)
    assert response.status_code == 422
    errors = response.json()
    expected = check_record(find_kind("recommendation"), bad, load_settings().defaults)
    assert [(e["label"], e["message"]) for e in errors] == [(i.field, i.message) for i in expected]
    by_field = {e["field"]: e for e in errors}
    assert by_field["recipient"] == {
        "field": "recipient",
        "label": "主送单位",
        "message": "必填项，不能为空",
        "severity": "error",
    }
    assert "月份应为 1 至 12" in by_field["date"]["message"]
    assert client.get("/api/ledger").json() == []  # nothing numbered


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "不是有效的 JSON"), (b"[1, 2]", "应为一条记录")],
)
def test_a_body_that_is_not_a_record_is_422_in_chinese(client: Client, body: bytes, message: str) -> None:
    response = client.post("/api/render/recommendation", content=body)
    assert response.status_code == 422
    assert message in response.json()[0]["message"]


def test_an_unknown_kind_is_422_naming_it(client: Client) -> None:
    response = client.post("/api/render/no_such_kind", json=RECORD)
    assert response.status_code == 422
    assert "no_such_kind" in response.json()[0]["message"]


def test_rules_search_gives_what_rules_search_json_prints(client: Client, rules_index: Path, capsys) -> None:
    response = client.get("/api/rules/search", params={"q": "函询 回复 期限"})
    assert response.status_code == 200
    assert cli_json(capsys, "rules", "search", "--json", "函询 回复 期限") == response.json()
    assert response.json()["results"], "the sample guides answer this"


def test_rules_search_without_a_query_is_422(client: Client) -> None:
    response = client.get("/api/rules/search", params={"q": " "})
    assert response.status_code == 422 and response.json()[0]["message"] == "请输入要检索的内容"


def test_ledger_api_takes_the_ledger_list_filters(client: Client, capsys) -> None:
    client.post("/api/render/recommendation", json=RECORD)
    client.post(
        "/api/render/recommendation", json={**RECORD, "recipient": "乙单位党委", "date": "2025-01-05"}
    )
    for query, args in [
        ("", []),
        ("?year=2025", ["--year", "2025"]),
        ("?kind=纪检监察建议书&overdue=1", ["--kind", "纪检监察建议书", "--overdue"]),
    ]:
        assert client.get("/api/ledger" + query).json() == cli_json(capsys, "ledger", "list", "--json", *args)
    assert len(client.get("/api/ledger?year=2025").json()) == 1
    bad = client.get("/api/ledger?year=abc")
    assert bad.status_code == 422 and "year" in bad.json()[0]["message"]


# -- safety ------------------------------------------------------------------------------------
def test_a_state_change_without_the_csrf_token_is_refused(client: Client) -> None:
    response = client.raw.post("/api/render/recommendation", json=RECORD)
    assert response.status_code == 403
    assert "校验码" in response.json()[0]["message"]
    wrong = client.raw.post("/api/render/recommendation", json=RECORD, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    assert client.get("/api/ledger").json() == []


def test_a_request_from_another_origin_is_refused(client: Client) -> None:
    response = client.post(
        "/api/render/recommendation", json=RECORD, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403 and "其他网站" in response.json()[0]["message"]


def test_the_csrf_endpoint_gives_the_token_an_api_client_sends(client: Client) -> None:
    token = client.get("/api/csrf").json()["token"]
    response = client.raw.post(
        "/api/render/recommendation?draft=1", json=RECORD, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200


def test_every_page_has_a_csp_without_inline_scripts(client: Client) -> None:
    for url in ["/", "/kinds/recommendation", "/batch", "/ledger", "/rules", "/api/kinds", "/nowhere"]:
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response.headers["x-content-type-options"] == "nosniff"
        if response.headers["content-type"].startswith("text/html"):
            assert "<script>" not in response.text and " on" + "click=" not in response.text, url
            assert "http://" not in response.text.replace("http://127.0.0.1", "") or url == "/nowhere"


def test_an_unknown_page_is_a_chinese_404(client: Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and "没有这个页面" in response.text


def test_an_upload_over_the_limit_is_refused(workspace: Path) -> None:
    from starlette.testclient import TestClient

    from jiancha_docs.web.app import WebContext, create_app

    context = WebContext(config_path=workspace / "jiancha.toml", outdir=workspace / "out", max_upload=1024)
    with TestClient(create_app(context.load()), raise_server_exceptions=False) as raw:
        client = Client(raw)
        big = client.post(
            "/batch/upload", files={"file": ("大表.csv", b"x" * 5000)}, data={"kind": "recommendation"}
        )
        assert big.status_code == 413 and "上限" in big.text
        assert not list((workspace / "out").glob("*")) if (workspace / "out").exists() else True


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_non_loopback_host_is_refused_until_accounts_exist(host: str, capsys, workspace: Path) -> None:
    code, err = jiancha_in_process(capsys, "serve", "--host", host, "--port", "1")
    assert code == 2
    assert f"不能在地址“{host}”上提供网页服务：台账中还没有可用的管理账户" in err


def test_loopback_hosts_are_allowed(workspace: Path) -> None:
    from jiancha_docs.config import load_settings
    from jiancha_docs.web.security import check_bind

    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, load_settings(workspace / "jiancha.toml"))
