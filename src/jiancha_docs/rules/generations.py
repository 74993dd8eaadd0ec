"""Index generations: every build writes a new folder and then switches a pointer file atomically.

    rules-index/
      CURRENT           one line: the name of the generation in use
      gen-…/            a complete, never-modified index (engine files, manifest, regulations)
      tmp-…/            a build in progress (renamed to gen-… when complete)
      .lock             held by a build so that two builds do not interleave

A search reads CURRENT once and opens that generation; a build running at the same time never
touches it, so searching while another process re-indexes keeps working. Old generations are
removed two builds later (an open reader on POSIX keeps reading unlinked files anyway).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import IndexBusy, IndexCorrupt, IndexMissing

POINTER = "CURRENT"
LOCK = ".lock"
KEEP = 2  # the generation in use and the one before it
STALE_TMP_SECONDS = 3600


def fix_hint(index_dir: Path, rebuild: bool = False) -> str:
    command = "jiancha rules index"
    if rebuild:
        command += " --rebuild"
    return f"运行 {command} 建立索引（索引位置：{index_dir}）"


def current_generation(index_dir: Path) -> Path:
    """The folder of the generation in use; a clear error when there is none or it is damaged."""
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError as e:
        raise IndexMissing(f"尚未建立法规索引（{index_dir} 中没有索引）", hint=fix_hint(index_dir)) from e
    except (OSError, UnicodeDecodeError) as e:
        raise IndexCorrupt(f"法规索引已损坏：无法读取 {pointer}", hint=fix_hint(index_dir, True)) from e
    if not name.startswith("gen-") or "/" in name or "\\" in name:
        raise IndexCorrupt(f"法规索引已损坏：{pointer} 的内容无效", hint=fix_hint(index_dir, True))
    generation = index_dir / name
    if not generation.is_dir():
        raise IndexCorrupt(f"法规索引已损坏：找不到 {generation}", hint=fix_hint(index_dir, True))
    return generation


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"tmp-{uuid.uuid4().hex[:12]}"
    path.mkdir()
    return path


def publish(index_dir: Path, tmp: Path) -> Path:
    """Rename a finished build to gen-…, point CURRENT at it, and drop old generations."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    final = index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
    tmp.rename(final)
    from ..fileio import write_atomic

    write_atomic(index_dir / POINTER, (final.name + "\n").encode("utf-8"), overwrite=True)
    collect_garbage(index_dir, final)
    return final


def collect_garbage(index_dir: Path, current: Path) -> None:
    import shutil  # here: opening an index for a search never deletes anything

    generations = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir() and p != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in generations[KEEP - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
    now = time.time()
    for tmp in index_dir.glob("tmp-*"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                shutil.rmtree(tmp, ignore_errors=True)


def discard(tmp: Path) -> None:
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def build_lock(index_dir: Path, timeout: float = 300.0) -> Iterator[None]:
    """Serialise builds of one index (searches never take this lock)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK, "a+b")  # noqa: SIM115  (held for the whole build)
    try:
        _acquire(handle, index_dir, timeout)
        yield
    finally:
        with contextlib.suppress(OSError):
            _release(handle)
        handle.close()


def _acquire(handle, index_dir: Path, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.name == "nt":  # pragma: no cover - exercised on Windows only
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise IndexBusy(
                    f"另一个进程正在更新法规索引（{index_dir}），等待超时",
                    hint="等它完成后再运行 jiancha rules index",
                ) from None
            time.sleep(0.1)


def _release(handle) -> None:  # type: ignore[no-untyped-def]
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
