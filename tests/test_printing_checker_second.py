"""The checker's second pass: positions measured on the rendered PDF (``check --pdf``), paragraphs
found by their whole text, and the docx-level rules added after the blind tests (主送 without its
colon, a 黑体 auto-number before 仿宋 words, a 署名 set flush left, a black mark in a text box)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.printing.checker import FAIL, PASS, check_document
from jiancha_docs.printing.checker.pdfpass import Line, Page, find_paragraph, type_area
from jiancha_docs.printing.checker.roles import Role, classify
from jiancha_docs.printing.ooxml import Document

from .test_printing_checker import explain, office_document


def page(*texts: str) -> Page:
    return Page([Line(40 + 10 * i, 46 + 10 * i, t, False) for i, t in enumerate(texts)], raw=None)


# -- finding a paragraph on the pages ----------------------------------------------------------
def test_a_wrapped_paragraph_is_found_by_its_whole_text() -> None:
    """Two paragraphs sharing their first 12 characters: the wrapped one is found on its own
    lines, not on the later line its prefix also starts (the old 12-character match)."""
    pages = [
        page("各单位要高度重视，认真组织实施各项工作，确保", "落到实处。", "各单位要高度重视，认真组织实施。")
    ]
    assert find_paragraph(pages, "各单位要高度重视，认真组织实施各项工作，确保落到实处。") == (0, 0, 1)
    assert find_paragraph(pages, "各单位要高度重视，认真组织实施。") == (0, 2, 2)
    assert find_paragraph(pages, "没有这一段") is None


def test_the_last_place_wins_and_spaces_do_not_matter() -> None:
    pages = [page("抄送：县委办公室。"), page("正文", "抄送：县委办公室。")]
    assert find_paragraph(pages, "抄送： 县委办公室。") == (1, 1, 1)


def test_a_tab_leader_or_a_field_falls_back_to_the_leading_text() -> None:
    pages = [page("某某县纪委办公室2024年5月6日印发")]
    assert find_paragraph(pages, "某某县纪委办公室\t……2024年5月6日印发") == (0, 0, 0)


def test_the_type_area_comes_from_the_section(tmp_path: Path) -> None:
    from docx import Document as Docx
    from docx.shared import Mm

    path = office_document(tmp_path / "信纸.docx")
    doc = Docx(path)
    doc.sections[0].page_width, doc.sections[0].page_height = Mm(215.9), Mm(279.4)
    doc.save(path)
    from jiancha_docs.printing.checker import parse
    from jiancha_docs.printing.profiles import load_profile

    opened = Document(path)
    try:
        area = type_area(parse(opened, load_profile(None)))
    finally:
        opened.close()
    assert area.top == pytest.approx(37, abs=0.1)
    assert area.bottom == pytest.approx(279.4 - 35, abs=0.1)


# -- docx-level rules --------------------------------------------------------------------------
def test_a_recipient_without_its_colon_is_still_the_recipient(tmp_path: Path) -> None:
    from docx import Document as Docx

    path = office_document(tmp_path / "主送.docx")
    doc = Docx(path)
    recipient = next(p for p in doc.paragraphs if p.text.endswith("（党委）："))
    recipient.runs[0].text = recipient.runs[0].text.rstrip("：")
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.3.2"], explain(report)
    assert "主送机关后应有全角冒号" in report.clause("7.3.2").summary
    assert report.clause("7.3.3").status == PASS  # not taken as an unindented body paragraph


def test_a_heiti_number_before_fangsong_heading_words_fails(tmp_path: Path) -> None:
    from docx import Document as Docx
    from docx.oxml.ns import qn

    path = office_document(tmp_path / "标题.docx")
    doc = Docx(path)
    heading = next(p for p in doc.paragraphs if p.text == "一、活动内容")
    heading.runs[1]._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.3.3"], explain(report)
    assert "一级标题字体为“仿宋_GB2312”，应为黑体" in report.clause("7.3.3").summary


def test_a_heading2_label_in_kaiti_before_fangsong_words_passes(tmp_path: Path) -> None:
    """（一） in 楷体 introducing an item in 仿宋 is how our templates set a second level."""
    report = check_document(office_document(tmp_path / "二级.docx"))
    assert report.clause("7.3.3").status == PASS, explain(report)


def test_a_signature_flush_left_fails(tmp_path: Path) -> None:
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    path = office_document(tmp_path / "署名.docx")
    doc = Docx(path)
    signature = next(p for p in doc.paragraphs if p.text == "中共某某县纪律检查委员会")
    signature.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.3.5"], explain(report)
    assert "发文机关署名居左排布，应居右" in report.clause("7.3.5").summary


def test_a_black_organ_mark_in_a_text_box_is_the_mark_and_fails(tmp_path: Path) -> None:
    from docx import Document as Docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    path = office_document(tmp_path / "文本框.docx")
    doc = Docx(path)
    mark = doc.paragraphs[0]
    box = parse_xml(
        f'<w:p {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml"><w:r><w:pict><v:shape '
        'style="position:absolute;width:442pt;height:50pt"><v:textbox><w:txbxContent><w:p><w:pPr>'
        '<w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/>'
        '<w:color w:val="000000"/><w:sz w:val="52"/></w:rPr><w:t>中共某某县纪律检查委员会文件</w:t>'
        "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    mark._p.addprevious(box)
    mark._p.getparent().remove(mark._p)
    doc.save(path)
    opened = Document(path)
    try:
        roles = {p.text: r for p, r in classify(opened)}
    finally:
        opened.close()
    assert roles["中共某某县纪律检查委员会文件"] == Role.ORGAN_MARK
    report = check_document(path)
    assert "7.2.4" in report.failed_clauses(), explain(report)
    assert "发文机关标志应为红色，实为黑色" in report.clause("7.2.4").summary


def test_clauses_are_reported_in_the_standards_order(tmp_path: Path) -> None:
    report = check_document(office_document(tmp_path / "顺序.docx"))
    numbers = [tuple(int(x) for x in c.clause.split(".")) for c in report.clauses]
    assert numbers == sorted(numbers)
    assert [c.clause for c in report.clauses].index("7.3.7") < [c.clause for c in report.clauses].index(
        "7.4.1"
    )


# -- check --pdf on rendered examples (LibreOffice) -------------------------------------------
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice 未安装")


def to_pdf(paths: list[Path], out: Path) -> None:
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def rendered_pdfs(rendered_documents: list[tuple[Path, str]], tmp_path_factory) -> list[tuple[Path, str]]:
    """The recommendation (several pages, 版记) and the clarification letter, both layouts, with
    their PDFs beside them, as ``check --pdf`` finds them."""
    out = tmp_path_factory.mktemp("pdfs")
    chosen = [(p, layout) for p, layout in rendered_documents if p.parent.parent.name in ("recommendation",)]
    copies = []
    for path, layout in chosen:
        copy = out / f"{layout}_{path.name}"
        shutil.copy(path, copy)
        copies.append((copy, layout))
    to_pdf([p for p, _ in copies], out)
    return copies


@needs_soffice
def test_check_pdf_measures_the_rendered_pages(rendered_pdfs: list[tuple[Path, str]]) -> None:
    result = CliRunner().invoke(cli, ["check", "--pdf", "--json", *(str(p) for p, _ in rendered_pdfs)])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert len(entries) == 2
    for entry, (_, layout) in zip(entries, rendered_pdfs, strict=True):
        assert entry["ok"] and entry["pdf"] and entry["layout"] == layout
        measured = {
            c["clause"] for c in entry["clauses"] for f in c["findings"] if "PDF 实测" in f["message"]
        }
        foot = "10.1" if layout == "信函式" else "7.4.1"
        assert {"7.3.5", foot, "7.2.4" if layout == "文件式" else "10.1"} <= measured, measured
        if layout == "文件式":  # page 1 of a 信函式 shows no number
            assert "7.5" in measured


@needs_soffice
def test_check_pdf_finds_a_signature_alone_on_its_page(
    rendered_pdfs: list[tuple[Path, str]], tmp_path: Path
) -> None:
    from docx import Document as Docx

    source = next(p for p, layout in rendered_pdfs if layout == "文件式")
    path = tmp_path / "署名单独成页.docx"
    doc = Docx(source)
    signature = next(p for p in doc.paragraphs if p.style.style_id == "Signature")
    signature.paragraph_format.page_break_before = True
    doc.save(path)
    to_pdf([path], tmp_path)
    assert check_document(path).clause("7.3.5").status == PASS  # the .docx alone cannot tell
    result = CliRunner().invoke(cli, ["check", "--pdf", str(path)])
    assert result.exit_code == 1, result.output
    report = check_document(path, pdf=path.with_suffix(".pdf"))
    problems = report.clause("7.3.5").problems()
    assert problems and problems[0].status == FAIL
    assert "署名单独排在第" in problems[0].message and "PDF 实测" in problems[0].message
