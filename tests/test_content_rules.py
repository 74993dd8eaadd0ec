"""Content rules per sub-type, declared in the schemas with their legal basis, and the quotes
they rely on checked against the regulation texts (skipped when the corpus is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from jiancha_docs.errors import Location
from jiancha_docs.kinds import Record, Validator, all_kinds, find_kind
from jiancha_docs.kinds.rules import rule_lines

from .helpers import jiancha_in_process
from .test_rules_support import CORPUS, corpus_files

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples"
HERE = Location("c.yaml", 1, "record")
ART_205 = "（依据《中华人民共和国监察法实施条例》第二百零五条"


def fixture(kind: str) -> dict:
    return yaml.safe_load((FIXTURES / f"{kind}.yaml").read_text(encoding="utf-8"))


def validate(kind: str, raw: dict, short_name: str | None = None) -> Record | list[str]:
    validator = Validator(find_kind(kind), office_short_name=short_name)
    headers = validator.map_headers(list(raw), "c.yaml")
    result = validator.validate(HERE, raw, headers)
    return result if isinstance(result, Record) else [i.describe() for i in result]


def _article(law: str, article: str) -> str:
    """The text of 第N条 of ``law`` in the corpus (up to the next article)."""
    text = (CORPUS / f"{law}.md").read_text(encoding="utf-8")
    number = re.match(r"第[^条]+条", article).group(0)
    start = text.index(f"\n{number} ")
    end = re.compile(r"\n第[一二三四五六七八九十百零]+条 ").search(text, start + 1)
    return text[start : end.start() if end else None]


@pytest.mark.skipif(not corpus_files(), reason=f"没有真实法规文本 {CORPUS}")
def test_every_quoted_basis_is_in_the_article_it_cites() -> None:
    checked = 0
    for kind in all_kinds():
        for rule in kind.rules:
            basis = rule.basis
            if not basis or not basis.quote or not (CORPUS / f"{basis.law}.md").is_file():
                continue
            article = re.sub(r"\s+", "", _article(basis.law, basis.article))
            for piece in re.split(r"[；]|（[一二三四五六七八九十]+）", basis.quote):
                assert piece.strip("，。") in article, (kind.id, basis.citation, piece)
            checked += 1
    assert checked >= 8


def test_a_supervision_recommendation_needs_its_causes_and_basis() -> None:
    raw = fixture("recommendation")
    raw.update(建议类型="监察建议", 主送单位="某某市某某局", 原因分析="", 依据条款=[])
    messages = validate("recommendation", raw)
    assert [m.split("：")[0] for m in messages] == [
        "c.yaml 第 1 条记录「原因分析」",
        "c.yaml 第 1 条记录「依据条款」",
    ]
    assert all(ART_205 in m for m in messages)
    assert "调查中发现的主要问题及其产生的原因" in messages[0]


def test_a_supervision_recommendation_goes_to_the_unit_not_its_party_group() -> None:
    raw = fixture("recommendation")
    raw.update(建议类型="监察建议", 主送单位="某某市自然资源和规划局党组")
    (message,) = validate("recommendation", raw)
    assert message.startswith("c.yaml 第 1 条记录「主送单位」：「建议类型」为“监察建议”时，不得含有“党组”")
    assert ART_205 in message


def test_a_discipline_recommendation_says_how_it_is_followed_up() -> None:
    raw = fixture("recommendation")
    raw.update(建议类型="纪律检查建议", 督查督办="我委将适时了解情况。")
    (message,) = validate("recommendation", raw)
    assert "「督查督办」" in message and "应含有“专题民主生活会”或“专项检查”或“督查督办”" in message
    assert "《中国共产党纪律检查机关监督执纪工作规则》第十九条" in message
    del raw["督查督办"]  # the default paragraph names both
    assert isinstance(validate("recommendation", raw), Record)


def test_a_reform_notice_asks_for_the_special_meeting_and_its_record() -> None:
    raw = fixture("reform_notice")
    del raw["专题民主生活会时限"], raw["会议材料报送日期"]
    messages = validate("reform_notice", raw)
    assert len(messages) == 2
    assert all(
        "必须填写（依据《党委（党组）落实全面从严治党主体责任规定》第十五条第二款" in m for m in messages
    )


@pytest.mark.parametrize(
    ("kind", "form", "ok"),
    [
        ("clarification_notice", "在一定范围内通报", True),
        ("clarification_notice", "向所在党委（党组）通报", True),
        ("clarification_notice", "当面说明", False),
        ("clarification_notice", "发函说明", False),
        ("clarification_letter", "发函说明", True),
        ("clarification_letter", "当面说明", True),
        ("clarification_letter", "会议通报", False),
        ("clarification_letter", "在一定范围内通报", False),
    ],
)
def test_clarification_forms_are_the_article_50_forms_of_each_kind(kind: str, form: str, ok: bool) -> None:
    raw = dict(fixture(kind), 澄清方式=form)
    if form == "向所在党委（党组）通报":
        raw["所在党委（党组）"] = "中共某某县某某镇委员会"
    assert isinstance(validate(kind, raw), Record) is ok


def test_contradictory_wording_is_refused() -> None:
    letter = dict(fixture("clarification_letter"), 审批情况="经县纪委监委主要负责同志批准，以会议通报方式")
    (message,) = validate("clarification_letter", letter)
    assert "「审批情况」：不得含有“通报”" in message and "第五十条" in message
    notice = dict(fixture("clarification_notice"), 澄清范围="以当面说明方式在全市")
    (message,) = validate("clarification_notice", notice)
    assert "「澄清范围」：不得含有“当面说明”" in message


def test_the_approval_line_comes_from_the_office_or_the_organ() -> None:
    raw = fixture("clarification_notice")
    del raw["审批情况"]
    assert (
        validate("clarification_notice", raw).values["approval"]
        == "经中共某某县纪律检查委员会主要负责同志批准"
    )
    record = validate("clarification_notice", raw, short_name="市纪委监委")
    assert record.values["approval"] == "经市纪委监委主要负责同志批准"
    assert (
        "县"
        not in validate(
            "clarification_letter", dict(fixture("clarification_letter"), 发文机关="某某市纪委", 审批情况="")
        ).values["approval"]
    )


def test_kinds_show_lists_each_rule_with_its_basis(capsys: pytest.CaptureFixture[str]) -> None:
    lines = rule_lines(find_kind("recommendation"))
    assert "「建议类型」为“监察建议”或“纪检监察建议”时，「原因分析」必须填写" in lines[2]
    assert lines[3] == (
        "   依据《中华人民共和国监察法实施条例》第二百零五条第二款第二项：“调查中发现的主要问题及其产生的原因”"
    )
    capsys.readouterr()
    code, _ = jiancha_in_process(capsys, "kinds", "show", "澄清说明")
    assert code == 0
    # (jiancha_in_process has read stdout; the core's lines are what the command prints)
    assert any("第五十条第一项" in line for line in rule_lines(find_kind("澄清说明")))


def test_the_examples_cite_the_right_article() -> None:
    text = (EXAMPLES / "recommendation.yaml").read_text(encoding="utf-8")
    assert "第二百零三条" not in text and "第二百零五条" in text
    first = yaml.safe_load(text)[0]
    assert first["建议类型"] == "监察建议" and "党组" not in first["主送单位"]
