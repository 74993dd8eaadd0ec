"""Validation: a raw record from any source → the typed values a template receives, or Chinese issues.

Checks, in order: which column is which field (the office's own names from jiancha.toml's
``[columns."<kind>"]``, then the Chinese label or English key), unknown columns (warnings, with a
guess at the intended field from the labels, keys and the synonym list ``column_synonyms.txt``),
required columns missing from the file (one error per column, for the whole file), accuser
columns in kinds that protect the accuser (errors), then each field's type, required fields,
deadlines resolved from their starting date by the working-day calendar, and the kind's
cross-field rules.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..calendar import CalendarGap, Term, WorkCalendar, current_calendar, resolve
from ..errors import ConfigError, Issue, Location
from .accuser import BASIS as ACCUSER_BASIS
from .accuser import REQUIREMENT as ACCUSER_REQUIREMENT
from .accuser import find_accuser, refusal
from .fields import FieldProblem, FieldSpec, convert, is_blank, quote
from .schema import KindSchema, refuses_accuser

_SYNONYMS_FILE = Path(__file__).with_name("column_synonyms.txt")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# The placeholder of a ``default_from`` pattern that stands for [office] short_name.
OFFICE_SHORT_NAME = "机关简称"
_IGNORED = "忽略"


@dataclass(frozen=True)
class Synonyms:
    """The synonym list: another name → field label, and the register columns that are no field."""

    to_label: dict[str, str]
    ignored: frozenset[str]


@cache
def synonyms() -> Synonyms:
    to_label: dict[str, str] = {}
    ignored: set[str] = set()
    for line in _SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        label, _, names = (part.strip() for part in line.partition("="))
        for name in (n.strip() for n in names.split("、")):
            if not name:
                continue
            if label == _IGNORED:
                ignored.add(name)
            else:
                to_label.setdefault(name, label)
    return Synonyms(to_label, frozenset(ignored))


def columns_for(kind: KindSchema, table: dict[str, dict[str, str]] | None) -> dict[str, str]:
    """The office's column mapping for ``kind`` from jiancha.toml's ``[columns]`` table, whose
    sections may name the kind by id, Chinese name or alias (all that apply are merged)."""
    mapping: dict[str, str] = {}
    for name in kind.names():
        mapping.update((table or {}).get(name, {}))
    return mapping


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
    """Validates the records of one kind; ``defaults`` come from jiancha.toml (key or label → value),
    ``columns`` too (the office's own column name → field label or key, see ``columns_for``), and
    ``accuser_words``: the office's own words that identify an accuser (``[rules] accuser_words``)."""

    def __init__(
        self,
        kind: KindSchema,
        defaults: dict[str, Any] | None = None,
        calendar: WorkCalendar | None = None,
        columns: dict[str, str] | None = None,
        accuser_words: tuple[str, ...] = (),
        office_short_name: str | None = None,
    ) -> None:
        self.kind = kind
        self.accuser_words = tuple(accuser_words)
        self.office_short_name = office_short_name
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
        self._own: dict[str, FieldSpec] = {}
        for header, target in (columns or {}).items():
            spec = self._by_name.get(str(target).strip())
            if spec is None:
                guess = self._guess(str(target).strip())
                hint = f"；是否应为「{guess}」？" if guess else ""
                raise ConfigError(
                    f'配置文件 [columns."{kind.name}"] 中“{header}” = “{target}”：'
                    f"{kind.name}没有名为“{target}”的字段{hint}",
                    hint=f"右边应为字段名称或键，可运行 jiancha kinds show {kind.id} 查看",
                )
            self._own[str(header).strip()] = spec

    def is_column(self, name: str) -> bool:
        """Whether a header cell names a column of this kind (for finding the header row)."""
        name = str(name).strip()
        return (
            name in self._own
            or name in self._by_name
            or name in synonyms().to_label
            or name in synonyms().ignored
        )

    def _guess(self, name: str) -> str | None:
        """The field label a column name probably means: the synonym list first, then spelling."""
        label = synonyms().to_label.get(name)
        if label is not None and any(spec.label == label for spec in self.kind.fields):
            return label
        names = [s.label for s in self.kind.fields] + [s.key for s in self.kind.fields]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if not close:
            return None
        return self._by_name[close[0]].label

    def map_headers(self, headers: list[str], file: str) -> HeaderMap:
        column_to_key: dict[str, str] = {}
        issues: list[Issue] = []
        where = Location(file)
        seen: dict[str, str] = {}
        ignored: list[str] = []
        unknown: dict[str, str | None] = {}  # column → the field label it probably means
        for header in headers:
            name = str(header).strip()
            if not name:
                continue
            spec = self._own.get(name) or self._by_name.get(name)
            # An accuser column is refused whatever it is mapped to ([columns] cannot rename it away).
            accuser = refuses_accuser(self.kind, name, self.accuser_words)
            if accuser and (spec is None or name in self._own):
                spec = None
            if spec is not None:
                if spec.key in seen:
                    issues.append(Issue(where, name, f"与「{seen[spec.key]}」是同一字段，只能保留一列"))
                seen[spec.key] = name
                column_to_key[name] = spec.key
            elif accuser:
                issues.append(
                    Issue(
                        where,
                        name,
                        f"{self.kind.name}不得包含可识别举报人身份的信息，请从输入文件中删除此列"
                        f"（依据{ACCUSER_BASIS}，{ACCUSER_REQUIREMENT}）；本文件未生成任何文书",
                    )
                )
            elif name in synonyms().ignored:
                ignored.append(name)
            else:
                unknown[name] = guess = self._guess(name)
                hint = ""
                if guess is not None:
                    hint = (
                        f"；是否应为「{guess}」？如是，可在 jiancha.toml 中写 "
                        f'[columns."{self.kind.name}"] "{name}" = "{guess}"'
                    )
                issues.append(Issue(where, name, f"未知的列，已忽略{hint}", severity="warning"))
        if ignored:
            listed = "".join(f"「{n}」" for n in ignored)
            issues.append(Issue(where, None, f"{listed}列不是文书的字段，已忽略", severity="note"))
        if not any(i.severity == "error" for i in issues):  # (a refused column comes first)
            issues.extend(self._missing_columns(set(column_to_key.values()), unknown, where))
        return HeaderMap(column_to_key, issues)

    def _missing_columns(
        self, present: set[str], unknown: dict[str, str | None], where: Location
    ) -> list[Issue]:
        """One error per required column the file lacks (not one per row)."""
        issues = []
        from_ledger = {key for key, _ in self.kind.ledger.fill}  # may be left to the ledger entry
        for spec in self.kind.fields:
            if not spec.required or spec.key in present or spec.key in from_ledger or spec.default_from:
                continue
            if not is_blank(self.defaults.get(spec.key, spec.default)):
                continue
            candidates = [name for name, label in unknown.items() if label == spec.label]
            if candidates:
                hint = (
                    f"；文件中的「{candidates[0]}」列如果就是它，请在 jiancha.toml 中写 "
                    f'[columns."{self.kind.name}"] "{candidates[0]}" = "{spec.label}"'
                )
            else:
                hint = "；请在表头中加上这一列"
            issues.append(Issue(where, spec.label, f"缺少必填列{hint}；本文件未生成任何文书"))
        return issues

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
        derived = [s for s in self.kind.fields if s.default_from]
        for spec in self.kind.fields:
            value = given.get(spec.key)
            if is_blank(value):
                value = self.defaults.get(spec.key, spec.default)
            if is_blank(value) and spec.default_from:
                continue  # made from the other values below
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
        for spec in derived:
            if spec.key not in values:
                values[spec.key] = self._derived(spec, values)
                if spec.required and is_blank(values[spec.key]):
                    errors.append(Issue(location, spec.label, "必填项，不能为空"))
        if self.kind.protect_accuser:
            errors.extend(self._refuse_accuser_values(location, values))
        failed = {i.field for i in errors}
        errors.extend(self._resolve_deadlines(location, values, failed))
        failed = {i.field for i in errors}  # a deadline that could not be counted is not "missing"
        errors.extend(self._check_rules(location, values, failed))
        if errors:
            return errors
        return Record(location, values)

    def _derived(self, spec: FieldSpec, values: dict[str, Any]) -> str:
        """A default made from other values: ``{a|b}`` takes the first of a, b that has a value;
        ``机关简称`` is the office's short name ([office] short_name). Empty when one is missing."""
        names: dict[str, Any] = {OFFICE_SHORT_NAME: self.office_short_name}
        for field_spec in self.kind.fields:
            names[field_spec.key] = names[field_spec.label] = values.get(field_spec.key)
        assert spec.default_from is not None
        missing = False

        def first(match: re.Match[str]) -> str:
            nonlocal missing
            for name in match.group(1).split("|"):
                value = names.get(name.strip())
                if not is_blank(value):
                    return str(value).strip()
            missing = True
            return ""

        text = _PLACEHOLDER.sub(first, spec.default_from)
        return "" if missing else text

    def _contains(
        self, location: Location, values: dict[str, Any], rule: Any, when: str, basis: str
    ) -> list[Issue]:
        key, words = rule.contains
        spec = self.kind.field(key)
        text = _joined(spec, values.get(key))
        if not text or any(w in text for w in words):
            return []
        wanted = "或".join(f"“{w}”" for w in words)
        return [Issue(location, spec.label, f"{when}{quote(text)}应含有{wanted}{basis}")]

    def _excludes(
        self, location: Location, values: dict[str, Any], rule: Any, when: str, basis: str
    ) -> list[Issue]:
        issues = []
        for key, words in rule.excludes:
            spec = self.kind.field(key)
            text = _joined(spec, values.get(key))
            found = next((w for w in words if w in text), None)
            if found is not None:
                issues.append(Issue(location, spec.label, f"{when}不得含有“{found}”（{quote(text)}）{basis}"))
        return issues

    def _refuse_accuser_values(self, location: Location, values: dict[str, Any]) -> list[Issue]:
        """One error per free-text value (a list item, a table cell) naming or pointing to the
        accuser: the record is refused (检举控告工作规则第四十七条)."""
        issues: list[Issue] = []
        for spec in self.kind.fields:
            for where, text in _texts(spec, values.get(spec.key)):
                hit = find_accuser(text, self.accuser_words)
                if hit is not None:
                    issues.append(Issue(location, spec.label, f"{where}{refusal(hit)}"))
                    break  # one message per field is enough to act on
        return issues

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
            if rule.term:
                key, expected = rule.term
                value = values.get(key)
                # A term counted in days must be the one the basis sets; a date the clerk fixed is
                # checked against its start by the other rules.
                counted = hasattr(value, "term") and value.term.count is not None
                written = str(value.term) if counted else None
                if written is not None and written != expected:
                    spec = self.kind.field(key)
                    issues.append(
                        Issue(location, spec.label, f"应为“{expected}”，不能写作“{written}”{basis}")
                    )
                continue
            if rule.not_before:
                later, earlier = (self.kind.field(k) for k in rule.not_before)
                a, b = values.get(later.key), values.get(earlier.key)
                if a is not None and b is not None and a < b:
                    issues.append(Issue(location, later.label, f"{a}不能早于「{earlier.label}」{b}{basis}"))
                continue
            if not all(values.get(k) in allowed for k, allowed in rule.when.items()):
                continue
            condition = "，".join(f"「{self.kind.field(k).label}」为“{values.get(k)}”" for k in rule.when)
            when = f"{condition}时，" if condition else ""
            if rule.contains:
                issues.extend(self._contains(location, values, rule, when, basis))
            elif rule.excludes:
                issues.extend(self._excludes(location, values, rule, when, basis))
            else:
                for key in rule.require:
                    spec = self.kind.field(key)
                    if is_blank(values.get(key)) and spec.label not in failed:
                        need = f"{condition}时必须填写" if condition else "必须填写"
                        issues.append(Issue(location, spec.label, f"{need}{basis}"))
        return issues


def _joined(spec: FieldSpec, value: Any) -> str:
    """A text, list or table value as one text, for the rules that look for words in it."""
    return "；".join(text for _, text in _texts(spec, value))


def _texts(spec: FieldSpec, value: Any) -> list[tuple[str, str]]:
    """The free texts in a typed value, each with where it is (第 2 项「核查情况」)."""
    if isinstance(value, str):
        return [("", value)]
    if isinstance(value, list):
        found: list[tuple[str, str]] = []
        for number, item in enumerate(value, 1):
            if isinstance(item, dict):
                labels = {c.key: c.label for c in spec.columns}
                found += [
                    (f"第 {number} 项「{labels.get(k, k)}」", v)
                    for k, v in item.items()
                    if isinstance(v, str)
                ]
            elif isinstance(item, str):
                found.append((f"第 {number} 项", item))
        return found
    return []
