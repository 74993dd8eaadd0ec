"""A document kind: its schema.yaml (fields, rules, file-name pattern) and its Word templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from .accuser import find_accuser
from .fields import FIELD_TYPES, FieldProblem, FieldSpec, convert, is_blank
from .rules import Basis, load_basis

LAYOUTS = {"文件式": "official.docx", "信函式": "letter.docx"}


@dataclass(frozen=True)
class Rule:
    """A content rule: ``require`` fields when ``when`` matches (always, without ``when``),
    ``not_before`` date order, ``contains``: a field (text, list or table) must contain one of some
    words, ``excludes``: fields must contain none of some words (both when ``when`` matches, if
    given). ``basis`` cites the article (see rules.py), and the message names it."""

    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require: tuple[str, ...] = ()
    not_before: tuple[str, str] | None = None
    contains: tuple[str, tuple[str, ...]] | None = None
    excludes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    term: tuple[str, str] | None = None  # a deadline field whose term is set by the basis ("15个工作日")
    basis: Basis = field(default_factory=Basis)


@dataclass(frozen=True)
class LedgerSpec:
    """Which fields the ledger takes from a record (the ``ledger:`` block of schema.yaml)."""

    subject: tuple[str, ...] = ()  # patterns like "{事由}"; the first that fills in wins
    # Whom the ledger lists the document for, when that is not the 主送单位: patterns like "{被函询人}".
    recipient: tuple[str, ...] = ()
    subtype: str | None = None
    reply_date: str | None = None  # a date field holding the reply deadline
    reply_days: str | None = None  # an integer field: reply within N days of receipt
    # A kind that answers or follows up another document: the field holding that document's 文号.
    related: str | None = None
    # A deadline field: the record's value is a calendar.Deadline (its .date and .rule).
    deadline: str | None = None
    # Fields a clerk may leave empty, to be filled from the ledger entry of the related 文号:
    # (field key, entry attribute), e.g. ("related_date", "doc_date").
    fill: tuple[tuple[str, str], ...] = ()
    # The kinds the related document may be (empty: any, or a document from outside the ledger).
    related_kinds: tuple[str, ...] = ()
    # A date field: once this document is issued, the related one is marked 已反馈 on that date.
    closes: str | None = None


@dataclass(frozen=True)
class KindSchema:
    id: str
    name: str
    folder: Path
    fields: tuple[FieldSpec, ...]
    aliases: tuple[str, ...] = ()
    description: str = ""
    default_layout: str = "文件式"
    filename: str = "{文号}_{主送单位}"
    protect_accuser: bool = False
    rules: tuple[Rule, ...] = ()
    ledger: LedgerSpec = field(default_factory=LedgerSpec)

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [spec.key for spec in self.fields]

    def template_path(self, layout: str | None = None) -> Path:
        layout = layout or self.default_layout
        return self.folder / LAYOUTS[layout]

    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.aliases)


def load_schema(path: Path) -> KindSchema:
    """Read and check one schema.yaml; every problem is a SchemaError naming the file."""
    import yaml

    where = str(path)
    try:
        # libyaml's loader when PyYAML has it (every kind is read at each start: 5 ms, not 35)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # safe: no object tags
    except (OSError, UnicodeDecodeError) as e:
        raise SchemaError(f"无法读取文书类型定义 {where}：{e}") from e
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        at = f" 第 {line + 1} 行" if line is not None else ""
        raise SchemaError(f"文书类型定义 {where}{at} 不是合法的 YAML") from e
    if not isinstance(data, dict):
        raise SchemaError(f"文书类型定义 {where} 应为键值结构")
    for required in ("id", "name", "fields"):
        if required not in data:
            raise SchemaError(f"文书类型定义 {where} 缺少「{required}」")
    protect = bool(data.get("protect_accuser", False))
    fields = tuple(_load_field(item, where, index) for index, item in enumerate(data["fields"], 1))
    _check_unique(fields, where)
    for spec in fields:
        _refuse_accuser_field(spec, where)
    layout = data.get("default_layout", "文件式")
    if layout not in LAYOUTS:
        raise SchemaError(f"文书类型定义 {where} 的 default_layout 应为 文件式 或 信函式")
    keys = {spec.key for spec in fields}
    _check_deadlines(fields, where)
    rules = tuple(_load_rule(item, where, keys) for item in data.get("rules") or [])
    ledger = _load_ledger(data.get("ledger") or {}, where, {spec.key: spec for spec in fields})
    return KindSchema(
        id=str(data["id"]),
        name=str(data["name"]),
        folder=path.parent,
        fields=fields,
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        description=str(data.get("description", "")),
        default_layout=layout,
        filename=str(data.get("filename", "{文号}_{主送单位}")),
        protect_accuser=protect,
        rules=rules,
        ledger=ledger,
    )


def _load_field(item: Any, where: str, index: int) -> FieldSpec:
    if not isinstance(item, dict) or "key" not in item or "label" not in item:
        raise SchemaError(f"文书类型定义 {where} 第 {index} 个字段缺少 key 或 label")
    key, label = str(item["key"]), str(item["label"])
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise SchemaError(
            f"文书类型定义 {where} 字段「{label}」的 key“{key}”只能用小写英文字母、数字和下划线"
        )
    kind = item.get("type", "text")
    if kind not in FIELD_TYPES:
        allowed = "、".join(FIELD_TYPES)
        raise SchemaError(f"文书类型定义 {where} 字段「{label}」的类型“{kind}”无效，可用：{allowed}")
    choices = tuple(str(c) for c in item.get("choices") or ())
    if kind == "choice" and not choices:
        raise SchemaError(f"文书类型定义 {where} 选项字段「{label}」缺少 choices")
    columns: tuple[FieldSpec, ...] = ()
    if kind == "table":
        raw_columns = item.get("columns") or []
        if not raw_columns:
            raise SchemaError(f"文书类型定义 {where} 表格字段「{label}」缺少 columns")
        columns = tuple(_load_field(c, where, i) for i, c in enumerate(raw_columns, 1))
        if any(c.type in ("table", "list", "multiline", "deadline") for c in columns):
            raise SchemaError(
                f"文书类型定义 {where} 表格字段「{label}」的栏目只能是单行的文本、日期、整数或选项"
            )
    spec = FieldSpec(
        key=key,
        label=label,
        type=kind,
        required=bool(item.get("required", False)),
        default=item.get("default"),
        help=str(item.get("help", "")),
        example=item.get("example", ""),
        choices=choices,
        format=item.get("format"),
        min=item.get("min"),
        max=item.get("max"),
        columns=columns,
        counts_from=item.get("from"),
        counts_from_label=str(item.get("from_label", "")),
        default_from=str(item["default_from"]) if item.get("default_from") else None,
        context=str(item.get("context") or ""),
    )
    if not is_blank(spec.default):
        try:
            convert(spec, spec.default)
        except FieldProblem as problem:
            raise SchemaError(f"文书类型定义 {where} 字段「{label}」的默认值{problem}") from None
    return spec


def _check_deadlines(fields: tuple[FieldSpec, ...], where: str) -> None:
    dates = {spec.key for spec in fields if spec.type == "date"}
    for spec in fields:
        if spec.type == "deadline" and spec.counts_from not in dates:
            raise SchemaError(
                f"文书类型定义 {where} 期限字段「{spec.label}」的 from 应指向一个已定义的日期字段（期限从该日起算）"
            )


def _check_unique(fields: tuple[FieldSpec, ...], where: str) -> None:
    seen: set[str] = set()
    for spec in fields:
        for name in (spec.key, spec.label):
            if name in seen:
                raise SchemaError(f"文书类型定义 {where} 中字段名「{name}」重复")
            seen.add(name)


def _refuse_accuser_field(spec: FieldSpec, where: str) -> None:
    for candidate in (spec, *spec.columns):
        for name in (candidate.key, candidate.label):
            if looks_like_accuser(name):
                raise SchemaError(
                    f"文书类型定义 {where} 不得包含可识别举报人身份的字段「{candidate.label}」："
                    "检举控告人的信息不得出现在文书及其数据中"
                )


def looks_like_accuser(name: str, extra_words: tuple[str, ...] = ()) -> bool:
    """Whether a field or column name names the person who made an accusation (not the accused:
    被反映人, 被举报人); see ``accuser.py``. No kind may declare such a field."""
    return find_accuser(name, extra_words) is not None


def refuses_accuser(kind: KindSchema, name: str, extra_words: tuple[str, ...] = ()) -> bool:
    """Whether ``kind`` refuses an input column named ``name``: the one place the
    ``protect_accuser`` flag is read for columns (values: ``Validator``)."""
    return kind.protect_accuser and looks_like_accuser(name, extra_words)


def _load_rule(item: Any, where: str, keys: set[str]) -> Rule:
    if not isinstance(item, dict):
        raise SchemaError(f"文书类型定义 {where} 的 rules 每项应为键值结构")
    basis = load_basis(item.get("basis"), where)
    if "term" in item:
        spec = item["term"]
        if not (isinstance(spec, dict) and len(spec) == 1 and set(spec) <= keys):
            raise SchemaError(f"文书类型定义 {where} 的 term 规则应写作 {{期限字段键: 期限}}")
        ((key, term),) = spec.items()
        return Rule(term=(key, str(term)), basis=basis)
    if "not_before" in item:
        pair = item["not_before"]
        if not (isinstance(pair, list) and len(pair) == 2 and set(pair) <= keys):
            raise SchemaError(f"文书类型定义 {where} 的 not_before 规则应列出两个已定义的日期字段")
        return Rule(not_before=(pair[0], pair[1]), basis=basis)
    when = item.get("when") or {}
    if not isinstance(when, dict) or not set(when) <= keys:
        raise SchemaError(f"文书类型定义 {where} 的 when/require 规则引用了未定义的字段")
    normalised = {k: tuple(v) if isinstance(v, list) else (str(v),) for k, v in when.items()}
    if "contains" in item:
        spec = item["contains"]
        if not (isinstance(spec, dict) and len(spec) == 1 and set(spec) <= keys):
            raise SchemaError(f"文书类型定义 {where} 的 contains 规则应写作 {{字段键: [词语, …]}}")
        ((key, words),) = spec.items()
        words = tuple(str(w) for w in (words if isinstance(words, list) else [words]))
        return Rule(when=normalised, contains=(key, words), basis=basis)
    if "excludes" in item:
        spec = item["excludes"]
        if not (isinstance(spec, dict) and spec and set(spec) <= keys):
            raise SchemaError(f"文书类型定义 {where} 的 excludes 规则应写作 {{字段键: [词语, …], …}}")
        refused = tuple(
            (str(k), tuple(str(w) for w in (v if isinstance(v, list) else [v]))) for k, v in spec.items()
        )
        return Rule(when=normalised, excludes=refused, basis=basis)
    require = item.get("require") or []
    if not require or not set(require) <= keys:
        raise SchemaError(f"文书类型定义 {where} 的 when/require 规则引用了未定义的字段")
    return Rule(when=normalised, require=tuple(require), basis=basis)


def _load_ledger(item: Any, where: str, fields: dict[str, FieldSpec]) -> LedgerSpec:
    if not isinstance(item, dict):
        raise SchemaError(f"文书类型定义 {where} 的 ledger 应为键值结构")
    expected = {
        "subtype": None,
        "reply_date": "date",
        "reply_days": "integer",
        "related": "text",
        "deadline": "deadline",
    }
    for name, kind in expected.items():
        key = item.get(name)
        if key is not None and (key not in fields or (kind and fields[key].type != kind)):
            raise SchemaError(
                f"文书类型定义 {where} 的 ledger.{name} 应指向一个已定义的{_TYPE_WORDS.get(kind, '')}字段"
            )
    subject = item.get("subject") or []
    if isinstance(subject, str):
        subject = [subject]
    recipient = item.get("recipient") or []
    if isinstance(recipient, str):
        recipient = [recipient]
    return LedgerSpec(
        subject=tuple(str(s) for s in subject),
        recipient=tuple(str(r) for r in recipient),
        subtype=item.get("subtype"),
        reply_date=item.get("reply_date"),
        reply_days=item.get("reply_days"),
        related=item.get("related"),
        deadline=item.get("deadline"),
        fill=_load_fill(item.get("fill") or {}, where, fields, item.get("related")),
        related_kinds=tuple(str(k) for k in item.get("related_kinds") or ()),
        closes=item.get("closes"),
    )


# What a ledger entry knows about a document, and the field type that can take it.
LEDGER_ATTRIBUTES = {
    "doc_date": "date",
    "reply_deadline": "date",
    "recipient": "text",
    "subject": "text",
    "subtype": "text",
}


def _load_fill(
    item: Any, where: str, fields: dict[str, FieldSpec], related: str | None
) -> tuple[tuple[str, str], ...]:
    if not isinstance(item, dict) or (item and related is None):
        raise SchemaError(
            f"文书类型定义 {where} 的 ledger.fill 应为“字段键: 台账项目”的键值表，并须同时写明 ledger.related"
        )
    pairs = []
    for key, attribute in item.items():
        wanted = LEDGER_ATTRIBUTES.get(str(attribute))
        spec = fields.get(str(key))
        if wanted is None:
            known = "、".join(LEDGER_ATTRIBUTES)
            raise SchemaError(
                f"文书类型定义 {where} 的 ledger.fill 中“{attribute}”不是台账项目，可用：{known}"
            )
        if spec is None or (spec.type == "date") != (wanted == "date") or spec.type in ("list", "table"):
            raise SchemaError(
                f"文书类型定义 {where} 的 ledger.fill 中“{key}”应为一个已定义的{_TYPE_WORDS[wanted]}字段"
            )
        pairs.append((str(key), str(attribute)))
    return tuple(pairs)


_TYPE_WORDS = {"date": "日期", "integer": "整数", "text": "文本", "deadline": "期限"}


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def fill_pattern(pattern: str, values: dict[str, Any]) -> tuple[str, bool]:
    """Fill ``{文号}_{主送单位}``-style placeholders (labels or keys); an empty placeholder drops
    with the literal after it. Returns the text and whether every placeholder had a value."""
    kept: list[str] = []
    complete = True
    drop_next_literal = False
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        if not drop_next_literal:
            kept.append(pattern[position : match.start()])
        value = _as_text(values.get(match.group(1).strip()))
        kept.append(value)
        drop_next_literal = not value
        complete = complete and bool(value)
        position = match.end()
    if not drop_next_literal:
        kept.append(pattern[position:])
    return "".join(kept), complete


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value).strip()
