"""Working days by the national holiday calendar, the [calendar] table, and deadline terms."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiancha_docs.calendar import (
    CalendarGap,
    Term,
    WorkCalendar,
    calendar_from_table,
    current_calendar,
    make_calendar,
    package_years,
    parse_term,
    resolve,
    using,
)
from jiancha_docs.errors import ConfigError

NATIONAL = WorkCalendar()
D = dt.date


def test_fifteen_working_days_from_delivery_on_28_september_2026_run_over_national_day() -> None:
    """《监督执纪工作规则》第二十九条：被函询人应当在收到函件后15个工作日内写出说明材料."""
    due = NATIONAL.add_workdays(D(2026, 9, 28), 15)
    assert due == D(2026, 10, 23)
    # The same count by the package itself: 国庆 1–7 October off, Saturday 10 October worked (调休).
    counted = [
        D(2026, 9, 28) + dt.timedelta(days=n)
        for n in range(1, 26)
        if chinese_calendar.is_workday(D(2026, 9, 28) + dt.timedelta(days=n))
    ]
    assert counted[14] == due
    assert D(2026, 10, 10) in counted and D(2026, 10, 5) not in counted


@given(
    start=st.dates(min_value=D(2005, 1, 1), max_value=D(2025, 10, 31)),
    count=st.integers(min_value=1, max_value=40),
)
def test_the_due_day_is_the_count_th_working_day_after_the_start(start: dt.date, count: int) -> None:
    due = NATIONAL.add_workdays(start, count)
    assert chinese_calendar.is_workday(due)
    days = [start + dt.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(chinese_calendar.is_workday(day) for day in days) == count


def test_a_year_the_package_does_not_know_is_an_error_naming_the_fix() -> None:
    year = package_years()[1] + 1  # 2027 with chinese-calendar 1.11
    with pytest.raises(CalendarGap) as caught:
        NATIONAL.add_workdays(D(year, 1, 4), 5)
    message = str(caught.value)
    assert f"{year} 年的放假和调休安排不在节假日日历中" in message
    assert "jiancha.toml 的 [calendar]" in message and f"years = [{year}]" in message


def test_counting_into_an_unknown_year_is_an_error_too() -> None:
    year = package_years()[1]
    with pytest.raises(CalendarGap, match=f"{year + 1} 年"):
        NATIONAL.add_workdays(D(year, 12, 20), 15)


def test_the_calendar_table_covers_a_new_year() -> None:
    # A 2027 schedule as a clerk would copy it from the State Council notice (here: invented days).
    calendar = calendar_from_table(
        {
            "holidays": ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09"],
            "workdays": ["2027-02-14"],
            "years": [2027],
        }
    )
    # Thursday 4 February 2027: Fri 5 off, Mon 8 and Tue 9 off, Sun 14 worked.
    assert calendar.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 10)
    assert calendar.add_workdays(D(2027, 2, 4), 4) == D(2027, 2, 14)
    assert calendar.add_workdays(D(2027, 2, 4), 5) == D(2027, 2, 15)
    # Years the package knows are still counted by it.
    assert calendar.add_workdays(D(2026, 9, 28), 15) == D(2026, 10, 23)


def test_without_years_the_table_covers_the_years_it_names() -> None:
    calendar = calendar_from_table({"holidays": ["2027-01-01"]})
    assert calendar.years == frozenset({2027})
    assert calendar.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)  # Fri 1 Jan off, then a weekend
    with pytest.raises(CalendarGap, match="2028 年"):
        calendar.add_workdays(D(2027, 12, 30), 5)


def test_the_table_overrides_single_days_of_the_package() -> None:
    calendar = make_calendar(holidays=[D(2026, 10, 12)], years=[])
    assert NATIONAL.is_workday(D(2026, 10, 12))
    assert not calendar.is_workday(D(2026, 10, 12))
    assert calendar.add_workdays(D(2026, 9, 28), 15) == D(2026, 10, 26)


@pytest.mark.parametrize(
    "table,message",
    [
        ({"holidays": "2027-01-01"}, "holidays 应为日期列表"),
        ({"holidays": ["2027-13-01"]}, "holidays 中“2027-13-01”不是日期"),
        ({"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "2027-01-01 同时列为放假日和调休上班日"),
        ({"years": "2027"}, "years 应为年份列表"),
        ({"holiday": []}, "未知的键：holiday"),
    ],
)
def test_a_broken_calendar_table_is_explained(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        calendar_from_table(table, "/x/jiancha.toml")
    assert caught.value.message.startswith("配置文件 /x/jiancha.toml 的 [calendar]")
    assert message in caught.value.message


def test_toml_dates_are_accepted() -> None:
    assert calendar_from_table({"workdays": [D(2027, 2, 14)]}).workdays == frozenset({D(2027, 2, 14)})


@pytest.mark.parametrize(
    "raw,term",
    [
        ("15个工作日", Term(15, working=True)),
        ("15工作日", Term(15, working=True)),
        ("十五个工作日", Term(15, working=True)),
        ("１５个工作日内", Term(15, working=True)),
        ("30日", Term(30)),
        ("三十天", Term(30)),
        ("30日以内", Term(30)),
        (30, Term(30)),
    ],
)
def test_deadline_terms(raw: object, term: Term) -> None:
    assert parse_term(raw) == term


@pytest.mark.parametrize("raw", ["2026-10-23", "十五个星期", "工作日", True, "15个月"])
def test_what_is_not_a_term(raw: object) -> None:
    assert parse_term(raw) is None


def test_a_resolved_deadline_says_how_it_was_reached() -> None:
    deadline = resolve(Term(15, working=True), D(2026, 9, 28), "送达日")
    assert deadline.date == D(2026, 10, 23)
    assert deadline.rule == "15个工作日，自送达日 2026-09-28 起算，至 2026-10-23"
    assert str(deadline.term) == "15个工作日"
    calendar_days = resolve(Term(30), D(2024, 12, 1), "成文日期")
    assert calendar_days.date == D(2024, 12, 31)
    assert calendar_days.rule == "30日，自成文日期 2024-12-01 起算，至 2024-12-31"


def test_a_deadline_waits_for_its_event() -> None:
    deadline = resolve(Term(15, working=True), None, "送达日")
    assert deadline.date is None
    assert deadline.rule == "15个工作日，自送达日起算"


def test_a_fixed_date_is_its_own_deadline() -> None:
    deadline = resolve(Term(date=D(2026, 10, 30)), D(2026, 9, 28), "送达日")
    assert deadline.date == D(2026, 10, 30)
    assert deadline.rule == "截止日期 2026-10-30"


def test_using_sets_the_calendar_for_a_block_only() -> None:
    office = make_calendar(holidays=[D(2027, 1, 1)], years=[2027])
    assert current_calendar() == NATIONAL
    with using(office):
        assert current_calendar() is office
        assert resolve(Term(1, working=True), D(2026, 12, 31), "成文日期").date == D(2027, 1, 4)
    assert current_calendar() == NATIONAL
