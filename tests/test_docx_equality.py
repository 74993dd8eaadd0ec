"""Speed is never bought with fidelity: for every standard kind, in both layouts, the prepared
renderer's XML parts are equal after canonicalisation (C14N) to what docxtpl renders from the
same template and record — for the fixture records and for any text a property test finds, and
for the docxtpl features templates use (paragraph and table-row loops, rich text)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiancha_docs.kinds import LAYOUTS, Record, Validator, find_kind
from jiancha_docs.render.docx import PreparedTemplate
from jiancha_docs.render.environment import make_environment
from jiancha_docs.sources import open_source

from .helpers import c14n_parts, docx_text, docxtpl_bytes, xml_safe_text

FIXTURES = Path(__file__).parent / "fixtures"
KINDS = ["recommendation", "reform_notice", "clarification_notice", "clarification_letter"]
CASES = [(kind, layout) for kind in KINDS for layout in LAYOUTS]

_prepared: dict[tuple[str, str], PreparedTemplate] = {}


def prepared(kind_id: str, layout: str) -> PreparedTemplate:
    if (kind_id, layout) not in _prepared:
        template = find_kind(kind_id).template_path(layout)
        _prepared[kind_id, layout] = PreparedTemplate(template, make_environment())
    return _prepared[kind_id, layout]


def fixture_context(kind_id: str, layout: str) -> dict[str, Any]:
    """The fixture record, validated as a render job validates it: the context templates get."""
    kind = find_kind(kind_id)
    validator = Validator(kind)
    with open_source(FIXTURES / f"{kind_id}.yaml") as source:
        header_map = validator.map_headers(source.headers, source.display_name)
        raw = next(iter(source.records()))
    record = validator.validate(raw.location, raw.values, header_map)
    assert isinstance(record, Record), record
    return {**record.values, "layout": layout}


def assert_same_as_docxtpl(kind_id: str, layout: str, context: dict[str, Any]) -> None:
    ours = prepared(kind_id, layout).render_bytes(context)
    theirs = docxtpl_bytes(find_kind(kind_id).template_path(layout), context)
    ours_parts, theirs_parts = c14n_parts(ours), c14n_parts(theirs)
    assert sorted(ours_parts) == sorted(theirs_parts)
    for name in ours_parts:
        assert ours_parts[name] == theirs_parts[name], f"{kind_id} {layout} {name}"


@pytest.mark.parametrize(("kind_id", "layout"), CASES)
def test_every_kind_and_layout_renders_what_docxtpl_renders(kind_id: str, layout: str) -> None:
    assert_same_as_docxtpl(kind_id, layout, fixture_context(kind_id, layout))


def replace_text(value: Any, texts: list[str], position: list[int]) -> Any:
    """The same structure with every string replaced by the next generated text (dates, numbers
    and choices of sub-type kept, so the template takes its usual branches)."""
    if isinstance(value, str):
        text = texts[position[0] % len(texts)]
        position[0] += 1
        return text
    if isinstance(value, list):
        return [replace_text(item, texts, position) for item in value]
    if isinstance(value, dict):
        return {key: replace_text(item, texts, position) for key, item in value.items()}
    return value


KEEP = {"subtype", "layout", "form", "reply_form"}  # choices the templates branch on


@pytest.mark.parametrize(("kind_id", "layout"), CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(xml_safe_text(max_size=30), min_size=1, max_size=6))
def test_any_text_renders_what_docxtpl_renders(kind_id: str, layout: str, texts: list[str]) -> None:
    """Property: whatever text fills the fields — XML specials, braces, underscores, newlines
    and tabs (docxtpl's line-break and tab handling), emoji, rare CJK — the XML is docxtpl's."""
    context = fixture_context(kind_id, layout)
    position = [0]
    varied = {
        key: value if key in KEEP else replace_text(value, texts, position) for key, value in context.items()
    }
    assert_same_as_docxtpl(kind_id, layout, varied)


def test_rich_text_renders_what_docxtpl_renders(tmp_path: Path) -> None:
    """docxtpl's RichText (``{{r … }}``), for templates an office writes itself."""
    from docx import Document
    from docxtpl import RichText

    template = tmp_path / "rich.docx"
    doc = Document()
    doc.add_paragraph("说明：{{r note }}")
    doc.add_paragraph("{%p for item in items %}")
    doc.add_paragraph("{{r item }}")
    doc.add_paragraph("{%p endfor %}")
    doc.save(template)
    note = RichText()
    note.add("重点", bold=True)
    note.add("：A&B <c> 第一行\n第二行\t制表", color="C00000", underline=True)
    items = [RichText("一项_甲", italic=True), RichText("二项", size=32, font="仿宋")]
    context = {"note": note, "items": items}
    ours = PreparedTemplate(template, make_environment()).render_bytes(context)
    assert c14n_parts(ours) == c14n_parts(docxtpl_bytes(template, context))
    out = tmp_path / "out.docx"
    out.write_bytes(ours)
    assert docx_text(out)[:2] == ["说明：重点：A&B <c> 第一行\n第二行\t制表", "一项_甲"]


def test_the_fixture_contexts_cover_the_templates_branches() -> None:
    """Guard for the tests above: the fixtures fill loops (lists and tables are not empty) and
    carry dates, so the equality is checked on the parts of the templates that matter."""
    for kind_id in KINDS:
        context = fixture_context(kind_id, "文件式")
        assert any(isinstance(v, list) and v for v in context.values()), kind_id
        assert any(isinstance(v, dt.date) for v in context.values()), kind_id
