"""A render job: input files → validated records → documents in the output folder + manifest.

Every row is validated before anything is written for it; a bad row is reported and skipped, the
rest of the batch goes on (unless ``fail_fast``), and the job's report says what failed.
The Word template is prepared once per job, not once per row.

Rows stream through three steps, so a batch of any size runs in the same memory:

1. *plan*, in this process and in row order: validate, take the 文号 from the ledger, choose the
   file name — everything whose result depends on the rows before;
2. *render*, in chunks of ``CHUNK_ROWS`` rows, on every core (workers.py): each document is
   rendered and written to a temporary file, and its digest computed;
3. *complete*, in this process and in row order: the ledger records the digests, each temporary
   gets its real name, the ledger registers the documents, the manifest lists the rows.

Only a few chunks are between steps 1 and 3 at any time. File names, 文号 and the manifest are
decided in row order in one process, so they are the same whether one core renders or many.

With a ledger, a record without 文号 gets the next number for its 代字; an explicit 文号 is
checked against the ledger; every written document is registered (see ledger/store.py for how a
crash between allocation and writing is settled; a job that stops early settles its own numbers).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    Issue,
    JianchaError,
    Location,
    OutputError,
    SourceError,
    TemplateProblem,
    UsageError,
    os_reason,
)
from ..kinds import LAYOUTS, KindSchema, Record, Validator
from ..ledger.db import LedgerError
from ..ledger.store import has_digest
from .output import (
    ManifestWriter,
    NameAllocator,
    NameSet,
    manifest_path,
    name_from_pattern,
    names_in,
    publish,
    remove_stale_temporaries,
)
from .workers import Rendered, RenderTask, completed

if TYPE_CHECKING:
    from ..ledger import Ledger

STATUS_DONE = "已生成"
STATUS_CHECKED = "校验通过"
STATUS_FAILED = "失败"

CHUNK_ROWS = 16  # rows handed to a renderer at once
PARALLEL_FROM = 64  # rows rendered in this process before worker processes are worth starting


@dataclass
class RenderOptions:
    outdir: Path
    layout: str | None = None
    template: Path | None = None
    sheet: str | None = None
    header_row: int | None = None  # the header's row number; None: the first row naming columns
    columns: dict[str, str] = field(default_factory=dict)  # the office's column names (validate.py)
    force: bool = False
    check_only: bool = False
    fail_fast: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)
    # The ledger: where it is (None: do not number or register), the 代字 settings, --code,
    # and --force-number (re-issue an explicit number the ledger already has).
    ledger_path: Path | None = None
    numbering: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    force_number: bool = False
    # The rules index: for the templates' ``article`` filter, and, with check_citations, to
    # verify every 《标题》第N条 in the fields whose schema format is ``citations``.
    rules_index: Path | None = None
    check_citations: bool = False
    # Processes that render (None: one per core; 1: this process only).
    jobs: int | None = None
    # Keep every row's outcome in the report (a library caller's convenience). Off, the report
    # keeps counts and the failed rows only, so 100,000 rows cost no more memory than 100.
    keep_outcomes: bool = True


@dataclass
class RowOutcome:
    location: Location
    status: str
    output: Path | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class RenderReport:
    outcomes: list[RowOutcome] = field(default_factory=list)  # every row, with keep_outcomes
    failures: list[RowOutcome] = field(default_factory=list)  # the rows that failed, always
    file_issues: list[Issue] = field(default_factory=list)
    manifest: Path | None = None
    stopped_early: bool = False
    ledger_notes: list[str] = field(default_factory=list)  # numbers settled after an earlier crash
    numbered: int = 0  # numbers allocated from the ledger in this job
    unregistered: int = 0  # documents written without a 文号 (no 代字 configured): not in the ledger
    workers: int = 0  # worker processes that rendered (0: this process alone)
    total: int = 0
    written: int = 0
    checked: int = 0
    failed: int = 0

    def add(self, outcome: RowOutcome, keep: bool = True) -> None:
        self.total += 1
        if outcome.status == STATUS_DONE:
            self.written += 1
        elif outcome.status == STATUS_CHECKED:
            self.checked += 1
        else:
            self.failed += 1
            self.failures.append(outcome)
        if keep:
            self.outcomes.append(outcome)

    @property
    def failed_files(self) -> int:
        return sum(1 for i in self.file_issues if i.severity == "error")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.failed_files == 0

    def issues(self) -> list[Issue]:
        """Every message in input order: file-level ones, then each failed row's."""
        found = list(self.file_issues)
        for outcome in self.failures:
            found.extend(outcome.issues)
        return found


def template_for(kind: KindSchema, layout: str | None, template: Path | None) -> Path:
    if template is not None:
        return template
    if layout is not None and layout not in LAYOUTS:
        raise UsageError(f"版式“{layout}”无效，应为：{'、'.join(LAYOUTS)}")
    return kind.template_path(layout)


def render_records(
    kind: KindSchema,
    inputs: Iterable[Path],
    options: RenderOptions,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> RenderReport:
    """Run one render job. Raises only for problems that concern the whole job (the template,
    the output folder, the ledger); row and file problems are in the report."""
    return _Job(kind, options, on_row).run(inputs)


class _Job:
    def __init__(
        self, kind: KindSchema, options: RenderOptions, on_row: Callable[[RowOutcome], None] | None
    ) -> None:
        from .workers import make_prepared

        self.kind = kind
        self.options = options
        self.on_row = on_row
        self.layout = options.layout or kind.default_layout
        self.template = template_for(kind, options.layout, options.template)
        self.prepared = make_prepared(self.template, options.rules_index)
        self.citation_fields = [spec for spec in kind.fields if spec.format == "citations"]
        self.validator = Validator(kind, options.defaults, options.columns)
        self.names = NameAllocator(options.outdir)
        self.report = RenderReport()
        self.manifest: ManifestWriter | None = None
        self.ledger: Ledger | None = None
        self.renderer: Any = None
        self.pending: list[_Row] = []  # planned rows not yet handed to the renderer
        self.in_flight: deque[tuple[list[_Row], Future]] = deque()
        self.completing: list[Rendered] = []  # the chunk being completed
        self.held: set[str] = set()  # 文号 this job holds as 生成中
        self.planned = 0
        self.existing: NameSet | None = None  # file names in the output folder at the start
        self.stop = _StopRequest()

    # -- the job -----------------------------------------------------------------------------------
    def run(self, inputs: Iterable[Path]) -> RenderReport:
        if self.options.check_citations:
            if self.options.rules_index is None:
                raise UsageError("检查条文引用需要法规索引", hint="先运行 jiancha rules index")
            from ..rules.citations import check_citations

            check_citations([], self.options.rules_index)  # a missing or broken index stops the job here
        self._open_ledger()
        if not self.options.check_only:
            _ensure_outdir(self.options.outdir)
            remove_stale_temporaries(self.options.outdir)
            self.manifest = ManifestWriter(manifest_path(self.options.outdir, self.kind.name))
            self.report.manifest = self.manifest.path
        completed = False
        try:
            with _stop_between_rows() as self.stop:
                for path in inputs:
                    if not self._render_file(path):
                        self.report.stopped_early = True
                        break
                self._flush()
                self._drain(0)
            completed = True
        except BaseException as e:
            if self.ledger is not None:
                self.ledger.end_batch(commit=False)  # numbers of rows not yet handed out: never used
            self._abandon(_stop_reason(e))
            raise
        finally:
            if self.renderer is not None:
                self.renderer.close(cancel=not completed)
            if self.renderer is not None and not completed:
                with suppress(OSError):  # those of stopped workers; else the next run removes them
                    remove_stale_temporaries(self.options.outdir)
            if self.manifest is not None:
                # A manifest of the rows done so far is kept even when the job is interrupted.
                done = self.report.total > 0
                self.manifest.close() if completed or done else self.manifest.abandon()
            if self.ledger is not None:
                self.ledger.close()
        return self.report

    def _open_ledger(self) -> None:
        path = self.options.ledger_path
        if path is None or (self.options.check_only and not path.exists()):
            return
        from ..ledger import Ledger

        self.ledger = Ledger(path)
        if not self.options.check_only:
            self.report.ledger_notes = self.ledger.recover()

    def _render_file(self, path: Path) -> bool:
        """Plan every row of one input file; False when the job should stop (fail-fast)."""
        from ..sources import display_name, open_source

        try:
            source = open_source(
                path, self.options.sheet, self.options.header_row, known=self.validator.is_column
            )
            header_map = self.validator.map_headers(source.headers, source.display_name)
        except SourceError as e:
            return self._file_failed(display_name(path), e.message)
        self.report.file_issues.extend(header_map.file_issues)
        if header_map.fatal:
            where = Location(source.display_name)
            self.report.file_issues.extend(Issue(where, None, note, "note") for note in source.notes)
            errors = "；".join(i.describe() for i in header_map.file_issues if i.severity == "error")
            self._flush()  # the manifest keeps row order: earlier rows first
            self._drain(0)
            if self.manifest:
                self.manifest.add(source.display_name, None, "", STATUS_FAILED, errors)
            return not self.options.fail_fast
        try:
            for raw in source.records():
                if self.stop.requested:
                    self._stop_here()
                if self.ledger is not None and not self.options.check_only:
                    self.ledger.begin_batch()  # one transaction for a chunk's numbers
                row = self._plan(raw, header_map, source.display_name)
                self.pending.append(row)
                if len(self.pending) >= self._chunk_rows():
                    self._flush()
                if self.options.fail_fast and self.report.failed:
                    return False  # (with fail_fast every row is completed before the next is read)
        except SourceError as e:  # a file that breaks part-way (e.g. a truncated workbook)
            return self._file_failed(source.display_name, e.message)
        finally:
            if self.ledger is not None:
                self.ledger.end_batch()  # not holding the ledger while the next file is opened
            where = Location(source.display_name)
            self.report.file_issues.extend(Issue(where, None, note, "note") for note in source.notes)
        return True

    def _stop_here(self) -> None:
        """Ctrl-C: stop reading rows. The rows planned but not yet handed to a renderer are
        dropped (their numbers, not yet committed, are never taken); the chunks already
        rendering are completed as usual, so no number is voided; then the job stops."""
        if self.ledger is not None:
            self.ledger.end_batch(commit=False)
        self.held -= {row.held for row in self.pending if row.held is not None}
        self.pending = []
        self._drain(0)
        raise KeyboardInterrupt

    def _file_failed(self, name: str, message: str) -> bool:
        self._flush()
        self._drain(0)
        self.report.file_issues.append(Issue(Location(name), None, message))
        if self.manifest:
            self.manifest.add(name, None, "", STATUS_FAILED, message)
        return not self.options.fail_fast

    # -- row order: plan, render, complete -----------------------------------------------------------
    def _chunk_rows(self) -> int:
        # One row at a time until a document has been written: a template that fails for every
        # record stops the job at its first record, before numbers are taken for rows read ahead.
        probing = not self.options.check_only and self.report.written == 0
        return 1 if self.options.fail_fast or probing else CHUNK_ROWS

    def _flush(self) -> None:
        """Hand the pending rows to the renderer as one chunk, then complete the chunks that
        are due, so at most a few chunks are ever in memory."""
        if self.ledger is not None:
            self.ledger.end_batch()  # the chunk's numbers are committed before any is rendered
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        tasks = [RenderTask(row.context, row.path) for row in rows if row.outcome is None]
        future = self._renderer().submit(tasks) if tasks else completed([])
        self.in_flight.append((rows, future))
        self.planned += len(rows)
        self._drain(self._window())

    def _drain(self, keep: int) -> None:
        while len(self.in_flight) > keep:
            self._complete(*self.in_flight.popleft())

    def _window(self) -> int:
        workers = getattr(self.renderer, "workers", 0)
        return 2 * workers if workers else 0

    def _renderer(self) -> Any:
        """Render in this process until the batch is big enough to be worth worker processes."""
        from .workers import InlineRenderer, ProcessRenderer, usable_cores

        jobs = self.options.jobs or usable_cores()
        if isinstance(self.renderer, ProcessRenderer):
            return self.renderer
        if jobs > 1 and self.planned >= PARALLEL_FROM and not self.options.fail_fast:
            self.renderer = ProcessRenderer(self.prepared, self.template, self.options.rules_index, jobs)
            self.report.workers = jobs
        elif self.renderer is None:
            self.renderer = InlineRenderer(self.prepared)
        return self.renderer

    def _complete(self, rows: list[_Row], future: Future) -> None:
        """Give each rendered document of a chunk its name and register it, in row order."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            results = iter(future.result())
        except BrokenProcessPool as e:
            raise OutputError(
                "生成文书的子进程意外退出（可能内存不足或被结束）；已生成的文书和台账一致，可重新运行",
            ) from e
        rendered = [(row, next(results) if row.outcome is None else None) for row in rows]
        self.completing = [result for _, result in rendered if result is not None]
        with self._ledger_batch():
            for row, result in rendered:
                if result is not None and result.digest is not None and row.held is not None:
                    self.ledger.record_digest(row.held, result.digest, str(row.path))
        # Each outcome with the digest of the document it names (None: no document).
        outcomes: list[tuple[RowOutcome, str | None]] = []
        stopped_by: Rendered | None = None
        finished = False
        try:
            written: list[tuple[_Row, Rendered]] = []
            for row, result in rendered:
                if stopped_by is not None or (result is not None and result.stops_job):
                    stopped_by = stopped_by or result
                    if result is not None and result.temporary is not None:
                        result.temporary.unlink(missing_ok=True)
                elif row.outcome is not None:
                    outcomes.append((row.outcome, None))
                elif result.problem is not None:
                    outcomes.append((self._row_failed(row, OutputError(result.problem)), None))
                else:
                    # listed before the name is given: see finally
                    outcomes.append((RowOutcome(row.location, STATUS_DONE, row.path), result.digest))
                    try:
                        publish(result.temporary, row.path, overwrite=self.options.force)
                    except OutputError as e:
                        outcomes[-1] = (self._row_failed(row, e), None)
                        continue
                    written.append((row, result))
            with self._ledger_batch():
                for row, result in written:
                    if row.number and self.ledger is not None:
                        self.ledger.issue(row.number, result.digest, str(row.path), meta=row.reissue_meta)
            # Held until the registrations are committed: if they are not, _abandon settles them.
            for row, _ in written:
                if row.number and self.ledger is not None:
                    self.held.discard(row.number)
                elif not row.number:
                    self.report.unregistered += 1
            finished = True
        finally:
            # Even if the job is stopped here, the manifest lists exactly the documents now on
            # disk: when interrupted, a document counts as written if its file has its digest
            # (as _abandon decides for the ledger).
            for outcome, digest in outcomes:
                if finished or digest is None or has_digest(outcome.output, digest):
                    self._record(outcome)
        self.completing = []
        if self.on_row:
            for outcome, _ in outcomes:
                self.on_row(outcome)
        if stopped_by is not None:
            raise TemplateProblem(stopped_by.problem, hint=stopped_by.hint)

    def _ledger_batch(self) -> Any:
        return self.ledger.batch() if self.ledger is not None else nullcontext()

    def _row_failed(self, row: _Row, error: JianchaError) -> RowOutcome:
        if row.held is not None:
            self.ledger.void(row.held, error.message)
            self.held.discard(row.held)
        return RowOutcome(row.location, STATUS_FAILED, issues=[Issue(row.location, None, error.message)])

    def _record(self, outcome: RowOutcome) -> None:
        """A row is done: count it and list it in the manifest."""
        self.report.add(outcome, keep=self.options.keep_outcomes)
        if self.manifest:
            output = outcome.output.name if outcome.output and outcome.status == STATUS_DONE else ""
            message = "；".join(
                i.message if not i.field else f"「{i.field}」：{i.message}" for i in outcome.issues
            )
            self.manifest.add(outcome.location.file, outcome.location.row, output, outcome.status, message)

    def _abandon(self, reason: str) -> None:
        """The job stops early: rendered documents not yet named are deleted, and the numbers
        still held are settled at once (written → 已印发, otherwise → 作废 with the reason)."""
        results = list(self.completing)
        for _rows, future in self.in_flight:
            if future.done() and not future.cancelled() and future.exception() is None:
                results.extend(future.result())
        for result in results:
            if result.temporary is not None:
                result.temporary.unlink(missing_ok=True)  # (gone already if it was published)
        if self.ledger is not None and self.held:
            with suppress(Exception):  # what is left, the next run's recover() settles
                self.ledger.release(sorted(self.held), reason)

    # -- planning one row (in row order, in this process) ----------------------------------------------
    def _plan(self, raw: Any, header_map: Any, source_name: str) -> _Row:
        location = raw.location
        if raw.problems:
            return _Row(location, _failed(location, [Issue(location, None, p) for p in raw.problems]))
        result = self.validator.validate(location, raw.values, header_map)
        if not isinstance(result, Record):
            return _Row(location, _failed(location, result))
        values = result.values
        citation_issues = self._check_citations(values, location)
        if citation_issues:
            return _Row(location, _failed(location, citation_issues))
        held: str | None = None  # a number this job holds as 生成中: voided if the row fails
        reissue = False
        try:
            if not values.get("doc_number"):
                held = self._allocate(values, source_name, location)
            path = self._output_path(values, location)
            if not self.options.force and self._exists(path):
                raise OutputError(f"输出文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force")
            if values.get("doc_number") and held is None:
                reissue = self._claim(values, source_name, location)
                if not (reissue or self.options.check_only or self.ledger is None):
                    held = values["doc_number"]
        except JianchaError as e:
            if held is not None:
                self.ledger.void(held, e.message)
                self.held.discard(held)
            label = "文号" if isinstance(e, LedgerError) else None
            return _Row(location, _failed(location, [Issue(location, label, e.message)]))
        if self.options.check_only:
            return _Row(location, RowOutcome(location, STATUS_CHECKED, path))
        number = values.get("doc_number")
        return _Row(
            location,
            context={**values, "layout": self.layout},
            path=path,
            number=number,
            held=held,
            reissue_meta=self._meta(values, source_name, location) if reissue else None,
        )

    def _check_citations(self, values: dict[str, Any], location: Location) -> list[Issue]:
        if not self.options.check_citations:
            return []
        from ..rules.citations import check_citations

        issues = []
        for spec in self.citation_fields:
            value = values.get(spec.key)
            texts = value if isinstance(value, list) else [value] if value else []
            for problem in check_citations(texts, self.options.rules_index):
                issues.append(Issue(location, spec.label, f"引用的条文不存在：{problem}"))
        return issues

    def _allocate(self, values: dict[str, Any], source_name: str, location: Location) -> str | None:
        """Take the next number for the record's 代字 (none without a ledger or a 代字)."""
        if self.ledger is None or self.options.check_only or not isinstance(values.get("date"), dt.date):
            return None
        from ..ledger.numbering import organ_code

        code = organ_code(self.kind, values, self.options.numbering, self.options.code)
        if code is None:
            return None
        number = self.ledger.allocate(code, values["date"].year, self._meta(values, source_name, location))
        self.held.add(number)
        values["doc_number"] = number
        self.report.numbered += 1
        return number

    def _claim(self, values: dict[str, Any], source_name: str, location: Location) -> bool:
        """Check an explicit 文号 against the ledger and hold it; True for a forced re-issue."""
        if self.ledger is None:
            return False
        number = values["doc_number"]
        if self.options.check_only:
            if not self.options.force_number:
                self.ledger.check_free(number)
            return False
        reissue = self.ledger.claim(
            number, self._meta(values, source_name, location), force=self.options.force_number
        )
        if not reissue:
            self.held.add(number)
        return reissue

    def _meta(self, values: dict[str, Any], source_name: str, location: Location) -> Any:
        from ..ledger.numbering import document_meta

        return document_meta(self.kind, values, source_name, location.row)

    def _exists(self, path: Path) -> bool:
        """Whether the output folder had this file when the job started (read once, not one
        ``stat`` per row; a file another program adds meanwhile is still caught when the
        document is given its name, which never replaces a file)."""
        if self.existing is None:
            self.existing = names_in(self.options.outdir)
        return path.name in self.existing

    def _output_path(self, values: dict[str, Any], location: Location) -> Path:
        fallback = f"第{location.row}行" if location.unit == "row" else f"第{location.row}条"
        named = {**values, **{spec.label: values[spec.key] for spec in self.kind.fields}}
        return self.names.allocate(name_from_pattern(self.kind.filename, named, fallback))


def _ensure_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {outdir}：{os_reason(e)}") from e
    if not outdir.is_dir():
        raise OutputError(f"输出位置 {outdir} 不是文件夹")


@dataclass
class _Row:
    """One input row between planning and completion: decided already (``outcome``), or to be
    rendered from ``context`` and written to ``path``."""

    location: Location
    outcome: RowOutcome | None = None
    context: dict[str, Any] | None = None
    path: Path | None = None
    number: str | None = None  # the 文号 the document carries, if any
    held: str | None = None  # the 文号 this job holds as 生成中 for it
    reissue_meta: Any = None  # for a forced re-issue: the ledger entry's new details


class _StopRequest:
    """Ctrl-C during a job, acted on between rows, where the ledger, the files and the manifest
    agree — not in the middle of naming a document or committing its registration."""

    requested = False


@contextmanager
def _stop_between_rows() -> Iterator[_StopRequest]:
    """While the job runs, the first Ctrl-C asks it to stop at the next row; a second one stops
    it at once (what is left half-done is then settled by the next run). Only the main thread
    can take signals; elsewhere Ctrl-C keeps its usual effect."""
    import signal
    import threading

    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request(signum: int, frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    previous = signal.signal(signal.SIGINT, request)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _failed(location: Location, issues: list[Issue]) -> RowOutcome:
    return RowOutcome(location, STATUS_FAILED, issues=issues)


def _stop_reason(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "生成被中断"
    if isinstance(error, JianchaError):
        return f"本批次因错误停止（{error.message}）"
    return "本批次因内部错误停止"
