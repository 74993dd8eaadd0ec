"""Choosing the reader for an input file, and the list of input files a command was given.

Each format lives in its own module behind one interface (``model.Reader``: path, display name,
``ReadOptions`` → ``Source``): ``delimited`` (CSV, Excel's Unicode text), ``xlsx`` and
``structured`` (YAML, JSON). The header/row model they share is ``model``.

Row numbers:

* CSV / text: one row per CSV *record*, as Excel numbers the file when it opens it.
* XLSX: the real sheet row numbers.
* YAML / JSON: the 1-based index of the record (``unit="record"``).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from .delimited import open_delimited
from .model import Reader, ReadOptions, Source
from .structured import open_structured
from .xlsx import open_xlsx

READERS: dict[str, Reader] = {
    ".yaml": open_structured,
    ".yml": open_structured,
    ".json": open_structured,
    ".csv": open_delimited,
    ".txt": open_delimited,
    ".xlsx": open_xlsx,
}
SUPPORTED_SUFFIXES = tuple(READERS)

_OLD_OFFICE = {
    ".xls": "旧版 Excel 文件（.xls）",
    ".et": "WPS 表格文件（.et）",
    ".xlsm": "含宏的 Excel 文件（.xlsm）",
    ".ods": "OpenDocument 表格（.ods）",
}


def display_name(path: Path) -> str:
    """The file's name as the user sees it. A name whose bytes are not UTF-8 (a GBK name copied
    from a Windows share) is decoded as GB 18030, or shown with its odd bytes as �, never as
    unprintable surrogates."""
    name = path.name or str(path)
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", errors="replace")


def shown_path(path: Path) -> str:
    """A path as given, printable (see ``display_name``)."""
    return str(path.parent / display_name(path)) if path.name else str(path)


def open_source(
    path: Path,
    sheet: str | None = None,
    header_row: int | None = None,
    known: Callable[[str], bool] | None = None,
) -> Source:
    """Open an input file by its extension and read its headers.

    ``sheet`` chooses a worksheet by name in an .xlsx file (default: the first visible one);
    ``header_row`` says which row is the header (default: the first row whose cells ``known``
    recognises as column names, else the first non-empty row). Raises ``SourceError`` for anything
    that keeps the file from being read at all.
    """
    path = Path(path)
    name = display_name(path)
    if not path.exists():
        raise SourceError(f"找不到输入文件：{path}" if path.name else f"找不到输入文件：{name}")
    if path.is_dir():
        raise SourceError(f"{name} 是一个文件夹，不是输入文件")
    suffix = path.suffix.lower()
    if suffix in _OLD_OFFICE:
        raise SourceError(
            f"{name}：不支持{_OLD_OFFICE[suffix]}，请在 Excel 或 WPS 中“另存为”.xlsx 格式后再试"
        )
    reader = READERS.get(suffix)
    if reader is None:
        shown = f"“{path.suffix}”" if path.suffix else "（没有扩展名）"
        raise SourceError(f"{name}：不支持的文件类型{shown}，支持的类型：{' '.join(SUPPORTED_SUFFIXES)}")
    return reader(path, name, ReadOptions(sheet=sheet, header_row=header_row, known=known))


@dataclass
class InputList:
    """The input files of a command, and what was left out (Excel's lock files) as notes."""

    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_lock_file(path: Path) -> bool:
    """Excel and WPS keep ``~$登记表.xlsx`` beside a workbook while it is open: never a register."""
    return path.name.startswith(("~$", ".~"))


def collect_inputs(given: Iterable[Path]) -> InputList:
    """Expand wildcards the shell left (Windows' cmd does not expand them), skip lock files, and
    refuse the whole list when a named file does not exist — before any output is made."""
    found = InputList()
    missing: list[str] = []
    for path in given:
        text = str(path)
        if any(ch in text for ch in "*?[") and not path.exists():
            matches = sorted(Path(p) for p in glob.glob(text))
            if not matches:
                missing.append(shown_path(path))
            candidates = matches
        else:
            candidates = [path]
        for candidate in candidates:
            if is_lock_file(candidate):
                found.notes.append(f"{display_name(candidate)} 是 Excel/WPS 打开文件时生成的临时文件，已跳过")
                continue
            if not candidate.exists():
                missing.append(shown_path(candidate))
                continue
            found.paths.append(candidate)
    if missing:
        listed = "、".join(missing)
        raise SourceError(f"找不到输入文件：{listed}", hint="请检查文件名和所在文件夹；没有生成任何文书")
    if not found.paths:
        raise SourceError("没有可读取的输入文件", hint="请指定登记表（.xlsx、.csv、.yaml、.json）")
    return found
