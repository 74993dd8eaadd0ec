"""Planning one input row, in row order, in the job's process: the first stage of a render job.

A row is validated, recognised (has the ledger registered the document it describes?), given its
文号 and its file name. The result is one of two explicit states:

- ``Decided``: nothing to render — the row failed, was only checked (``--check``), or its
  document exists already (已生成，沿用文号);
- ``ToRender``: render ``context`` to ``path``, then register it as ``registration`` says.

How a row is recognised (a document's identity is its kind + the digest of its record):

1. the ledger has a live entry with the same identity → the same document: its number is reused.
   If its file is on disk nothing is written (``--force`` rewrites it in the output folder); if
   the file went missing it is written again under the same number;
2. otherwise, the ledger has a live entry from the same file and row, for the same recipient,
   with a minority of fields changed → the same document, edited: the row fails and says what
   changed, unless ``--reissue`` (a new number; the old one is voided when the new document is
   issued, and the two entries point at each other);
3. otherwise it is a new document and takes a new number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from ..errors import Issue, JianchaError, Location, OutputError
from ..gbt9704 import normalise_number
from ..kinds import KindSchema, Record, Validator
from ..ledger.db import LedgerError
from ..ledger.interface import LedgerBase
from ..ledger.model import (
    PENDING,
    DocumentMeta,
    Entry,
    changed_fields,
    parse_number,
    row_digest,
)
from .output import NameAllocator, NameSet, name_from_pattern, names_in

STATUS_DONE = "已生成"
STATUS_REUSED = "沿用"
STATUS_CHECKED = "校验通过"
STATUS_FAILED = "失败"
DRAFT_PREFIX = "草稿_"


@dataclass
class RowOutcome:
    location: Location
    status: str
    output: Path | None = None
    issues: list[Issue] = field(default_factory=list)
    note: str | None = None  # what the manifest says of a row that succeeded
    number: str | None = None  # the 文号 the document carries
    reused_number: bool = False  # the ledger had this document: its number was reused


class Registration(Enum):
    """What the ledger does when a planned document has been written."""

    NONE = "none"  # no 文号 (no 代字 configured), or a draft: not registered
    NEW = "new"  # a number held as 生成中 → 已印发
    RERENDER = "rerender"  # an issued entry whose document is written again


@dataclass(frozen=True)
class Decided:
    location: Location
    outcome: RowOutcome


@dataclass
class ToRender:
    location: Location
    context: dict[str, Any]
    path: Path
    registration: Registration
    number: str | None = None  # the 文号 the document carries (held by this job unless NONE)
    meta: DocumentMeta | None = None  # RERENDER with --force-number: the entry's new details
    overwrite: bool = False  # the file may replace one of the same name
    draft: bool = False
    note: str | None = None
    warnings: list[Issue] = field(default_factory=list)
    closes: tuple[str, Any] | None = None  # (related 文号, reply date): marked 已反馈 once this is issued

    @property
    def held(self) -> str | None:
        return self.number if self.registration is not Registration.NONE else None


PlannedRow = Decided | ToRender


def _with_warnings(planned: PlannedRow, warnings: list[Issue]) -> PlannedRow:
    """``planned`` with ``warnings`` first among its issues (a failed row keeps its own)."""
    if warnings:
        if isinstance(planned, ToRender):
            planned.warnings[:0] = warnings
        elif planned.outcome.status != STATUS_FAILED:
            planned.outcome.issues[:0] = warnings
    return planned


@dataclass
class PlanOptions:
    outdir: Path
    layout: str
    force: bool = False
    check_only: bool = False
    draft: bool = False
    reissue: bool = False
    force_number: bool = False
    as_new: bool = False
    numbering: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    all_organ_marks: bool = False  # the templates' all_organ_marks (信函式 marks, 10.1)
    # [ledger] approval: a row is numbered only once its draft is approved (ledger approve 草稿号).
    approval: bool = False


class Planner:
    """Plans rows in order; holds the numbers it takes until the job settles them."""

    def __init__(
        self,
        kind: KindSchema,
        validator: Validator,
        ledger: LedgerBase,
        options: PlanOptions,
        check_citations: Any = None,
    ) -> None:
        self.kind = kind
        self.validator = validator
        self.ledger = ledger
        self.options = options
        self.check_citations = check_citations  # values, location → issues (or None)
        self.names = NameAllocator(options.outdir)
        self.existing: NameSet | None = None  # file names in the output folder at the start
        self.held: set[str] = set()  # 文号 this job holds, as 生成中 or for a re-render
        self.issued: set[str] = set()  # 文号 this job has issued (so a repeated row is named as such)
        # Whether the ledger had documents of this kind when the job began: when it had none, a
        # row is looked up only if this job has already planned its identity (see _find_identity).
        self._kind_known: bool | None = None
        self._planned_identities: set[int] = set()
        self._related: tuple[str, Entry | None] | None = None
        self._root: Path | None = None  # the output folder, resolved once
        self._source: tuple[str, str] = ("", "")
        self._rows_of_file: Any = lambda: iter(())
        self._file_digests: dict[str, int] | None = None
        self.numbered = 0

    # -- one row -----------------------------------------------------------------------------------
    def begin_file(self, source_name: str, source_key: str, rows_of_file: Any) -> None:
        """The rows that follow come from this file (``source_key``: its full path and sheet);
        ``rows_of_file()`` reads the file's rows again, for a rerun that must tell a moved row
        from an edited one (only then, and once per file)."""
        self._source = (source_name, source_key)
        self._rows_of_file = rows_of_file
        self._file_digests = None

    def plan(self, raw: Any, header_map: Any, source_name: str) -> PlannedRow:
        location = raw.location
        self._related = None  # (文号, entry) of the document this row follows up, once looked up
        if raw.problems:
            return _failed(location, [Issue(location, None, p) for p in raw.problems])
        fill = self._from_related if self.kind.ledger.related and self.kind.ledger.fill else None
        result = self.validator.validate(location, raw.values, header_map, fill=fill)
        if not isinstance(result, Record):
            return _failed(location, [*result, *self._unknown_related(location, raw.values, header_map)])
        values = dict(result.values)
        mismatch = self._related_mismatch(location, values)
        if mismatch:
            return _failed(location, mismatch)
        cited: list[Issue] = []  # warnings of the citation check, carried into the outcome
        if self.check_citations is not None:
            cited = self.check_citations(values, location)
            if any(issue.severity == "error" for issue in cited):
                return _failed(location, cited)
        if values.get("doc_number"):
            values["doc_number"] = normalise_number(values["doc_number"])
        if self.options.draft:
            return _with_warnings(self._draft(values, location), cited)
        try:
            planned = self._plan_registered(values, source_name, location, row_digest(raw.values))
        except JianchaError as e:
            label = "文号" if isinstance(e, LedgerError) else None
            return _failed(location, [Issue(location, label, e.message)])
        _with_warnings(planned, cited)
        spec = self.kind.ledger
        if isinstance(planned, ToRender) and planned.registration is Registration.NEW and spec.closes:
            related = values.get(spec.related) if spec.related else None
            if isinstance(related, str) and related and values.get(spec.closes):
                planned.closes = (normalise_number(related), values[spec.closes])
        return planned

    def _from_related(self, given: dict[str, Any]) -> dict[str, Any]:
        """What a follow-up (督办函, 回访记录…) takes from the ledger entry of the document it
        answers: its date, deadline, recipient, subject — for the fields the clerk left blank."""
        related = self.kind.ledger.related
        entry = self._related_entry(given.get(related)) if related else None
        if entry is None:
            return {}  # not in this ledger: the clerk fills the fields in
        return {key: getattr(entry, attribute, None) for key, attribute in self.kind.ledger.fill}

    def _related_entry(self, number: Any) -> Entry | None:
        """The ledger entry of the 文号 a follow-up names, looked up once per row."""
        if not isinstance(number, str) or not number.strip():
            return None
        number = normalise_number(number)
        if self._related is None or self._related[0] != number:
            self._related = (number, self.ledger.get(number))
        return self._related[1]

    def _unknown_related(self, location: Location, raw: dict[str, Any], header_map: Any) -> list[Issue]:
        """When fields a follow-up takes from the ledger are missing: say if the 文号 it follows
        up is not in the ledger (so they could not be filled in)."""
        spec = self.kind.ledger
        if not spec.related or not spec.fill:
            return []
        number = next(
            (v for c, v in raw.items() if header_map.column_to_key.get(str(c).strip()) == spec.related), None
        )
        if not isinstance(number, str) or not number.strip() or self._related_entry(number) is not None:
            return []
        label = self.kind.field(spec.related).label
        return [
            Issue(
                location,
                label,
                f"文号“{number.strip()}”不在本台账中，无法从台账补全相关栏目，请在表格中填写",
                "warning",
            )
        ]

    def _related_mismatch(self, location: Location, values: dict[str, Any]) -> list[Issue]:
        """A follow-up must follow up the document it names: of the right kind, to the same
        person or unit, of the date the ledger has."""
        spec = self.kind.ledger
        if not spec.related:
            return []
        entry = self._related_entry(values.get(spec.related))
        if entry is None:
            return []
        label = self.kind.field(spec.related).label
        problems = []
        if spec.related_kinds and entry.kind not in spec.related_kinds:
            from ..kinds import find_kind

            wanted = "、".join(find_kind(k).name for k in spec.related_kinds)
            problems.append(
                f"文号“{entry.doc_number}”在台账中是「{find_kind(entry.kind).name}」，不是「{wanted}」"
            )
        from ..ledger.numbering import recipient_of

        mine = recipient_of(self.kind, values)
        if mine and entry.recipient and mine != entry.recipient and spec.related_kinds:
            problems.append(f"文号“{entry.doc_number}”是发给“{entry.recipient}”的，本文书是给“{mine}”的")
        for key, attribute in spec.fill:
            given, known = values.get(key), getattr(entry, attribute, None)
            if isinstance(given, dt.date) and isinstance(known, dt.date) and given != known:
                field_label = self.kind.field(key).label
                problems.append(
                    f"「{field_label}」{given}与台账中文号“{entry.doc_number}”的记录（{known}）不一致"
                )
        return [Issue(location, label, problem) for problem in problems]

    def _draft(self, values: dict[str, Any], location: Location, path: Path | None = None) -> PlannedRow:
        path = path or self._output_path(values, location, prefix=DRAFT_PREFIX)
        if self.options.check_only:
            return Decided(location, RowOutcome(location, STATUS_CHECKED, path))
        if not self.options.force and self._exists(path):
            return _failed(location, [Issue(location, None, _exists_message(path))])
        context = self._context(values)
        return ToRender(location, context, path, Registration.NONE, draft=True, overwrite=self.options.force)

    def _awaiting_approval(self, values: dict[str, Any], location: Location, identity: str) -> PlannedRow:
        """[ledger] approval on and no 审批 yet: the document is written as a draft (no 文号) and
        the ledger keeps it under its 草稿号, which ``ledger review``/``ledger approve`` take."""
        from ..ledger.model import draft_handle

        handle = (
            draft_handle(identity)
            if self.options.check_only
            else self.ledger.register_draft(identity, self.kind.id)
        )
        path = self._output_path(values, location, prefix=DRAFT_PREFIX)
        if not self.options.check_only and not self.options.force and self._exists(path):
            # The draft awaiting approval is already written: a rerun keeps it (never overwrites).
            planned: PlannedRow = Decided(
                location, RowOutcome(location, STATUS_REUSED, path, note=f"待审批，草稿号 {handle}，草稿已在")
            )
        else:
            planned = self._draft(values, location, path)
        note = Issue(
            location,
            None,
            f"待审批：草稿号 {handle}，未取文号；审核、审批后重新运行 jiancha render 即取得文号",
            "warning",
        )
        if isinstance(planned, ToRender):
            planned.warnings.append(note)
            planned.note = f"待审批，草稿号 {handle}"
        elif planned.outcome.status in (STATUS_CHECKED, STATUS_REUSED):
            planned.outcome.issues.append(note)
        return planned

    def _plan_registered(
        self, values: dict[str, Any], source_name: str, location: Location, digest: str
    ) -> PlannedRow:
        from ..ledger.numbering import document_meta

        typed = bool(values.get("doc_number"))
        key = self._source[1] if self._source[0] == source_name else source_name
        meta = document_meta(self.kind, values, source_name, location.row, source_key=key, row_digest=digest)
        assert meta.identity is not None
        existing = self._find_identity(meta.identity)
        if existing is not None:
            return self._same_document(existing, values, meta, location)
        warnings: list[Issue] = []
        prior = self._edited(meta, location)
        if prior is not None and not (typed and prior.doc_number == values["doc_number"]):
            changed = changed_fields(prior.field_digests, meta.field_digests or {})
            if self.options.as_new:
                pass  # the clerk says: a new document in this row; the earlier one stays as it is
            elif not self.options.reissue:
                return _failed(location, [Issue(location, None, _changed_message(prior, changed))])
            else:
                meta.replaces = prior.doc_number
                warnings.append(
                    Issue(
                        location, None, f"重新发文：原文号“{prior.doc_number}”将作废，由新文号取代", "warning"
                    )
                )
        if self.options.approval and not typed and not self.ledger.draft_approved(meta.identity):
            return self._awaiting_approval(values, location, meta.identity)
        if self.options.check_only:
            if typed and not self.options.force_number:
                self.ledger.check_free(values["doc_number"])
            path = self._output_path(values, location)
            self._refuse_existing(path)
            return Decided(location, RowOutcome(location, STATUS_CHECKED, path, issues=warnings))
        if typed:
            return self._typed_number(values, meta, location, warnings)
        return self._new_number(values, meta, location, warnings)

    def _knows_kind(self) -> bool:
        if self._kind_known is None:
            self._kind_known = self.ledger.has_kind(self.kind.id)
        return self._kind_known

    def _find_identity(self, identity: str) -> Entry | None:
        """The live entry of this identity. A batch of a kind the ledger had never seen asks the
        ledger only for identities it has planned itself (a repeated row)."""
        short = hash(identity)
        if not self._knows_kind() and short not in self._planned_identities:
            self._planned_identities.add(short)
            return None
        self._planned_identities.add(short)
        return self.ledger.find_identity(identity)

    def ledger_changed(self) -> None:
        """The job opened the ledger it had deferred creating: ask it afresh."""
        self._kind_known = None

    def begin_chunk(self) -> None:
        """A chunk's transaction has begun: what other programs registered meanwhile is visible
        now, so a kind the ledger did not know is asked about again (two clerks rendering the
        same sheet at once must still recognise each other's documents)."""
        if not self._kind_known:
            self._kind_known = None

    def _edited(self, meta: DocumentMeta, location: Location) -> Entry | None:
        """The entry this row made before it was edited, if any: the live entry of the same file
        and row — unless that entry's row is now elsewhere in the file (rows were inserted or
        deleted above it), in which case this row is a new document."""
        if location.row is None or not self._knows_kind() or meta.source_key is None:
            return None
        prior = self.ledger.find_source(self.kind.id, meta.source_key, location.row)
        if prior is None or prior.status == PENDING:
            return None
        if prior.row_digest is not None:
            elsewhere = self._digests_of_file().get(prior.row_digest)
            if elsewhere is not None and elsewhere != location.row:
                return None
        return prior

    def _digests_of_file(self) -> dict[str, int]:
        if self._file_digests is None:
            self._file_digests = {}
            for raw in self._rows_of_file():
                self._file_digests.setdefault(row_digest(raw.values), raw.location.row)
        return self._file_digests

    def _same_document(
        self, existing: Entry, values: dict[str, Any], meta: DocumentMeta, location: Location
    ) -> PlannedRow:
        number = existing.doc_number
        typed = values.get("doc_number")
        if typed and typed != number:
            message = (
                f"本行内容与台账中文号“{number}”的文书相同，却填写了文号“{typed}”；"
                f"同一份文书只能有一个文号：请把文号改回“{number}”或留空"
            )
            return _failed(location, [Issue(location, "文号", message)])
        duplicate = existing.source_key == meta.source_key and existing.source_row not in (None, location.row)
        if existing.status == PENDING or (duplicate and number in self.held | self.issued):
            unit = "行" if location.unit == "row" else "条记录"
            whose = (
                f"本文件第 {existing.source_row} {unit}" if duplicate else "另一个正在运行的程序所生成的文书"
            )
            note = f"与{whose}内容相同，沿用文号 {number}，未重复生成"
            outcome = RowOutcome(location, STATUS_REUSED, note=note, number=number, reused_number=True)
            return Decided(location, outcome)
        moved = (existing.source_key, existing.source_row) != (meta.source_key, meta.source_row)
        if moved and not self.options.check_only:
            self.ledger.moved(number, meta)  # the row moved (or the file was renamed): follow it
        on_disk = existing.on_disk()
        recorded = Path(existing.output_file) if existing.output_file else None
        here = recorded is not None and recorded.parent == self.root
        if on_disk and not (self.options.force and here):
            note = f"已生成（沿用文号 {number}）：{recorded}"
            if self.options.force:
                note += "；该文书在另一个输出文件夹，--force 只重写本输出文件夹中的文书"
            status = STATUS_CHECKED if self.options.check_only else STATUS_REUSED
            return Decided(
                location,
                RowOutcome(location, status, recorded, note=note, number=number, reused_number=True),
            )
        values["doc_number"] = number
        path = recorded if on_disk and here and recorded is not None else self._output_path(values, location)
        if self.options.check_only:
            return Decided(location, RowOutcome(location, STATUS_CHECKED, path, note=f"将沿用文号 {number}"))
        if path != recorded and not self.options.force and self._exists(path):
            return _failed(location, [Issue(location, None, _exists_message(path))])
        self.ledger.hold_existing(number)
        self.held.add(number)
        note = f"已重新生成（沿用文号 {number}）" if on_disk else f"原文件已不在，按原文号 {number} 重新写出"
        context = self._context(values)
        return ToRender(location, context, path, Registration.RERENDER, number, overwrite=True, note=note)

    def _typed_number(
        self, values: dict[str, Any], meta: DocumentMeta, location: Location, warnings: list[Issue]
    ) -> PlannedRow:
        number = values["doc_number"]
        parts = parse_number(number)
        date = values.get("date")
        if parts is not None and isinstance(date, dt.date) and parts[1] != date.year:
            warnings.append(
                Issue(
                    location,
                    "文号",
                    f"文号的年份 {parts[1]} 与成文日期 {date.year} 年不一致，请核对",
                    "warning",
                )
            )
        skipped = self.ledger.ahead_of_sequence(number)
        if skipped is not None and not self.ledger.has(number):
            first, last = skipped
            code_year = number[: number.index("〕") + 1]
            span = f"{code_year}{first}号" + (f"至{last}号" if last > first else "")
            warnings.append(
                Issue(
                    location,
                    "文号",
                    f"手填的文号“{number}”超前于顺序号，{span}将被跳过，自动编号从下一个号继续",
                    "warning",
                )
            )
        if self.options.force_number and self.ledger.has(number):
            earlier = self.ledger.find(number)
            if earlier.recipient and meta.recipient and earlier.recipient != meta.recipient:
                raise LedgerError(
                    f"文号“{number}”是发给“{earlier.recipient}”的文书，不能用 --force-number 改发给“{meta.recipient}”"
                    "（--force-number 只用于按新内容重新生成同一份文书）"
                )
            recorded = Path(earlier.output_file) if earlier.output_file else None
            if recorded is not None and recorded.parent == self.root:
                values["doc_number"] = number
                path = recorded  # the same document: its file is replaced, never a second file beside it
            else:
                path = self._output_path(values, location)
        else:
            path = self._output_path(values, location)
            self._refuse_existing(path)
        rerender = self.ledger.claim(number, meta, force=self.options.force_number)
        self.held.add(number)
        context = self._context(values)
        if rerender:
            note = f"已按 --force-number 重新生成文号 {number} 的文书"
            return ToRender(
                location,
                context,
                path,
                Registration.RERENDER,
                number,
                meta=meta,
                overwrite=True,
                note=note,
                warnings=warnings,
            )
        return ToRender(
            location, context, path, Registration.NEW, number, overwrite=self.options.force, warnings=warnings
        )

    def _new_number(
        self, values: dict[str, Any], meta: DocumentMeta, location: Location, warnings: list[Issue]
    ) -> PlannedRow:
        from ..ledger.numbering import organ_code

        number: str | None = None
        if isinstance(values.get("date"), dt.date):
            code = organ_code(self.kind, values, self.options.numbering, self.options.code)
            if code is not None:
                number = self.ledger.allocate(code, values["date"].year, meta)
        if number is None:
            path = self._output_path(values, location)
            self._refuse_existing(path)
            context = self._context(values)
            return ToRender(location, context, path, Registration.NONE, overwrite=self.options.force)
        self.held.add(number)
        self.numbered += 1
        values["doc_number"] = number
        try:
            path = self._output_path(values, location)
            self._refuse_existing(path)
        except JianchaError as e:
            self.ledger.void(number, e.message)
            self.held.discard(number)
            raise
        context = self._context(values)
        return ToRender(
            location,
            context,
            path,
            Registration.NEW,
            number,
            overwrite=self.options.force,
            warnings=warnings,
        )

    # -- file names --------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The output folder as files in it are recorded (resolved once, when first needed)."""
        if self._root is None:
            self._root = self.options.outdir.resolve()
        return self._root

    def _refuse_existing(self, path: Path) -> None:
        if not self.options.force and self._exists(path):
            raise OutputError(_exists_message(path))

    def _context(self, values: dict[str, Any]) -> dict[str, Any]:
        """A record's values and what the templates read besides them (render/inspect.py)."""
        return {**values, "layout": self.options.layout, "all_organ_marks": self.options.all_organ_marks}

    def _exists(self, path: Path) -> bool:
        """Whether the output folder had this file when the job started (read once, not one
        ``stat`` per row; a file another program adds meanwhile is still caught when the
        document is given its name, which never replaces a file)."""
        if self.existing is None:
            self.existing = names_in(self.options.outdir)
        return path.name in self.existing

    def _output_path(self, values: dict[str, Any], location: Location, prefix: str = "") -> Path:
        fallback = f"第{location.row}行" if location.unit == "row" else f"第{location.row}条"
        named = {**values, **{spec.label: values[spec.key] for spec in self.kind.fields}}
        return self.names.allocate(prefix + name_from_pattern(self.kind.filename, named, fallback))


def _failed(location: Location, issues: list[Issue]) -> Decided:
    return Decided(location, RowOutcome(location, STATUS_FAILED, issues=issues))


def _exists_message(path: Path) -> str:
    return f"输出文件“{path.name}”已存在，未覆盖；如需覆盖请加 --force"


def _changed_message(prior: Entry, changed: list[str]) -> str:
    fields = "".join(f"「{label}」" for label in changed) or "内容"
    return (
        f"本行此前已生成文号“{prior.doc_number}”的文书（{prior.status}），现在{fields}有改动；"
        "未重新编号。如需按新内容重新发文，加 --reissue（原文号作废并注明由新文号取代）；"
        "如这一行已换成另一份新的文书（原文书照旧有效），加 --as-new"
    )
