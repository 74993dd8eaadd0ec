"""Facts about the running system shared by the modules that recover from killed runs."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running on this machine (a killed run's is not).

    A zombie — a process that has ended but whose parent has not yet collected it, as happens to
    render workers orphaned by a killed job in a container — counts as ended.
    """
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
        return True  # no /proc (Windows, macOS): existing is all we can tell
