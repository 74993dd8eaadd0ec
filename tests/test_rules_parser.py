"""The regulation format: front matter, headings, articles, 款 and 项; errors name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiancha_docs.rules.errors import RegulationFormatError
from jiancha_docs.rules.model import ARTICLE_LINE
from jiancha_docs.rules.numerals import article_label, to_int
from jiancha_docs.rules.parser import parse_file, parse_text
from jiancha_docs.rules.sources import standard_regulations_dir

from .test_rules_support import FIXTURES


def test_fixture_regulation_is_read_down_to_the_article() -> None:
    result = parse_file(FIXTURES / "测试规则.md")
    reg = result.regulation
    assert result.warnings == []
    assert (reg.title, reg.short_titles, reg.organ, reg.doc_number) == (
        "测试规则（示例）",
        ["测试规则"],
        "测试机关",
        "测试发〔2024〕1号",
    )
    assert (reg.issued, reg.effective, reg.status, reg.category, reg.sample) == (
        "2024-01-01",
        "2024-02-01",
        "现行有效",
        "工作指引",
        True,
    )
    assert reg.preamble == ["（2024年1月1日测试机关印发）"]
    assert [(a.number, a.label) for a in reg.articles] == [
        (1, "第一条"),
        (2, "第二条"),
        (3, "第三条"),
        (4, "第四条"),
        (5, "第五条"),
        (6, "第六条"),
    ]
    third = reg.articles[2]
    assert third.chapter == ["第二章 谈话函询", "第一节 函询"]
    assert third.paragraphs == [
        "被函询人应当在收到函件后十五个工作日内写出说明材料。",
        "逾期未回复的，承办部门应当催告。",
    ]
    assert third.line == 27
    # 项 written on their own lines stay separate paragraphs even without blank lines
    assert reg.articles[3].paragraphs == [
        "函询回复应当包括以下内容：",
        "（一）对反映问题的说明；",
        "（二）本人签名。",
    ]
    assert reg.articles[4].chapter == ["第二章 谈话函询", "第二节 谈话"]
    assert reg.articles[5].chapter == ["第三章 附则"]


def test_article_with_zhi_suffix_and_short_title_names() -> None:
    reg = parse_file(FIXTURES / "留置办法.md").regulation
    last = reg.articles[-1]
    assert (last.number, last.sub, last.label, last.key) == (3, 1, "第三条之一", "3-1")
    assert reg.names() == ["留置措施测试办法", "留置办法"]


def test_title_from_heading_when_there_is_no_front_matter() -> None:
    reg = parse_text("# 中华人民共和国某某法\n\n第一条 内容。\n", "某某法.md").regulation
    assert reg.title == "中华人民共和国某某法"
    assert reg.status == "现行有效"
    assert reg.names() == ["中华人民共和国某某法", "某某法"]


def test_names_drop_what_people_leave_out_when_they_name_a_regulation() -> None:
    from jiancha_docs.rules.model import derived_short_titles

    assert derived_short_titles("中国共产党巡视工作条例") == ["巡视工作条例", "巡视条例"]
    assert derived_short_titles("纪检监察机关处理检举控告工作规则") == ["纪检监察机关处理检举控告规则"]
    assert "党章" in derived_short_titles("中国共产党章程")
    assert "执纪规则" in derived_short_titles("中国共产党纪律检查机关监督执纪工作规则")


def test_markdown_emphasis_and_lists_are_plain_paragraphs() -> None:
    text = "# 标题\n\n**第一条** 内容。\n\n- （一）甲；\n- （二）乙。\n"
    article = parse_text(text).regulation.articles[0]
    assert article.label == "第一条"
    assert article.paragraphs == ["内容。", "（一）甲；", "（二）乙。"]


def test_unnumbered_text_is_kept_under_its_heading() -> None:
    text = "# 准则\n\n前言一句话。\n\n## 总纲\n\n总纲第一段。\n\n第一条 内容。\n"
    reg = parse_text(text).regulation
    assert [(a.number, a.label, a.paragraphs) for a in reg.articles] == [
        (0, "序言", ["前言一句话。"]),
        (0, "总纲", ["总纲第一段。"]),
        (1, "第一条", ["内容。"]),
    ]


def test_the_shipped_sample_guides_parse_cleanly_and_are_marked_as_samples() -> None:
    files = sorted(standard_regulations_dir().glob("*.md"))
    assert len(files) >= 5
    total = 0
    for path in files:
        result = parse_file(path)
        assert result.warnings == [], path.name
        reg = result.regulation
        assert "示例" in reg.title and reg.sample, path.name
        total += len(reg.numbered())
    assert total >= 100


# -- warnings ----------------------------------------------------------------------------------
def test_missing_and_duplicate_article_numbers_are_warnings() -> None:
    text = "# 规则\n\n第一条 甲。\n\n第三条 乙。\n\n第三条 丙。\n\n第二条 丁。\n"
    result = parse_text(text, "规则.md")
    assert [w.describe() for w in result.warnings] == [
        "规则.md 第 5 行：缺少第二条（条号不连续）",
        "规则.md 第 7 行：第三条重复（第 5 行已有第三条）",
        "规则.md 第 9 行：第二条排在第三条之后，条号顺序有误",
    ]
    assert len(result.regulation.articles) == 4


def test_unknown_front_matter_key_and_a_different_heading_are_warnings() -> None:
    text = "---\n标题: 甲规则\n颜色: 红\n---\n\n# 乙规则\n\n第一条 内容。\n"
    result = parse_text(text, "甲.md")
    messages = [w.describe() for w in result.warnings]
    assert messages[0].startswith("甲.md 第 3 行：未知的字段“颜色”，已忽略（可用字段：标题、简称")
    assert messages[1] == "甲.md 第 6 行：正文标题“乙规则”与 front matter 的标题不同，以后者为准"
    assert result.regulation.title == "甲规则"


def test_a_text_without_numbered_articles_is_warned_about() -> None:
    result = parse_text("# 准则\n\n## 规范\n\n坚持公私分明。\n", "准则.md")
    assert [w.message for w in result.warnings] == ["没有以“第X条”开头的条文，正文按段落编入索引"]


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\n标题: 甲\n\n第一条 内容。\n", "坏.md 第 1 行：开头的 front matter 没有结束行“---”"),
        (
            "---\n标题: 甲\n简称: [乙\n---\n第一条 内容。\n",
            "坏.md 第 3 行：front matter 不是有效的 YAML（括号、引号不成对，或冒号后缺少空格）",
        ),
        (
            "---\n标题: 甲\n状态: 有效\n---\n第一条 内容。\n",
            "坏.md 第 3 行：「状态」只能是 现行有效、已修订、已废止、尚未生效，不能是“有效”",
        ),
        (
            "---\n标题: 甲\n类别: 通知\n---\n第一条 内容。\n",
            "坏.md 第 3 行：「类别」只能是 法律、法规、党内法规、规范性文件、本机关制度、工作指引，不能是“通知”",
        ),
        (
            "---\n标题: 甲\n发布日期: 去年\n---\n第一条 内容。\n",
            "坏.md 第 3 行：「发布日期」无法识别的日期“去年”",
        ),
        ("---\n- 甲\n---\n第一条 内容。\n", "坏.md 第 2 行：front matter 应为“字段: 值”的列表"),
        ("第一条 内容。\n", "坏.md 第 1 行：缺少标题"),
        ("# 甲\n", "坏.md：没有找到任何条文或正文"),
        ("  \n\n", "坏.md：文件是空的"),
        ("# 甲\n\n第一条 内容。\n\n第十一十条 内容。\n", "坏.md 第 5 行：条号“第十一十条”不是有效的中文数字"),
    ],
)
def test_malformed_files_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(RegulationFormatError) as info:
        parse_text(text, "坏.md")
    assert info.value.message.startswith(message)


def test_yaml_error_message_is_complete() -> None:
    with pytest.raises(RegulationFormatError) as info:
        parse_text("---\n标题: 甲\n简称: [乙\n---\n第一条 内容。\n", "坏.md")
    assert info.value.hint == "每行写“字段: 值”，冒号后加空格；列表写成 [甲, 乙]"


def test_a_gbk_file_is_refused_with_the_import_command(tmp_path: Path) -> None:
    path = tmp_path / "旧文件.md"
    path.write_bytes("# 甲\n\n第一条 内容。\n".encode("gbk"))
    with pytest.raises(RegulationFormatError) as info:
        parse_file(path)
    assert info.value.message == "旧文件.md 第 1 行：不是 UTF-8 编码的文本"
    assert info.value.hint == "GBK 编码或 Word 文件请先转换：jiancha rules import 旧文件.md"


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegulationFormatError) as info:
        parse_file(tmp_path / "没有.md")
    assert info.value.message.startswith("没有.md：无法读取文件")


# -- numerals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("一百零三", 103),
        ("一百一十", 110),
        ("两百", 200),
        ("29", 29),
        ("２９", 29),
    ],
)
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert to_int(numeral) == value


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9))
def test_article_labels_round_trip(number: int, sub: int) -> None:
    label = article_label(number, sub)
    match = ARTICLE_LINE.match(label + " 内容")
    assert match is not None
    assert to_int(match.group("num")) == number
    assert (to_int(match.group("sub")) if match.group("sub") else 0) == sub


# -- property: every 第…条 line becomes one article --------------------------------------------
_TEXT = st.text(
    alphabet=st.sampled_from(list("的条款项第一二三四五六七八九十规定应当了结函询。，；：（）")),
    min_size=1,
    max_size=20,
)


@st.composite
def regulation_lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Markdown mixing articles, headings, items and soft-wrapped paragraphs; the labels in order."""
    lines = ["# 随机规则", ""]
    labels: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        kind = draw(st.sampled_from(["article", "article", "article", "heading", "item", "text"]))
        number = draw(st.integers(min_value=1, max_value=300))
        sub = draw(st.sampled_from([0, 0, 0, 1, 2]))
        label = article_label(number, sub)
        body = draw(_TEXT).lstrip("第")  # a paragraph starting 第…条 would itself be an article line
        separator = draw(st.sampled_from(["\n\n", "\n"]))  # no blank line: a soft-wrapped paragraph
        if kind == "article":
            space = draw(st.sampled_from([" ", "\u3000", "  "]))
            lines.append(f"{label}{space}{body}" if body.strip() else label)
            labels.append(label)
        elif kind == "heading":
            lines.append(f"## 第{draw(st.integers(1, 9))}章 {body}")
            separator = "\n\n"
        elif kind == "item":
            lines.append(f"（{draw(st.sampled_from(['一', '二', '三']))}）{body}")
        else:
            lines.append(body)
        lines.append(separator.replace("\n", "", 1))
    lines.append("第一条 最后一条。")
    labels.append("第一条")
    return "\n".join(lines) + "\n", labels


@settings(max_examples=150, deadline=None)
@given(regulation_lines())
def test_every_article_line_becomes_one_article(case: tuple[str, list[str]]) -> None:
    text, labels = case
    reg = parse_text(text, "随机.md").regulation
    assert [a.label for a in reg.numbered()] == labels
    source_lines = [line for line in text.split("\n") if ARTICLE_LINE.match(line)]
    assert len(reg.numbered()) == len(source_lines)


def test_a_heading_wrapped_onto_the_next_line_stays_a_heading() -> None:
    # as converted from a PDF: the chapter title broken after 基层站所
    text = (
        "# 某某规定\n\n## 第一章 乡镇领导班子成员和基层站所\n\n负责人廉洁履行职责行为规范\n\n"
        "第一条 禁止滥用职权。\n\n## 第二章 实施\n\n本章适用于村干部。\n\n第二条 本规定自发布之日起施行。\n"
    )
    result = parse_text(text, "某某规定.md")
    reg = result.regulation
    assert [a.label for a in reg.articles] == ["第一条", "第二章 实施", "第二条"]
    assert reg.articles[0].chapter == ["第一章 乡镇领导班子成员和基层站所负责人廉洁履行职责行为规范"]
    assert reg.articles[1].text == "本章适用于村干部。"  # a chapter's own sentence is not a heading
    assert [w.describe() for w in result.warnings] == [
        "某某规定.md 第 5 行：“负责人廉洁履行职责行为规范”紧接在标题“第一章 乡镇领导班子成员和基层站所”之下且没有标点，已作为标题的续行"
    ]
