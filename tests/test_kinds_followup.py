"""The 函询, 提醒, 诫勉, 督办, 党风廉政意见回复 and 回访 kinds: one test per legal rule their schemas
carry (each quoting its article), their working-day deadlines, and the accuser protection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from jiancha_docs.calendar import Deadline, make_calendar, package_years, using
from jiancha_docs.errors import ConfigError, Location, SchemaError
from jiancha_docs.kinds import Record, Validator, find_kind, load_schema
from jiancha_docs.render.batch import RenderOptions, render_records

from .helpers import docx_text, write_schema

FIXTURES = Path(__file__).parent / "fixtures"
HERE = Location("函询.xlsx", 3)


def fixture(kind_id: str, **changes: Any) -> dict[str, Any]:
    record = yaml.safe_load((FIXTURES / f"{kind_id}.yaml").read_text(encoding="utf-8"))
    for label, value in changes.items():
        if value is None:
            record.pop(label, None)
        else:
            record[label] = value
    return record


def validate(kind_id: str, raw: dict[str, Any], calendar=None) -> Record | list[str]:
    validator = Validator(find_kind(kind_id), calendar=calendar)
    headers = validator.map_headers(list(raw), "函询.xlsx")
    result = validator.validate(HERE, raw, headers)
    return result if isinstance(result, Record) else [i.describe() for i in result]


def render_text(kind_id: str, record: dict[str, Any], tmp_path: Path, layout: str = "文件式") -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / f"{kind_id}.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    report = render_records(
        find_kind(kind_id), [source], RenderOptions(outdir=tmp_path / "out", layout=layout, ledger_path=None)
    )
    assert report.ok, [i.describe() for i in report.issues()]
    return "\n".join(docx_text(report.outcomes[0].output))


# -- 函询通知书 -----------------------------------------------------------------------------------
def test_inquiry_reply_is_due_15_working_days_after_delivery() -> None:
    """《监督执纪工作规则》第二十九条：被函询人应当在收到函件后15个工作日内写出说明材料。
    Delivered on Monday 28 September 2026: the count runs over 国庆 (1–7 October) and the 调休
    Saturday 10 October, to Friday 23 October."""
    record = validate(
        "inquiry_letter", fixture("inquiry_letter", 送达日期="2026-09-28", 回复期限="15个工作日")
    )
    assert isinstance(record, Record)
    deadline = record.values["reply_deadline"]
    assert isinstance(deadline, Deadline)
    assert deadline.date == dt.date(2026, 10, 23)
    assert deadline.rule == "15个工作日，自送达日 2026-09-28 起算，至 2026-10-23"


@pytest.mark.parametrize("written", ["15工作日", "十五个工作日", None])
def test_inquiry_deadline_spellings_and_default(written: str | None) -> None:
    record = validate("inquiry_letter", fixture("inquiry_letter", 送达日期="2026-09-28", 回复期限=written))
    assert isinstance(record, Record)
    assert record.values["reply_deadline"].date == dt.date(2026, 10, 23)


def test_inquiry_deadline_waits_for_delivery() -> None:
    record = validate("inquiry_letter", fixture("inquiry_letter", 送达日期=None))
    assert isinstance(record, Record)
    assert record.values["reply_deadline"].date is None
    assert record.values["reply_deadline"].rule == "15个工作日，自送达日起算"


def test_inquiry_delivered_in_a_year_no_calendar_covers_is_an_error_naming_the_fix() -> None:
    if package_years()[1] >= 2027:
        pytest.skip("this chinese-calendar already knows 2027")
    raw = fixture("inquiry_letter", 成文日期="2027-09-27", 送达日期="2027-09-28")
    assert validate("inquiry_letter", raw) == [
        "函询.xlsx 第 3 行「回复期限」：2027 年的放假和调休安排不在节假日日历中（内置日历只含 2004—2026 年），"
        "无法按工作日计算期限。请在 jiancha.toml 的 [calendar] 中加入 2027 年国务院公布的放假日（holidays）"
        "和调休上班日（workdays），并写明 years = [2027]"
    ]


# An invented 2027 国庆 schedule, as a clerk would add it to [calendar].
CALENDAR_2027 = make_calendar(
    holidays=[dt.date(2027, 10, d) for d in range(1, 8)],
    workdays=[dt.date(2027, 9, 26), dt.date(2027, 10, 9)],
    years=[2027],
)


def test_inquiry_delivered_in_2027_with_a_calendar_entry() -> None:
    raw = fixture("inquiry_letter", 成文日期="2027-09-27", 送达日期="2027-09-28")
    record = validate("inquiry_letter", raw, calendar=CALENDAR_2027)
    assert isinstance(record, Record)
    assert record.values["reply_deadline"].rule == "15个工作日，自送达日 2027-09-28 起算，至 2027-10-25"
    with using(CALENDAR_2027):  # what `jiancha render` does with the [calendar] table
        record = validate("inquiry_letter", raw)
    assert isinstance(record, Record) and record.values["reply_deadline"].date == dt.date(2027, 10, 25)


def test_inquiry_is_sent_in_the_name_of_the_general_office() -> None:
    """《监督执纪工作规则》第二十九条：纪检监察机关进行函询应当以办公厅（室）名义发函给被反映人。"""
    assert validate("inquiry_letter", fixture("inquiry_letter", 发文机关="中共某某市纪律检查委员会")) == [
        "函询.xlsx 第 3 行「发文机关」：“中共某某市纪律检查委员会”应含有“办公厅”或“办公室”"
        "（依据《中国共产党纪律检查机关监督执纪工作规则》第二十九条）"
    ]


def test_inquiry_direct_reply_needs_its_reason() -> None:
    """《监督执纪工作规则》第二十九条第二款：被函询人为党委（党组）主要负责人的，或者被函询人所作说明涉及
    党委（党组）主要负责人的，应当直接发函回复纪检监察机关。"""
    assert validate("inquiry_letter", fixture("inquiry_letter", 回复方式="直接回复")) == [
        "函询.xlsx 第 3 行「直接回复情形」：「回复方式」为“直接回复”时必须填写"
        "（依据《中国共产党纪律检查机关监督执纪工作规则》第二十九条第二款）"
    ]


def test_inquiry_text_signoff_and_copies(tmp_path: Path) -> None:
    """《监督执纪工作规则》第二十九条：抄送其所在党委（党组）和派驻纪检监察组主要负责人；说明材料由其所在
    党委（党组）主要负责人签署意见后发函回复。"""
    text = render_text("inquiry_letter", fixture("inquiry_letter"), tmp_path)
    assert "请你在收到本函件后15个工作日内写出说明材料" in text
    assert (
        "说明材料由中共某某市住房和城乡建设局党组主要负责人签署意见后，发函回复中共某某市纪委监委办公室。"
        in text
    )
    assert (
        "抄送：中共某某市住房和城乡建设局党组主要负责人，某某市纪委监委派驻第三纪检监察组主要负责人。" in text
    )
    assert "本函件于2026年9月28日送达，回复截止日期为2026年10月23日。" in text


def test_inquiry_of_a_principal_leader_is_answered_directly(tmp_path: Path) -> None:
    record = fixture(
        "inquiry_letter",
        回复方式="直接回复",
        直接回复情形="被函询人为党委（党组）主要负责人",
        审批情况="经市纪委监委主要负责人批准",
        送达日期=None,
    )
    text = render_text("inquiry_letter", record, tmp_path, layout="信函式")
    assert (
        "鉴于你系中共某某市住房和城乡建设局党组主要负责人，说明材料请直接发函回复中共某某市纪委监委办公室。"
        in text
    )
    assert "签署意见" not in text and "送达，回复截止日期" not in text


# -- 了结反馈函 -----------------------------------------------------------------------------------
def test_closure_only_for_the_two_grounds_of_taking_the_explanation() -> None:
    """《监督执纪工作规则》第三十条第一项：反映不实，或者没有证据证明存在问题的，予以采信了结，并向被函询人
    发函反馈。"""
    problems = validate("closure_letter", fixture("closure_letter", 了结情形="问题轻微"))
    assert problems == [
        "函询.xlsx 第 3 行「了结情形」：“问题轻微”不是可选值，应为：反映不实、没有证据证明存在问题"
    ]


def test_closure_puts_the_materials_into_the_integrity_file(tmp_path: Path) -> None:
    """《监督执纪工作规则》第三十条：谈话函询材料应当存入廉政档案。"""
    assert (
        validate("closure_letter", fixture("closure_letter", 存档说明=None))
        .values["archive"]
        .endswith("廉政档案")
    )
    text = render_text("closure_letter", fixture("closure_letter", 了结情形="没有证据证明存在问题"), tmp_path)
    assert (
        "经研究，没有证据证明你存在反映的问题，" in text
        and "予以采信了结。你的说明材料及本函已存入你的廉政档案。" in text
    )
    assert "某纪办函〔2026〕21号" in text  # the 函询通知书 it answers


def test_closure_cannot_predate_the_inquiry() -> None:
    assert validate(
        "closure_letter", fixture("closure_letter", 成文日期="2026-09-01", 说明材料收到日期=None)
    ) == ["函询.xlsx 第 3 行「成文日期」：2026年9月1日不能早于「原函询日期」2026年9月25日"]


# -- 提醒函 ---------------------------------------------------------------------------------------
def test_reminder_talk_needs_its_record() -> None:
    """《监察法实施条例》第二百零一条第二款：谈话提醒、批评教育应当由监察机关相关负责人或者承办部门负责人进行
    ……对谈话提醒、批评教育情况应当制作记录。"""
    raw = fixture("reminder_letter", 谈话时间=None, 谈话地点=None, 谈话人=None, 记录人=None, 谈话内容=None)
    suffix = "：「提醒类型」为“谈话提醒”时必须填写（依据《中华人民共和国监察法实施条例》第二百零一条第二款）"
    assert validate("reminder_letter", raw) == [
        f"函询.xlsx 第 3 行「{label}」{suffix}"
        for label in ("谈话时间", "谈话地点", "谈话人", "记录人", "谈话内容")
    ]
    written = dict(raw, 提醒类型="廉政提醒")
    assert isinstance(validate("reminder_letter", written), Record)


def test_reminder_by_talk_attaches_the_record_and_a_written_one_does_not(tmp_path: Path) -> None:
    """《纪律处分条例》第十九条第二款：党员有作风纪律方面的苗头性、倾向性问题……可以给予谈话提醒……不予党纪处分。"""
    text = render_text("reminder_letter", fixture("reminder_letter"), tmp_path / "a")
    assert "附件：谈话提醒记录" in text and "谈话人 | 某某市纪委监委第二监督检查室主任赵某某" in text
    assert "存在以下苗头性、倾向性问题" in text
    assert "请你于2026年10月16日前将自查整改情况以书面形式报送我委。" in text  # 10 working days over 国庆
    written = render_text("reminder_letter", fixture("reminder_letter", 提醒类型="廉政提醒"), tmp_path / "b")
    assert "廉政提醒函" in written and "谈话提醒记录" not in written


# -- 诫勉书 ---------------------------------------------------------------------------------------
def test_admonition_by_talk_needs_the_record_confirmed_by_the_person() -> None:
    """《监察法实施条例》第二百零一条第四款：诫勉由监察机关以谈话或者书面方式进行。以谈话方式进行的，应当制作记录。
    《中央巡视组工作规则（试行）》第三十条第二款：诫勉谈话应当制作谈话记录，经本人核实后……留存。"""
    raw = fixture("admonition", 谈话人=None, 谈话内容=None)
    basis = "（依据《中华人民共和国监察法实施条例》第二百零一条第四款、《中央巡视组工作规则（试行）》第三十条第二款）"
    assert validate("admonition", raw) == [
        f"函询.xlsx 第 3 行「谈话人」：「诫勉方式」为“谈话诫勉”时必须填写{basis}",
        f"函询.xlsx 第 3 行「谈话内容」：「诫勉方式」为“谈话诫勉”时必须填写{basis}",
    ]
    assert isinstance(validate("admonition", dict(raw, 诫勉方式="书面诫勉")), Record)


def test_admonition_text_and_copy_to_the_principal(tmp_path: Path) -> None:
    """《问责条例》第七条：诫勉。对失职失责、情节较轻的，应当以谈话或者书面方式进行诫勉。"""
    text = render_text("admonition", fixture("admonition"), tmp_path)
    assert "据反映，你在担任某某县交通运输局局长期间，存在以下问题：" in text
    assert (
        "经市纪委常委会会议研究，报市委批准，根据《中国共产党问责条例》第七条的规定，以谈话方式对你进行诫勉。"
        in text
    )
    for row in (
        "谈话人 | 某某市纪委监委副书记、副主任周某某",
        "记录人 | 某某市纪委监委案件监督管理室干部吴某某",
        "本人核实意见 | 以上记录我已看过，与我所说的一致。",
    ):
        assert row in text
    assert "抄送：中共某某县委主要负责同志，市委组织部。" in text


# -- 督办函 ---------------------------------------------------------------------------------------
def test_urging_an_overdue_matter_names_the_original_deadline() -> None:
    """《处理检举控告工作规则》第二十二条第一项：超过期限仍未办结的……可以采取发函……等方式督办。"""
    assert validate("urging_letter", fixture("urging_letter", 原办理期限=None)) == [
        "函询.xlsx 第 3 行「原办理期限」：「督办情形」为“超过期限仍未办结”时必须填写"
        "（依据《纪检监察机关处理检举控告工作规则》第二十二条第一项）"
    ]
    raw = fixture("urging_letter", 原办理期限=None, 督办情形="组织不力、核查处理不认真或者推诿敷衍")
    assert isinstance(validate("urging_letter", raw), Record)


def test_urging_needs_the_approval_of_the_leader_in_charge() -> None:
    """《处理检举控告工作规则》第二十二条：对交办的检举控告，有以下情形之一，经交办机关分管领导批准，可以……督办。"""
    assert validate("urging_letter", fixture("urging_letter", 审批情况="已研究")) == [
        "函询.xlsx 第 3 行「审批情况」：“已研究”应含有“批准”（依据《纪检监察机关处理检举控告工作规则》第二十二条）"
    ]


def test_urging_letter_new_deadline_and_reply(tmp_path: Path) -> None:
    """《监察法实施条例》第一百六十九条第二款：下级监察机关应当按期回复办理结果。"""
    record = validate("urging_letter", fixture("urging_letter"))
    assert isinstance(record, Record)
    # 20 working days: 14 in September, then 8, 9, 10 (调休 Saturday), 12, 13 and 14 October.
    assert record.values["new_deadline"].rule == "20个工作日，自成文日期 2026-09-10 起算，至 2026-10-14"
    text = render_text("urging_letter", fixture("urging_letter"), tmp_path)
    assert (
        "我委以某纪交〔2026〕8号向你单位交办关于反映某某镇党委书记有关问题的检举控告，要求于2026年8月6日前办结"
        in text
    )
    assert "请你单位高度重视，于2026年10月14日前办结，并将办理结果以书面形式报送我委。" in text


# -- 党风廉政意见回复 -------------------------------------------------------------------------------
def test_integrity_opinion_answers_the_request_with_a_table_for_many(tmp_path: Path) -> None:
    """《监督执纪工作规则》第十八条：做好干部选拔任用党风廉政意见回复工作……严把政治关、品行关、作风关、廉洁关。"""
    text = render_text("integrity_opinion", fixture("integrity_opinion"), tmp_path / "a")
    assert "你部2026年10月9日来函（某组函〔2026〕45号）就拟提拔任用人选征求党风廉政意见。" in text
    assert "2 | 陈某某 | 某某区财政局副局长 | 有反映问题已了结，不影响使用 | 2025年反映其违规兼职问题" in text
    assert "自回复之日起6个月内有效。" in text
    one = fixture("integrity_opinion")
    one["回复对象"] = one["回复对象"][:1]
    single = render_text("integrity_opinion", one, tmp_path / "b")
    assert "关于李某某同志党风廉政意见的回复" in single
    assert "李某某（某某区发展和改革委员会副主任）：未发现违反党风廉政建设规定的问题。" in single
    assert " | " not in single  # no table for one person


def test_integrity_opinion_conclusions_are_fixed() -> None:
    raw = fixture("integrity_opinion")
    raw["回复对象"] = [{"姓名": "李某", "工作单位及职务": "某局局长", "回复意见": "良好"}]
    (problem,) = validate("integrity_opinion", raw)
    assert problem.startswith("函询.xlsx 第 3 行「回复对象」：第 1 项的「回复意见」“良好”不是可选值")


# -- 回访记录 -------------------------------------------------------------------------------------
def test_follow_up_that_needs_more_urging_says_what_and_by_when() -> None:
    """《监督执纪工作规则》第六十九条：谈话后……做好跟踪回访等工作；《纪律检查委员会工作条例》第三十七条第四款：
    建立健全……回访教育……制度。"""
    raw = fixture("follow_up_record", 后续督办要求=None, 督办期限=None)
    basis = "（依据《中国共产党纪律检查机关监督执纪工作规则》第六十九条）"
    assert validate("follow_up_record", raw) == [
        f"函询.xlsx 第 3 行「后续督办要求」：「回访结论」为“需继续督办”时必须填写{basis}",
        f"函询.xlsx 第 3 行「督办期限」：「回访结论」为“需继续督办”时必须填写{basis}",
    ]
    assert isinstance(validate("follow_up_record", dict(raw, 回访结论="整改到位")), Record)


def test_follow_up_record_lists_each_task(tmp_path: Path) -> None:
    record = validate("follow_up_record", fixture("follow_up_record"))
    assert isinstance(record, Record)
    assert record.values["next_deadline"].rule == "20个工作日，自回访日 2026-11-18 起算，至 2026-12-16"
    text = render_text("follow_up_record", fixture("follow_up_record"), tmp_path)
    assert "1 | 全面梳理审批权力清单 | 已制定权力清单和运行流程图，实行分事行权 | 已完成" in text
    assert "经回访，部分整改任务尚未落实到位，需继续督办。" in text
    done = render_text("follow_up_record", fixture("follow_up_record", 回访结论="整改到位"), tmp_path / "b")
    assert "整改到位。" in done and "后续督办要求" not in done


# -- the ledger interface -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind_id,related,deadline,fill",
    [
        ("inquiry_letter", None, "reply_deadline", {}),
        ("closure_letter", "related_number", None, {"related_date": "doc_date", "name": "recipient"}),
        ("reminder_letter", None, "reply_deadline", {}),
        ("admonition", None, "reply_deadline", {}),
        (
            "urging_letter",
            "related_number",
            "new_deadline",
            {"related_date": "doc_date", "related_deadline": "reply_deadline", "related_title": "subject"},
        ),
        ("integrity_opinion", "related_number", None, {"related_date": "doc_date"}),
        (
            "follow_up_record",
            "related_number",
            "next_deadline",
            {"visited": "recipient", "related_title": "subject"},
        ),
    ],
)
def test_the_ledger_block_names_the_related_number_the_deadline_and_what_to_fill(
    kind_id: str, related: str | None, deadline: str | None, fill: dict[str, str]
) -> None:
    kind = find_kind(kind_id)
    assert (kind.ledger.related, kind.ledger.deadline, dict(kind.ledger.fill)) == (related, deadline, fill)
    if related:
        assert kind.field(related).format == "doc_number"
    if deadline:
        assert kind.field(deadline).type == "deadline"


# -- who reported the matter ----------------------------------------------------------------------
@pytest.mark.parametrize("kind_id", ["inquiry_letter", "closure_letter", "reminder_letter", "admonition"])
@pytest.mark.parametrize("column", ["举报人", "反映人姓名", "信访人电话"])
def test_inquiry_and_reminder_kinds_refuse_accuser_columns(kind_id: str, column: str) -> None:
    kind = find_kind(kind_id)
    assert kind.protect_accuser
    headers = Validator(kind).map_headers(["成文日期", column], "a.csv")
    assert headers.fatal
    assert [i.describe() for i in headers.file_issues] == [
        f"a.csv「{column}」：{kind.name}不得包含可识别举报人身份的信息，请从输入文件中删除此列"
        "（依据《纪检监察机关处理检举控告工作规则》第四十七条，检举控告人的姓名、工作单位、住址等有关情况必须严格保密）；本文件未生成任何文书"
    ]


def test_the_person_the_matter_concerns_is_not_an_accuser() -> None:
    headers = Validator(find_kind("inquiry_letter")).map_headers(["被反映人", "被举报人单位"], "a.csv")
    # (the file lacks the kind's required columns, reported once each: not what this test is about)
    issues = [i for i in headers.file_issues if "缺少必填列" not in i.message]
    assert not any("举报人身份" in i.message for i in headers.file_issues)
    assert all(i.severity == "warning" for i in issues)


# -- schema keys for deadlines, contains rules and the ledger -------------------------------------
@pytest.mark.parametrize(
    "body,message",
    [
        (
            "fields:\n  - {key: due, label: 期限, type: deadline, from: sent}\n",
            "期限字段「期限」的 from 应指向一个已定义的日期字段",
        ),
        (
            "fields:\n  - {key: a, label: 甲}\nrules:\n  - {contains: {b: [x]}}\n",
            "contains 规则应写作",
        ),
        (
            "ledger: {related: d}\nfields:\n  - {key: d, label: 日, type: date}\n",
            "ledger.related 应指向一个已定义的文本字段",
        ),
        (
            "ledger: {deadline: d}\nfields:\n  - {key: d, label: 日, type: date}\n",
            "ledger.deadline 应指向一个已定义的期限字段",
        ),
        (
            "ledger: {related: n, fill: {d: status}}\nfields:\n  - {key: n, label: 号}\n  - {key: d, label: 日, type: date}\n",
            "ledger.fill 中“status”不是台账项目",
        ),
        (
            "ledger: {related: n, fill: {n: doc_date}}\nfields:\n  - {key: n, label: 号}\n",
            "ledger.fill 中“n”应为一个已定义的日期字段",
        ),
        (
            "ledger: {fill: {d: doc_date}}\nfields:\n  - {key: d, label: 日, type: date}\n",
            "须同时写明 ledger.related",
        ),
    ],
)
def test_malformed_deadline_and_ledger_keys_are_explained(tmp_path: Path, body: str, message: str) -> None:
    path = write_schema(tmp_path, "id: k\nname: 测试\n" + body)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert message in caught.value.message and str(path) in caught.value.message


def test_an_unreadable_deadline_is_explained() -> None:
    assert validate("inquiry_letter", fixture("inquiry_letter", 回复期限="半个月")) == [
        "函询.xlsx 第 3 行「回复期限」：无法识别的期限“半个月”，请写作 15个工作日、30日 或 2026-10-23 这样的日期"
    ]


def test_a_fixed_reply_date_before_delivery_is_refused() -> None:
    assert validate("inquiry_letter", fixture("inquiry_letter", 回复期限="2026-09-20")) == [
        "函询.xlsx 第 3 行「回复期限」：2026年9月20日不能早于「送达日期」2026年9月28日"
    ]


# -- jiancha render with the [calendar] table -----------------------------------------------------
def test_render_counts_with_the_calendar_table_of_jiancha_toml(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jiancha_docs.cli import cli
    from jiancha_docs.config import load_settings

    if package_years()[1] >= 2027:
        pytest.skip("this chinese-calendar already knows 2027")
    source = tmp_path / "函询.yaml"
    record = fixture("inquiry_letter", 成文日期="2027-09-27", 送达日期="2027-09-28")
    source.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    config = tmp_path / "jiancha.toml"
    config.write_text("", encoding="utf-8")
    runner = CliRunner()
    args = ["render", "函询通知书", str(source), "-o", str(tmp_path / "out")]
    refused = runner.invoke(cli, args, env={"JIANCHA_CONFIG": str(config)})
    assert refused.exit_code == 1
    assert "请在 jiancha.toml 的 [calendar] 中加入 2027 年国务院公布的放假日" in refused.output

    config.write_text(
        '[calendar]\nholidays = ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05",'
        ' "2027-10-06", "2027-10-07"]\nworkdays = ["2027-09-26", "2027-10-09"]\nyears = [2027]\n',
        encoding="utf-8",
    )
    assert load_settings(config).calendar["years"] == [2027]
    done = runner.invoke(cli, args, env={"JIANCHA_CONFIG": str(config)})
    assert done.exit_code == 0, done.output
    (document,) = (tmp_path / "out").glob("*.docx")
    assert "本函件于2027年9月28日送达，回复截止日期为2027年10月25日。" in docx_text(document)


def test_a_broken_calendar_table_stops_render(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jiancha_docs.cli import cli

    config = tmp_path / "jiancha.toml"
    config.write_text('[calendar]\nholidays = ["明年元旦"]\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["render", "函询通知书", str(FIXTURES / "inquiry_letter.yaml"), "-o", str(tmp_path / "o")],
        env={"JIANCHA_CONFIG": str(config)},
    )
    # A ConfigError, which main() turns into the message and exit code 1 like every broken setting.
    assert isinstance(result.exception, ConfigError)
    assert result.exception.message == (
        f"配置文件 {config} 的 [calendar] holidays 中“明年元旦”不是日期，应写作 2027-01-01"
    )
    assert not (tmp_path / "o").exists()


def test_inquiry_of_a_principal_leader_needs_the_organ_principal_approval() -> None:
    """《监督执纪工作规则》第二十七条：需要谈话函询下一级党委（党组）主要负责人的，应当报纪检监察机关主要负责人批准。"""
    raw = fixture("inquiry_letter", 回复方式="直接回复", 直接回复情形="被函询人为党委（党组）主要负责人")
    basis = "（依据《中国共产党纪律检查机关监督执纪工作规则》第二十七条）"
    condition = "「直接回复情形」为“被函询人为党委（党组）主要负责人”时"
    assert validate("inquiry_letter", raw) == [f"函询.xlsx 第 3 行「审批情况」：{condition}必须填写{basis}"]
    assert validate("inquiry_letter", dict(raw, 审批情况="经市纪委监委分管领导批准")) == [
        f"函询.xlsx 第 3 行「审批情况」：{condition}，“经市纪委监委分管领导批准”应含有“主要负责人批准”{basis}"
    ]
    assert isinstance(validate("inquiry_letter", dict(raw, 审批情况="经市纪委监委主要负责人批准")), Record)
    # Any other inquiry may be approved by the leader in charge.
    assert isinstance(
        validate("inquiry_letter", fixture("inquiry_letter", 审批情况="经分管领导批准")), Record
    )


def test_inquiry_by_a_supervisory_organ_words_the_same_deadline() -> None:
    """《监察法实施条例》第一百七十四条第二款：被函询人应当在收到函件后十五个工作日以内写出说明材料。"""
    record = validate("inquiry_letter", fixture("inquiry_letter", 回复期限="十五个工作日以内"))
    assert isinstance(record, Record)
    assert record.values["reply_deadline"].rule == "15个工作日，自送达日 2026-09-28 起算，至 2026-10-23"
