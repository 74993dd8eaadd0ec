"""Rendering documents in this process or in worker processes, one chunk of records at a time.

The render job (batch.py) decides everything that must be decided in row order — validation,
文号, file names, the ledger, the manifest — and hands the rendering itself to a renderer:

* ``InlineRenderer`` renders in this process (small batches, ``--jobs 1``, ``--fail-fast``);
* ``ProcessRenderer`` renders in one worker process per core, so a batch uses every core.

A renderer turns a chunk of ``RenderTask`` into one ``Rendered`` per task: the document written
to a temporary file in the output folder and its SHA-256, or the problem in Chinese. Only the job
gives a temporary its real name (after the ledger has the digest), so a worker never writes a
document under its real name, and a worker that dies leaves only temporaries, which carry its
pid and are removed by the next run.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import JianchaError, TemplateProblem


@dataclass(frozen=True)
class RenderTask:
    context: dict[str, Any]
    path: Path  # the document's real name; its temporary file goes in the same folder
    draft: bool = False  # mark the document 草稿 (render --draft)


@dataclass(frozen=True)
class Rendered:
    temporary: Path | None = None
    digest: str | None = None
    problem: str | None = None  # Chinese, when the document could not be made
    hint: str | None = None
    stops_job: bool = False  # the template (or the program) is at fault, not the record


def render_chunk(prepared: Any, tasks: list[RenderTask]) -> list[Rendered]:
    """Render and write each task; a problem is reported per task, never raised."""
    results = []
    for task in tasks:
        try:
            data = prepared.render_bytes(task.context)
        except JianchaError as e:
            results.append(Rendered(problem=e.message, hint=e.hint, stops_job=isinstance(e, TemplateProblem)))
            continue
        except Exception as e:  # noqa: BLE001  a fault of the program: stop the job at this row
            problem = f"生成文书时出现内部错误：{type(e).__name__}: {e}"
            results.append(Rendered(problem=problem, stops_job=True))
            continue
        if task.draft:
            from .draft import mark_draft

            data = mark_draft(data)
        try:
            from ..fileio import write_temporary

            temporary = write_temporary(task.path.parent, data, task.path)
        except JianchaError as e:
            results.append(Rendered(problem=e.message))
            continue
        results.append(Rendered(temporary, hashlib.sha256(data).hexdigest()))
    return results


_PREPARED: dict[tuple, Any] = {}  # a long-running process (jiancha serve) prepares a template once
_PREPARED_KEEP = 16


def make_prepared(template: Path, rules_index: Path | None, data: bytes | None = None) -> Any:
    """The prepared template with the environment every render uses (the ``article`` filter
    backed by the rules index when there is one); ``data``: the template's bytes, if read.
    A template file prepared before in this process, unchanged since, is not prepared again
    (a prepared template is only read by rendering)."""
    if data is not None:
        return _make_prepared(template, rules_index, data)
    try:
        stat = Path(template).stat()
        key = (str(Path(template).resolve()), stat.st_mtime_ns, stat.st_size, str(rules_index))
    except OSError:
        return _make_prepared(template, rules_index, data)  # (the reader names the problem)
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _make_prepared(template, rules_index, data)
        if len(_PREPARED) >= _PREPARED_KEEP:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = prepared
    return prepared


def _make_prepared(template: Path, rules_index: Path | None, data: bytes | None) -> Any:
    from .docx import PreparedTemplate
    from .environment import make_environment

    lookup = None
    if rules_index is not None:
        from ..rules.citations import article_text

        def lookup(reference: str) -> str:
            return article_text(reference, rules_index)

    return PreparedTemplate(template, make_environment(lookup), data)


def completed(value: Any) -> Future:
    """A future that is already done (for work done on the spot)."""
    future: Future = Future()
    future.set_result(value)
    return future


class InlineRenderer:
    """Renders in this process; ``submit`` returns a future that is already done."""

    workers = 0

    def __init__(self, prepared: Any) -> None:
        self.prepared = prepared

    def submit(self, tasks: list[RenderTask]) -> Future:
        return completed(render_chunk(self.prepared, tasks))

    def close(self, cancel: bool = False) -> None:
        pass


class ProcessRenderer:
    """A pool of worker processes, each with its own prepared copy of the template."""

    def __init__(
        self,
        prepared: Any,
        template: Path,
        rules_index: Path | None,
        workers: int,
        start_method: str | None = None,
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        # fork on Linux: workers start in milliseconds with everything imported and inherit the
        # prepared template. Elsewhere (spawn; fork is unsafe on macOS and absent on Windows)
        # each worker prepares its own copy from the bytes this process read, so a template
        # edited on disk meanwhile cannot change the batch. Workers never touch the ledger,
        # whose connection a forked worker inherits unused.
        method = start_method or ("fork" if sys.platform.startswith("linux") else "spawn")
        inherited = prepared if method == "fork" else None
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
            initargs=(inherited, template, prepared.data, rules_index, os.getpid()),
        )

    def submit(self, tasks: list[RenderTask]) -> Future:
        return self._pool.submit(_render_in_worker, tasks)

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- inside a worker process -------------------------------------------------------------------
_prepared: Any = None


def _start_worker(inherited: Any, template: Path, data: bytes, rules_index: Path | None, parent: int) -> None:
    global _prepared
    # Ctrl-C is the job's to handle: it stops the workers in order and keeps the ledger right.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _prepared = inherited if inherited is not None else make_prepared(template, rules_index, data)


def _exit_with_parent(parent: int) -> None:
    """A worker whose job was killed (SIGKILL, a crash) must not linger: it exits when orphaned."""
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _render_in_worker(tasks: list[RenderTask]) -> list[Rendered]:
    return render_chunk(_prepared, tasks)
