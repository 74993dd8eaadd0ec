"""A render job: input files → validated records → documents in the output folder + manifest.

Every row is validated before anything is written for it; a bad row is reported and skipped, the
rest of the batch goes on (unless ``fail_fast``), and the job's report says what failed.
The Word template is prepared once per job, not once per row.

With a ledger, a record without 文号 gets the next number for its 代字; an explicit 文号 is
checked against the ledger; every written document is registered (see ledger/store.py for how a
crash between allocation and writing is settled).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Issue, JianchaError, Location, OutputError, SourceError, TemplateProblem, UsageError
from ..kinds import LAYOUTS, KindSchema, Record, Validator
from ..ledger.db import LedgerError
from .output import (
    ManifestWriter,
    NameAllocator,
    manifest_path,
    name_from_pattern,
    remove_stale_temporaries,
    write_atomic,
)

if TYPE_CHECKING:
    from ..ledger import Ledger

STATUS_DONE = "已生成"
STATUS_CHECKED = "校验通过"
STATUS_FAILED = "失败"


@dataclass
class RenderOptions:
    outdir: Path
    layout: str | None = None
    template: Path | None = None
    sheet: str | None = None
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


@dataclass
class RowOutcome:
    location: Location
    status: str
    output: Path | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class RenderReport:
    outcomes: list[RowOutcome] = field(default_factory=list)
    file_issues: list[Issue] = field(default_factory=list)
    manifest: Path | None = None
    stopped_early: bool = False
    ledger_notes: list[str] = field(default_factory=list)  # numbers settled after an earlier crash
    numbered: int = 0  # numbers allocated from the ledger in this job
    unregistered: int = 0  # documents written without a 文号 (no 代字 configured): not in the ledger

    @property
    def written(self) -> int:
        return sum(1 for o in self.outcomes if o.status == STATUS_DONE)

    @property
    def checked(self) -> int:
        return sum(1 for o in self.outcomes if o.status == STATUS_CHECKED)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == STATUS_FAILED)

    @property
    def failed_files(self) -> int:
        return sum(1 for i in self.file_issues if i.severity == "error")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.failed_files == 0

    def issues(self) -> list[Issue]:
        """Every message in input order: file-level ones, then each row's."""
        found = list(self.file_issues)
        for outcome in self.outcomes:
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
        from ..rules.citations import article_text
        from .docx import PreparedTemplate
        from .environment import make_environment

        self.kind = kind
        self.options = options
        self.on_row = on_row
        self.layout = options.layout or kind.default_layout
        lookup = (lambda ref: article_text(ref, options.rules_index)) if options.rules_index else None
        self.prepared = PreparedTemplate(
            template_for(kind, options.layout, options.template), make_environment(lookup)
        )
        self.citation_fields = [spec for spec in kind.fields if spec.format == "citations"]
        self.validator = Validator(kind, options.defaults)
        self.names = NameAllocator(options.outdir)
        self.report = RenderReport()
        self.manifest: ManifestWriter | None = None
        self.ledger: Ledger | None = None

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
            for path in inputs:
                if not self._render_file(path):
                    self.report.stopped_early = True
                    break
            completed = True
        finally:
            if self.manifest is not None:
                # A manifest of the rows done so far is kept even when the job is interrupted.
                self.manifest.close() if completed or self.report.outcomes else self.manifest.abandon()
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
        """Render one input file; False when the job should stop (fail-fast)."""
        from ..sources import open_source

        try:
            source = open_source(path, sheet=self.options.sheet)
            header_map = self.validator.map_headers(source.headers, source.display_name)
        except SourceError as e:
            return self._file_failed(path.name, e.message)
        self.report.file_issues.extend(header_map.file_issues)
        if header_map.fatal:
            errors = "；".join(i.describe() for i in header_map.file_issues if i.severity == "error")
            if self.manifest:
                self.manifest.add(source.display_name, None, "", STATUS_FAILED, errors)
            return not self.options.fail_fast
        try:
            for raw in source.records():
                outcome = self._render_row(raw, header_map, source.display_name)
                self.report.outcomes.append(outcome)
                if self.manifest:
                    output = outcome.output.name if outcome.output else ""
                    message = "；".join(
                        i.message if not i.field else f"「{i.field}」：{i.message}" for i in outcome.issues
                    )
                    self.manifest.add(
                        source.display_name, outcome.location.row, output, outcome.status, message
                    )
                if self.on_row:
                    self.on_row(outcome)
                if outcome.status == STATUS_FAILED and self.options.fail_fast:
                    return False
        except SourceError as e:  # a file that breaks part-way (e.g. a truncated workbook)
            return self._file_failed(source.display_name, e.message)
        return True

    def _file_failed(self, name: str, message: str) -> bool:
        self.report.file_issues.append(Issue(Location(name), None, message))
        if self.manifest:
            self.manifest.add(name, None, "", STATUS_FAILED, message)
        return not self.options.fail_fast

    def _render_row(self, raw: Any, header_map: Any, source_name: str) -> RowOutcome:
        location = raw.location
        if raw.problems:
            return RowOutcome(
                location, STATUS_FAILED, issues=[Issue(location, None, p) for p in raw.problems]
            )
        result = self.validator.validate(location, raw.values, header_map)
        if not isinstance(result, Record):
            return RowOutcome(location, STATUS_FAILED, issues=result)
        values = result.values
        citation_issues = self._check_citations(values, location)
        if citation_issues:
            return RowOutcome(location, STATUS_FAILED, issues=citation_issues)
        held: str | None = None  # a number this job holds as 生成中: voided if the row fails
        reissue = False
        try:
            if not values.get("doc_number"):
                held = self._allocate(values, source_name, location)
            path = self._output_path(values, location)
            if path.exists() and not self.options.force:
                raise OutputError(f"输出文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force")
            if values.get("doc_number") and held is None:
                reissue = self._claim(values, source_name, location)
                if not (reissue or self.options.check_only or self.ledger is None):
                    held = values["doc_number"]
            if self.options.check_only:
                return RowOutcome(location, STATUS_CHECKED, path)
            data = self.prepared.render_bytes({**values, "layout": self.layout})
            digest = hashlib.sha256(data).hexdigest()
            if held is not None:
                self.ledger.record_digest(held, digest, str(path))
            try:
                write_atomic(path, data, overwrite=self.options.force)
            except OSError as e:
                raise OutputError(f"无法写入 {path}：{e.strerror or e}") from e
        except JianchaError as e:
            if held is not None:
                self.ledger.void(held, e.message)
            if isinstance(e, TemplateProblem):
                raise  # a broken template concerns the whole job, not this row
            label = "文号" if isinstance(e, LedgerError) else None
            return RowOutcome(location, STATUS_FAILED, issues=[Issue(location, label, e.message)])
        number = values.get("doc_number")
        if number and self.ledger is not None:
            meta = self._meta(values, source_name, location) if reissue else None
            self.ledger.issue(number, digest, str(path), meta=meta)
        elif not number:
            self.report.unregistered += 1
        return RowOutcome(location, STATUS_DONE, path)

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
        return self.ledger.claim(
            number, self._meta(values, source_name, location), force=self.options.force_number
        )

    def _meta(self, values: dict[str, Any], source_name: str, location: Location) -> Any:
        from ..ledger.numbering import document_meta

        return document_meta(self.kind, values, source_name, location.row)

    def _output_path(self, values: dict[str, Any], location: Location) -> Path:
        fallback = f"第{location.row}行" if location.unit == "row" else f"第{location.row}条"
        named = {**values, **{spec.label: values[spec.key] for spec in self.kind.fields}}
        return self.names.allocate(name_from_pattern(self.kind.filename, named, fallback))


def _ensure_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {outdir}：{e.strerror or e}") from e
    if not outdir.is_dir():
        raise OutputError(f"输出位置 {outdir} 不是文件夹")
