"""Accuser protection: every free-text value and every column of a protected kind, after
normalisation (检举控告工作规则第四十七条)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jiancha_docs.errors import Location
from jiancha_docs.kinds import Record, Validator, find_kind
from jiancha_docs.kinds.accuser import find_accuser

FIXTURES = Path(__file__).parent / "fixtures"
HERE = Location("c.yaml", 1, "record")
VARIANTS = [
    "举报人",
    "举 报 人",
    "举\u200b报人",
    "舉報人",
    "揭发人",
    "投诉人",
    "来信人",
    "线索提供人",
    "举报姓名",
    "实名举报",
    "检举控告人",
    "ＲＥＰＯＲＴＥＲ",
    "reporter",
    "jubaoren",
    "ju bao ren",
]


def fixture(kind: str) -> dict:
    return yaml.safe_load((FIXTURES / f"{kind}.yaml").read_text(encoding="utf-8"))


def validate(kind: str, raw: dict, words: tuple[str, ...] = ()) -> Record | list[str]:
    validator = Validator(find_kind(kind), accuser_words=words)
    headers = validator.map_headers(list(raw), "c.yaml")
    result = validator.validate(HERE, raw, headers)
    return result if isinstance(result, Record) else [i.describe() for i in result]


@pytest.mark.parametrize("word", VARIANTS)
def test_every_variant_is_found(word: str) -> None:
    assert find_accuser(f"经核查，{word}所反映的问题") is not None


@pytest.mark.parametrize(
    "text", ["被举报人陈某某", "向被检举控告人所在单位党委通报", "经核查，反映的问题不属实", "群众反映", ""]
)
def test_the_accused_and_plain_wording_are_not_the_accuser(text: str) -> None:
    assert find_accuser(text) is None


@pytest.mark.parametrize(
    "text", ["王某某实名举报", "据王强反映", "由李某来信举报", "举报者为张某某", "王某某举报称"]
)
def test_names_in_an_accuser_like_phrase_are_found(text: str) -> None:
    assert find_accuser(text) is not None


def test_the_issue_example_in_a_finding_is_refused_naming_field_and_word() -> None:
    raw = fixture("clarification_notice")
    raw["反映问题及核查结论"][0]["核查情况"] = "举报人王某某（某某公司法定代表人）反映的问题经核查不属实"
    assert validate("clarification_notice", raw) == [
        "c.yaml 第 1 条记录「反映问题及核查结论」：第 1 项「核查情况」含有可识别检举控告人身份的内容“举报人”，"
        "请删去后重新生成（依据《纪检监察机关处理检举控告工作规则》第四十七条，"
        "检举控告人的姓名、工作单位、住址等有关情况必须严格保密）；本条记录未生成文书"
    ]


@pytest.mark.parametrize("kind", ["clarification_notice", "clarification_letter", "inquiry_letter"])
@pytest.mark.parametrize("word", VARIANTS)
def test_variants_in_values_are_refused_in_clarification_and_inquiry_kinds(kind: str, word: str) -> None:
    raw = fixture(kind)
    assert isinstance(validate(kind, raw), Record)
    field = "诬告处理情况" if kind != "inquiry_letter" else "审批情况"
    raw[field] = f"经{word}同意"
    result = validate(kind, raw)
    assert isinstance(result, list) and len(result) == 1
    assert f"「{field}」：含有可识别检举控告人身份的内容" in result[0]


def test_the_written_form_is_shown_when_normalisation_changed_it() -> None:
    raw = fixture("clarification_notice")
    raw["诬告处理情况"] = "舉報人已道歉"
    (message,) = validate("clarification_notice", raw)
    assert "“举报人”（原文“舉報人”）" in message


@pytest.mark.parametrize(
    "column",
    ["举 报 人", "舉報人", "揭发人", "投诉人", "来信人", "线索提供人", "举报姓名", "reporter", "jubaoren"],
)
def test_variant_columns_are_refused(column: str) -> None:
    validator = Validator(find_kind("clarification_letter"))
    headers = validator.map_headers(["姓名", column], "c.xlsx")
    assert headers.fatal
    assert any(i.field == column and "举报人身份" in i.message for i in headers.file_issues)


def test_the_office_extends_the_list() -> None:
    raw = fixture("clarification_notice")
    raw["诬告处理情况"] = "爆料人已道歉"
    assert isinstance(validate("clarification_notice", raw), Record)
    (message,) = validate("clarification_notice", raw, words=("爆料人",))
    assert "“爆料人”" in message
    validator = Validator(find_kind("clarification_notice"), accuser_words=("爆料人",))
    assert validator.map_headers(["姓名", "爆 料 人"], "c.xlsx").fatal


def test_accuser_words_come_from_jiancha_toml(tmp_path: Path) -> None:
    from jiancha_docs.config import load_settings

    (tmp_path / "jiancha.toml").write_text('[rules]\naccuser_words = ["爆料人"]\n', encoding="utf-8")
    assert load_settings(cwd=tmp_path).accuser_words == ("爆料人",)


def test_unprotected_kinds_keep_their_wording() -> None:
    raw = fixture("recommendation")
    raw["问题来源"] = "我委在处理信访举报中发现，举报人反映的问题属实。"
    assert isinstance(validate("recommendation", raw), Record)
