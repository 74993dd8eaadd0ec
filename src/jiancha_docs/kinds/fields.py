"""Field types: turning a raw cell or YAML value into the value a template receives.

Each converter either returns the typed value or raises ``FieldProblem`` with a Chinese message that
the validator places after the file, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..calendar import Term, parse_term
from ..gbt9704 import doc_number_problems, normalise_number

FIELD_TYPES = {
    "text": "文本",
    "multiline": "多行文本",
    "list": "列表",
    "date": "日期",
    "integer": "整数",
    "choice": "选项",
    "table": "表格",
    "deadline": "期限",
}

# Characters XML 1.0 cannot carry: a Word document could not hold them at all.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LIST_SEPARATORS = re.compile(r"\n|；")
_CELL_SEPARATORS = re.compile(r"[|｜]")
_DATE_CN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_DATE_SEP = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTEGER = re.compile(r"^([+-]?\d+)\s*(?:天|日|个工作日)?$")
_INTEGER_CHARS = 18  # the longest integer text accepted (with sign, 天 …)
# Excel stores dates as days since 1899-12-30; plausible office dates lie in this range.
_EXCEL_SERIAL_RANGE = (20000, 80000)


class FieldProblem(ValueError):
    """A value that does not fit its field; the message is Chinese and names the value."""


@dataclass(frozen=True)
class BadValue:
    """A value a reader found but cannot give: a formula error, a formula whose result was never
    saved, JSON's NaN. It travels in the record like any value, and the field it lands in reports
    ``message`` (Chinese, naming the cell) as its problem."""

    message: str

    def __str__(self) -> str:
        return self.message


class CnDate(dt.date):
    """A date that prints the way GB/T 9704 writes it: 2024年12月1日, no zero padding."""

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月{self.day}日"

    @classmethod
    def of(cls, value: dt.date) -> CnDate:
        return cls(value.year, value.month, value.day)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    required: bool = False
    default: Any = None
    help: str = ""
    example: Any = ""
    choices: tuple[str, ...] = ()
    format: str | None = None
    min: int | None = None
    max: int | None = None
    columns: tuple[FieldSpec, ...] = field(default_factory=tuple)
    counts_from: str | None = None  # a deadline field: the date field its days count from
    counts_from_label: str = ""  # how the rule names that event, e.g. 送达日
    # A default made from other values: "经{机关简称|发文机关}主要负责同志批准" (see validate.py).
    default_from: str | None = None
    # A citations field: the sentence the document cites its entries in, e.g.
    # "根据{依据条款}的规定，现提出如下{建议类型}" (--check-citations compares it with the article).
    context: str = ""

    @property
    def type_label(self) -> str:
        return FIELD_TYPES[self.type]

    def empty_value(self) -> Any:
        """The value a template sees when the field is left empty."""
        if self.type in ("list", "table"):
            return []
        if self.type in ("date", "integer", "deadline"):
            return None
        return ""


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def quote(value: Any) -> str:
    text = str(value)
    if len(text) > 40:
        text = text[:40] + "…"
    return f"“{text}”"


def convert(spec: FieldSpec, raw: Any) -> Any:
    """Convert a non-blank raw value to the field's type, or raise FieldProblem."""
    if isinstance(raw, BadValue):
        raise FieldProblem(raw.message)
    converter = _CONVERTERS[spec.type]
    return converter(spec, raw)


def _to_text(spec: FieldSpec, raw: Any) -> str:
    if isinstance(raw, BadValue):
        raise FieldProblem(raw.message)
    if isinstance(raw, bool):
        raise FieldProblem(f"应为文字，而不是{'是' if raw else '否'}（布尔值）")
    if isinstance(raw, (list, dict)):
        raise FieldProblem("应为一段文字，而不是列表或表格")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    text = str(raw) if not isinstance(raw, dt.date) else str(CnDate.of(raw))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    check_characters(text)
    if spec.type == "text" and "\n" in text:
        raise FieldProblem("应为单行文字，不能换行")
    if spec.format == "doc_number":
        check_doc_number(text)
        text = normalise_number(text)  # 某纪通 〔2024〕 8号 is 某纪通〔2024〕8号: one number, one form
    return text


def check_characters(text: str) -> None:
    bad = _FORBIDDEN_CHARS.search(text)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise FieldProblem(f"含有 Word 文档无法保存的控制字符（{code}），请删除后重试")


def check_doc_number(text: str) -> None:
    """Enforce GB/T 9704 7.2.5 on input, with the checker's own rules (see gbt9704.py)."""
    problems = doc_number_problems(text)
    if problems:
        raise FieldProblem(f"文号{quote(text)}：" + "；".join(problems))


def _to_list(spec: FieldSpec, raw: Any) -> list[str]:
    if isinstance(raw, str):
        items: list[Any] = _LIST_SEPARATORS.split(raw.replace("\r\n", "\n").replace("\r", "\n"))
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        items = [raw]
    result = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, (list, dict)):
            raise FieldProblem(f"第 {index} 项应为一段文字")
        if is_blank(item):
            continue
        try:
            result.append(_to_text(FieldSpec(spec.key, spec.label, "multiline"), item))
        except FieldProblem as problem:
            raise FieldProblem(f"第 {index} 项{problem}") from None
    return result


_MIDNIGHT = re.compile(r"[ T]0?0:00(:00(\.0+)?)?$")


def _to_date(spec: FieldSpec, raw: Any) -> CnDate:
    if isinstance(raw, dt.datetime):
        return CnDate.of(raw.date())
    if isinstance(raw, dt.date):
        return CnDate.of(raw)
    if isinstance(raw, bool):
        raise FieldProblem(f"无法识别的日期{quote(raw)}")
    if isinstance(raw, (int, float)):
        return _from_excel_serial(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    # A date cell saved to CSV by Excel carries its (zero) time: "2026/9/28 0:00", "2026-09-28 00:00:00".
    text = _MIDNIGHT.sub("", text)
    match = _DATE_CN.match(text)
    if match:
        year, month, day = match.groups()
    else:
        match = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
        if not match:
            raise FieldProblem(
                f"无法识别的日期{quote(raw)}，请写作 2024-12-01、2024/12/1、2024.12.1 或 2024年12月1日"
            )
        groups = match.groups()
        year, month, day = (groups[0], groups[2], groups[3]) if len(groups) == 4 else groups
    return _make_date(int(year), int(month), int(day), raw)


def _from_excel_serial(raw: float) -> CnDate:
    low, high = _EXCEL_SERIAL_RANGE
    if not (low <= raw <= high) or not float(raw).is_integer():
        raise FieldProblem(f"无法识别的日期{quote(raw)}，请写作 2024-12-01 或 2024年12月1日")
    from openpyxl.utils.datetime import from_excel

    value = from_excel(raw)
    return CnDate.of(value.date() if isinstance(value, dt.datetime) else value)


def _make_date(year: int, month: int, day: int, raw: Any) -> CnDate:
    if not 1900 <= year <= 2100:
        raise FieldProblem(f"日期{quote(raw)}的年份 {year} 不合理")
    if not 1 <= month <= 12:
        raise FieldProblem(f"日期{quote(raw)}不存在：月份应为 1 至 12")
    try:
        return CnDate(year, month, day)
    except ValueError:
        raise FieldProblem(f"日期{quote(raw)}不存在：{year}年{month}月没有{day}日") from None


def _to_integer(spec: FieldSpec, raw: Any) -> int:
    if isinstance(raw, bool):
        raise FieldProblem(f"应为整数，而不是{quote(raw)}")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise FieldProblem(f"应为整数，而不是{quote(raw)}")
        value = int(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if len(text) > _INTEGER_CHARS:
            # (Python refuses to convert very long digit strings; no count of days is that long)
            raise FieldProblem(f"应为整数，{quote(raw)}过长（{len(text)} 个字符）")
        match = _INTEGER.match(text)
        value = int(match.group(1)) if match else _from_chinese_numeral(text, raw)
    if spec.min is not None and value < spec.min:
        raise FieldProblem(f"不能小于 {spec.min}，现为 {value}")
    if spec.max is not None and value > spec.max:
        raise FieldProblem(f"不能大于 {spec.max}，现为 {value}")
    return value


def _from_chinese_numeral(text: str, raw: Any) -> int:
    import cn2an

    number = re.sub(r"(天|日|个工作日)$", "", text)
    try:
        value = cn2an.cn2an(number, "strict")
    except (ValueError, KeyError, TypeError):
        raise FieldProblem(f"应为整数，无法识别{quote(raw)}") from None
    if not float(value).is_integer():
        raise FieldProblem(f"应为整数，而不是{quote(raw)}")
    return int(value)


def _to_term(spec: FieldSpec, raw: Any) -> Term:
    """A deadline as written: "15个工作日", "十五个工作日", "30日" or a date; resolved later
    from its starting date by the validator (see calendar.resolve)."""
    term = parse_term(raw)
    if term is None:
        try:
            return Term(date=_to_date(spec, raw))
        except FieldProblem:
            raise FieldProblem(
                f"无法识别的期限{quote(raw)}，请写作 15个工作日、30日 或 2026-10-23 这样的日期"
            ) from None
    assert term.count is not None
    if term.count < 1:
        raise FieldProblem(f"期限{quote(raw)}应至少为 1 日")
    if spec.max is not None and term.count > spec.max:
        raise FieldProblem(f"期限{quote(raw)}不能超过 {spec.max} 日")
    return term


def _to_choice(spec: FieldSpec, raw: Any) -> str:
    text = str(raw).strip()
    check_characters(text)
    if text in spec.choices:
        return text
    import difflib

    options = "、".join(spec.choices)
    close = difflib.get_close_matches(text, spec.choices, n=1, cutoff=0.5)
    guess = f"；是否应为“{close[0]}”？" if close else ""
    raise FieldProblem(f"{quote(text)}不是可选值，应为：{options}{guess}")


def _to_table(spec: FieldSpec, raw: Any) -> list[dict[str, Any]]:
    columns = spec.columns
    layout = "|".join(c.label for c in columns)
    if isinstance(raw, str):
        lines = [line for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
        rows: list[Any] = [[cell.strip() for cell in _CELL_SEPARATORS.split(line)] for line in lines]
    elif isinstance(raw, (list, tuple)):
        # A YAML/JSON list may hold rows as mappings, as lists, or as "任务|责任单位|完成时限" text.
        rows = [
            [cell.strip() for cell in _CELL_SEPARATORS.split(row)] if isinstance(row, str) else row
            for row in raw
        ]
    else:
        raise FieldProblem(f"应为表格，每行一项，格式“{layout}”")
    result = []
    for index, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            cells = _table_cells_from_mapping(row, columns, index)
        elif isinstance(row, (list, tuple)):
            if len(row) > len(columns) or (
                len(row) < len(columns) and not all(not c.required for c in columns[len(row) :])
            ):
                raise FieldProblem(f"第 {index} 项应有 {len(columns)} 栏（{layout}），实际有 {len(row)} 栏")
            cells = dict(zip([c.key for c in columns], row, strict=False))
        else:
            raise FieldProblem(f"第 {index} 项应为一行表格数据，格式“{layout}”")
        result.append(_convert_table_row(cells, columns, index))
    return result


def _table_cells_from_mapping(row: dict, columns: tuple[FieldSpec, ...], index: int) -> dict[str, Any]:
    by_name = {c.key: c.key for c in columns} | {c.label: c.key for c in columns}
    cells: dict[str, Any] = {}
    for name, value in row.items():
        key = by_name.get(str(name).strip())
        if key is None:
            known = "、".join(c.label for c in columns)
            raise FieldProblem(f"第 {index} 项有未知的栏目{quote(name)}，可用栏目：{known}")
        cells[key] = value
    return cells


def _convert_table_row(cells: dict[str, Any], columns: tuple[FieldSpec, ...], index: int) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for column in columns:
        value = cells.get(column.key)
        if is_blank(value):
            if column.required:
                raise FieldProblem(f"第 {index} 项的「{column.label}」不能为空")
            converted[column.key] = column.empty_value()
            continue
        try:
            converted[column.key] = convert(column, value)
        except FieldProblem as problem:
            raise FieldProblem(f"第 {index} 项的「{column.label}」{problem}") from None
    return converted


_CONVERTERS = {
    "text": _to_text,
    "multiline": _to_text,
    "list": _to_list,
    "date": _to_date,
    "integer": _to_integer,
    "choice": _to_choice,
    "table": _to_table,
    "deadline": _to_term,
}
