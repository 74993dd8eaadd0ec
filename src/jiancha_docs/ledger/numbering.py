"""What a render job tells the ledger: the organ code (代字) for a record, and its ledger entry
with the identity of the record it is made from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import ConfigError
from ..gbt9704 import normalise_number
from ..kinds import KindSchema
from ..kinds.schema import fill_pattern
from .model import DocumentMeta, record_fingerprint


def organ_code(
    kind: KindSchema, values: dict[str, Any], numbering: dict[str, Any], override: str | None
) -> str | None:
    """The 机关代字 for this record: ``--code``, else [numbering] by kind id or name, per sub-type."""
    if override:
        return override
    setting = next((numbering[name] for name in kind.names() if name in numbering), None)
    if setting is None or isinstance(setting, str):
        return setting or None
    subtype = values.get(kind.ledger.subtype) if kind.ledger.subtype else None
    if subtype in setting:
        return str(setting[subtype])
    if subtype is None:
        return None
    raise ConfigError(f"配置 [numbering] 中「{kind.name}」没有为“{subtype}”设置机关代字")


def identity_values(values: dict[str, Any]) -> dict[str, Any]:
    """The values a document's identity is computed from: everything but its 文号 (the ledger
    gave it, or the clerk wrote back the one the ledger gave)."""
    return {k: v for k, v in values.items() if k != "doc_number"}


def document_meta(
    kind: KindSchema,
    values: dict[str, Any],
    source_file: str,
    source_row: int | None,
    source_key: str | None = None,
    row_digest: str | None = None,
) -> DocumentMeta:
    spec = kind.ledger
    named = {**values, **{f.label: values[f.key] for f in kind.fields}}
    subject = _first_filled(spec.subject, named)
    recipient = recipient_of(kind, values, named)
    doc_date = values.get("date")
    deadline = values.get(spec.reply_date) if spec.reply_date else None
    days = values.get(spec.reply_days) if spec.reply_days else None
    if deadline is None and days and isinstance(doc_date, dt.date):
        # Until delivery is recorded (ledger mark 已送达 --date), count from the document date.
        deadline = doc_date + dt.timedelta(days=days)
    else:
        days = None
    identity, digests = record_fingerprint(
        kind.id, identity_values(values), {f.key: f.label for f in kind.fields}
    )
    computed = values.get(spec.deadline) if spec.deadline else None
    rule = term = start_label = None
    if computed is not None and hasattr(computed, "rule"):  # a calendar.Deadline
        deadline, rule, term, start_label = (
            computed.date,
            computed.rule,
            str(computed.term),
            computed.start_label,
        )
        days = None
    related = values.get(spec.related) if spec.related else None
    from .tasks import tasks_of

    handler = values.get("contact")
    return DocumentMeta(
        kind=kind.id,
        subtype=values.get(spec.subtype) if spec.subtype else None,
        recipient=recipient or None,
        subject=subject,
        doc_date=doc_date if isinstance(doc_date, dt.date) else None,
        reply_deadline=deadline,
        reply_days=days,
        source_file=source_file,
        source_row=source_row,
        source_key=source_key or source_file,
        row_digest=row_digest,
        identity=identity,
        field_digests=digests,
        related_number=normalise_number(related) if isinstance(related, str) and related else None,
        deadline_rule=rule,
        deadline_term=term,
        deadline_from=start_label,
        handler=str(handler) if handler else None,
        tasks=tasks_of(
            kind.id, values, recipient or None, deadline if isinstance(deadline, dt.date) else None
        ),
    )


def recipient_of(kind: KindSchema, values: dict[str, Any], named: dict[str, Any] | None = None) -> str | None:
    """Whom the ledger lists a document for: its 主送单位, or the person it concerns."""
    if values.get("recipient"):
        return str(values["recipient"])
    if named is None:
        named = {**values, **{f.label: values[f.key] for f in kind.fields}}
    return _first_filled(kind.ledger.recipient, named)


def _first_filled(patterns: tuple[str, ...], named: dict[str, Any]) -> str | None:
    """The first pattern whose fields are all filled in (patterns like "{被函询人}同志")."""
    return next((text for text, complete in (fill_pattern(p, named) for p in patterns) if complete), None)
