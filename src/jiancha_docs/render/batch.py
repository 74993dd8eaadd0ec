"""A render job: input files → validated records → documents in the output folder + manifest.

Every row is validated before anything is written for it; a bad row is reported and skipped, the
rest of the batch goes on (unless ``fail_fast``), and the job's report says what failed. The Word
template is prepared — and checked against the kind's fields — once per job, before any number
is taken.

Rows stream through three stages, so a batch of any size runs in the same memory:

1. *plan* (plan.py), in this process and in row order, a chunk of rows in one ledger
   transaction: validate, recognise a document the ledger has already (a rerun takes no new
   number), take the 文号, choose the file name;
2. *render*, in chunks, on every core (workers.py): each document is rendered and written to a
   temporary file, and its digest computed;
3. *complete*, in this process and in row order: the ledger records the digests, each temporary
   gets its real name, the ledger registers the documents, the manifest lists the rows.

Only a few chunks are between stages 1 and 3 at any time. File names, 文号 and the manifest are
decided in row order in one process, so they are the same whether one core renders or many.
The ledger is behind ``LedgerBase`` (a ``NullLedger`` when numbering is off), and is changed only
in ``with ledger.batch()`` blocks or single calls (see ledger/interface.py for how a crash between
allocation and writing is settled; a job that stops early settles its own numbers).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import (
    ConfigError,
    Issue,
    JianchaError,
    Location,
    OutputError,
    SourceError,
    TemplateProblem,
    UsageError,
    os_reason,
)
from ..kinds import LAYOUTS, KindSchema, Validator
from ..ledger.interface import LedgerBase, NullLedger
from ..ledger.model import has_digest
from .output import ManifestWriter, manifest_path, publish, remove_stale_temporaries
from .plan import (
    STATUS_CHECKED,
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_REUSED,
    Decided,
    PlannedRow,
    Planner,
    PlanOptions,
    Registration,
    RowOutcome,
    ToRender,
)
from .workers import Rendered, RenderTask, completed

__all__ = [
    "STATUS_CHECKED",
    "STATUS_DONE",
    "STATUS_FAILED",
    "STATUS_REUSED",
    "RenderOptions",
    "RenderReport",
    "RowOutcome",
    "render_records",
]

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
    # The office's own accuser words ([rules] accuser_words) and its short name ([office] short_name).
    accuser_words: tuple[str, ...] = ()
    office_short_name: str | None = None
    # [kinds] all_organ_marks: a joint 信函式 letter shows every organ's mark, not only the first.
    all_organ_marks: bool = False
    # The ledger: where it is (None: do not number or register), whether it may be created
    # there, how long to wait for it when another program holds it (and whom to tell), the
    # 代字 settings, --code, --force-number (re-render an explicit number the ledger has) and
    # --reissue (an edited row gets a new number; the old one is voided).
    ledger_path: Path | str | None = None  # a SQLite file, or the office server's postgresql:// URL
    actor: Any = None  # who renders (ledger.audit.Actor); None: the operating-system user
    ledger_may_create: bool = True
    ledger_wait: float = 30.0
    on_ledger_wait: Callable[[str], None] | None = None
    numbering: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    force_number: bool = False
    reissue: bool = False
    as_new: bool = False  # --as-new: an edited row is a new document; the earlier one stays
    # --draft: documents marked 草稿, no 文号 taken, nothing registered.
    draft: bool = False
    # [ledger] approval: a document takes its 文号 only once approved; until then it is a draft
    # the ledger keeps under a 草稿号 (ledger review/approve take it), and a rerun numbers it.
    approval: bool = False
    # The rules index: for the templates' ``article`` filter, and, with check_citations, to
    # verify every 《标题》第N条 in the fields whose schema format is ``citations``.
    rules_index: Path | None = None
    check_citations: bool = False
    # Processes that render (None: one per core; 1: this process only).
    jobs: int | None = None
    # The working-day calendar deadlines are counted by (None: the national one alone).
    calendar: Any = None
    # Keep every row's outcome in the report (a library caller's convenience). Off, the report
    # keeps counts and the failed rows only, so 100,000 rows cost no more memory than 100.
    keep_outcomes: bool = True


@dataclass
class RenderReport:
    outcomes: list[RowOutcome] = field(default_factory=list)  # every row, with keep_outcomes
    failures: list[RowOutcome] = field(default_factory=list)  # the rows that failed, always
    file_issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)  # row warnings (a skipped number, a re-issue)
    manifest: Path | None = None
    stopped_early: bool = False
    ledger_notes: list[str] = field(default_factory=list)  # numbers settled after an earlier crash
    ledger_created: Path | None = None  # a new ledger was created for this job
    numbered: int = 0  # numbers allocated from the ledger in this job
    unregistered: int = 0  # documents written without a 文号 (no 代字 configured): not in the ledger
    workers: int = 0  # worker processes that rendered (0: this process alone)
    total: int = 0
    written: int = 0  # documents written (new ones and ones written again under their number)
    new: int = 0  # rows that made a new document
    reused: int = 0  # rows whose document the ledger had: its 文号 reused
    elsewhere: int = 0  # of those, documents that are in another folder (not written here)
    checked: int = 0
    failed: int = 0

    def add(self, outcome: RowOutcome, keep: bool = True) -> None:
        self.total += 1
        if outcome.status == STATUS_DONE:
            self.written += 1
        if outcome.status in (STATUS_DONE, STATUS_REUSED):
            if outcome.reused_number:
                self.reused += 1
            else:
                self.new += 1
        elif outcome.status == STATUS_CHECKED:
            self.checked += 1
        else:
            self.failed += 1
            self.failures.append(outcome)
        if keep:
            self.outcomes.append(outcome)

    @property
    def failed_files(self) -> int:
        # (a file may have several errors, e.g. one per missing required column)
        return len({i.location.file for i in self.file_issues if i.severity == "error"})

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
        self.report = RenderReport()
        self.manifest: ManifestWriter | None = None
        self.ledger: LedgerBase = NullLedger()
        self.planner: Planner | None = None
        self.renderer: Any = None
        self.in_flight: deque[tuple[list[PlannedRow], Future]] = deque()
        self.completing: list[Rendered] = []  # the chunk being completed
        self.planned = 0
        self.stop = _StopRequest()
        self._source_error: SourceError | None = None
        self._ledger_deferred = False

    # -- the job -----------------------------------------------------------------------------------
    def run(self, inputs: Iterable[Path]) -> RenderReport:
        self._check_before_numbering()
        self.ledger = self._open_ledger()
        self.planner = Planner(
            self.kind,
            Validator(
                self.kind,
                self.options.defaults,
                calendar=self.options.calendar,
                columns=self.options.columns,
                accuser_words=self.options.accuser_words,
                office_short_name=self.options.office_short_name,
            ),
            self.ledger,
            PlanOptions(
                outdir=self.options.outdir,
                layout=self.layout,
                force=self.options.force,
                check_only=self.options.check_only,
                draft=self.options.draft,
                reissue=self.options.reissue,
                as_new=self.options.as_new,
                force_number=self.options.force_number,
                numbering=self.options.numbering,
                code=self.options.code,
                all_organ_marks=self.options.all_organ_marks,
                approval=self.options.approval,
            ),
            check_citations=self._check_citations if self.options.check_citations else None,
        )
        finished = False
        try:
            with _stop_between_rows() as self.stop:
                for path in inputs:
                    if not self._render_file(path):
                        self.report.stopped_early = True
                        break
                self._drain(0)
            finished = True
        except BaseException as e:
            self._abandon(_stop_reason(e))
            raise
        finally:
            if self.renderer is not None:
                self.renderer.close(cancel=not finished)
                if not finished:
                    with suppress(OSError):  # those of stopped workers; else the next run removes them
                        remove_stale_temporaries(self.options.outdir)
            if self.manifest is not None:
                # A manifest of the rows done so far is kept even when the job is interrupted.
                self.manifest.close() if finished or self.report.total else self.manifest.abandon()
            self.ledger.close()
        self.report.numbered = self.planner.numbered
        return self.report

    def _check_before_numbering(self) -> None:
        """What would fail every row fails the job before a number is taken: a template using a
        variable the kind does not have, a 机关代字 that cannot make a valid 文号, a missing index."""
        from ..gbt9704 import organ_code_problem
        from .inspect import undeclared_variables

        unknown = undeclared_variables(self.kind, self.prepared)
        if unknown:
            names = "、".join(f"“{name}”" for name in unknown)
            raise TemplateProblem(
                f"模板 {self.template.name} 使用了「{self.kind.name}」字段表中没有的变量 {names}，未生成任何文书，也没有占用文号",
                hint=f"可用 jiancha kinds check-template {self.kind.id} {self.template} 检查；"
                f"字段的英文键见 jiancha kinds show {self.kind.id}",
            )
        codes = [("--code", self.options.code)] if self.options.code else []
        setting = next(
            (self.options.numbering[n] for n in self.kind.names() if n in self.options.numbering), None
        )
        if isinstance(setting, str):
            codes.append(("[numbering]", setting))
        elif isinstance(setting, dict):
            codes += [("[numbering]", str(value)) for value in setting.values()]
        for where, code in codes:
            problem = organ_code_problem(code)
            if problem:
                error = UsageError if where == "--code" else ConfigError
                raise error(f"{where}：{problem}")
        if self.options.check_citations:
            if self.options.rules_index is None:
                raise UsageError("检查条文引用需要法规索引", hint="先运行 jiancha rules index")
            from ..rules.citations import check_citations

            check_citations([], self.options.rules_index)  # a missing or broken index stops the job here

    def _open_ledger(self, create: bool = False) -> LedgerBase:
        """The job's ledger. One that does not exist yet is created only once an input file has
        been opened (``create``): a run that reads nothing creates nothing."""
        path = self.options.ledger_path
        from ..ledger.postgres import is_url

        if isinstance(path, str) and is_url(path):  # the office server: it exists or the job cannot start
            from ..ledger import open_ledger

            server = open_ledger(path, wait=self.options.ledger_wait, actor=self.options.actor)
            if not (self.options.check_only or self.options.draft):
                self.report.ledger_notes = server.recover()
            return server
        path = Path(path) if isinstance(path, str) else path
        if path is None or ((self.options.check_only or self.options.draft) and not path.exists()):
            return NullLedger()
        if not path.exists() and self.options.ledger_may_create and not create:
            self._ledger_deferred = True
            return NullLedger()
        from ..ledger import SqliteLedger

        ledger = SqliteLedger(
            path,
            create=self.options.ledger_may_create,
            wait=self.options.ledger_wait,
            on_wait=self.options.on_ledger_wait,
            actor=self.options.actor,
        )
        if ledger.created:
            self.report.ledger_created = path
        if not (self.options.check_only or self.options.draft):  # a draft only looks things up
            if ledger.read_only:
                ledger.close()
                from ..ledger.db import read_only_error

                raise read_only_error(path)
            self.report.ledger_notes = ledger.recover()
        return ledger

    def _output_ready(self) -> None:
        """The output folder and the manifest, made when the first input file has been opened:
        a run that read nothing leaves nothing behind."""
        if self.options.check_only or self.manifest is not None:
            return
        if self._ledger_deferred:
            self._ledger_deferred = False
            self.ledger = self._open_ledger(create=True)
            assert self.planner is not None
            self.planner.ledger = self.ledger
            self.planner.ledger_changed()
        _ensure_outdir(self.options.outdir)
        remove_stale_temporaries(self.options.outdir)
        self.manifest = ManifestWriter(manifest_path(self.options.outdir, self.kind.name))
        self.report.manifest = self.manifest.path

    def _render_file(self, path: Path) -> bool:
        """Plan every row of one input file; False when the job should stop (fail-fast)."""
        from ..sources import display_name, open_source

        assert self.planner is not None
        validator = self.planner.validator
        try:
            source = open_source(path, self.options.sheet, self.options.header_row, known=validator.is_column)
            header_map = validator.map_headers(source.headers, source.display_name)
        except SourceError as e:
            return self._file_failed(display_name(path), e.message)
        self._output_ready()
        self.report.file_issues.extend(header_map.file_issues)
        if header_map.fatal:
            self._notes(source)
            errors = "；".join(i.describe() for i in header_map.file_issues if i.severity == "error")
            self._drain(0)  # the manifest keeps row order: earlier rows first
            if self.manifest:
                self.manifest.add(source.display_name, None, "", STATUS_FAILED, errors)
            return not self.options.fail_fast
        # The full path says which file a row is of (a name in GBK bytes kept as its escapes).
        full = (
            str(Path(path).resolve()).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        )
        key = full + (f"#{self.options.sheet}" if self.options.sheet else "")
        self.planner.begin_file(source.display_name, key, lambda: self._reread(path))
        records = self._guarded(source.records())
        read = 0
        while True:
            if self.stop.requested:
                self._stop_here()
            rows = self._plan_chunk(records, header_map, source.display_name)
            if not rows:
                break
            read += len(rows)
            self._submit(rows)
            if self.options.fail_fast and self.report.failed:
                return False  # (with fail_fast every row is completed before the next is read)
        self._notes(source)
        if self._source_error is not None:  # a file that breaks part-way (e.g. a truncated workbook)
            error, self._source_error = self._source_error, None
            return self._file_failed(source.display_name, error.message)
        if read == 0:
            return self._file_failed(source.display_name, "文件中没有记录（只有表头，或表头下都是空行）")
        return True

    def _reread(self, path: Path) -> Iterator[Any]:
        """The rows of an input file read again (a rerun telling moved rows from edited ones)."""
        from ..sources import open_source

        try:
            assert self.planner is not None
            known = self.planner.validator.is_column
            source = open_source(path, self.options.sheet, self.options.header_row, known=known)
            yield from (raw for raw in source.records() if not raw.problems)
        except SourceError:
            return

    def _notes(self, source: Any) -> None:
        """What the reader noted (header found below a title, 合计 rows, hidden sheets): 提示."""
        where = Location(source.display_name)
        self.report.file_issues.extend(Issue(where, None, note, "note") for note in source.notes)

    def _guarded(self, records: Iterator[Any]) -> Iterator[Any]:
        """The rows of a file; a file that breaks part-way ends them, and the error is kept for
        after the rows read so far are done."""
        try:
            yield from records
        except SourceError as e:
            self._source_error = e

    def _plan_chunk(self, records: Iterator[Any], header_map: Any, source_name: str) -> list[PlannedRow]:
        """Plan the next chunk of rows in one ledger transaction: their numbers are committed
        together, before any of them is rendered."""
        assert self.planner is not None
        rows: list[PlannedRow] = []
        reading = self.options.check_only or self.options.draft  # nothing to write: no write lock
        with nullcontext() if reading else self.ledger.batch():
            self.planner.begin_chunk()
            for raw in islice(records, self._chunk_rows()):
                rows.append(self.planner.plan(raw, header_map, source_name))
                if self.stop.requested:
                    break
        return rows

    def _stop_here(self) -> None:
        """Ctrl-C: stop reading rows. The chunks already planned are rendered and completed as
        usual, so no number is voided; then the job stops."""
        self._drain(0)
        raise KeyboardInterrupt

    def _file_failed(self, name: str, message: str) -> bool:
        self._drain(0)
        self.report.file_issues.append(Issue(Location(name), None, message))
        if self.manifest:
            self.manifest.add(name, None, "", STATUS_FAILED, message)
        return not self.options.fail_fast

    # -- row order: render, complete ------------------------------------------------------------------
    def _chunk_rows(self) -> int:
        # One row at a time until a document has been written: a template that fails for every
        # record stops the job at its first record, before numbers are taken for rows read ahead.
        probing = not self.options.check_only and self.report.written == 0
        return 1 if self.options.fail_fast or probing else CHUNK_ROWS

    def _submit(self, rows: list[PlannedRow]) -> None:
        """Hand a planned chunk to the renderer, then complete the chunks that are due, so at
        most a few chunks are ever in memory."""
        tasks = [RenderTask(row.context, row.path, row.draft) for row in rows if isinstance(row, ToRender)]
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

    def _complete(self, rows: list[PlannedRow], future: Future) -> None:
        """Give each rendered document of a chunk its name and register it, in row order."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            results = iter(future.result())
        except BrokenProcessPool as e:
            raise OutputError(
                "生成文书的子进程意外退出（可能内存不足或被结束）；已生成的文书和台账一致，可重新运行",
            ) from e
        rendered = [(row, next(results) if isinstance(row, ToRender) else None) for row in rows]
        self.completing = [result for _, result in rendered if result is not None]
        with self.ledger.batch():
            for row, result in rendered:
                if isinstance(row, ToRender) and result is not None and result.digest and row.held:
                    self.ledger.record_digest(row.held, result.digest, str(row.path))
        # Each outcome with the digest of the document it names (None: no document written).
        outcomes: list[tuple[RowOutcome, str | None]] = []
        stopped_by: Rendered | None = None
        finished = False
        try:
            written: list[tuple[ToRender, Rendered]] = []
            for row, result in rendered:
                if isinstance(row, Decided):
                    if stopped_by is None:
                        outcomes.append((row.outcome, None))
                    continue
                assert result is not None
                if stopped_by is not None or result.stops_job:
                    stopped_by = stopped_by or result
                    if result.temporary is not None:
                        result.temporary.unlink(missing_ok=True)
                elif result.problem is not None:
                    outcomes.append((self._row_failed(row, OutputError(result.problem)), None))
                else:
                    # listed before the name is given: see finally
                    outcomes.append((_done(row), result.digest))
                    try:
                        assert result.temporary is not None
                        publish(result.temporary, row.path, overwrite=row.overwrite)
                    except OutputError as e:
                        outcomes[-1] = (self._row_failed(row, e), None)
                        continue
                    written.append((row, result))
            with self.ledger.batch():
                for row, result in written:
                    if row.held:
                        self.ledger.issue(
                            row.held, result.digest, str(row.path), meta=row.meta, note=row.note
                        )
                        if row.closes is not None:
                            self._close_related(row)
            # Held until the registrations are committed: if they are not, _abandon settles them.
            assert self.planner is not None
            for row, _ in written:
                if row.held:
                    self.planner.held.discard(row.held)
                    self.planner.issued.add(row.held)
                elif not row.draft:
                    self.report.unregistered += 1
            finished = True
        finally:
            # Even if the job is stopped here, the manifest lists exactly the documents now on
            # disk: when interrupted, a document counts as written if its file has its digest
            # (as _abandon decides for the ledger).
            for outcome, digest in outcomes:
                if finished or digest is None or (outcome.output and has_digest(outcome.output, digest)):
                    self._record(outcome)
        self.completing = []
        if self.on_row:
            for outcome, _ in outcomes:
                self.on_row(outcome)
        if stopped_by is not None:
            raise TemplateProblem(stopped_by.problem or "", hint=stopped_by.hint)

    def _close_related(self, row: ToRender) -> None:
        """A 了结反馈函 issued: the 函询 it answers has had its reply (on the date the reply came).
        Only a document still awaiting its reply is changed; a refusal (a date out of order) is a
        warning, never a lost registration."""
        from ..ledger.db import LedgerError
        from ..ledger.model import AWAITING_REPLY, REPLIED

        assert row.closes is not None
        number, replied = row.closes
        entry = self.ledger.get(number)
        try:
            if entry is not None and entry.status in AWAITING_REPLY:
                self.ledger.mark(number, REPLIED, replied, f"由{self.kind.name} {row.number} 了结")
        except LedgerError as e:
            row.warnings.append(
                Issue(row.location, None, f"未能把文号“{number}”标记为已反馈：{e.message}", "warning")
            )

    def _row_failed(self, row: ToRender, error: JianchaError) -> RowOutcome:
        if row.held is not None:
            self.ledger.void(row.held, error.message)
            assert self.planner is not None
            self.planner.held.discard(row.held)
        return RowOutcome(row.location, STATUS_FAILED, issues=[Issue(row.location, None, error.message)])

    def _record(self, outcome: RowOutcome) -> None:
        """A row is done: count it and list it in the manifest."""
        self.report.add(outcome, keep=self.options.keep_outcomes)
        found = outcome.output if outcome.status == STATUS_REUSED else None
        if found is not None and self.planner is not None and found.parent != self.planner.root:
            self.report.elsewhere += 1
        self.report.warnings.extend(i for i in outcome.issues if i.severity == "warning")
        if self.manifest:
            shown = outcome.status in (STATUS_DONE, STATUS_REUSED)
            output = outcome.output.name if outcome.output and shown else ""
            messages = [outcome.note] if outcome.note else []
            messages += [i.message if not i.field else f"「{i.field}」：{i.message}" for i in outcome.issues]
            self.manifest.add(
                outcome.location.file, outcome.location.row, output, outcome.status, "；".join(messages)
            )

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
        held = sorted(self.planner.held) if self.planner is not None else []
        if held:
            with suppress(Exception):  # what is left, the next run's recover() settles
                self.ledger.release(held, reason)

    def _check_citations(self, values: dict[str, Any], location: Location) -> list[Issue]:
        from ..rules.citations import check_citations, unrelated_citations

        assert self.options.rules_index is not None  # checked before the job started
        issues = []
        for spec in self.citation_fields:
            value = values.get(spec.key)
            texts = value if isinstance(value, list) else [value] if value else []
            for problem in check_citations(texts, self.options.rules_index):
                issues.append(Issue(location, spec.label, f"引用的条文不存在：{problem}"))
            terms = _citing_terms(spec.context, values, self.kind)
            for warning in unrelated_citations(texts, self.options.rules_index, terms):
                issues.append(Issue(location, spec.label, warning, severity="warning"))
        return issues


def _citing_terms(template: str, values: dict[str, Any], kind: KindSchema) -> list[str]:
    """The values a citations field's ``context`` sentence is made of ({建议类型} → 监察建议):
    what the cited articles are expected to speak of. The citations field itself is left out."""
    by_label = {spec.label: spec for spec in kind.fields}
    terms = []
    for label in re.findall(r"\{([^{}]+)\}", template):
        spec = by_label.get(label)
        found = values.get(spec.key) if spec is not None and spec.format != "citations" else None
        if isinstance(found, str) and found.strip():
            terms.append(found.strip())
    return terms


def _done(row: ToRender) -> RowOutcome:
    return RowOutcome(
        row.location,
        STATUS_DONE,
        row.path,
        issues=list(row.warnings),
        note=row.note,
        number=row.number,
        reused_number=row.registration is Registration.RERENDER,
    )


def _ensure_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {outdir}：{os_reason(e)}") from e
    if not outdir.is_dir():
        raise OutputError(f"输出位置 {outdir} 不是文件夹")


class _StopRequest:
    """Ctrl-C during a job, acted on between chunks, where the ledger, the files and the
    manifest agree — not in the middle of naming a document or committing its registration."""

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


def _stop_reason(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "生成被中断"
    if isinstance(error, JianchaError):
        return f"本批次因错误停止（{error.message}）"
    return "本批次因程序错误停止"
