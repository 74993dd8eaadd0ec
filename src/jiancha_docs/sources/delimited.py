"""CSV and Excel's "Unicode 文本" (.txt, UTF-16, tab-separated): encoding, delimiter and rows.

The encoding is chosen without asking (UTF-8 with or without BOM, UTF-16 with BOM, else GB 18030,
else the detector); rows are numbered as Excel numbers them when it opens the file — one row per
CSV *record*, so a quoted cell spanning several physical lines still counts as one row. The header
and the records are the table model's (model.py).
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError, os_reason
from .model import ReaderGen, ReadOptions, Source, TableRow, read_table, table_source

# How much of a CSV is handed to the encoding detector.
_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20

# Every name a detector may give a GB 2312 / GBK / GB 18030 file; GB 18030 decodes all of them.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn", "euccn", "ms936", "936", "hz_gb_2312"}

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_delimited(path: Path, name: str, options: ReadOptions) -> Source:
    """A CSV, or a .txt saved by Excel or WPS as "Unicode 文本" (UTF-16, tab-separated)."""
    fmt = "txt" if path.suffix.lower() == ".txt" else "csv"
    encoding = _detect_encoding(path, name)
    delimiter = _sniff_delimiter(path, encoding)
    if fmt == "txt" and delimiter != "\t":
        raise SourceError(
            f"{name}：只能读取制表符分隔的表格文本（Excel 另存为的“Unicode 文本”）",
            hint="请在 Excel 中“另存为”.xlsx、CSV 或“Unicode 文本(*.txt)”后再试",
        )
    notes: list[str] = []

    def reopen() -> ReaderGen:
        notes.clear()
        return read_table(_csv_rows(path, name, encoding, delimiter), name, options, notes)

    return table_source(path, name, fmt, reopen, encoding, notes)


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
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e
    if head.startswith(ZIP_MAGIC):
        raise SourceError(
            f"{name}：这其实是一个 Excel 工作簿（.xlsx），只是扩展名是 .csv；请把扩展名改为 .xlsx，或在 Excel 中另存为 CSV"
        )
    if head.startswith(OLE_MAGIC):
        raise SourceError(
            f"{name}：这其实是一个旧版 Excel 文件（.xls），只是扩展名是 .csv；请在 Excel 中另存为 CSV 或 .xlsx"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _check_utf16(path, name)
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
    if encoding.startswith(("utf_16", "utf_32")):
        # Without a byte-order mark this is a guess on bytes that are not text: reading them
        # as UTF-16 gives one row of nonsense and "0 records".
        raise SourceError(f"{name}：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
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
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e
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
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e
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
    """Comma, unless more of the first lines are tab-separated than comma-separated (Excel's and
    WPS's "Unicode 文本"). Several lines are weighed, not only the first: a register's title row
    above the header says nothing about the separator.

    Semicolons are not sniffed: a single-column file whose header contains one would be misread, and
    Chinese Excel never writes semicolon-separated files.
    """
    tabs = commas = lines = 0
    try:
        with path.open(encoding=encoding, newline="") as f:
            for _ in range(200):
                line = f.readline(65536)
                if not line:
                    break
                if not line.strip():
                    continue
                lines += 1
                # Separators inside quotes do not count: a title row written as one quoted cell
                # ("某某委\t2024年") separates nothing.
                by_tab, by_comma = _field_count(line, "\t"), _field_count(line, ",")
                # A line that splits as well both ways (a tab inside a comma-separated cell, or a
                # comma inside a tab-separated one) says nothing either way.
                if by_tab > 1 and by_tab > by_comma:
                    tabs += 1
                elif by_comma > 1 and by_comma > by_tab:
                    commas += 1
                if lines >= 20:
                    break
    except (OSError, UnicodeDecodeError):
        pass  # reported properly by the reader
    return "\t" if tabs > commas else ","


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), []))
    except csv.Error:
        return 1


_ENCODING_HINT = "请在 Excel 中“另存为”CSV UTF-8（逗号分隔）或 .xlsx 后再试"


def _check_utf16(path: Path, name: str) -> None:
    """A BOM followed by bytes that are not text (a damaged or binary file) is refused, not read
    as one header of nonsense: text decoded from it is full of unassigned or private-use code
    points, control characters or unpaired surrogates."""
    try:
        with path.open("rb") as f:
            sample = f.read(_SAMPLE_BYTES)
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e
    text = sample.decode("utf-16", errors="replace")
    if not text.strip("\ufeff"):
        return
    odd = sum(
        1
        for ch in text
        if ch == "\ufffd" or (unicodedata.category(ch) in ("Cn", "Co", "Cs", "Cc") and ch not in "\t\r\n")
    )
    if odd * 20 > len(text):
        raise SourceError(
            f"{name}：文件开头标明是 UTF-16 文本，但内容无法识别，文件可能已损坏", hint=_ENCODING_HINT
        )


def _csv_rows(path: Path, name: str, encoding: str, delimiter: str) -> Iterator[TableRow]:
    row = 0
    try:
        with path.open(encoding=encoding, newline="") as f:
            for cells in csv.reader(f, delimiter=delimiter):
                row += 1
                yield TableRow(row, [c.strip() for c in cells])
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
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e
