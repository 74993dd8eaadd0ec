"""YAML and JSON values reach their fields as the text the user typed; bad values are field
errors naming the file, the record and the field once; alias bombs are refused at once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from jiancha_docs.errors import SourceError
from jiancha_docs.kinds import Record, Validator, find_kind
from jiancha_docs.sources import open_source

RECORD = """\
建议类型: 监察建议
监委名称: 某某县监察委员会
主送单位: 县财政局
问题来源: 在审查调查中发现
存在问题: 资金拨付不规范
原因分析: 监督制约机制不健全
依据条款: 《中华人民共和国监察法》第五十二条
整改建议: 建立台账
成文日期: 2024-12-01
"""


def validated(path: Path) -> list[Record | list[str]]:
    source = open_source(path)
    validator = Validator(find_kind("recommendation"))
    headers = validator.map_headers(source.headers, source.display_name)
    assert not headers.fatal, [i.describe() for i in headers.file_issues]
    results = []
    for raw in source.records():
        result = validator.validate(raw.location, raw.values, headers)
        results.append(result if isinstance(result, Record) else [i.describe() for i in result])
    return results


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("01234567", "01234567"),  # octal to YAML 1.1: 342391
        ("12:30", "12:30"),  # base 60 to YAML 1.1: 750
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("1e3", "1e3"),
        ("yes", "yes"),  # a boolean to YAML 1.1
        (".inf", ".inf"),
        ("2024-12-01", "2024-12-01"),  # a date to YAML, a text here
    ],
)
def test_yaml_text_fields_get_what_was_typed(tmp_path: Path, typed: str, printed: str) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(RECORD + f"联系电话: {typed}\n联系人: {typed}\n", encoding="utf-8")
    (record,) = validated(path)
    assert isinstance(record, Record)
    assert (record.values["phone"], record.values["contact"]) == (printed, printed)


def test_yaml_numbers_and_dates_are_parsed_by_the_field(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(RECORD.replace("2024-12-01", "2024.3.5") + "反馈期限天数: 45\n", encoding="utf-8")
    (record,) = validated(path)
    assert isinstance(record, Record)
    assert (str(record.values["date"]), record.values["reply_days"]) == ("2024年3月5日", 45)


def test_an_unquoted_invalid_yaml_date_is_a_field_error(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(
        "- "
        + RECORD.replace("\n", "\n  ").rstrip()
        + "\n- "
        + RECORD.replace("2024-12-01", "2024-13-01").replace("\n", "\n  ").rstrip()
        + "\n",
        encoding="utf-8",
    )
    first, second = validated(path)
    assert isinstance(first, Record)
    assert second == ["in.yaml 第 2 条记录「成文日期」：日期“2024-13-01”不存在：月份应为 1 至 12"]


def test_yaml_null_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(RECORD + "联系人: ~\n联系电话:\n抄送: null\n", encoding="utf-8")
    (record,) = validated(path)
    assert isinstance(record, Record)
    assert (record.values["contact"], record.values["phone"], record.values["cc"]) == ("", "", [])


def test_yaml_merge_keys_still_work(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    common = "".join(f"  {line}\n" for line in RECORD.splitlines() if not line.startswith("主送单位"))
    path.write_text(
        f"- &common\n{common}  主送单位: 甲局\n- <<: *common\n  主送单位: 乙局\n", encoding="utf-8"
    )
    first, second = validated(path)
    assert (first.values["recipient"], second.values["recipient"]) == ("甲局", "乙局")
    assert second.values["source"] == "在审查调查中发现"


def _json_record(**changes: str) -> dict:
    import yaml

    record = yaml.safe_load(RECORD)
    record["成文日期"] = "2024-12-01"
    record.update(changes)
    return record


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_field_errors(tmp_path: Path, constant: str) -> None:
    path = tmp_path / "in.json"
    text = json.dumps([_json_record()], ensure_ascii=False).replace('"县财政局"', constant)
    path.write_text(text, encoding="utf-8")
    (result,) = validated(path)
    assert result == [
        f"in.json 第 1 条记录「主送单位」：“{constant}”不是有效的值：JSON 的 NaN、Infinity 不能作为内容；"
        "如果要写这几个字母，请加上英文双引号"
    ]


def test_json_numbers_keep_their_text(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    text = json.dumps([_json_record()], ensure_ascii=False)[:-2] + ', "联系电话": 1.50, "反馈期限天数": 30}]'
    path.write_text(text, encoding="utf-8")
    (record,) = validated(path)
    assert (record.values["phone"], record.values["reply_days"]) == ("1.50", 30)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_5000_digit_number_is_an_error_of_its_field(tmp_path: Path, suffix: str) -> None:
    digits = "9" * 5000
    path = tmp_path / f"in{suffix}"
    if suffix == ".json":
        text = json.dumps([_json_record()], ensure_ascii=False)[:-2] + f', "反馈期限天数": {digits}}}]'
    else:
        text = RECORD + f"反馈期限天数: {digits}\n"
    path.write_text(text, encoding="utf-8")
    (result,) = validated(path)
    noun = "第 1 条记录"
    assert result == [f"in{suffix} {noun}「反馈期限天数」：应为整数，“{'9' * 40}…”过长（5000 个字符）"]


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    assert len(BOMB.encode()) < 1024
    started = time.perf_counter()
    with pytest.raises(SourceError) as info:
        open_source(path)
    assert time.perf_counter() - started < 1
    assert info.value.message.startswith("bomb.yaml 第 ")
    assert "YAML 中的锚点与引用（&名称 / *名称）展开后过大" in info.value.message


def test_a_yaml_alias_bomb_in_front_matter_is_refused_at_once() -> None:
    from jiancha_docs.rules.errors import RegulationFormatError
    from jiancha_docs.rules.parser import parse_text

    text = "---\n标题: 某办法\n" + BOMB + "---\n第一条 内容。\n"
    started = time.perf_counter()
    with pytest.raises(RegulationFormatError) as info:
        parse_text(text, "办法.md")
    assert time.perf_counter() - started < 1
    assert "展开后过大" in str(info.value)


def test_an_invalid_date_in_front_matter_names_the_field() -> None:
    from jiancha_docs.rules.errors import RegulationFormatError
    from jiancha_docs.rules.parser import parse_text

    with pytest.raises(RegulationFormatError) as info:
        parse_text("---\n标题: 某办法\n发布日期: 2024-13-01\n---\n第一条 内容。\n", "办法.md")
    assert "「发布日期」无法识别的日期“2024-13-01”" in str(info.value)
    assert "第 3 行" in str(info.value)
