"""Facts about the running system shared by the modules that recover from killed runs.

A process is named by host, process id and start time (psutil), so a number held by a killed
run is settled even when the system has since given its process id to another program."""

from __future__ import annotations

import os
import socket


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running on this machine (a killed run's is not).

    A zombie — a process that has ended but whose parent has not yet collected it, as happens to
    render workers orphaned by a killed job in a container — counts as ended.
    """
    import psutil

    if pid == os.getpid():
        return True
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists, it is just not ours


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def holder_token() -> str:
    """This process, as the ledger records who holds a number: ``host:pid:start``."""
    start = _start_time(os.getpid())
    return (
        f"{socket.gethostname()}:{os.getpid()}:{start:.2f}"
        if start
        else f"{socket.gethostname()}:{os.getpid()}"
    )


def holder_alive(token: str) -> bool | None:
    """Whether the process a token names is still running: None when it ran on another machine
    (only that machine can tell). A token without a start time (written by an earlier version)
    is judged by its process id alone."""
    host, _, rest = token.partition(":")
    pid_text, _, start_text = rest.partition(":")
    if host != socket.gethostname():
        return None
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if not process_alive(pid):
        return False
    if not start_text:
        return True
    start = _start_time(pid)
    try:
        return start is not None and abs(start - float(start_text)) < 1.0
    except ValueError:
        return True
