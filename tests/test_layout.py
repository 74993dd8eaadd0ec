"""GB/T 9704-2012 numbers in every shipped template and every generated document, and every
generated document opening in python-docx and in LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from jiancha_docs import layout as std
from jiancha_docs.kinds import all_kinds, find_kind
from jiancha_docs.layout import StyleId
from jiancha_docs.printing.checker import check_document

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATES = [
    (kind.id, layout) for kind in sorted(all_kinds(), key=lambda k: k.id) for layout in ("文件式", "信函式")
]
MM = std.TWIPS_PER_MM


def style_value(style, getter):
    """A run property as the style chain resolves it (style → based-on styles → docDefaults)."""
    while style is not None:
        value = getter(style.element)
        if value is not None:
            return value
        style = style.base_style
    return None


def rpr_attr(tag: str, attr: str):
    def get(element):
        rpr = element.find(qn("w:rPr"))
        node = rpr.find(qn(tag)) if rpr is not None else None
        return node.get(qn(attr)) if node is not None else None

    return get


def ppr_attr(tag: str, attr: str):
    def get(element):
        ppr = element.find(qn("w:pPr"))
        node = ppr.find(qn(tag)) if ppr is not None else None
        return node.get(qn(attr)) if node is not None else None

    return get


def defaults(doc, tag: str, attr: str):
    node = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn(tag)}")
    return node.get(qn(attr)) if node is not None else None


def font_size(doc, style_id: str) -> int:
    style = next(s for s in doc.styles if s.style_id == style_id)
    return int(style_value(style, rpr_attr("w:sz", "w:val")) or defaults(doc, "w:sz", "w:val"))


def east_asia_font(doc, style_id: str) -> str:
    style = next(s for s in doc.styles if s.style_id == style_id)
    return style_value(style, rpr_attr("w:rFonts", "w:eastAsia")) or defaults(doc, "w:rFonts", "w:eastAsia")


def check_gbt9704(path: Path, layout: str) -> None:
    doc = Document(path)
    section = doc.sections[0]
    # 5.1 paper and 5.2.1 margins (± 1 mm)
    assert (
        (section.page_width.twips, section.page_height.twips)
        == (
            std.mm_to_twips(std.PAGE_WIDTH_MM),
            std.mm_to_twips(std.PAGE_HEIGHT_MM),
        )
        == (11906, 16838)
    )
    for actual, expected in [
        (section.top_margin.twips, std.MARGIN_TOP_MM * MM),
        (section.left_margin.twips, std.MARGIN_LEFT_MM * MM),
        (section.right_margin.twips, std.MARGIN_RIGHT_MM * MM),
        (section.bottom_margin.twips, std.MARGIN_BOTTOM_MM * MM),
    ]:
        assert abs(actual - expected) <= std.MARGIN_TOLERANCE_MM * MM, (path.name, actual, expected)
    # 5.2.2 default font: 3号仿宋
    assert defaults(doc, "w:rFonts", "w:eastAsia") == std.FANGSONG
    assert font_size(doc, "Normal") == 2 * std.BODY_PT
    # 5.2.3 grid: 22 lines of about 28.9 pt
    grid = section._sectPr.find(qn("w:docGrid"))
    assert 560 <= int(grid.get(qn("w:linePitch"))) <= 600
    # 28 characters a line in Word: the page setup's character grid (pitch = 3号 + charSpace/4096 pt)
    # and the text itself, which does not snap to the grid but is condensed (w:spacing, 1/20 pt)
    # so that 28 characters and no more fit the 156 mm line (LibreOffice: tests/test_pagination.py).
    type_width_pt = std.twips_to_pt(
        section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    )
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch = std.BODY_PT + int(grid.get(qn("w:charSpace"))) / 4096
    assert int(type_width_pt // pitch) == std.CHARS_PER_LINE, (type_width_pt, pitch)
    assert round(std.mm_to_twips(std.TYPE_HEIGHT_MM) / int(grid.get(qn("w:linePitch")))) == std.LINES_PER_PAGE
    body_text = next(s for s in doc.styles if s.style_id == StyleId.BODY)
    assert style_value(body_text, ppr_attr("w:snapToGrid", "w:val")) == "0"
    tracking = int(style_value(body_text, rpr_attr("w:spacing", "w:val"))) / 20
    assert int(type_width_pt // (std.BODY_PT + tracking)) == std.CHARS_PER_LINE, tracking
    body = next(s for s in doc.styles if s.style_id == StyleId.BODY)
    line = int(style_value(body, ppr_attr("w:spacing", "w:line")))
    assert 560 <= line <= 600 and style_value(body, ppr_attr("w:spacing", "w:lineRule")) == "exact"
    # 7.3.3 body: first-line indent of two characters
    assert (
        style_value(body, ppr_attr("w:ind", "w:firstLine")) == str(std.pt_to_twips(2 * std.CHAR_PT)) == "640"
    )
    # 7.3.1 title: 2号小标宋
    assert font_size(doc, StyleId.TITLE) == 2 * std.TITLE_PT
    assert east_asia_font(doc, StyleId.TITLE) == std.XIAOBIAOSONG
    # 7.2.4 the organ mark is red
    mark = StyleId.ORGAN_MARK if layout == "文件式" else StyleId.LETTER_ORGAN_MARK
    assert (
        style_value(next(s for s in doc.styles if s.style_id == mark), rpr_attr("w:color", "w:val"))
        == std.RED
    )
    # 7.4.2 抄送 in 4号 (14 pt), not 12 pt
    copy_to = StyleId.IMPRINT_COPY_TO if layout == "文件式" else StyleId.COPY_TO
    assert font_size(doc, copy_to) == 2 * std.IMPRINT_PT
    # 7.5 page numbers: 4号宋体 "— N —", odd right / even left
    assert font_size(doc, StyleId.PAGE_NUMBER) == 2 * std.IMPRINT_PT
    assert east_asia_font(doc, StyleId.PAGE_NUMBER) == std.SONGTI
    with zipfile.ZipFile(path) as archive:
        settings = archive.read("word/settings.xml").decode("utf-8")
        assert "<w:evenAndOddHeaders/>" in settings
        footers = {
            n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("word/footer")
        }
    numbered = [xml for xml in footers.values() if "PAGE" in xml]
    assert len(numbered) == 2 and all("—" in xml for xml in numbered)
    aligned = {re.search(r'<w:pStyle w:val="(PageNumber\w+)"', xml).group(1) for xml in numbered}
    assert aligned == {StyleId.PAGE_NUMBER_ODD, StyleId.PAGE_NUMBER_EVEN}
    if layout == "信函式":
        # 10.1: no page number on page 1 of a letter
        assert section.different_first_page_header_footer
        assert "PAGE" not in "".join(p.text for p in section.first_page_footer.paragraphs)
    # And the same file through `jiancha check`, clause by clause (tests/test_printing_checker.py).
    report = check_document(path, layout)
    assert report.ok, [(c.clause, f.describe()) for c in report.clauses for f in c.problems()]


@pytest.mark.parametrize("kind_id,layout", TEMPLATES)
def test_shipped_templates_meet_gbt9704(kind_id: str, layout: str) -> None:
    check_gbt9704(find_kind(kind_id).template_path(layout), layout)


def test_generated_documents_meet_gbt9704(rendered_documents: list[tuple[Path, str]]) -> None:
    for path, layout in rendered_documents:
        check_gbt9704(path, layout)
        doc = Document(path)
        texts = [p.text for p in doc.paragraphs] + [
            p.text for s in doc.sections for p in s.first_page_header.paragraphs
        ]
        # 7.2.5 发文字号: 〔YYYY〕, no leading zeros; 7.3.5 date: no zero padding
        assert any(re.fullmatch(r"\S+〔\d{4}〕[1-9]\d*号", t) for t in texts), path.name
        assert any(re.fullmatch(r"\d{4}年[1-9]\d?月[1-9]\d?日", t) for t in texts), path.name


def test_generated_documents_open_in_libreoffice(
    rendered_documents: list[tuple[Path, str]], tmp_path: Path
) -> None:
    rendered = rendered_documents
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (.ci/run installs it)")
    profile = tmp_path / "profile"
    stage = tmp_path / "stage"
    stage.mkdir()
    staged = []
    for index, (path, _) in enumerate(rendered):
        staged.append(stage / f"{index}_{path.name}")
        shutil.copy(path, staged[-1])
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            *[str(p) for p in staged],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(pdfs) == len(rendered) == 2 * len(all_kinds())
    if shutil.which("pdftotext"):
        for path in staged:
            text = subprocess.run(
                ["pdftotext", str(tmp_path / "pdf" / (path.stem + ".pdf")), "-"],
                capture_output=True,
                text=True,
            ).stdout
            title = next(p.text for p in Document(path).paragraphs if p.style.style_id == StyleId.TITLE)
            # pdftotext sets a space between CJK and Latin text ("等 2 名"): compare without spaces.
            assert title[:8].replace(" ", "") in re.sub(r"\s", "", text), path.name


# -- 10.1: a joint 信函式 letter shows the 主办机关's mark only, unless the office asks for all -----
EXAMPLES = Path(__file__).parent.parent / "examples"


def letter_marks(path: Path) -> list[str]:
    """The organ marks of a 信函式 document's first-page header, top to bottom."""
    header = Document(path).sections[0].first_page_header
    return [p.text for p in header.paragraphs if p.style.style_id == StyleId.LETTER_ORGAN_MARK and p.text]


def marks_by_subtype(out: Path) -> dict[str, list[str]]:
    """The marks of each rendered 纪检监察建议书, by its 建议类型 (read from the title)."""
    found = {}
    for path in sorted(out.rglob("*.docx")):
        title = next(p.text for p in Document(path).paragraphs if p.style.style_id == StyleId.TITLE)
        subtype = next(
            s for s in ("纪检监察建议", "纪律检查建议", "监察建议") if s in title.replace("\n", "")
        )
        found[subtype] = letter_marks(path)
    return found


@pytest.mark.parametrize("all_marks", [False, True])
def test_joint_letters_show_the_lead_organs_mark_unless_all_are_asked_for(
    tmp_path: Path, all_marks: bool
) -> None:
    from jiancha_docs.render.batch import RenderOptions, render_records

    options = RenderOptions(outdir=tmp_path, layout="信函式", draft=True, all_organ_marks=all_marks)
    assert render_records(find_kind("recommendation"), [EXAMPLES / "recommendation.yaml"], options).ok
    joint = ["中共某某市纪律检查委员会", "某某市监察委员会"]
    assert marks_by_subtype(tmp_path) == {
        "纪检监察建议": joint if all_marks else joint[:1],
        "纪律检查建议": ["中共某某市纪律检查委员会"],
        "监察建议": ["某某市监察委员会"],
    }


@pytest.mark.parametrize(
    ("toml", "flags", "env", "expected"),
    [
        ("", (), None, 1),
        ("", ("--all-organ-marks",), None, 2),
        ("[kinds]\nall_organ_marks = true\n", (), None, 2),
        ("[kinds]\nall_organ_marks = true\n", (), "0", 1),
        ("", (), "1", 2),
    ],
)
def test_the_all_marks_switch_reaches_the_letter(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    flags: tuple[str, ...],
    env: str | None,
    expected: int,
) -> None:
    """--all-organ-marks → JIANCHA_ALL_ORGAN_MARKS → [kinds] all_organ_marks → the 主办机关 only."""
    from .helpers import jiancha_in_process

    (tmp_path / "jiancha.toml").write_text(toml, encoding="utf-8")
    if env is not None:
        monkeypatch.setenv("JIANCHA_ALL_ORGAN_MARKS", env)
    source = EXAMPLES / "recommendation.yaml"
    args = ("render", "recommendation", str(source), "--layout", "信函式", "--draft", "-o", "out", *flags)
    code, err = jiancha_in_process(capsys, *args, cwd=tmp_path)
    assert code == 0, err
    assert len(marks_by_subtype(tmp_path / "out")["纪检监察建议"]) == expected


# -- 7.3.1: titles broken where the words allow ----------------------------------------------------
@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于为张某某同志澄清正名的通报", ["关于为张某某同志澄清正名的通报"]),
        # Not "…违纪违法 / 案教训…": a line does not start with a word's one-character tail.
        (
            "关于深刻汲取李某某严重违纪违法案教训深入做好以案促改工作的通知",
            ["关于深刻汲取李某某严重违纪违法案", "教训深入做好以案促改工作的通知"],
        ),
        (
            "关于加强工程建设项目审批监管的纪检监察建议书",
            ["关于加强工程建设项目", "审批监管的纪检监察建议书"],
        ),
    ],
)
def test_titles_break_between_words_into_balanced_lines(title: str, lines: list[str]) -> None:
    from jiancha_docs.render.titles import break_title

    assert break_title(title) == lines
