"""Writing files so that nothing is lost: the one atomic-write helper every writer uses.

A file is written under a temporary name in its own folder and then given its real name in one
step, so an interrupted run never leaves half a file under the real name. Without
``overwrite`` the last step is a hard link, which fails if the name exists: an existing
document is never replaced, even by a process racing this one. Files get the permissions the
user's umask gives (not the 0600 of ``mkstemp``), so colleagues on a shared folder can open them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError, os_reason

TEMPORARY_PREFIX = ".jiancha-"
TEMPORARY_SUFFIX = ".part"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def finish_permissions(path: Path | str) -> None:
    """Give a file a library created privately (mkstemp, sqlite) the umask's permissions."""
    with suppress(OSError):
        os.chmod(path, 0o666 & ~_umask())


def temporary_name(folder: Path) -> Path:
    # The writer's pid in the name lets a later run tell a dead run's leftovers from a live one's.
    return folder / f"{TEMPORARY_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"


def _create(path: Path) -> int:
    # 0o666 lets the umask decide the final permissions, as a plain open() would.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def write_temporary(folder: Path, data: bytes, target: Path | None = None) -> Path:
    """``data`` in a new temporary file in ``folder``, on its way to becoming ``target`` (which
    errors name); the caller publishes or deletes it."""
    temporary = temporary_name(folder)
    try:
        handle = _create(temporary)
    except OSError as e:
        raise write_error(target or folder / "临时文件", e) from e
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException as e:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise write_error(target or temporary, e) from e
        raise
    return temporary


def publish(temporary: Path, path: Path, overwrite: bool = False) -> None:
    """Give a complete temporary file its real name in one step; without ``overwrite`` an
    existing file is never replaced. The temporary is gone afterwards, whatever happens."""
    try:
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
    except OSError as e:
        raise write_error(path, e) from e
    finally:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    publish(write_temporary(path.parent, data, path), path, overwrite)


@contextmanager
def atomic_file(path: Path, overwrite: bool = True) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only once the block finishes without error."""
    folder = path.parent if str(path.parent) else Path(".")
    temporary = temporary_name(folder)
    try:
        handle = _create(temporary)
    except OSError as e:
        raise write_error(path, e) from e
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as e:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise write_error(path, e) from e
        raise
    publish(temporary, path, overwrite)


def write_error(path: Path, error: OSError) -> OutputError:
    """A system error on writing, in words a clerk can act on."""
    if isinstance(error, FileNotFoundError):
        return OutputError(f"{path.name}：无法写入，文件夹不存在：{path.parent}")
    if isinstance(error, PermissionError):
        return OutputError(
            f"{path.name}：无法写入，没有写入权限，或文件正被其他程序（如 Word、Excel、WPS）打开；请关闭后重试"
        )
    if isinstance(error, IsADirectoryError):
        return OutputError(f"{path.name}：无法写入，同名的文件夹已存在")
    if error.errno == 30:  # EROFS
        return OutputError(f"{path.name}：无法写入，{path.parent} 是只读的（只读共享或只读磁盘）")
    if error.errno == 28:  # ENOSPC
        return OutputError(f"{path.name}：无法写入，磁盘空间已满")
    return OutputError(f"{path.name}：无法写入：{os_reason(error)}")
