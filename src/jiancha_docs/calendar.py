"""Working days and deadlines: the one place that counts 工作日 by the national holiday calendar.

The State Council's schedule of 放假 days and 调休 working days comes from the ``chinese-calendar``
package (imported on first use), and from the ``[calendar]`` table of jiancha.toml for years the
package does not know yet, or to correct it::

    [calendar]
    holidays = ["2027-01-01", "2027-02-05"]   # 放假日
    workdays = ["2027-02-14"]                 # 调休上班日
    years = [2027]                            # years the table covers in full (optional)

A day in a year that neither covers is never guessed: counting over it raises ``CalendarGap``,
whose message names the fix. Deadlines a clerk writes as "15个工作日", "15工作日", "十五个工作日",
"30日" or a date are parsed here (``parse_term``) and resolved from their starting event
(``resolve``) into a ``Deadline`` carrying the date and the rule it came from.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import ConfigError

# "15个工作日", "15工作日", "十五个工作日", "30日", "30天", "三十日"
_TERM = re.compile(
    r"^(?P<count>[0-9]+|[〇零一二两三四五六七八九十百]+)\s*(?P<unit>个?工作日|日|天)(?:内|以内)?$"
)


class CalendarGap(ValueError):
    """A day in a year that no holiday schedule covers; the message (Chinese) names the fix."""


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the national schedule plus an office's additions.

    ``holidays`` and ``workdays`` override the package day by day; ``years`` are covered by
    them alone (a day of such a year not listed is a working day from Monday to Friday).
    """

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        if day.year in self.years:
            return day.weekday() < 5
        known = _package_workday(day)
        if known is None:
            low, high = package_years()
            raise CalendarGap(
                f"{day.year} 年的放假和调休安排不在节假日日历中（内置日历只含 {low}—{high} 年），"
                f"无法按工作日计算期限。请在 jiancha.toml 的 [calendar] 中加入 {day.year} 年国务院公布的"
                f"放假日（holidays）和调休上班日（workdays），并写明 years = [{day.year}]"
            )
        return known

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (the starting day itself is not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day


def make_calendar(
    holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = (), years: Iterable[int] | None = None
) -> WorkCalendar:
    """A calendar from plain lists; without ``years``, every year the lists mention is covered."""
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    if years is None:
        years = {d.year for d in holidays | workdays}
    return WorkCalendar(holidays, workdays, frozenset(years))


def calendar_from_table(table: dict[str, Any], where: str = "jiancha.toml") -> WorkCalendar:
    """The ``[calendar]`` table as read from TOML (dates as strings or TOML dates)."""
    if not isinstance(table, dict):
        raise ConfigError(f"配置文件 {where} 的 [calendar] 应为键值表")
    unknown = set(table) - {"holidays", "workdays", "years"}
    if unknown:
        raise ConfigError(
            f"配置文件 {where} 的 [calendar] 有未知的键：{'、'.join(sorted(unknown))}；可用：holidays、workdays、years"
        )
    lists = {name: _dates(table.get(name, []), name, where) for name in ("holidays", "workdays")}
    clash = lists["holidays"] & lists["workdays"]
    if clash:
        day = min(clash).isoformat()
        raise ConfigError(f"配置文件 {where} 的 [calendar] 中 {day} 同时列为放假日和调休上班日")
    years = table.get("years")
    if years is not None and not (isinstance(years, list) and all(isinstance(y, int) for y in years)):
        raise ConfigError(f"配置文件 {where} 的 [calendar] years 应为年份列表，如 years = [2027]")
    return make_calendar(lists["holidays"], lists["workdays"], years)


def _dates(items: Any, name: str, where: str) -> frozenset[dt.date]:
    if not isinstance(items, list):
        raise ConfigError(f'配置文件 {where} 的 [calendar] {name} 应为日期列表，如 {name} = ["2027-01-01"]')
    result = set()
    for item in items:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            result.add(item)
            continue
        try:
            result.add(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise ConfigError(
                f"配置文件 {where} 的 [calendar] {name} 中“{item}”不是日期，应写作 2027-01-01"
            ) from None
    return frozenset(result)


@cache
def package_years() -> tuple[int, int]:
    """The first and last year the chinese-calendar package knows."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


def _package_workday(day: dt.date) -> bool | None:
    import chinese_calendar

    low, high = package_years()
    if not low <= day.year <= high:
        return None
    return bool(chinese_calendar.is_workday(day))


# -- the calendar in use -------------------------------------------------------------------
_NATIONAL = WorkCalendar()
_current: ContextVar[WorkCalendar | None] = ContextVar("jiancha_calendar", default=None)


def current_calendar() -> WorkCalendar:
    """The calendar validation counts with: the national one unless ``using`` chose another."""
    return _current.get() or _NATIONAL


@contextmanager
def using(calendar: WorkCalendar) -> Iterator[WorkCalendar]:
    """Count with ``calendar`` (the office's [calendar] table) inside the block."""
    token = _current.set(calendar)
    try:
        yield calendar
    finally:
        _current.reset(token)


# -- deadlines -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """A deadline as written: a number of (working) days, or a fixed date."""

    count: int | None = None
    working: bool = False
    date: dt.date | None = None

    def __str__(self) -> str:
        if self.count is None:
            return f"{self.date:%Y-%m-%d}" if self.date else ""
        return f"{self.count}个工作日" if self.working else f"{self.count}日"


def parse_term(raw: Any) -> Term | None:
    """ "15个工作日" / "15工作日" / "十五个工作日" / "30日" / 30 → a Term; anything else → None
    (the caller tries it as a date)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Term(count=raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    match = _TERM.match(text)
    if not match:
        return None
    number = match.group("count")
    if number.isdigit():
        count = int(number)
    else:
        import cn2an

        try:
            count = int(cn2an.cn2an(number, "strict"))
        except (ValueError, KeyError, TypeError):
            return None
    return Term(count=count, working="工作日" in match.group("unit"))


@dataclass(frozen=True)
class Deadline:
    """A deadline resolved from its starting event.

    ``date`` is None while the event (e.g. 送达) has not happened; ``rule`` says in Chinese how
    the date was (or will be) reached, e.g. "15个工作日，自送达日 2026-09-28 起算，至 2026-10-23".
    Templates print ``term`` ("15个工作日") or ``date``.
    """

    term: Term
    start_label: str
    start: dt.date | None
    date: dt.date | None

    @property
    def count(self) -> int | None:
        return self.term.count

    @property
    def working(self) -> bool:
        return self.term.working

    @property
    def rule(self) -> str:
        if self.term.count is None:
            return f"截止日期 {self.date:%Y-%m-%d}"
        if self.start is None:
            return f"{self.term}，自{self.start_label}起算"
        return f"{self.term}，自{self.start_label} {self.start:%Y-%m-%d} 起算，至 {self.date:%Y-%m-%d}"

    def __str__(self) -> str:
        return str(self.date) if self.date is not None else str(self.term)


def resolve(
    term: Term, start: dt.date | None, start_label: str, calendar: WorkCalendar | None = None
) -> Deadline:
    """The deadline ``term`` after ``start``; raises CalendarGap for a year no schedule covers."""
    if term.count is None:
        return Deadline(term, start_label, start, term.date)
    if start is None:
        return Deadline(term, start_label, None, None)
    if term.working:
        due = (calendar or current_calendar()).add_workdays(start, term.count)
    else:
        due = start + dt.timedelta(days=term.count)
    return Deadline(term, start_label, start, type(start)(due.year, due.month, due.day))
