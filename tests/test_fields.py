"""Field types: every accepted spelling and every Chinese error message."""

from __future__ import annotations

import datetime as dt

import pytest

from jiancha_docs.kinds.fields import CnDate, FieldProblem, FieldSpec, convert

DATE = FieldSpec("date", "成文日期", "date")
NUMBER = FieldSpec("doc_number", "文号", "text", format="doc_number")
DAYS = FieldSpec("reply_days", "反馈期限天数", "integer", min=1, max=365)
LIST = FieldSpec("problems", "存在问题", "list")
CHOICE = FieldSpec("subtype", "建议类型", "choice", choices=("纪律检查建议", "监察建议", "纪检监察建议"))
TABLE = FieldSpec(
    "tasks",
    "整改任务",
    "table",
    columns=(
        FieldSpec("task", "任务", "text", required=True),
        FieldSpec("owner", "责任单位", "text", required=True),
        FieldSpec("deadline", "完成时限", "date", required=True),
    ),
)


def problem(spec: FieldSpec, value: object) -> str:
    with pytest.raises(FieldProblem) as caught:
        convert(spec, value)
    return str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-12-01",
        "2024/12/1",
        "2024.12.1",
        "2024年12月1日",
        "2024年12月1号",
        "２０２４年１２月１日",
        "20241201",
        dt.date(2024, 12, 1),
        dt.datetime(2024, 12, 1, 0, 0),
        45627,
    ],
)
def test_dates_in_every_accepted_spelling(raw: object) -> None:
    value = convert(DATE, raw)
    assert value == dt.date(2024, 12, 1)
    assert str(value) == "2024年12月1日"


def test_date_prints_without_zero_padding() -> None:
    assert str(CnDate(2025, 1, 5)) == "2025年1月5日"


def test_date_errors() -> None:
    assert problem(DATE, "2024-13-01") == "日期“2024-13-01”不存在：月份应为 1 至 12"
    assert problem(DATE, "2024-02-30") == "日期“2024-02-30”不存在：2024年2月没有30日"
    assert problem(DATE, "下周一") == (
        "无法识别的日期“下周一”，请写作 2024-12-01、2024/12/1、2024.12.1 或 2024年12月1日"
    )
    assert problem(DATE, "2024-12/01").startswith("无法识别的日期“2024-12/01”")
    assert problem(DATE, "1850-01-01") == "日期“1850-01-01”的年份 1850 不合理"
    assert problem(DATE, 12.5) == "无法识别的日期“12.5”，请写作 2024-12-01 或 2024年12月1日"


@pytest.mark.parametrize("good", ["某纪建〔2024〕3号", "许纪监建〔2025〕120号"])
def test_doc_number_accepted(good: str) -> None:
    assert convert(NUMBER, good) == good


def test_doc_number_errors() -> None:
    assert (
        problem(NUMBER, "某纪建[2024]3号") == "文号“某纪建[2024]3号”：年份应用六角括号“〔〕”括入，不能用“[]”"
    )
    assert (
        problem(NUMBER, "某纪建（2024）3号")
        == "文号“某纪建（2024）3号”：年份应用六角括号“〔〕”括入，不能用“（）”"
    )
    assert problem(NUMBER, "某纪建〔2024〕第3号") == "文号“某纪建〔2024〕第3号”：发文顺序号前不加“第”字"
    assert (
        problem(NUMBER, "某纪建〔2024〕003号")
        == "文号“某纪建〔2024〕003号”：发文顺序号不编虚位（如 1 不写作 001）"
    )
    assert (
        problem(NUMBER, "某纪建〔24〕3号") == "文号“某纪建〔24〕3号”：年份应标全称（如 2024），不能写作“24”"
    )
    assert (
        problem(NUMBER, "某纪建2024-3")
        == "文号“某纪建2024-3”：格式应为“机关代字〔年份〕序号号”，如“某纪发〔2024〕5号”"
    )
    assert problem(NUMBER, "某纪建[2024]第003号") == (
        "文号“某纪建[2024]第003号”：年份应用六角括号“〔〕”括入，不能用“[]”；发文顺序号前不加“第”字；"
        "发文顺序号不编虚位（如 1 不写作 001）"
    )


@pytest.mark.parametrize(
    "raw,expected", [(30, 30), ("30", 30), ("30天", 30), ("３０日", 30), ("三十", 30), (15.0, 15)]
)
def test_integer_spellings(raw: object, expected: int) -> None:
    assert convert(DAYS, raw) == expected


def test_integer_errors() -> None:
    assert problem(DAYS, "三十天左右") == "应为整数，无法识别“三十天左右”"
    assert problem(DAYS, 2.5) == "应为整数，而不是“2.5”"
    assert problem(DAYS, 0) == "不能小于 1，现为 0"
    assert problem(DAYS, 400) == "不能大于 365，现为 400"
    assert problem(DAYS, True) == "应为整数，而不是“True”"


def test_list_splits_lines_and_fullwidth_semicolons() -> None:
    assert convert(LIST, "甲\n乙；丙\r\n\n丁") == ["甲", "乙", "丙", "丁"]
    assert convert(LIST, ["甲", " ", 3]) == ["甲", "3"]


def test_list_item_errors() -> None:
    assert problem(LIST, ["甲", {"a": 1}]) == "第 2 项应为一段文字"
    assert (
        problem(LIST, ["甲", "乙\x07"]) == "第 2 项含有 Word 文档无法保存的控制字符（U+0007），请删除后重试"
    )


def test_text_errors() -> None:
    text = FieldSpec("recipient", "主送单位", "text")
    assert problem(text, "第一行\n第二行") == "应为单行文字，不能换行"
    assert problem(text, ["a"]) == "应为一段文字，而不是列表或表格"
    assert problem(text, True) == "应为文字，而不是是（布尔值）"
    assert problem(text, "a\x00b") == "含有 Word 文档无法保存的控制字符（U+0000），请删除后重试"
    assert convert(text, 12345.0) == "12345"


def test_choice_errors_suggest_the_closest_value() -> None:
    assert convert(CHOICE, " 监察建议 ") == "监察建议"
    assert problem(CHOICE, "监察建意") == (
        "“监察建意”不是可选值，应为：纪律检查建议、监察建议、纪检监察建议；是否应为“监察建议”？"
    )
    assert problem(CHOICE, "通知") == "“通知”不是可选值，应为：纪律检查建议、监察建议、纪检监察建议"


def test_table_from_cells_and_from_mappings() -> None:
    from_cell = convert(TABLE, "专项整治|监管科|2025-03-31\n修订制度｜办公室｜2025年2月28日")
    assert from_cell == [
        {"task": "专项整治", "owner": "监管科", "deadline": dt.date(2025, 3, 31)},
        {"task": "修订制度", "owner": "办公室", "deadline": dt.date(2025, 2, 28)},
    ]
    from_yaml = convert(TABLE, [{"任务": "专项整治", "责任单位": "监管科", "deadline": "2025-03-31"}])
    assert from_yaml == from_cell[:1]
    assert convert(TABLE, [["专项整治", "监管科", "2025-03-31"]]) == from_cell[:1]


def test_table_errors() -> None:
    assert problem(TABLE, "专项整治|监管科") == "第 1 项应有 3 栏（任务|责任单位|完成时限），实际有 2 栏"
    assert problem(TABLE, "专项整治|监管科|2025-02-30") == (
        "第 1 项的「完成时限」日期“2025-02-30”不存在：2025年2月没有30日"
    )
    assert problem(TABLE, "a|b|2025-01-01\n|b|2025-01-01") == "第 2 项的「任务」不能为空"
    assert (
        problem(TABLE, [{"任务": "a", "负责人": "b"}])
        == "第 1 项有未知的栏目“负责人”，可用栏目：任务、责任单位、完成时限"
    )
    assert problem(TABLE, 5) == "应为表格，每行一项，格式“任务|责任单位|完成时限”"
    assert problem(TABLE, [5]) == "第 1 项应为一行表格数据，格式“任务|责任单位|完成时限”"


def test_a_yaml_list_of_table_rows_may_be_written_as_text_with_bars() -> None:
    from jiancha_docs.kinds import find_kind

    spec = next(f for f in find_kind("reform_notice").fields if f.type == "table")
    rows = convert(spec, ["开展专项整治|局办公室|2025-03-31", "修订制度｜局法规科｜2025/2/28"])
    assert [r[spec.columns[0].key] for r in rows] == ["开展专项整治", "修订制度"]


@pytest.mark.parametrize("text", ["2026/9/28 0:00", "2026-09-28 00:00:00", "2026/9/28 00:00"])
def test_a_date_cell_excel_saved_with_its_midnight_time_reads(text: str) -> None:
    assert convert(FieldSpec("date", "成文日期", "date"), text) == dt.date(2026, 9, 28)
