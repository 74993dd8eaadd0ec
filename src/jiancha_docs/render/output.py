"""Where documents go: file names from a pattern, sanitised and confined to the output folder,
written atomically without overwriting, and the manifest that lists every row's outcome."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..fileio import (
    TEMPORARY_PREFIX,
    TEMPORARY_SUFFIX,
    publish,
    temporary_name,
    write_atomic,
    write_temporary,
)
from ..kinds.schema import fill_pattern
from ..spreadsheet import csv_safe
from ..system import process_alive

__all__ = ["publish", "write_atomic", "write_temporary"]

# Characters Windows forbids in file names, path separators and control characters.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 180  # well inside the 255-byte limit of common file systems, suffix included


def manifest_path(outdir: Path, kind_name: str, now: dt.datetime | None = None) -> Path:
    """生成清单_<文书>_<时间>.csv: one manifest per run, so no run's record replaces another's."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    stem = sanitise(f"生成清单_{kind_name}_{stamp}")
    path, number = confined(outdir, stem + ".csv"), 1
    while path.exists():
        number += 1
        path = confined(outdir, f"{stem}_{number}.csv")
    return path


MANIFEST_HEADERS = ["来源文件", "行号", "输出文件", "状态", "说明"]


def name_from_pattern(pattern: str, values: dict[str, Any], fallback: str) -> str:
    """A file-name stem from ``{文号}_{主送单位}``-style patterns, or ``fallback`` when empty."""
    name = fill_pattern(pattern, values)[0].strip(" _-")
    return sanitise(name) if name else sanitise(fallback)


def sanitise(name: str) -> str:
    """A single safe file-name stem: no separators or forbidden characters, bounded length."""
    name = _FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        name = encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(" .")
    return name or "未命名"


class NameSet:
    """A set of file names that stays small for any batch: each name is kept as a 64-bit digest
    (about 50 bytes in memory instead of 150+), so 100,000 names cost a few megabytes. Two
    different names sharing a digest is a one-in-10¹⁰ event at that size, and would only add a
    "_2" to a name — deterministically, since the digest does not depend on the run."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._digests = {self._digest(name) for name in names}

    @staticmethod
    def _digest(name: str) -> int:
        return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big")

    def __contains__(self, name: str) -> bool:
        return self._digest(name) in self._digests

    def add(self, name: str) -> None:
        self._digests.add(self._digest(name))


def names_in(folder: Path) -> NameSet:
    """The names of the files in ``folder`` (none if it does not exist), read in one pass."""
    if not folder.is_dir():
        return NameSet()
    with os.scandir(folder) as entries:
        return NameSet(entry.name for entry in entries)


class NameAllocator:
    """Hands out distinct file names within one batch, in row order (so names are deterministic)."""

    def __init__(self, outdir: Path, suffix: str = ".docx") -> None:
        self.outdir = outdir
        self.suffix = suffix
        self._root: Path | None = None  # the output folder, resolved once it exists
        self._used = NameSet()  # case-folded: Windows and macOS folders ignore case

    def allocate(self, stem: str) -> Path:
        candidate, number = stem, 1
        while (candidate + self.suffix).casefold() in self._used:
            number += 1
            candidate = f"{stem}_{number}"
        self._used.add((candidate + self.suffix).casefold())
        if self._root is None:
            self._root = self.outdir.resolve()
        name = candidate + self.suffix
        path = self._root / name
        # A plain name (sanitise() leaves no separator, "." or ".."): the path is in the folder
        # without asking the file system. A symbolic link of that name cannot lead elsewhere
        # either: publish() links or renames onto the name, which never follows a link.
        if path.parent == self._root and path.name == name:
            return path
        return confined(self._root, name)


def confined(outdir: Path, name: str) -> Path:
    """The path of ``name`` inside ``outdir``; anything that would leave it is refused."""
    root = outdir.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise OutputError(f"输出文件名“{name}”会写到输出文件夹之外，已拒绝")
    return path


def remove_stale_temporaries(outdir: Path) -> int:
    """Delete temporary files left in ``outdir`` by runs that were killed; returns how many."""
    removed = 0
    with os.scandir(outdir) as entries:  # one entry at a time: the folder may hold 100,000 documents
        for entry in entries:
            if not (entry.name.startswith(TEMPORARY_PREFIX) and entry.name.endswith(TEMPORARY_SUFFIX)):
                continue
            pid = entry.name.split("-")[1]
            if pid.isdigit() and not process_alive(int(pid)):
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
    return removed


class ManifestWriter:
    """The manifest CSV (UTF-8 with BOM so Excel opens it), written as rows finish and renamed
    into place at the end, so it is complete or absent — never half a file under its real name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temporary = temporary_name(path.parent)
        self._stream = open(self._temporary, "x", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._stream)
        self._writer.writerow(MANIFEST_HEADERS)

    def add(self, source: str, row: int | None, output: str, status: str, message: str) -> None:
        # Values from other units' files and file names can start with = + - @: never formulas.
        cells = [source, "" if row is None else str(row), output, status, message]
        self._writer.writerow([csv_safe(cell) for cell in cells])

    def close(self) -> None:
        self._stream.close()
        publish(self._temporary, self.path, overwrite=True)

    def abandon(self) -> None:
        self._stream.close()
        if os.path.exists(self._temporary):
            os.unlink(self._temporary)
