"""Citations in documents: find 《标题》第N条, check them against the index, quote an article."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha_docs.rules.citations import article_text, check_citations, find_citations
from jiancha_docs.rules.errors import IndexMissing, ReferenceNotFound

from .test_rules_support import build, make_workspace


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = make_workspace(tmp_path_factory.mktemp("cite"))
    build(config)
    return config.index_dir


def test_find_citations_in_chinese_and_arabic_numerals() -> None:
    text = "依据《测试规则》第三条、第4条和《中华人民共和国监察法》第四十五条第二款，以及《刑法》第一百二十条之一。"
    found = find_citations(text)
    assert [(c.title, c.label, c.number, c.sub, c.paragraph) for c in found] == [
        ("测试规则", "第三条", "三", "", ""),
        ("测试规则", "第4条", "4", "", ""),
        ("中华人民共和国监察法", "第四十五条第二款", "四十五", "", "二"),
        ("刑法", "第一百二十条之一", "一百二十", "一", ""),
    ]
    assert text[found[0].start : found[0].end] == "《测试规则》第三条"
    assert text[found[1].start : found[1].end] == "第4条"
    assert find_citations("《测试规则》规定的程序，第三条") == []


def test_short_titles_resolve_through_the_index(index: Path) -> None:
    found = find_citations("《测试规则》第三条、《留置办法》第二条、《不存在》第一条", index)
    assert [c.resolved_title for c in found] == ["测试规则（示例）", "留置措施测试办法", ""]


def test_check_citations_reports_what_does_not_exist(index: Path) -> None:
    texts = [
        "依据《测试规则（示例）》第三条、第六条。",
        "《测试规则》第七条；《留置办法》第三条之一；《留置办法》第三条之二；《监察法》第五十二条",
    ]
    assert check_citations(texts, index) == [
        "《测试规则》第七条：《测试规则（示例）》没有第七条（共 6 条）",
        "《留置办法》第三条之二：《留置措施测试办法》没有第三条之二（共 4 条）",
        "《监察法》第五十二条：法规索引中没有《监察法》",
    ]
    assert check_citations("《测试规则》第3条", index) == []


def test_check_citations_can_flag_superseded_editions(index: Path) -> None:
    assert check_citations("《测试规则（示例，旧版）》第三条", index, warn_superseded=True) == [
        "《测试规则（示例，旧版）》第三条：引用的是《测试规则（示例，旧版）》2019年版（已修订）；"
        "《测试规则（示例）》2024年版中对应第三条（内容有修改）"
    ]


def test_article_text_quotes_the_cited_article(index: Path) -> None:
    assert (
        article_text("《测试规则》第四条", index)
        == "函询回复应当包括以下内容：\n（一）对反映问题的说明；\n（二）本人签名。"
    )
    cite = find_citations("见《留置办法》第3条之一")[0]
    assert article_text(cite, index) == "留置场所应当符合安全要求。"


def test_article_text_errors(index: Path, tmp_path: Path) -> None:
    with pytest.raises(ReferenceNotFound) as info:
        article_text("测试规则", index)
    assert info.value.message == "“测试规则”不是条文引用"
    with pytest.raises(ReferenceNotFound) as info:
        article_text("《测试规则》第九条", index)
    assert info.value.message == "《测试规则（示例）》没有第九条（共 6 条）"
    with pytest.raises(IndexMissing):
        article_text("《测试规则》第一条", tmp_path / "none")
