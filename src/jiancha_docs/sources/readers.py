"""Readers that turn a YAML, JSON, CSV or XLSX file into raw records with their row numbers.

This module owns everything about *reading* input files: choosing the reader by extension, detecting a
CSV's encoding, finding the header row, numbering rows as Excel does and wrapping every third-party
error in a ``SourceError`` whose Chinese message names the file (and the line or row where known).

What it does not do is interpret values: a CSV cell stays the text the clerk typed, a workbook cell
stays the Python value openpyxl gives (with integral floats made ``int``), a YAML or JSON value stays
native. Converting and validating them against a document kind is the validator's job.

Row numbers:

* CSV: one row per CSV *record*, header = 1, exactly as Excel shows the file when it opens it, so a
  quoted cell spanning several physical lines still counts as one row. Empty rows are skipped but
  counted.
* XLSX: the real sheet row numbers.
* YAML / JSON: the 1-based index of the record (``unit="record"``).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, SourceError

SUPPORTED_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")

# How much of a CSV is handed to the encoding detector.
_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20

# Every name a detector may give a GB 2312 / GBK / GB 18030 file; GB 18030 decodes all of them.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn", "euccn", "ms936", "936", "hz_gb_2312"}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawRecord:
    """One record as read from the file, before validation.

    ``problems`` holds row-level read problems in Chinese *without* the location (the caller wraps them
    in an ``Issue`` with ``location``), e.g. cells that have no column name; it is empty normally.
    """

    location: Location
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)


# A reader is a generator that yields the header list first, then the records.
_ReaderGen = Generator["list[str] | RawRecord", None, None]


@dataclass
class Source:
    """An opened input file: its headers are known, its records are read lazily by ``records()``.

    CSV and XLSX files are streamed: the file stays open from ``open_source`` until the first
    ``records()`` iterator is exhausted or ``close()`` is called (``with open_source(p) as src:`` does
    that). Calling ``records()`` again reads the file again from the start.
    """

    path: Path
    display_name: str
    format: str  # "yaml" | "json" | "csv" | "xlsx"
    headers: list[str]
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig", "gb18030", or the detector's name
    _reopen: Callable[[], _ReaderGen] | None = field(default=None, repr=False, compare=False)
    _pending: _ReaderGen | None = field(default=None, repr=False, compare=False)

    def records(self) -> Iterator[RawRecord]:
        """Yield the records in file order. Raises ``SourceError`` if the file breaks part-way."""
        if self._pending is not None:
            gen, self._pending = self._pending, None
        elif self._reopen is not None:
            gen = self._reopen()
            next(gen)  # the headers, already known
        else:
            return iter(())
        return _records_only(gen)

    def close(self) -> None:
        """Release the open file if ``records()`` was never (fully) iterated."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _records_only(gen: _ReaderGen) -> Iterator[RawRecord]:
    for item in gen:
        if isinstance(item, RawRecord):
            yield item


def open_source(path: Path, sheet: str | None = None) -> Source:
    """Open an input file by its extension and read its headers.

    ``sheet`` chooses a worksheet by name in an .xlsx file (default: the first one); it is ignored for
    other formats. Raises ``SourceError`` for anything that keeps the file from being read at all.
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise SourceError(f"找不到输入文件：{path}")
    if path.is_dir():
        raise SourceError(f"{path} 是一个文件夹，不是输入文件")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise SourceError(f"{name}：不支持旧版 Excel 文件（.xls），请在 Excel 中“另存为”.xlsx 格式后再试")
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"“{path.suffix}”" if path.suffix else "（没有扩展名）"
        raise SourceError(f"{name}：不支持的文件类型{shown}，支持的类型：{' '.join(SUPPORTED_SUFFIXES)}")

    if suffix in (".yaml", ".yml", ".json"):
        fmt = "json" if suffix == ".json" else "yaml"
        records = _load_structured(path, name, fmt)
        headers = _union_keys(records)
        return Source(path, name, fmt, headers, None, _reopen=lambda: _replay(headers, records))

    if suffix == ".csv":
        encoding = _detect_encoding(path, name)
        delimiter = _sniff_delimiter(path, encoding)

        def reopen() -> _ReaderGen:
            return _read_csv(path, name, encoding, delimiter)

        gen = reopen()
        headers = _first_headers(gen)
        return Source(path, name, "csv", headers, encoding, _reopen=reopen, _pending=gen)

    def reopen_xlsx() -> _ReaderGen:
        return _read_xlsx(path, name, sheet)

    gen = reopen_xlsx()
    headers = _first_headers(gen)
    return Source(path, name, "xlsx", headers, None, _reopen=reopen_xlsx, _pending=gen)


def _first_headers(gen: _ReaderGen) -> list[str]:
    first = next(gen)
    if not isinstance(first, list):  # pragma: no cover - every reader yields its headers first
        raise TypeError("reader must yield its headers first")
    return first


def _replay(headers: list[str], records: list[RawRecord]) -> _ReaderGen:
    yield headers
    yield from records


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as e:
        raise SourceError(f"{name}：没有读取这个文件的权限") from e
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{e.strerror or e}") from e


def _column_letter(index: int) -> str:
    """Excel's name for a 1-based column index: 1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _preview(value: Any, limit: int = 20) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------------------------------------- tables


@dataclass
class _Header:
    """The header row of a table: the named columns and where they are."""

    names: list[str]
    columns: list[int]  # 0-based column index of each name

    @classmethod
    def parse(cls, cells: list[str], name: str, row: int) -> _Header:
        names: list[str] = []
        columns: list[int] = []
        seen: dict[str, int] = {}
        for index, text in enumerate(cells):
            if not text:
                continue  # a blank header cell; data under it is reported row by row
            if text in seen:
                first = _column_letter(seen[text] + 1)
                raise SourceError(
                    f"{name} 第 {row} 行：列名“{text}”重复出现（{first} 列和 {_column_letter(index + 1)} 列），"
                    "请删除其中一列或改名"
                )
            seen[text] = index
            names.append(text)
            columns.append(index)
        return cls(names, columns)

    def record(self, cells: list[Any], location: Location) -> RawRecord:
        """Missing trailing cells read as ""; non-empty cells in unnamed columns become a problem."""
        values = {
            n: cells[c] if c < len(cells) else "" for n, c in zip(self.names, self.columns, strict=True)
        }
        named = set(self.columns)
        stray = [(i, v) for i, v in enumerate(cells) if i not in named and not _is_empty(v)]
        problems = []
        if stray:
            listed = "、".join(f"{_column_letter(i + 1)} 列“{_preview(v)}”" for i, v in stray)
            problems.append(f"以下单元格没有对应的列名，内容未被读取：{listed}；请补上列名或删除这些内容")
        return RawRecord(location, values, problems)


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


# ------------------------------------------------------------------------------------------------- CSV


def _detect_encoding(path: Path, name: str) -> str:
    """Pick the CSV's encoding without asking: UTF-8 (with or without BOM), else GB 18030, else the detector.

    Both UTF-8 and GB 18030 are checked over the whole file, so a file taken as one of them never fails
    half-way. GB 18030 is tried before charset_normalizer because on the short tables clerks write the
    detector often names cp949, big5 or even UTF-16 for GBK text, while the real-world alternative to
    UTF-8 here is always a GBK file saved by Excel on Chinese Windows.
    """
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{e.strerror or e}") from e
    if head.startswith(_ZIP_MAGIC):
        raise SourceError(
            f"{name}：这其实是一个 Excel 工作簿（.xlsx），只是扩展名是 .csv；请把扩展名改为 .xlsx，或在 Excel 中另存为 CSV"
        )
    if head.startswith(_OLE_MAGIC):
        raise SourceError(
            f"{name}：这其实是一个旧版 Excel 文件（.xls），只是扩展名是 .csv；请在 Excel 中另存为 CSV 或 .xlsx"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode 文本"

    utf8 = _scan(path, name, "utf-8")
    if utf8.error_at is None:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"

    sample = _sample(path, name, utf8.first_non_ascii or 0)
    if head.startswith(codecs.BOM_UTF8) or _mostly_utf8(sample):
        line = _line_of(path, utf8.error_at)
        raise SourceError(
            f"{name} 第 {line} 行附近有无法识别的字节，而文件其余部分是 UTF-8 编码，文件可能已损坏；"
            "请检查这一行，或重新导出为 UTF-8 编码的 CSV"
        )
    if b"\x00" not in sample and _scan(path, name, "gb18030").error_at is None:
        return "gb18030"

    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise SourceError(f"{name}：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    encoding = best.encoding.lower().replace("-", "_")
    return "gb18030" if encoding in _GB_FAMILY else best.encoding


@dataclass
class _Scan:
    error_at: int | None  # byte offset of the first undecodable byte (approximate by a few bytes)
    first_non_ascii: int | None


def _scan(path: Path, name: str, encoding: str) -> _Scan:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    first_non_ascii: int | None = None
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK_BYTES):
                if first_non_ascii is None and not chunk.isascii():
                    match = re.search(rb"[\x80-\xff]", chunk)
                    first_non_ascii = offset + (match.start() if match else 0)
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    return _Scan(max(offset + e.start - len(decoder.getstate()[0]), 0), first_non_ascii)
                offset += len(chunk)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return _Scan(offset, first_non_ascii)
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{e.strerror or e}") from e
    return _Scan(None, first_non_ascii)


def _sample(path: Path, name: str, near: int) -> bytes:
    """Up to 1 MiB of whole lines, starting at the line that holds byte ``near``."""
    try:
        with path.open("rb") as f:
            start = max(near - 4096, 0)
            f.seek(start)
            before = f.read(near - start)
            newline = before.rfind(b"\n")
            start = start + newline + 1 if newline >= 0 else start
            f.seek(start)
            data = f.read(_SAMPLE_BYTES)
            at_end = not f.read(1)
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{e.strerror or e}") from e
    if not at_end and (cut := data.rfind(b"\n")) > 0:
        data = data[: cut + 1]
    return data


def _mostly_utf8(sample: bytes) -> bool:
    """True for a UTF-8 file with a few damaged bytes, as opposed to a file in another encoding."""
    text = sample.decode("utf-8", errors="replace")
    errors = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - errors
    return non_ascii >= 20 and errors * 10 <= non_ascii


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as f:
        return f.read(offset).count(b"\n") + 1


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma, unless the header line has no comma but has tabs (Excel's and WPS's "Unicode 文本").

    Semicolons are not sniffed: a single-column file whose header contains one would be misread, and
    Chinese Excel never writes semicolon-separated files.
    """
    try:
        with path.open(encoding=encoding, newline="") as f:
            for _ in range(100):
                line = f.readline(65536)
                if not line:
                    break
                if line.strip():
                    return "\t" if "," not in line and "\t" in line.strip() else ","
    except (OSError, UnicodeDecodeError):
        pass  # reported properly by the reader
    return ","


def _read_csv(path: Path, name: str, encoding: str, delimiter: str) -> _ReaderGen:
    row = 0
    try:
        with path.open(encoding=encoding, newline="") as f:
            header: _Header | None = None
            for cells in csv.reader(f, delimiter=delimiter):
                row += 1
                stripped = [c.strip() for c in cells]
                if not any(stripped):
                    continue
                if header is None:
                    header = _Header.parse(stripped, name, row)
                    yield header.names
                    continue
                yield header.record(stripped, Location(name, row, "row"))
            if header is None:
                raise SourceError(f"{name}：文件是空的，找不到表头行")
    except UnicodeDecodeError as e:
        raise SourceError(
            f"{name} 第 {row + 1} 行附近：无法按 {encoding} 编码读取，文件可能已损坏或混用了多种编码；"
            "请另存为 UTF-8 编码的 CSV"
        ) from e
    except csv.Error as e:
        raise SourceError(
            f"{name} 第 {row + 1} 行：CSV 格式错误，无法读取这一行", hint=f"解析器提示：{e}"
        ) from e
    except PermissionError as e:
        raise SourceError(f"{name}：没有读取这个文件的权限") from e
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{e.strerror or e}") from e


# ------------------------------------------------------------------------------------------------ XLSX


def _read_xlsx(path: Path, name: str, sheet: str | None) -> _ReaderGen:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except PermissionError as e:
        raise SourceError(f"{name}：没有读取这个文件的权限") from e
    except Exception as e:  # openpyxl raises a dozen kinds of error on a damaged archive
        raise _damaged_workbook(path, name) from e
    try:
        worksheets = workbook.worksheets
        if sheet is None:
            if not worksheets:
                raise SourceError(f"{name}：工作簿里没有工作表")
            worksheet = worksheets[0]
        else:
            matches = [ws for ws in worksheets if ws.title == sheet]
            if not matches:
                available = "、".join(f"“{ws.title}”" for ws in worksheets) or "（无）"
                raise SourceError(f"{name}：找不到工作表“{sheet}”，可用的工作表：{available}")
            worksheet = matches[0]
        # The stored dimension can be wrong (too small, or the whole sheet); read what is really there.
        worksheet.reset_dimensions()
        header: _Header | None = None
        row = 0
        try:
            for row, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
                values = [_xlsx_value(v) for v in cells]
                if all(_is_empty(v) for v in values):
                    continue
                if header is None:
                    header = _Header.parse([_header_text(v) for v in values], name, row)
                    yield header.names
                    continue
                yield header.record(values, Location(name, row, "row"))
        except SourceError:
            raise
        except Exception as e:
            raise SourceError(
                f"{name} 第 {row + 1} 行附近：工作表“{worksheet.title}”读取失败，文件可能已损坏"
            ) from e
        if header is None:
            raise SourceError(f"{name}：工作表“{worksheet.title}”是空的，找不到表头行")
    finally:
        workbook.close()


def _damaged_workbook(path: Path, name: str) -> SourceError:
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        head = b""
    if head.startswith(_OLE_MAGIC):
        return SourceError(
            f"{name}：这是旧版 .xls 文件或设置了打开密码的 Excel 文件，无法读取",
            hint="请在 Excel 中取消密码，并“另存为”.xlsx 格式后再试",
        )
    return SourceError(
        f"{name}：无法打开 Excel 文件，文件可能已损坏，或不是真正的 .xlsx 文件",
        hint="请用 Excel 打开后重新“另存为”.xlsx 格式再试",
    )


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _header_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------------------------------- YAML/JSON

_KINDS = {
    dict: "映射",
    list: "列表",
    str: "文本",
    int: "数字",
    float: "数字",
    bool: "是/否值",
    type(None): "空值",
}


def _kind_of(value: Any) -> str:
    for cls, label in _KINDS.items():
        if type(value) is cls:
            return label
    if hasattr(value, "isoformat"):
        return "日期"
    return type(value).__name__


def _load_structured(path: Path, name: str, fmt: str) -> list[RawRecord]:
    data = _read_bytes(path, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        label = "YAML" if fmt == "yaml" else "JSON"
        raise SourceError(f"{name} 第 {line} 行：{label} 文件必须是 UTF-8 编码，请用 UTF-8 编码另存") from e
    if not text.strip():
        raise SourceError(f"{name}：文件是空的，没有任何记录")
    document = _parse_yaml(text, name) if fmt == "yaml" else _parse_json(text, name)

    if isinstance(document, dict):
        items = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise SourceError(
            f"{name}：文件内容应是一条记录（“字段: 值”的映射）或记录的列表，读到的却是{_kind_of(document)}"
        )
    records = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise SourceError(
                f"{name} 第 {index} 条记录不是“字段: 值”的映射（读到的是{_kind_of(item)}），"
                "列表中的每一项都应是一条记录"
            )
        records.append(_structured_record(item, Location(name, index, "record")))
    return records


def _structured_record(item: dict[Any, Any], location: Location) -> RawRecord:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in item.items():
        label = _header_text(key).strip() if key is not None else ""
        if not label:
            if not _is_empty(value):
                problems.append(f"有一个字段名是空的，它的值“{_preview(value)}”未被读取")
            continue
        if label in values:
            problems.append(f"字段名“{label}”重复出现（只差空格），请删除其中一个")
            continue
        values[label] = value
    return RawRecord(location, values, problems)


def _union_keys(records: list[RawRecord]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        seen.update(dict.fromkeys(record.values))
    return list(seen)


_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "此处不能出现“键: 值”（常见原因：冒号后缺少空格、缩进不一致，或值里有未加引号的冒号）",
    ),
    ("found character '\\t'", "使用了制表符（Tab），YAML 只能用空格缩进"),
    ("cannot start any token", "出现了不能放在开头的字符（如 @、`、%），请给这个值加上引号"),
    ("could not find expected ':'", "缺少冒号“:”，或上一行的引号没有闭合"),
    ("expected <block end>", "缩进不一致，请检查这一行与上面几行的缩进"),
    ("did not find expected key", "缩进不一致，或列表项“- ”与字段混在同一层"),
    ("did not find expected '-' indicator", "列表项的缩进不一致"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("found unexpected ':'", "冒号的位置不对，含冒号的值请加引号"),
    ("expected a single document", "文件里有多个文档（用 --- 分隔），请合并为一个记录列表"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("could not determine a constructor", "使用了不支持的标签（!!…），请去掉"),
    ("found duplicate key", "字段名重复出现，请删除其中一个"),
)


def _parse_yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())  # a SafeLoader subclass: never evaluates input
    except yaml.MarkedYAMLError as e:
        problem = " ".join(p for p in (e.context, e.problem) if p)
        # For an unclosed quote or bracket the end of the file is useless; point at where it opened.
        unclosed = "end of stream" in (e.problem or "") and e.context_mark is not None
        mark = e.context_mark if unclosed else (e.problem_mark or e.context_mark)
        explanation = next((zh for en, zh in _YAML_PROBLEMS if en in problem), None)
        where = f"{name} 第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else name
        if explanation:
            raise SourceError(f"{where}：YAML 格式错误，{explanation}") from e
        raise SourceError(
            f"{where}：YAML 格式错误，请检查缩进、冒号和引号", hint=f"解析器提示：{problem}"
        ) from e
    except yaml.YAMLError as e:
        raise SourceError(f"{name}：YAML 格式错误，请检查缩进、冒号和引号", hint=f"解析器提示：{e}") from e
    except RecursionError as e:
        raise SourceError(f"{name}：YAML 嵌套层数过多，无法读取") from e
    except ValueError as e:  # e.g. an integer with more digits than Python converts
        raise SourceError(f"{name}：YAML 中有无法读取的值", hint=f"解析器提示：{e}") from e


_LOADER: type | None = None


def _strict_loader() -> type:
    """A SafeLoader that rejects duplicate keys instead of silently keeping the last one."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml
    from yaml.constructor import ConstructorError

    class StrictSafeLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        duplicate = key in seen
                        seen.add(key)
                    except TypeError:
                        continue  # an unhashable key: SafeLoader reports it itself
                    if duplicate:
                        raise ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"found duplicate key {key!r}",
                            key_node.start_mark,
                        )
            return super().construct_mapping(node, deep=deep)

    _LOADER = StrictSafeLoader
    return _LOADER


_JSON_PROBLEMS = (
    ("Expecting ',' delimiter", "缺少逗号“,”"),
    ("Expecting ':' delimiter", "缺少冒号“:”"),
    (
        "Expecting property name enclosed in double quotes",
        "字段名必须用英文双引号括起来（也可能是最后多了一个逗号）",
    ),
    ("Expecting value", "此处缺少值（常见原因：多了一个逗号，或用了中文引号）"),
    ("Extra data", "数据结束后还有多余的内容"),
    ("Unterminated string", "字符串的引号没有闭合"),
    ("Invalid control character", "字符串中有换行等控制字符，请写成 \\n"),
    ("Invalid \\escape", "反斜杠转义无效（路径中的 \\ 请写成 \\\\）"),
    ("Invalid \\uXXXX escape", "反斜杠转义无效（路径中的 \\ 请写成 \\\\）"),
)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _parse_json(text: str, name: str) -> Any:
    import json

    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        explanation = next((zh for en, zh in _JSON_PROBLEMS if e.msg.startswith(en)), None)
        where = f"{name} 第 {e.lineno} 行第 {e.colno} 列"
        if explanation:
            raise SourceError(f"{where}：JSON 格式错误，{explanation}") from e
        raise SourceError(f"{where}：JSON 格式错误", hint=f"解析器提示：{e.msg}") from e
    except _DuplicateKey as e:
        raise SourceError(f"{name}：JSON 格式错误，字段名“{e.key}”在同一条记录中重复出现") from e
    except RecursionError as e:
        raise SourceError(f"{name}：JSON 嵌套层数过多，无法读取") from e
    except ValueError as e:  # e.g. an integer with more digits than Python converts
        raise SourceError(f"{name}：JSON 中有无法读取的值", hint=f"解析器提示：{e}") from e
