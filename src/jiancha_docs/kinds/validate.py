"""Validation: a raw record from any source → the typed values a template receives, or Chinese issues.

Checks, in order: which column is which field (Chinese label or English key), unknown columns
(warnings, with a guess at the intended header), accuser columns in kinds that protect the accuser
(errors), then each field's type, required fields, deadlines resolved from their starting date by
the working-day calendar, and the kind's cross-field rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..calendar import CalendarGap, Term, WorkCalendar, current_calendar, resolve
from ..errors import Issue, Location
from .fields import FieldProblem, FieldSpec, convert, is_blank, quote
from .schema import KindSchema, refuses_accuser


@dataclass
class Record:
    """A record that passed validation: its location and one typed value per schema key."""

    location: Location
    values: dict[str, Any]


@dataclass
class HeaderMap:
    """How the columns of one input file map onto a kind's fields."""

    column_to_key: dict[str, str]
    file_issues: list[Issue]

    @property
    def fatal(self) -> bool:
        return any(i.severity == "error" for i in self.file_issues)


class Validator:
    """Validates the records of one kind; ``defaults`` come from jiancha.toml (key or label → value)."""

    def __init__(
        self, kind: KindSchema, defaults: dict[str, Any] | None = None, calendar: WorkCalendar | None = None
    ) -> None:
        self.kind = kind
        # Working days are counted by this calendar; by default the one ``calendar.using`` set.
        self.calendar = calendar or current_calendar()
        self._by_name: dict[str, FieldSpec] = {}
        for spec in kind.fields:
            self._by_name[spec.key] = spec
            self._by_name[spec.label] = spec
        self.defaults: dict[str, Any] = {}
        for name, value in (defaults or {}).items():
            spec = self._by_name.get(name)
            if spec is not None:
                self.defaults[spec.key] = value

    def map_headers(self, headers: list[str], file: str) -> HeaderMap:
        column_to_key: dict[str, str] = {}
        issues: list[Issue] = []
        where = Location(file)
        seen: dict[str, str] = {}
        for header in headers:
            name = str(header).strip()
            if not name:
                continue
            spec = self._by_name.get(name)
            if spec is not None:
                if spec.key in seen:
                    issues.append(Issue(where, name, f"与「{seen[spec.key]}」是同一字段，只能保留一列"))
                seen[spec.key] = name
                column_to_key[name] = spec.key
            elif refuses_accuser(self.kind, name):
                issues.append(
                    Issue(
                        where,
                        name,
                        f"{self.kind.name}不得包含可识别举报人身份的信息，请从输入文件中删除此列；本文件未生成任何文书",
                    )
                )
            else:
                guess = difflib.get_close_matches(name, [s.label for s in self.kind.fields], n=1, cutoff=0.5)
                hint = f"；是否应为「{guess[0]}」？" if guess else ""
                issues.append(Issue(where, name, f"未知的列，已忽略{hint}", severity="warning"))
        return HeaderMap(column_to_key, issues)

    def validate(
        self,
        location: Location,
        raw: dict[str, Any],
        headers: HeaderMap,
        fill: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> Record | list[Issue]:
        """Return the typed record, or the list of its errors (never both). ``fill`` gives values
        for fields the record leaves blank, from what it does give (a follow-up's related entry)."""
        errors: list[Issue] = []
        values: dict[str, Any] = {}
        given: dict[str, Any] = {}
        for column, value in raw.items():
            key = headers.column_to_key.get(str(column).strip())
            if key is not None:
                given[key] = value
        if fill is not None:
            for key, value in fill(given).items():
                if is_blank(given.get(key)) and not is_blank(value):
                    given[key] = value
        for spec in self.kind.fields:
            value = given.get(spec.key)
            if is_blank(value):
                value = self.defaults.get(spec.key, spec.default)
            if is_blank(value):
                if spec.required:
                    errors.append(Issue(location, spec.label, "必填项，不能为空"))
                values[spec.key] = spec.empty_value()
                continue
            try:
                values[spec.key] = convert(spec, value)
            except FieldProblem as problem:
                errors.append(Issue(location, spec.label, str(problem)))
                values[spec.key] = spec.empty_value()
                continue
            if spec.required and is_blank(values[spec.key]):
                errors.append(Issue(location, spec.label, "必填项，不能为空"))
        failed = {i.field for i in errors}
        errors.extend(self._resolve_deadlines(location, values, failed))
        errors.extend(self._check_rules(location, values, failed))
        if errors:
            return errors
        return Record(location, values)

    def _resolve_deadlines(
        self, location: Location, values: dict[str, Any], failed: set[str | None]
    ) -> list[Issue]:
        """Each deadline field's Term → a Deadline counted from its starting date."""
        issues: list[Issue] = []
        for spec in self.kind.fields:
            term = values.get(spec.key)
            if spec.type != "deadline" or not isinstance(term, Term) or spec.counts_from is None:
                continue
            start_spec = self.kind.field(spec.counts_from)
            start = values.get(start_spec.key)
            label = spec.counts_from_label or start_spec.label
            try:
                values[spec.key] = resolve(term, start, label, self.calendar)
            except CalendarGap as gap:
                issues.append(Issue(location, spec.label, str(gap)))
                values[spec.key] = None
                continue
            due = values[spec.key].date
            if term.count is None and start is not None and due < start:
                issues.append(Issue(location, spec.label, f"{due}不能早于「{start_spec.label}」{start}"))
        return issues

    def _check_rules(
        self, location: Location, values: dict[str, Any], failed: set[str | None]
    ) -> list[Issue]:
        issues: list[Issue] = []
        for rule in self.kind.rules:
            basis = f"（依据{rule.basis}）" if rule.basis else ""
            if rule.not_before:
                later, earlier = (self.kind.field(k) for k in rule.not_before)
                a, b = values.get(later.key), values.get(earlier.key)
                if a is not None and b is not None and a < b:
                    issues.append(Issue(location, later.label, f"{a}不能早于「{earlier.label}」{b}{basis}"))
                continue
            if not all(values.get(k) in allowed for k, allowed in rule.when.items()):
                continue
            condition = "，".join(f"「{self.kind.field(k).label}」为“{values.get(k)}”" for k in rule.when)
            if rule.contains:
                key, words = rule.contains
                spec = self.kind.field(key)
                text = values.get(key)
                if text and not any(w in text for w in words):
                    wanted = "或".join(f"“{w}”" for w in words)
                    when = f"{condition}时，" if condition else ""
                    issues.append(Issue(location, spec.label, f"{when}{quote(text)}应含有{wanted}{basis}"))
            else:
                for key in rule.require:
                    spec = self.kind.field(key)
                    if is_blank(values.get(key)) and spec.label not in failed:
                        issues.append(Issue(location, spec.label, f"{condition}时必须填写{basis}"))
        return issues
