"""Schemas, the kind registry and record validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jiancha_docs.errors import Location, SchemaError, UsageError
from jiancha_docs.kinds import Record, Validator, all_kinds, find_kind, load_schema

from .helpers import write_schema

HERE = Location("cases.csv", 7)


def test_the_eleven_standard_kinds_load_with_both_layouts() -> None:
    ids = {k.id for k in all_kinds()}
    assert ids == {
        "recommendation",
        "reform_notice",
        "clarification_notice",
        "clarification_letter",
        "inquiry_letter",
        "closure_letter",
        "reminder_letter",
        "admonition",
        "urging_letter",
        "integrity_opinion",
        "follow_up_record",
    }
    for kind in all_kinds():
        for layout in ("文件式", "信函式"):
            assert kind.template_path(layout).is_file(), (kind.id, layout)


@pytest.mark.parametrize("name", ["recommendation", "纪检监察建议书", "建议书", " 监察建议书 "])
def test_kind_found_by_id_chinese_name_or_alias(name: str) -> None:
    assert find_kind(name).id == "recommendation"


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(UsageError) as caught:
        find_kind("会议纪要")
    assert caught.value.message.startswith("没有名为“会议纪要”的文书类型。可用的类型：")
    assert "recommendation（纪检监察建议书）" in caught.value.message


@pytest.mark.parametrize(
    "label,key", [("举报人", "reporter"), ("检举人姓名", "name2"), ("控告人", "c"), ("x", "informant_name")]
)
def test_schema_refuses_fields_that_identify_an_accuser(tmp_path: Path, label: str, key: str) -> None:
    path = write_schema(
        tmp_path, f"id: k\nname: 测试\nfields:\n  - {{key: {key}, label: {label}, type: text}}\n"
    )
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert caught.value.message == (
        f"文书类型定义 {path} 不得包含可识别举报人身份的字段「{label}」：检举控告人的信息不得出现在文书及其数据中"
    )


def test_schema_refuses_accuser_table_columns(tmp_path: Path) -> None:
    path = write_schema(
        tmp_path,
        "id: k\nname: 测试\nfields:\n  - key: t\n    label: 表\n    type: table\n    columns:\n"
        "      - {key: who, label: 举报人, type: text}\n",
    )
    with pytest.raises(SchemaError, match="举报人"):
        load_schema(path)


@pytest.mark.parametrize(
    "body,message",
    [
        ("id: k\nname: 测试\n", "缺少「fields」"),
        ("id: k\nname: 测试\nfields:\n  - {key: a, label: 甲, type: money}\n", "的类型“money”无效"),
        ("id: k\nname: 测试\nfields:\n  - {key: A-b, label: 甲}\n", "只能用小写英文字母"),
        (
            "id: k\nname: 测试\nfields:\n  - {key: a, label: 甲}\n  - {key: b, label: 甲}\n",
            "字段名「甲」重复",
        ),
        ("id: k\nname: 测试\nfields:\n  - {key: a, label: 甲, type: choice}\n", "缺少 choices"),
        (
            "id: k\nname: 测试\nfields:\n  - {key: a, label: 甲, type: date, default: 明天}\n",
            "的默认值无法识别的日期",
        ),
        (
            "id: k\nname: 测试\nfields: [{key: a, label: 甲}]\nrules:\n  - {when: {b: x}, require: [a]}\n",
            "引用了未定义的字段",
        ),
        ("id: k\nname: [\n", "不是合法的 YAML"),
    ],
)
def test_malformed_schemas_are_explained(tmp_path: Path, body: str, message: str) -> None:
    path = write_schema(tmp_path, body)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert message in caught.value.message
    assert str(path) in caught.value.message


def validate(kind_name: str, raw: dict, defaults: dict | None = None) -> Record | list[str]:
    validator = Validator(find_kind(kind_name), defaults)
    headers = validator.map_headers(list(raw), "cases.csv")
    result = validator.validate(HERE, raw, headers)
    return result if isinstance(result, Record) else [i.describe() for i in result]


GOOD_RECOMMENDATION = {
    "建议类型": "监察建议",
    "监委名称": "某某市监察委员会",
    "主送单位": "某局",
    "问题来源": "在办案中发现",
    "存在问题": "问题一\n问题二",
    "整改建议": "建议一",
    "原因分析": "监督制约机制不健全",  # a 监察建议 needs its causes and basis (实施条例第二百零五条)
    "依据条款": "《中华人民共和国监察法》第五十二条",
    "成文日期": "2024-12-01",
}


def test_a_good_record_gets_typed_values_and_defaults() -> None:
    record = validate("recommendation", GOOD_RECOMMENDATION)
    assert isinstance(record, Record)
    assert record.values["problems"] == ["问题一", "问题二"]
    assert record.values["date"] == dt.date(2024, 12, 1)
    assert record.values["reply_days"] == 30  # schema default
    assert record.values["attachments"] == []  # optional list left empty
    assert record.values["reply_date"] is None


def test_headers_may_be_keys_instead_of_labels() -> None:
    raw = {
        "subtype": "监察建议",
        "supervision_organ": "某委",
        "recipient": "某局",
        "source": "x",
        "problems": "a",
        "recommendations": "b",
        "causes": "c",
        "basis": "《中华人民共和国监察法》第五十二条",
        "date": "2024-12-01",
    }
    assert isinstance(validate("recommendation", raw), Record)


def test_missing_required_fields_are_named() -> None:
    raw = dict(GOOD_RECOMMENDATION, 主送单位="", 存在问题="；\n")
    assert validate("recommendation", raw) == [
        "cases.csv 第 7 行「主送单位」：必填项，不能为空",
        "cases.csv 第 7 行「存在问题」：必填项，不能为空",
    ]


def test_subtype_rules_require_the_signing_organ() -> None:
    raw = dict(GOOD_RECOMMENDATION, 建议类型="纪检监察建议")
    assert validate("recommendation", raw) == [
        "cases.csv 第 7 行「纪委名称」：「建议类型」为“纪检监察建议”时必须填写"
    ]


def test_config_defaults_fill_empty_fields() -> None:
    raw = dict(GOOD_RECOMMENDATION, 建议类型="纪检监察建议")
    record = validate("recommendation", raw, defaults={"纪委名称": "中共某某市纪律检查委员会"})
    assert isinstance(record, Record)
    assert record.values["discipline_organ"] == "中共某某市纪律检查委员会"


def test_date_order_rules() -> None:
    raw = dict(GOOD_RECOMMENDATION, 反馈截止日期="2024-11-30")
    assert validate("recommendation", raw) == [
        "cases.csv 第 7 行「反馈截止日期」：2024年11月30日不能早于「成文日期」2024年12月1日"
    ]


def _not_missing(issues: list) -> list[str]:
    """The header issues other than the missing required columns (tested on their own)."""
    return [i.describe() for i in issues if "缺少必填列" not in i.message]


def test_unknown_columns_are_warnings_with_a_guess() -> None:
    validator = Validator(find_kind("recommendation"))
    headers = validator.map_headers(["主送单住", "备注", "成文日期"], "cases.csv")
    assert _not_missing(headers.file_issues) == [
        "cases.csv「主送单住」：未知的列，已忽略；是否应为「主送单位」？"
        '如是，可在 jiancha.toml 中写 [columns."纪检监察建议书"] "主送单住" = "主送单位"',
        "cases.csv：「备注」列不是文书的字段，已忽略",
    ]
    assert [i.severity for i in headers.file_issues][:2] == ["warning", "note"]


def test_a_column_given_twice_under_label_and_key_is_an_error() -> None:
    validator = Validator(find_kind("recommendation"))
    headers = validator.map_headers(["主送单位", "recipient"], "a.csv")
    assert _not_missing(headers.file_issues) == ["a.csv「recipient」：与「主送单位」是同一字段，只能保留一列"]
    assert headers.fatal


@pytest.mark.parametrize("column", ["举报人", "举报人姓名", "检举人电话", "控告人"])
def test_clarification_input_with_an_accuser_column_is_refused(column: str) -> None:
    validator = Validator(find_kind("clarification_notice"))
    headers = validator.map_headers(["姓名", column], "c.xlsx")
    assert headers.fatal
    assert _not_missing(headers.file_issues) == [
        f"c.xlsx「{column}」：澄清正名通报不得包含可识别举报人身份的信息，请从输入文件中删除此列"
        "（依据《纪检监察机关处理检举控告工作规则》第四十七条，检举控告人的姓名、工作单位、住址等有关情况必须严格保密）；本文件未生成任何文书"
    ]


def test_clarification_conclusion_must_be_untrue_or_seriously_untrue() -> None:
    raw = {
        "发文机关": "某纪委",
        "主送单位": "各单位",
        "姓名": "陈某",
        "工作单位": "某镇",
        "职务": "书记",
        "反映问题及核查结论": "收受好处费|查无实据|",
        "澄清范围": "全县",
        "成文日期": "2024-11-08",
    }
    assert validate("clarification_notice", raw) == [
        "cases.csv 第 7 行「反映问题及核查结论」：第 1 项的「核查结论」“查无实据”不是可选值，应为：不属实、严重失实"
    ]


def test_a_ledger_block_must_point_at_real_fields(tmp_path: Path) -> None:
    path = write_schema(
        tmp_path,
        "id: k\nname: 测试\nledger: {reply_date: due}\nfields:\n  - {key: due, label: 期限, type: text}\n",
    )
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert caught.value.message == f"文书类型定义 {path} 的 ledger.reply_date 应指向一个已定义的日期字段"
