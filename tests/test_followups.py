"""Documents that answer or follow up another one, and deadlines in working days, as the
ledger keeps them: the 督办函 takes what the ledger knows of the document it follows up, both
entries point at each other, and a 函询 deadline is counted from its 送达 by the holiday calendar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run_jiancha

FIXTURES = Path(__file__).parent / "fixtures"


def jiancha(cwd: Path, *args: str, today: str = "2026-11-30"):
    return run_jiancha(cwd, *args, today=today)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    (tmp_path / "jiancha.toml").write_text('[numbering]\n"督办函" = "某纪督"\n', encoding="utf-8")
    return tmp_path


def test_an_inquiry_delivered_on_28_september_is_due_on_23_october_in_the_ledger(office: Path) -> None:
    text = (
        (FIXTURES / "inquiry_letter.yaml").read_text(encoding="utf-8").replace("送达日期: 2026-09-28\n", "")
    )
    (office / "函询.yaml").write_text(text, encoding="utf-8")
    rendered = jiancha(office, "render", "函询通知书", "函询.yaml", "-o", "out")
    assert rendered.returncode == 0, rendered.stderr
    number = "某纪办函〔2026〕21号"
    before = json.loads(jiancha(office, "ledger", "show", number, "--json").stdout)
    assert (before["reply_deadline"], before["deadline_rule"]) == (None, "15个工作日，自送达日起算")
    marked = jiancha(office, "ledger", "mark", number, "已送达", "--date", "2026-09-28")
    assert marked.returncode == 0, marked.stderr
    assert "反馈期限 2026年10月23日" in marked.stdout
    shown = jiancha(office, "ledger", "show", number)
    assert "期限计算：15个工作日，自送达日 2026-09-28 起算，至 2026-10-23" in shown.stdout.splitlines()
    late = jiancha(office, "ledger", "list", "--overdue", today="2026-10-26")
    assert number in late.stdout


def test_a_delivery_in_a_year_the_calendar_does_not_know_is_an_error_naming_the_fix(office: Path) -> None:
    text = (
        (FIXTURES / "inquiry_letter.yaml")
        .read_text(encoding="utf-8")
        .replace("送达日期: 2026-09-28\n", "")
        .replace("成文日期: 2026-09-25", "成文日期: 2026-12-28")
    )
    (office / "函询.yaml").write_text(text, encoding="utf-8")
    assert jiancha(office, "render", "函询通知书", "函询.yaml", "-o", "out").returncode == 0
    marked = jiancha(
        office, "ledger", "mark", "某纪办函〔2026〕21号", "已送达", "--date", "2026-12-29", today="2027-01-05"
    )
    if "内置日历只含" not in marked.stderr:
        pytest.skip("the installed chinese-calendar already knows 2027")
    assert marked.returncode == 1
    assert "[calendar]" in marked.stderr and "2027" in marked.stderr
    entry = json.loads(jiancha(office, "ledger", "show", "某纪办函〔2026〕21号", "--json").stdout)
    assert entry["status"] == "已印发"  # nothing changed
    # The clerk adds 2027's schedule; the delivery is recorded.
    (office / "jiancha.toml").write_text(
        '[numbering]\n"督办函" = "某纪督"\n[calendar]\nholidays = ["2027-01-01"]\nyears = [2027]\n',
        encoding="utf-8",
    )
    marked = jiancha(
        office, "ledger", "mark", "某纪办函〔2026〕21号", "已送达", "--date", "2026-12-29", today="2027-01-05"
    )
    assert marked.returncode == 0, marked.stderr
    entry = json.loads(jiancha(office, "ledger", "show", "某纪办函〔2026〕21号", "--json").stdout)
    # 12-30, 12-31, (1-1 holiday, 1-2/3 weekend) 1-4 … fifteen working days: 2027-01-20
    assert entry["reply_deadline"] == "2027-01-20"


def test_an_urging_letter_takes_what_the_ledger_knows_and_both_point_at_each_other(office: Path) -> None:
    # The document followed up: a 督办函 follows up an earlier 督办函-numbered 交办 here, rendered first.
    first = (FIXTURES / "urging_letter.yaml").read_text(encoding="utf-8")
    (office / "交办.yaml").write_text(first, encoding="utf-8")
    assert jiancha(office, "render", "督办函", "交办.yaml", "-o", "out").returncode == 0
    followed = "某纪督〔2026〕4号"
    text = (
        first.replace("文号: 某纪督〔2026〕4号\n", "")
        .replace("原交办文号: 某纪交〔2026〕8号", f"原交办文号: {followed}")
        .replace("原交办日期: 2026-05-06\n", "")
        .replace("交办事项: 关于反映某某镇党委书记有关问题的检举控告\n", "")
        .replace("原办理期限: 2026-08-06\n", "")
        .replace("成文日期: 2026-09-10", "成文日期: 2026-11-20")
    )
    (office / "督办.yaml").write_text(text, encoding="utf-8")
    rendered = jiancha(office, "render", "督办函", "督办.yaml", "-o", "out")
    assert rendered.returncode == 0, rendered.stderr
    new = json.loads(jiancha(office, "ledger", "list", "--json").stdout)[-1]
    assert new["related_number"] == followed
    old = jiancha(office, "ledger", "show", followed)
    assert f"后续文书：{new['doc_number']}（督办函，已印发）" in old.stdout.splitlines()
    shown = jiancha(office, "ledger", "show", new["doc_number"])
    assert f"答复或跟进：{followed}（督办函，已印发）" in shown.stdout.splitlines()
    # The blank fields came from the ledger entry of the followed document.
    from docx import Document

    document = Document(next((office / "out").glob(f"{new['doc_number']}*.docx")))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "2026年9月10日" in body  # the followed document's date, from the ledger


def test_a_closure_letter_must_answer_an_inquiry_to_the_same_person(office: Path) -> None:
    (office / "jiancha.toml").write_text('[numbering]\n"了结反馈函" = "某纪结"\n', encoding="utf-8")
    inquiry = (FIXTURES / "inquiry_letter.yaml").read_text(encoding="utf-8")
    (office / "函询.yaml").write_text(inquiry, encoding="utf-8")
    assert jiancha(office, "render", "函询通知书", "函询.yaml", "-o", "out").returncode == 0
    closure = (FIXTURES / "closure_letter.yaml").read_text(encoding="utf-8")
    import re

    closure = re.sub(r"原函询文号: .*", "原函询文号: 某纪办函〔2026〕21号", closure)
    closure = re.sub(r"原函询日期: .*\n", "", closure)
    (office / "了结.yaml").write_text(
        closure.replace("被函询人: 刘某某", "被函询人: 王某某"), encoding="utf-8"
    )
    wrong = jiancha(office, "render", "了结反馈函", "了结.yaml", "-o", "out")
    assert wrong.returncode == 1
    assert "文号“某纪办函〔2026〕21号”是发给“刘某某”的，本文书是给“王某某”的" in wrong.stderr
    (office / "了结.yaml").write_text(closure, encoding="utf-8")
    right = jiancha(office, "render", "了结反馈函", "了结.yaml", "-o", "out")
    assert right.returncode == 0, right.stderr  # the date was filled from the ledger
    inquiry_entry = json.loads(jiancha(office, "ledger", "show", "某纪办函〔2026〕21号", "--json").stdout)
    assert inquiry_entry["status"] == "已反馈"  # the 了结 records the reply: no longer overdue
    assert inquiry_entry["history"][-1]["note"].startswith("由了结反馈函 ")


def test_an_accuser_column_cannot_be_mapped_into_an_inquiry_letter(office: Path) -> None:
    """[columns] cannot rename a 举报人 column into 联系人 and print the accuser in the letter."""
    import csv

    (office / "jiancha.toml").write_text('[columns."函询通知书"]\n"举报人" = "联系人"\n', encoding="utf-8")
    starter = jiancha(office, "new", "函询通知书", "--format", "csv", "-o", "函询.csv")
    assert starter.returncode == 0, starter.stderr
    with open(office / "函询.csv", encoding="utf-8-sig", newline="") as stream:
        header, row = list(csv.reader(stream))[:2]
    header, row = [*header, "举报人"], [*row, "张三（13800000000）"]
    with open(office / "函询.csv", "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([header, row])
    result = jiancha(office, "render", "函询通知书", "函询.csv", "--draft", "-o", "out")
    assert result.returncode == 1
    assert "函询通知书不得包含可识别举报人身份的信息" in result.stderr
    assert not list((office / "out").glob("*.docx"))  # nothing written, not even a draft


@pytest.mark.parametrize(
    "written,accepted", [("十五个工作日", True), ("15工作日", True), ("30日", False), ("10个工作日", False)]
)
def test_an_inquiry_allows_the_15_working_days_of_article_29(
    office: Path, written: str, accepted: bool
) -> None:
    """《监督执纪工作规则》第二十九条：被函询人应当在收到函件后15个工作日内写出说明材料。"""
    text = (
        (FIXTURES / "inquiry_letter.yaml")
        .read_text(encoding="utf-8")
        .replace("回复期限: 15个工作日", f"回复期限: {written}")
    )
    (office / "函询.yaml").write_text(text, encoding="utf-8")
    result = jiancha(office, "render", "函询通知书", "函询.yaml", "--check")
    assert (result.returncode == 0) is accepted, result.stderr
    if not accepted:
        assert (
            f"「回复期限」：应为“15个工作日”，不能写作“{written}”（依据《中国共产党纪律检查机关监督执纪工作规则》第二十九条"
            in result.stderr
        )
