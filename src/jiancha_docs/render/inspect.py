"""Comparing a Word template with a kind's schema (``jiancha kinds check-template``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..kinds import KindSchema

# Names a template may use that are not fields: what the renderer adds to every context,
# and Jinja's own globals.
CONTEXT_EXTRAS = {"layout", "all_organ_marks"}  # all_organ_marks: optional (信函式 marks)
JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"}


@dataclass
class TemplateCheck:
    template: Path
    used: set[str]
    unknown: list[str]  # variables the schema does not declare: rendering would fail
    unshown_required: list[str]  # labels of required fields the template never uses
    # unknown names that are a field's Chinese label (or another name of it) → the key to write
    keys_to_write: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.unshown_required


def check_template(kind: KindSchema, template: Path) -> TemplateCheck:
    from .docx import PreparedTemplate
    from .environment import make_environment

    prepared = PreparedTemplate(template, make_environment())
    used = used_variables(prepared)
    unknown = sorted(used - _declared(kind))
    keys = _keys_for_labels(kind, unknown)
    # A label written for a field counts as showing it, so the advice is "write the key", once.
    shown = used | set(keys.values())
    unshown = [spec.label for spec in kind.fields if spec.required and spec.key not in shown]
    return TemplateCheck(template, used, unknown, unshown, keys)


def _keys_for_labels(kind: KindSchema, names: list[str]) -> dict[str, str]:
    from ..kinds.validate import synonyms

    by_label = {spec.label: spec.key for spec in kind.fields}
    keys = {}
    for name in names:
        label = name if name in by_label else synonyms().to_label.get(name)
        if label in by_label:
            keys[name] = by_label[label]
    return keys


def used_variables(prepared: Any) -> set[str]:
    """Every variable a prepared template reads from its context (found once per template)."""
    from jinja2 import meta

    found = getattr(prepared, "_used_variables", None)
    if found is not None:
        return set(found)
    used: set[str] = set()
    for source in prepared.sources.values():
        used |= meta.find_undeclared_variables(prepared.env.parse(source))
    prepared._used_variables = frozenset(used)
    return used


def undeclared_variables(kind: KindSchema, prepared: Any) -> list[str]:
    """The variables a template reads that the kind does not have: rendering would fail."""
    return sorted(used_variables(prepared) - _declared(kind))


def _declared(kind: KindSchema) -> set[str]:
    return set(kind.keys) | CONTEXT_EXTRAS | JINJA_GLOBALS
