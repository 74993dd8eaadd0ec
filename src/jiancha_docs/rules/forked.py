"""Work done in a forked process beside this one: the index build on two cores.

A child starts with a copy of the parent's memory (the parsed regulations, jieba's dictionary
once loaded), does one piece of work, writes its files and sends back only how it ended. The
parent waits for it with ``join``, which raises what the child raised; a child that died
(killed, out of memory) raises ``RulesIndexError``. Where ``fork`` is not available, or the
machine has one core, ``Forked`` runs the work at once in this process, so callers have one path.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from typing import Any

from ..errors import JianchaError
from .errors import RulesIndexError


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


class Forked:
    """``work(*args)`` in a forked child (or here, when forking is not available)."""

    def __init__(self, work: Callable[..., None], *args: Any, fork: bool | None = None) -> None:
        self._process: Any = None
        if not (available() if fork is None else fork):
            work(*args)
            return
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(writer, work, args), daemon=True)
        self._process.start()
        writer.close()

    def join(self) -> None:
        """Wait for the child; raise what it raised."""
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            outcome = self._reader.recv()
        except (EOFError, OSError):
            outcome = None
        finally:
            self._reader.close()
        process.join()
        if outcome is None:
            raise RulesIndexError(f"建立法规索引的子进程意外退出（退出码 {process.exitcode}），索引未更新")
        if outcome != "ok":
            raise outcome

    def kill(self) -> None:
        """Stop the child (the parent failed or was interrupted)."""
        process = self._process
        if process is None:
            return
        self._process = None
        process.kill()
        process.join()
        self._reader.close()


def _child(writer: Any, work: Callable[..., None], args: tuple[Any, ...]) -> None:
    outcome: Any = "ok"
    try:
        work(*args)
    except BaseException as e:  # sent to the parent, which raises it
        outcome = _portable(e)
    writer.send(outcome)
    writer.close()


def _portable(error: BaseException) -> BaseException:
    """The error itself if it survives pickling, else one that says the same in Chinese."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        if isinstance(error, JianchaError):
            return JianchaError(error.message, error.hint)
        return RulesIndexError(f"建立法规索引时出错：{error}")
