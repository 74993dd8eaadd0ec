"""Searching: phrases by token positions, AND / OR / NOT, article references, filters, ranking of
superseded editions, synonyms, highlighted snippets, and the Chinese errors of the query syntax."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jiancha_docs.rules.errors import QuerySyntaxError, ReferenceNotFound
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.query import parse_query
from jiancha_docs.rules.refs import parse_ref
from jiancha_docs.rules.search import SearchOptions, search, snippet
from jiancha_docs.rules.sources import standard_regulations_dir

from .test_rules_support import build, make_workspace


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """The fixtures plus the shipped sample guides, indexed once for the module."""
    tmp = tmp_path_factory.mktemp("rules")
    config = make_workspace(
        tmp,
        files=[
            *sorted(Path(__file__).parent.joinpath("fixtures", "rules").glob("*.md")),
            *sorted(standard_regulations_dir().glob("*.md")),
        ],
    )
    build(config)
    with Library(config.index_dir) as lib:
        yield lib


def citations(library: Library, query: str, **options: object) -> list[str]:
    return [h.citation for h in search(library, query, SearchOptions(**options)).hits]  # type: ignore[arg-type]


def all_articles(library: Library) -> Iterator[tuple[str, str]]:
    for entry in library.entries:
        for article in library.regulation(entry.id).articles:
            yield f"《{entry.title}》{article.label}", article.text


# -- phrases -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "phrase", ["谈话函询", "函询回复", "工作日内", "被函询人", "初步核实", "整改期限", "采信了结", "前置审核"]
)
def test_a_quoted_phrase_finds_exactly_the_articles_containing_it(library: Library, phrase: str) -> None:
    expected = {c for c, text in all_articles(library) if phrase in text.replace("\n", "")}
    assert expected, phrase
    found = set(citations(library, f'"{phrase}"', limit=500))
    assert found == expected


def test_a_phrase_does_not_match_its_words_apart(library: Library) -> None:
    # 谈话 and 函询 both occur in 《测试规则（示例）》第二条 / 第三条, but "函询谈话" nowhere
    assert citations(library, '"函询谈话"') == []
    assert citations(library, "“十五个工作日内写出”") == ["《测试规则（示例）》第三条"]


# -- operators ---------------------------------------------------------------------------------
def test_and_or_not(library: Library) -> None:
    both = citations(library, "留置 AND 家属", limit=50)
    assert both == ["《留置措施测试办法》第二条"]
    either = set(citations(library, '"录音录像" OR "家属"', limit=50))
    assert "《留置措施测试办法》第二条" in either
    without = citations(library, "留置 NOT 家属", limit=50)
    assert "《留置措施测试办法》第二条" not in without and "《留置措施测试办法》第一条" in without
    assert citations(library, "留置 -家属", limit=50) == without


def test_natural_questions_do_not_need_every_word(library: Library) -> None:
    hits = citations(library, "被函询人收到函件以后多长时间内要写说明材料？", limit=3)
    assert hits[0] == "《测试规则（示例）》第三条"


def test_synonyms_expand_abbreviations(library: Library) -> None:
    # 初核 = 初步核实 (the shipped synonym table)
    assert "《留置措施测试办法》第三条" in citations(library, "初核 留置 报批", limit=3)


# -- references --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "citation"),
    [
        ("测试规则第三条", "《测试规则（示例）》第三条"),
        ("《测试规则》第3条", "《测试规则（示例）》第三条"),
        ("留置办法 3条之一", "《留置措施测试办法》第三条之一"),
        ("建议书工作指引第八条", "《纪检监察建议书工作指引（示例）》第八条"),
        ("澄清正名办法 13条", "《澄清正名工作办法（示例）》第十三条"),
    ],
)
def test_an_article_reference_goes_straight_to_the_article(
    library: Library, query: str, citation: str
) -> None:
    result = search(library, query)
    assert [h.citation for h in result.hits] == [citation]
    assert result.hits[0].direct
    assert result.notes == ["查询是条文引用，直接显示该条"]


def test_a_reference_to_a_missing_article_in_brackets_is_an_error(library: Library) -> None:
    with pytest.raises(ReferenceNotFound) as info:
        search(library, "《测试规则》第九十九条")
    assert info.value.message == "《测试规则（示例）》没有第九十九条（共 6 条）"


def test_reference_parsing() -> None:
    ref = parse_ref("《监察法》第四十五条第二款")
    assert ref is not None and (ref.title, ref.number, ref.paragraph, ref.kind) == (
        "监察法",
        "四十五",
        "二",
        "article",
    )
    part = parse_ref("监督执纪工作规则 第五章第二节")
    assert part is not None and (part.title, part.parts, part.kind) == (
        "监督执纪工作规则",
        ("第五章", "第二节"),
        "part",
    )
    assert parse_ref("函询 回复 期限") is None


# -- filters and ranking -----------------------------------------------------------------------
def test_a_superseded_edition_ranks_below_the_current_one(library: Library) -> None:
    hits = search(library, "被函询人 收到函件 说明材料", SearchOptions(limit=10)).hits
    order = [h.title for h in hits]
    assert order.index("测试规则（示例）") < order.index("测试规则（示例，旧版）")
    old = next(h for h in hits if h.title == "测试规则（示例，旧版）")
    assert old.superseded and old.status == "已修订"


def test_status_category_and_title_filters(library: Library) -> None:
    assert {
        h.status for h in search(library, "函询", SearchOptions(limit=50, statuses=("已修订",))).hits
    } == {"已修订"}
    assert {
        h.category for h in search(library, "留置", SearchOptions(limit=50, categories=("本机关制度",))).hits
    } <= {"本机关制度"}
    within = search(library, "函询", SearchOptions(limit=50, within="谈话函询指引"))
    assert {h.title for h in within.hits} == {"谈话函询工作指引（示例）"}
    assert within.notes[0] == "只检索《谈话函询工作指引（示例）》"


def test_a_title_in_the_query_narrows_the_search(library: Library) -> None:
    result = search(library, "测试规则 函询")
    assert {h.title for h in result.hits} == {"测试规则（示例）"}
    assert result.notes == ["只检索《测试规则（示例）》"]


def test_the_names_staff_use_for_a_regulation_narrow_the_search(tmp_path: Path) -> None:
    texts = {
        "党章.md": "# 中国共产党章程\n\n第一条 年满十八岁的中国工人可以申请加入中国共产党。\n\n"
        "第二条 对党员的纪律处分有五种：警告、严重警告、撤销党内职务、留党察看、开除党籍。\n",
        "巡视.md": "# 中国共产党巡视工作条例\n\n第一条 巡视组对被巡视党组织开展监督，发现纪律处分方面的问题。\n",
        "刑法.md": "# 中华人民共和国刑法\n\n第一条 受贿数额较大的，处三年以下有期徒刑。\n",
        "章程.md": "# 某协会章程\n\n第一条 会员违反章程的，给予纪律处分。\n",
    }
    files = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    config = make_workspace(tmp_path, files=files)
    build(config)
    with Library(config.index_dir) as lib:
        for query, title in [
            ("党章 纪律处分 种类", "中国共产党章程"),
            ("巡视条例 纪律处分", "中国共产党巡视工作条例"),
            ("刑法 受贿 数额较大", "中华人民共和国刑法"),
        ]:
            result = search(lib, query)
            assert result.notes[0] == f"只检索《{title}》", query
            assert {h.title for h in result.hits} == {title}
        # two letters that are no regulation's name (章程 alone) do not narrow anything
        assert not search(lib, "章程 纪律处分").notes


def test_snippets_mark_the_matched_words() -> None:
    text = "被函询人应当在收到函件后十五个工作日内写出说明材料。" * 3
    short = snippet(text, ["函件", "说明材料"], size=30)
    assert short == "被函询人应当在收到【函件】后十五个工作日内写出【说明材料】。被函询人…"
    assert "【函件】" in snippet(text, ["函件"], size=200)
    # 贪污罪 cut as 贪污 / 罪: the lone 罪 is not marked all over the article, and 贪污 and 罪 side by
    # side read as one mark
    crime = "国家工作人员利用职务上的便利，侵吞公共财物的，是贪污罪。犯罪以后自首的，可以从轻。"
    marked = snippet(crime, ["贪污", "罪", "职务"], size=200)
    assert marked.count("【") == 2 and "【职务】" in marked and "犯罪以后" in marked
    assert snippet(crime, ["贪污罪", "贪污"], size=200).count("【贪污罪】") == 1
    assert snippet("本罪的追诉期限", ["罪"]) == "本【罪】的追诉期限"
    assert snippet(crime, ["利用", "职务"], size=200).count("【利用职务】") == 1


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"谈话函询', "引号不成对：短语要用一对引号括起来"),
        ("“谈话函询", "引号不成对：“和”的数目不同"),
        ("NOT 刑法", "查询不能只有排除条件"),
        ("留置 AND", "AND / OR 后面缺少检索词"),
        ("AND 留置", "AND 两边都要有检索词"),
        ("OR 留置", "OR 两边都要有检索词"),
        ("留置 NOT", "NOT 后面缺少要排除的词"),
    ],
)
def test_query_syntax_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert info.value.message == message
    assert info.value.exit_code == 2


def test_a_query_of_only_question_words_is_refused(library: Library) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        search(library, "怎么 什么 吗")
    assert info.value.message == "“怎么 什么 吗”中没有可检索的词"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"statuses": ("有效",)}, "状态只能是 现行有效、已修订、已废止、尚未生效，不能是“有效”"),
        (
            {"categories": ("通知",)},
            "类别只能是 法律、法规、党内法规、规范性文件、本机关制度、工作指引，不能是“通知”",
        ),
        ({"limit": 0}, "--limit 应为正整数"),
    ],
)
def test_bad_options(library: Library, options: dict[str, object], message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        search(library, "函询", SearchOptions(**options))  # type: ignore[arg-type]
    assert info.value.message == message


def test_an_unknown_title_filter(library: Library) -> None:
    with pytest.raises(ReferenceNotFound) as info:
        search(library, "函询", SearchOptions(within="不存在的规定"))
    assert info.value.message == "法规索引中没有《不存在的规定》"
