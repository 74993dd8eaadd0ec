"""A render job: input files → validated records → documents in the output folder + manifest.

Every row is validated before anything is written for it; a bad row is reported and skipped, the
rest of the batch goes on (unless ``fail_fast``), and the job's report says what failed.
The Word template is prepared once per job, not once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Issue, JianchaError, Location, OutputError, SourceError, TemplateProblem, UsageError
from ..kinds import LAYOUTS, KindSchema, Record, Validator
from .output import MANIFEST_NAME, ManifestWriter, NameAllocator, confined, name_from_pattern, write_atomic

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
    the output folder); row and file problems are in the report."""
    from .docx import PreparedTemplate
    from .environment import make_environment

    layout = options.layout or kind.default_layout
    template_path = template_for(kind, options.layout, options.template)
    prepared = PreparedTemplate(template_path, make_environment())
    validator = Validator(kind, options.defaults)
    report = RenderReport()
    manifest: ManifestWriter | None = None
    if not options.check_only:
        _ensure_outdir(options.outdir)
        manifest = ManifestWriter(confined(options.outdir, MANIFEST_NAME))
        report.manifest = manifest.path
    names = NameAllocator(options.outdir)
    completed = False
    try:
        for path in inputs:
            if not _render_file(
                path, kind, layout, options, prepared, validator, names, manifest, report, on_row
            ):
                report.stopped_early = True
                break
        completed = True
    finally:
        if manifest is not None:
            # A manifest of the rows done so far is kept even when the job is interrupted.
            manifest.close() if completed or report.outcomes else manifest.abandon()
    return report


def _ensure_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {outdir}：{e.strerror or e}") from e
    if not outdir.is_dir():
        raise OutputError(f"输出位置 {outdir} 不是文件夹")


def _render_file(
    path: Path,
    kind: KindSchema,
    layout: str,
    options: RenderOptions,
    prepared: Any,
    validator: Validator,
    names: NameAllocator,
    manifest: ManifestWriter | None,
    report: RenderReport,
    on_row: Callable[[RowOutcome], None] | None,
) -> bool:
    """Render one input file; False when the job should stop (fail-fast)."""
    from ..sources import open_source

    try:
        source = open_source(path, sheet=options.sheet)
        header_map = validator.map_headers(source.headers, source.display_name)
    except SourceError as e:
        report.file_issues.append(Issue(Location(path.name), None, e.message))
        if manifest:
            manifest.add(path.name, None, "", STATUS_FAILED, e.message)
        return not options.fail_fast
    report.file_issues.extend(header_map.file_issues)
    if header_map.fatal:
        if manifest:
            message = "；".join(i.describe() for i in header_map.file_issues if i.severity == "error")
            manifest.add(source.display_name, None, "", STATUS_FAILED, message)
        return not options.fail_fast
    try:
        for raw in source.records():
            outcome = _render_row(raw, kind, layout, options, prepared, validator, header_map, names)
            report.outcomes.append(outcome)
            if manifest:
                output = outcome.output.name if outcome.output else ""
                message = "；".join(
                    i.message if not i.field else f"「{i.field}」：{i.message}" for i in outcome.issues
                )
                manifest.add(source.display_name, outcome.location.row, output, outcome.status, message)
            if on_row:
                on_row(outcome)
            if outcome.status == STATUS_FAILED and options.fail_fast:
                return False
    except SourceError as e:  # a file that breaks part-way (e.g. a truncated workbook)
        report.file_issues.append(Issue(Location(source.display_name), None, e.message))
        if manifest:
            manifest.add(source.display_name, None, "", STATUS_FAILED, e.message)
        return not options.fail_fast
    return True


def _render_row(
    raw: Any,
    kind: KindSchema,
    layout: str,
    options: RenderOptions,
    prepared: Any,
    validator: Validator,
    header_map: Any,
    names: NameAllocator,
) -> RowOutcome:
    location = raw.location
    if raw.problems:
        return RowOutcome(location, STATUS_FAILED, issues=[Issue(location, None, p) for p in raw.problems])
    result = validator.validate(location, raw.values, header_map)
    if not isinstance(result, Record):
        return RowOutcome(location, STATUS_FAILED, issues=result)
    fallback = f"第{location.row}行" if location.unit == "row" else f"第{location.row}条"
    name_values = {**result.values, **{spec.label: result.values[spec.key] for spec in kind.fields}}
    try:
        path = names.allocate(name_from_pattern(kind.filename, name_values, fallback))
    except OutputError as e:
        return RowOutcome(location, STATUS_FAILED, issues=[Issue(location, None, e.message)])
    if path.exists() and not options.force:
        message = f"输出文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force"
        return RowOutcome(location, STATUS_FAILED, path, [Issue(location, None, message)])
    if options.check_only:
        return RowOutcome(location, STATUS_CHECKED, path)
    context = {**result.values, "layout": layout}
    try:
        data = prepared.render_bytes(context)
    except TemplateProblem:
        raise  # a broken template concerns the whole job, not this row
    except JianchaError as e:
        return RowOutcome(location, STATUS_FAILED, issues=[Issue(location, None, e.message)])
    try:
        write_atomic(path, data, overwrite=options.force)
    except OutputError as e:
        return RowOutcome(location, STATUS_FAILED, issues=[Issue(location, None, e.message)])
    except OSError as e:
        raise OutputError(f"无法写入 {path}：{e.strerror or e}") from e
    return RowOutcome(location, STATUS_DONE, path)
