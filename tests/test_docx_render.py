"""The prepared-template renderer: safety, verbatim text, and equality with docxtpl."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from jiancha_docs.errors import TemplateProblem
from jiancha_docs.render.docx import PreparedTemplate
from jiancha_docs.render.environment import make_environment

from .helpers import c14n_parts, docx_paragraphs, docxtpl_bytes, xml_safe_text


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template using the docxtpl features the standard templates use: values, paragraph
    loops, table-row loops, headers and footers."""
    from docx import Document

    path = tmp_path_factory.mktemp("tpl") / "small.docx"
    doc = Document()
    doc.add_paragraph("标题：{{ title }}")
    doc.add_paragraph("{%p for item in items %}")
    doc.add_paragraph("（{{ loop.index|cn }}）{{ item }}")
    doc.add_paragraph("{%p endfor %}")
    table = doc.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for r in rows %}"
    table.cell(1, 0).text = "{{ r.a }}"
    table.cell(1, 1).text = "{{ r.b }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    doc.sections[0].header.paragraphs[0].text = "页眉 {{ title }}"
    doc.sections[0].footer.paragraphs[0].text = "页脚"
    doc.save(path)
    return path


CONTEXT = {
    "title": "甲&乙",
    "items": ["一项", "二项"],
    "rows": [{"a": "x", "b": "y"}, {"a": "<z>", "b": "\"'"}],
}


def test_renders_values_loops_and_tables(small_template: Path) -> None:
    data = PreparedTemplate(small_template, make_environment()).render_bytes(CONTEXT)
    paragraphs = docx_paragraphs(data)
    assert paragraphs[:3] == ["标题：甲&乙", "（一）一项", "（二）二项"]
    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells == [["x", "y"], ["<z>", "\"'"]]
    assert doc.sections[0].header.paragraphs[0].text == "页眉 甲&乙"


def test_same_xml_as_docxtpl_after_canonicalisation(small_template: Path) -> None:
    ours = PreparedTemplate(small_template, make_environment()).render_bytes(CONTEXT)
    ours_parts, theirs_parts = c14n_parts(ours), c14n_parts(docxtpl_bytes(small_template, CONTEXT))
    assert ours_parts.keys() == theirs_parts.keys()
    for name in ours_parts:
        assert ours_parts[name] == theirs_parts[name], name


def test_docxtpl_defaults_lose_text_around_an_ampersand_but_we_do_not(tmp_path: Path) -> None:
    """The reason for autoescaping: with docxtpl's defaults (autoescape off) the text around an
    ampersand silently disappears; here it comes out whole."""
    from docxtpl import DocxTemplate

    template = make_template(tmp_path, "标题：{{ title }}")
    context = {"title": "党风廉政建设&反腐败工作"}
    naive = DocxTemplate(template)
    naive.render(context)  # docxtpl's default settings
    buffer = io.BytesIO()
    naive.save(buffer)
    assert docx_paragraphs(buffer.getvalue())[0] != "标题：党风廉政建设&反腐败工作"
    ours = PreparedTemplate(template, make_environment()).render_bytes(context)
    assert docx_paragraphs(ours)[0] == "标题：党风廉政建设&反腐败工作"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=xml_safe_text())
def test_any_text_comes_out_verbatim(small_template: Path, value: str) -> None:
    prepared = PreparedTemplate(small_template, make_environment())
    data = prepared.render_bytes({"title": value, "items": [value], "rows": [{"a": value, "b": ""}]})
    paragraphs = docx_paragraphs(data)
    # python-docx reports a w:br as "\n" and a w:tab as "\t": the text round-trips exactly.
    assert paragraphs[0] == "标题：" + value
    assert paragraphs[1] == "（一）" + value


@pytest.mark.parametrize(
    "value",
    [
        "{{ 7*7 }}",
        "{% for x in range(3) %}x{% endfor %}",
        "{_{ a }_}",
        "</w:t></w:r><w:r><w:t>注入",
        "]]>&amp;",
    ],
)
def test_values_are_never_evaluated_as_template_code(small_template: Path, value: str) -> None:
    prepared = PreparedTemplate(small_template, make_environment())
    assert docx_paragraphs(prepared.render_bytes(dict(CONTEXT, title=value)))[0] == "标题：" + value


def make_template(tmp_path: Path, text: str, header: str | None = None, footer: str | None = None) -> Path:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if footer is not None:
        doc.sections[0].footer.paragraphs[0].text = footer
    path = tmp_path / "t.docx"
    doc.save(path)
    return path


def test_undefined_variables_are_errors_not_blanks(tmp_path: Path) -> None:
    prepared = PreparedTemplate(make_template(tmp_path, "主送：{{ recipent }}"), make_environment())
    with pytest.raises(TemplateProblem) as caught:
        prepared.render_bytes({"recipient": "某局"})
    assert caught.value.message == (
        "模板 t.docx 渲染失败（word/document.xml）：模板使用了未定义的变量“recipent”"
        "（可用 jiancha kinds check-template 检查模板）"
    )


def test_the_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    template = make_template(tmp_path, "{{ x.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateProblem, match="不安全|未定义"):
        PreparedTemplate(template, make_environment()).render_bytes({"x": "a"})


def test_templates_may_not_mark_values_safe(tmp_path: Path) -> None:
    template = make_template(tmp_path, "{{ x|safe }}")
    with pytest.raises(TemplateProblem, match="不允许使用 safe 过滤器"):
        PreparedTemplate(template, make_environment()).render_bytes({"x": "<w:br/>"})


def test_template_syntax_errors_name_the_place(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem) as caught:
        PreparedTemplate(make_template(tmp_path, "前文 {% if x %} 后文"), make_environment())
    assert caught.value.message.startswith("模板 t.docx 的 word/document.xml 中有模板语法错误：")


def test_a_file_that_is_not_a_docx(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TemplateProblem) as caught:
        PreparedTemplate(bad, make_environment())
    assert caught.value.message == f"模板文件 {bad} 不是有效的 Word 文档（.docx）"
    with pytest.raises(TemplateProblem, match="找不到模板文件"):
        PreparedTemplate(tmp_path / "missing.docx", make_environment())


def test_other_parts_are_copied_unchanged(small_template: Path) -> None:
    data = PreparedTemplate(small_template, make_environment()).render_bytes(CONTEXT)
    with zipfile.ZipFile(small_template) as original, zipfile.ZipFile(io.BytesIO(data)) as rendered:
        assert rendered.testzip() is None
        # The parts that change are written last; the package keeps every part and opens with
        # [Content_Types].xml, as Word writes it.
        assert sorted(original.namelist()) == sorted(rendered.namelist())
        assert rendered.namelist()[0] == "[Content_Types].xml"
        for name in original.namelist():
            if name != "word/document.xml" and not name.startswith(("word/header", "word/footer")):
                assert original.read(name) == rendered.read(name), name


def test_headers_and_footers_without_variables_are_rendered_once(tmp_path: Path) -> None:
    """A footer that reads no variable renders the same for every record, so it is rendered
    when the template is prepared; a header that reads one is rendered per record."""
    template = make_template(tmp_path, "正文 {{ title }}", header="页眉 {{ title }}", footer="第 1 页")
    prepared = PreparedTemplate(template, make_environment())
    assert [p.name for p in prepared._dynamic] == ["word/document.xml", "word/header1.xml"]
    for title in ("甲", "乙&丙"):
        ours = c14n_parts(prepared.render_bytes({"title": title}))
        theirs = c14n_parts(docxtpl_bytes(template, {"title": title}))
        assert ours == theirs


def test_a_document_is_the_same_bytes_every_time(small_template: Path) -> None:
    """Deterministic output: the same record gives the same file, whichever process renders it."""
    first = PreparedTemplate(small_template, make_environment()).render_bytes(CONTEXT)
    again = PreparedTemplate(small_template, make_environment()).render_bytes(CONTEXT)
    assert first == again


def test_a_filter_given_the_wrong_kind_of_value_is_a_template_problem(tmp_path: Path) -> None:
    prepared = PreparedTemplate(make_template(tmp_path, "（{{ recipient|cn }}）"), make_environment())
    with pytest.raises(TemplateProblem) as caught:
        prepared.render_bytes({"recipient": "某局"})
    assert caught.value.message.startswith("模板 t.docx 渲染失败（word/document.xml）：ValueError: ")
    assert caught.value.hint == "请检查模板中的过滤器是否用在了合适的字段上"


def test_preparing_a_template_renders_nothing(tmp_path: Path) -> None:
    """A header quoting an article (no variable in it) is rendered with the first document, so
    a template can be prepared and checked without a rules index."""
    template = make_template(tmp_path, "正文 {{ title }}", header='{{ "《监察法》第一条"|article }}')
    prepared = PreparedTemplate(template, make_environment())
    assert "article" in prepared.sources["word/header1.xml"]
    with pytest.raises(TemplateProblem, match="没有可用的法规索引"):
        prepared.render_bytes({"title": "甲"})
    cited = PreparedTemplate(template, make_environment(lambda ref: f"{ref}的条文"))
    assert "《监察法》第一条的条文" in cited.render_parts({"title": "甲"})["word/header1.xml"].decode("utf-8")
