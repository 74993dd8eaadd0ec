"""Comparing a Word template with a kind's schema (``jiancha kinds check-template``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..kinds import KindSchema

# Names a template may use that are not fields: what the renderer adds to every context,
# and Jinja's own globals.
CONTEXT_EXTRAS = {"layout"}
JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"}


@dataclass
class TemplateCheck:
    template: Path
    used: set[str]
    unknown: list[str]  # variables the schema does not declare: rendering would fail
    unshown_required: list[str]  # labels of required fields the template never uses

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.unshown_required


def check_template(kind: KindSchema, template: Path) -> TemplateCheck:
    from .docx import PreparedTemplate
    from .environment import make_environment

    prepared = PreparedTemplate(template, make_environment())
    used = used_variables(prepared)
    unknown = sorted(used - _declared(kind))
    unshown = [spec.label for spec in kind.fields if spec.required and spec.key not in used]
    return TemplateCheck(template, used, unknown, unshown)


def used_variables(prepared: Any) -> set[str]:
    """Every variable a prepared template reads from its context."""
    from jinja2 import meta

    used: set[str] = set()
    for source in prepared.sources.values():
        used |= meta.find_undeclared_variables(prepared.env.parse(source))
    return used


def undeclared_variables(kind: KindSchema, prepared: Any) -> list[str]:
    """The variables a template reads that the kind does not have: rendering would fail."""
    return sorted(used_variables(prepared) - _declared(kind))


def _declared(kind: KindSchema) -> set[str]:
    return set(kind.keys) | CONTEXT_EXTRAS | JINJA_GLOBALS
