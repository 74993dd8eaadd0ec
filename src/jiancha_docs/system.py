"""Facts about the running system shared by the modules that recover from killed runs."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running on this machine (a killed run's is not).

    A zombie — a process that has ended but whose parent has not yet collected it, as happens to
    render workers orphaned by a killed job in a container — counts as ended.
    """
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, it is just not ours
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            return stream.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): existing is all we can tell


def _windows_process_alive(pid: int) -> bool:
    """On Windows ``os.kill(pid, 0)`` would send Ctrl-C to a console, so ask the kernel."""
    import ctypes

    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied  # exists, but not ours
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
