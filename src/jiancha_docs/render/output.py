"""Where documents go: file names from a pattern, sanitised and confined to the output folder,
written atomically without overwriting, and the manifest that lists every row's outcome."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..kinds.schema import fill_pattern
from ..system import process_alive

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


class NameAllocator:
    """Hands out distinct file names within one batch, in row order (so names are deterministic)."""

    def __init__(self, outdir: Path, suffix: str = ".docx") -> None:
        self.outdir = outdir
        self.suffix = suffix
        self._used: set[str] = set()

    def allocate(self, stem: str) -> Path:
        candidate, number = stem, 1
        while (candidate + self.suffix).casefold() in self._used:
            number += 1
            candidate = f"{stem}_{number}"
        self._used.add((candidate + self.suffix).casefold())
        return confined(self.outdir, candidate + self.suffix)


def confined(outdir: Path, name: str) -> Path:
    """The path of ``name`` inside ``outdir``; anything that would leave it is refused."""
    root = outdir.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise OutputError(f"输出文件名“{name}”会写到输出文件夹之外，已拒绝")
    return path


def write_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Write via a temporary file and a rename, so an interrupted run never leaves half a file.

    Without ``overwrite`` the final step is a hard link, which fails if the name exists: an
    existing document is never replaced, even by a process racing this one.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(), suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if overwrite:
            os.replace(temporary, path)
            return
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise OutputError(f"文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force") from None
        except OSError:
            # File systems without hard links (FAT, some network shares): check, then rename.
            if path.exists():
                raise OutputError(f"文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force") from None
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _temporary_prefix() -> str:
    # The writer's pid in the name lets a later run tell a dead run's leftovers from a live one's.
    return f".jiancha-{os.getpid()}-"


def remove_stale_temporaries(outdir: Path) -> int:
    """Delete temporary files left in ``outdir`` by runs that were killed; returns how many."""
    removed = 0
    for leftover in outdir.glob(".jiancha-*.part"):
        pid = leftover.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


class ManifestWriter:
    """The manifest CSV (UTF-8 with BOM so Excel opens it), written as rows finish and renamed
    into place at the end, so it is complete or absent — never half a file under its real name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        handle, self._temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_temporary_prefix(), suffix=".part"
        )
        self._stream = os.fdopen(handle, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._stream)
        self._writer.writerow(MANIFEST_HEADERS)

    def add(self, source: str, row: int | None, output: str, status: str, message: str) -> None:
        self._writer.writerow([source, "" if row is None else row, output, status, message])

    def close(self) -> None:
        self._stream.close()
        os.replace(self._temporary, self.path)

    def abandon(self) -> None:
        self._stream.close()
        if os.path.exists(self._temporary):
            os.unlink(self._temporary)
