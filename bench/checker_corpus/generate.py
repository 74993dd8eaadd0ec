"""An independent corpus for the GB/T 9704 checker: documents made the ways offices make them.

Written from the standard's side (docs: /work/shared/reference/gbt9704.md), not from the checker's
code: each document is a 文件式 or 信函式 公文 built in one of several ways, conforming or with one or
two seeded defects, each defect named with the clause it breaks. Ways of making a document:

    direct     python-docx, Normal style, every property set on the runs and paragraphs
    cnstyles   paragraph styles with Chinese names (公文标题, 正文, 一级标题 …) carrying the formatting
    roundtrip  a ``direct`` document opened and saved again by LibreOffice (soffice --convert-to docx)
    wps        WPS-like: framed page numbers (w:framePr xAlign=outside), a framed organ mark
    textbox    the organ mark in a text box at the top of page 1
    table      the organ mark in a borderless table; the 版记 as a table; signatures in a table
    tracked    tracked changes (w:ins / w:del) in the 文号, the body and the date
    autonum    headings numbered by Word's numbering (一、 and （一） are not in the text)

Every body line is short enough to fit one line of the 28-character grid, and every line has the
exact 28.95 pt pitch, so the page on which each line falls is known: conforming documents pad the
last page so that the 版记 (or the 信函式 抄送) sits at its foot, as 7.4.1 and 10.1 ask.

    python bench/checker_corpus/generate.py OUT [--no-pdf]

writes OUT/*.docx, OUT/*.pdf (LibreOffice) and OUT/labels.json: {file: {"method", "layout",
"defects": [{"id", "clause"}]}}.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

LINE_PT = 28.95  # 225 mm / 22 lines
PT_PER_MM = 72 / 25.4
# Measured on LibreOffice renderings at 300 dpi (the first row of red ink): a 26 pt line set in a
# 2-line exact paragraph (or a frame of that height) draws its ink 8.4 mm below the line's top; a
# 26 pt line at single spacing (the text box, the 信函式 header) 1.25 mm below it.
MARK_INK_IN_EXACT_LINE_MM = 8.4
MARK_INK_IN_SINGLE_LINE_MM = 1.25
MARK_TOP_MM = 35.0  # 7.2.4: from the top of the type area to the top of the mark (文件式)
LETTER_MARK_TOP_MM = 30.0  # 10.1: from the top edge of the page (信函式)
LINES_PER_PAGE = 22
RED = "FF0000"
CENTER, RIGHT, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT

# Defect id -> the clause it breaks.
DEFECTS: dict[str, str] = {
    "letter_paper": "5.1",
    "bottom_margin_30": "5.2.1",
    "left_margin_20": "5.2.1",
    "line_pitch_22": "5.2.3",
    "blue_body_text": "5.2.4",
    "mark_black": "7.2.4",
    "mark_not_35mm": "7.2.4",
    "number_square_brackets": "7.2.5",
    "number_with_di": "7.2.5",
    "number_without_hao": "7.2.5",
    "rule_86mm": "7.2.7",
    "title_18pt": "7.3.1",
    "title_second_line_18pt": "7.3.1",
    "title_left": "7.3.1",
    "title_under_rule": "7.3.1",
    "recipient_ascii_colon": "7.3.2",
    "body_songti": "7.3.3",
    "body_no_indent": "7.3.3",
    "heading1_fangsong": "7.3.3",
    "attachment_note_period": "7.3.4",
    "date_zero_padded": "7.3.5",
    "date_chinese": "7.3.5",
    "signature_alone": "7.3.5",
    "annotation_no_brackets": "7.3.6",
    "attachment_mark_fangsong": "7.3.7",
    "imprint_not_at_foot": "7.4.1",
    "copy_to_12pt": "7.4.2",
    "copy_to_no_period": "7.4.2",
    "imprint_without_yinfa": "7.4.3",
    "no_page_numbers": "7.5",
    "page_number_font": "7.5",
    "page_number_no_indent": "7.5",
    "page_number_hyphens": "7.5",
    "footer_too_low": "7.5",
    "letter_number_on_page1": "10.1",
    "letter_copy_to_not_at_foot": "10.1",
}

ORGANS = ["中共某某县纪律检查委员会", "某某市纪委监委", "中共某某区纪律检查委员会"]
CODES = ["某纪发", "某纪监建", "某纪函"]
TITLES = [
    ["关于开展警示教育活动的通知"],
    ["关于进一步加强作风建设的", "纪检监察建议书"],
    ["关于某某同志问题线索", "核查情况的通报"],
    ["关于做好节日期间廉洁工作的通知"],
]
BODY = [
    "为深化以案促改，经研究，决定开展专项活动。",
    "现将有关事项通知如下。",
    "各单位要高度重视，认真组织实施。",
    "要结合实际，制定具体工作方案。",
    "要加强督促检查，确保工作落到实处。",
    "工作中遇到的问题请及时报告。",
    "要坚持问题导向，压实主体责任。",
    "对工作不力的单位将予以通报。",
]


@dataclass
class Spec:
    name: str
    method: str
    layout: str  # 文件式 / 信函式
    defects: list[str] = field(default_factory=list)
    seed: int = 0
    pages: int = 1
    pad: int = 0  # blank lines before the 版记 (calibrated)

    def has(self, defect: str) -> bool:
        return defect in self.defects


# -- low-level helpers -------------------------------------------------------------------------
def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def set_fonts(run, east_asia: str, latin: str = "Times New Roman") -> None:
    run.font.name = latin
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def exact(paragraph, lines: float = 1, before: float = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT * lines)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(0)


def border(
    paragraph, side: str, size: int, color: str = "000000", val: str = "single", space: int = 1
) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes after pStyle/keepNext/…/framePr and before shd/tabs/spacing/ind/jc.
        anchor = next(
            (
                ppr.find(qn(t))
                for t in ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc")
                if ppr.find(qn(t)) is not None
            ),
            None,
        )
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", val), ("sz", str(size)), ("space", str(space)), ("color", color)):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def frame(paragraph, **attrs: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    element = OxmlElement("w:framePr")
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(element)
    else:
        ppr.insert(0, element)


def add_field(paragraph, instr: str, size_half: int, font: str | None) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), f" {instr} ")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    if font:
        fonts = OxmlElement("w:rFonts")
        for key in ("ascii", "hAnsi", "eastAsia"):
            fonts.set(qn(f"w:{key}"), font)
        rpr.append(fonts)
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(size_half))
    rpr.append(size)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


# -- a writer that places lines, by direct formatting or by Chinese-named styles ---------------
class Writer:
    """Adds the document's lines; counts grid lines so the closing block can be padded."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.heading_font = "仿宋_GB2312" if spec.has("heading1_fangsong") else "黑体"
        self.doc = Document()
        self.lines = 0  # grid lines used in the flow
        self.styled = spec.method == "cnstyles"
        self.pitch = 22 / LINE_PT if spec.has("line_pitch_22") else 1.0
        if self.styled:
            self._make_styles()

    def _make_styles(self) -> None:
        specs = {
            "公文标题": ("方正小标宋简体", 22, CENTER, 0),
            "公文正文": ("仿宋_GB2312", 16, None, 32),
            "主送": ("仿宋_GB2312", 16, None, 0),
            "一级标题": (self.heading_font, 16, None, 32),
            "二级标题": ("楷体_GB2312", 16, None, 32),
            "落款": ("仿宋_GB2312", 16, RIGHT, 0),
            "版记": ("仿宋_GB2312", 14, None, 0),
        }
        for name, (font, size, align, indent) in specs.items():
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.font.size = Pt(size)
            style.font.name = "Times New Roman"
            style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
            fmt = style.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(LINE_PT * self.pitch)
            fmt.space_before = fmt.space_after = Pt(0)
            if align is not None:
                fmt.alignment = align
            if indent:
                fmt.first_line_indent = Pt(indent)

    def line(
        self,
        text: str | list[tuple[str, str]] = "",
        font: str = "仿宋_GB2312",
        size: float = 16,
        align=None,
        indent: float = 0,
        color: str | None = None,
        style: str | None = None,
        lines: float = 1,
        before: float = 0,
        container=None,
        gridded: bool = True,
    ):
        """One paragraph; ``gridded`` lines follow the document's line pitch (a 22 pt pitch is a
        body-text defect: the organ mark keeps its own exact height and place)."""
        target = container if container is not None else self.doc
        pitch = self.pitch if gridded else 1.0
        paragraph = target.add_paragraph()
        if self.styled and style and not container:
            paragraph.style = self.doc.styles[style]
            exact(paragraph, lines * pitch, before)
            if align is not None:
                paragraph.alignment = align
        else:
            exact(paragraph, lines * pitch, before)
            if align is not None:
                paragraph.alignment = align
            if indent:
                paragraph.paragraph_format.first_line_indent = Pt(indent)
        runs = text if isinstance(text, list) else ([(text, font)] if text else [])
        for piece, piece_font in runs:
            run = paragraph.add_run(piece)
            if not (self.styled and style) or piece_font != font or size not in (16, 22, 14):
                run.font.size = Pt(size)
                set_fonts(run, piece_font)
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
        if container is None:
            self.lines += lines * pitch + before / LINE_PT
        return paragraph

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.line()


# -- the parts of a document -------------------------------------------------------------------
def page_setup(w: Writer) -> None:
    spec = w.spec
    section = w.doc.sections[0]
    if spec.has("letter_paper"):
        section.page_width, section.page_height = Mm(215.9), Mm(279.4)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(30 if spec.has("bottom_margin_30") else 35)
    section.left_margin = Mm(20 if spec.has("left_margin_20") else 28)
    section.right_margin = Mm(26)
    section.header_distance = Mm(30 if spec.layout == "信函式" else 15)
    # The 一字线 of the page number 7 mm below the type area (calibrated on LibreOffice).
    section.footer_distance = Mm(14 if spec.has("footer_too_low") else 25.2)
    normal = w.doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.font.name = "Times New Roman"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    normal.paragraph_format.space_after = Pt(0)


def organ_mark(w: Writer, rng: random.Random) -> None:
    spec = w.spec
    organ = rng.choice(ORGANS) + ("文件" if spec.layout == "文件式" else "")
    color = None if spec.has("mark_black") else RED
    # 35 mm from the top of the type area to the top of the characters: space before a 2-line
    # exact line holding the 26 pt characters, whose ink starts 8.4 mm below the line's top.
    before = 0 if spec.has("mark_not_35mm") else (MARK_TOP_MM - MARK_INK_IN_EXACT_LINE_MM) * PT_PER_MM
    if spec.layout == "信函式":
        letterhead(w, organ, color)
        return
    if spec.method == "textbox":
        textbox_mark(w, organ, color, before)
        return
    if spec.method == "table":
        table = w.doc.add_table(rows=1, cols=1)
        cell = table.rows[0].cells[0]
        paragraph = cell.paragraphs[0]
        exact(paragraph, 2, before)
        paragraph.alignment = CENTER
        run = paragraph.add_run(organ)
        run.font.size = Pt(26)
        set_fonts(run, "方正小标宋简体")
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        w.lines += 2 + before / LINE_PT
        return
    paragraph = w.line(
        organ, "方正小标宋简体", 26, CENTER, color=color, lines=2, before=before, gridded=False
    )
    if spec.method == "wps":
        frame(
            paragraph,
            w="8844",
            h="1158",
            hRule="exact",
            vSpace="0",
            wrap="notBeside",
            vAnchor="margin",
            hAnchor="margin",
            xAlign="center",
            y=str(twips(MARK_TOP_MM - MARK_INK_IN_EXACT_LINE_MM)),
        )
        paragraph.paragraph_format.space_before = Pt(0)
        w.blank(5)


def textbox_mark(w: Writer, organ: str, color: str | None, before: float) -> None:
    """The organ mark in a VML text box anchored to the top of the type area."""
    top = 0 if before == 0 else (MARK_TOP_MM - MARK_INK_IN_SINGLE_LINE_MM) * PT_PER_MM
    fill = color or "000000"
    xml = (
        f'<w:p {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<w:pPr><w:spacing w:line="579" w:lineRule="exact" w:before="0" w:after="0"/></w:pPr>'
        '<w:r><w:pict><v:shape id="mark" o:spid="_x0000_s1025" type="#_x0000_t202" filled="f" stroked="f" '
        f'style="position:absolute;margin-left:0;margin-top:{top:.1f}pt;width:442.2pt;height:50pt;z-index:1;'
        'mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical-relative:margin">'
        '<v:textbox inset="0,0,0,0"><w:txbxContent><w:p><w:pPr><w:jc w:val="center"/>'
        '<w:spacing w:line="240" w:lineRule="auto" w:before="0" w:after="0"/></w:pPr>'
        f'<w:r><w:rPr><w:rFonts w:ascii="方正小标宋简体" w:hAnsi="方正小标宋简体" w:eastAsia="方正小标宋简体"/>'
        f'<w:color w:val="{fill}"/><w:sz w:val="52"/></w:rPr><w:t>{organ}</w:t></w:r></w:p>'
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    w.doc.element.body.append(parse_xml(xml))
    w.doc.element.body.append(w.doc.element.body[-2])  # keep sectPr last
    # The box floats; blank lines keep the flow below it (3 lines of space + 2 for the mark).
    w.blank(4)


def letterhead(w: Writer, organ: str, color: str | None) -> None:
    """信函式: the mark 30 mm below the top edge, red double rules 170 mm long."""
    spec = w.spec
    section = w.doc.sections[0]
    section.different_first_page_header_footer = True
    overhang = Mm(7)
    if spec.method in ("wps", "table"):
        # The letterhead in the body: a framed mark at 30 mm, the double rule under it.
        mark = w.line(organ, "方正小标宋简体", 26, CENTER, color=color, lines=2, gridded=False)
        frame(
            mark,
            w="8844",
            h="1158",
            hRule="exact",
            wrap="notBeside",
            vAnchor="page",
            hAnchor="margin",
            xAlign="center",
            y=str(twips(LETTER_MARK_TOP_MM - MARK_INK_IN_EXACT_LINE_MM)),
        )
        rule = w.line(lines=0.5)
        rule.paragraph_format.left_indent = -overhang
        rule.paragraph_format.right_indent = -overhang
        border(rule, "bottom", 24, RED, "thickThinSmallGap")
    else:
        header = section.first_page_header
        mark = header.paragraphs[0]
        mark.alignment = CENTER
        mark.paragraph_format.line_spacing = Pt(30)
        run = mark.add_run(organ)
        run.font.size = Pt(26)
        set_fonts(run, "方正小标宋简体")
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        rule = header.add_paragraph()
        rule.paragraph_format.left_indent = -overhang
        rule.paragraph_format.right_indent = -overhang
        border(rule, "bottom", 24, RED, "thickThinSmallGap")
    footer = section.first_page_footer
    lower = footer.paragraphs[0]
    lower.paragraph_format.left_indent = -overhang
    lower.paragraph_format.right_indent = -overhang
    border(lower, "top", 24, RED, "thinThickSmallGap")
    if spec.has("letter_number_on_page1"):
        numbered = footer.add_paragraph()
        numbered.alignment = CENTER
        numbered.add_run("— ").font.size = Pt(14)
        add_field(numbered, "PAGE", 28, "宋体")
        numbered.add_run(" —").font.size = Pt(14)


def doc_number(w: Writer, rng: random.Random) -> None:
    spec = w.spec
    code = rng.choice(CODES)
    year, seq = rng.choice([2023, 2024, 2025]), rng.randint(1, 60)
    if spec.has("number_square_brackets"):
        text = f"{code}[{year}]{seq}号"
    elif spec.has("number_with_di"):
        text = f"{code}〔{year}〕第{seq}号"
    elif spec.has("number_without_hao"):
        text = f"{code}〔{year}〕{seq}"
    else:
        text = f"{code}〔{year}〕{seq}号"
    letter = spec.layout == "信函式"
    if not letter:
        w.blank(2)
    paragraph = w.line(text, align=RIGHT if letter else CENTER)
    if spec.method == "tracked" and "〕" in text:
        # A 第 typed and deleted with tracking on: deleted text is not in the document.
        tracked_deletion(paragraph, "第", after_text="〕")
    if not letter:
        rule_holder = paragraph
        if spec.has("rule_86mm"):
            # A shortened rule: a paragraph of its own, indented 35 mm on each side.
            rule_holder = w.line(lines=0.3)
            rule_holder.paragraph_format.left_indent = Mm(35)
            rule_holder.paragraph_format.right_indent = Mm(35)
            border(rule_holder, "top", 12, RED, space=0)
        else:
            border(rule_holder, "bottom", 12, RED, space=4)


def tracked_deletion(paragraph, deleted: str, after_text: str) -> None:
    """Split the paragraph's only run after ``after_text`` and put a tracked deletion there."""
    run = paragraph.runs[0]
    text = run.text
    cut = text.index(after_text) + len(after_text)
    run.text = text[:cut]
    tail = copy.deepcopy(run._r)
    tail.find(qn("w:t")).text = text[cut:]
    gone = copy.deepcopy(run._r)
    t = gone.find(qn("w:t"))
    del_text = OxmlElement("w:delText")
    del_text.text = deleted
    t.addprevious(del_text)
    gone.remove(t)
    wrapper = OxmlElement("w:del")
    for key, value in (("id", "90"), ("author", "审核人"), ("date", "2024-05-06T09:00:00Z")):
        wrapper.set(qn(f"w:{key}"), value)
    wrapper.append(gone)
    run._r.addnext(wrapper)
    wrapper.addnext(tail)


def tracked_insertion(paragraph, inserted: str) -> None:
    run = paragraph.runs[-1]
    new = copy.deepcopy(run._r)
    new.find(qn("w:t")).text = inserted
    wrapper = OxmlElement("w:ins")
    for key, value in (("id", "91"), ("author", "审核人"), ("date", "2024-05-06T09:00:00Z")):
        wrapper.set(qn(f"w:{key}"), value)
    wrapper.append(new)
    run._r.addnext(wrapper)


def title(w: Writer, rng: random.Random) -> list[str]:
    spec = w.spec
    lines = rng.choice(TITLES)
    if spec.has("title_second_line_18pt"):
        lines = TITLES[1]
    if spec.layout == "文件式" and not spec.has("title_under_rule"):
        w.blank(2 if not spec.has("rule_86mm") else 2)
    elif spec.layout == "信函式":
        w.blank(1)
    for index, text in enumerate(lines):
        size = 22
        if spec.has("title_18pt") or (spec.has("title_second_line_18pt") and index == 1):
            size = 18
        align = LEFT if spec.has("title_left") else CENTER
        w.line(text, "方正小标宋简体", size, align, style="公文标题")
    return lines


def numbering_part(w: Writer) -> None:
    """Word's own list: level 0 "一、" (chineseCounting, 黑体), level 1 "（一）" (楷体)."""
    numbering = w.doc.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="97"><w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体"/><w:sz w:val="32"/></w:rPr></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="楷体_GB2312" w:hAnsi="楷体_GB2312" w:eastAsia="楷体_GB2312"/><w:sz w:val="32"/></w:rPr></w:lvl>'
        "</w:abstractNum>"
    )
    numbering.insert(0, abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="97"><w:abstractNumId w:val="97"/></w:num>'))


def numbered(paragraph, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    num = parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="97"/></w:numPr>')
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(num)
    else:
        ppr.insert(0, num)


def body(w: Writer, rng: random.Random, count: int) -> None:
    spec = w.spec
    colon = ":" if spec.has("recipient_ascii_colon") else "："
    w.line(f"各乡镇党委，县直各单位党组{colon}", style="主送")
    autonum = spec.method == "autonum"
    if autonum:
        numbering_part(w)
    font = "宋体" if spec.has("body_songti") else "仿宋_GB2312"
    indent = 0 if spec.has("body_no_indent") else 32
    color = "0000FF" if spec.has("blue_body_text") else None
    heading_font = "仿宋_GB2312" if spec.has("heading1_fangsong") else "黑体"
    texts = list(BODY)
    rng.shuffle(texts)
    for i in range(count):
        text = texts[i % len(texts)]
        if i == 1:
            label = "" if autonum else "一、"
            p = w.line(
                [(label + "工作要求", heading_font)] if label else [("工作要求", heading_font)],
                heading_font,
                indent=32,
                style="一级标题",
            )
            if autonum:
                numbered(p, 0)
            continue
        if i == 2:
            label = "" if autonum else "（一）"
            runs = ([(label, "楷体_GB2312")] if label else []) + [("加强组织领导。", "楷体_GB2312")]
            p = w.line(runs, "楷体_GB2312", indent=32, style="二级标题")
            if autonum:
                numbered(p, 1)
            continue
        p = w.line(text, font, indent=indent, color=color, style="公文正文")
        if spec.method == "tracked" and i == 0:
            tracked_insertion(p, "特此通知。")
    punct = "。" if spec.has("attachment_note_period") else ""
    last = w.line(f"附件：1.工作安排表{punct}", indent=32, style="公文正文")
    last.paragraph_format.keep_with_next = True


def closing(w: Writer, rng: random.Random, organ: str, attachment: bool) -> None:
    spec = w.spec
    date = "2024年5月6日"
    if spec.has("date_zero_padded"):
        date = "2024年05月06日"
    elif spec.has("date_chinese"):
        date = "二〇二四年五月六日"
    for _ in range(2):
        w.line().paragraph_format.keep_with_next = True
    if spec.method == "table" and spec.layout == "文件式":
        if spec.has("signature_alone"):
            # A page break typed at the end of the blank line above the signature table.
            w.doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        table = w.doc.add_table(rows=2, cols=1)
        for row, text in zip(table.rows, (organ, date), strict=True):
            p = row.cells[0].paragraphs[0]
            exact(p)
            p.alignment = RIGHT
            p.paragraph_format.right_indent = Pt(64)
            run = p.add_run(text)
            run.font.size = Pt(16)
            set_fonts(run, "仿宋_GB2312")
        w.lines += 2
    else:
        sig = w.line(organ, align=RIGHT, style="落款")
        sig.paragraph_format.right_indent = Pt(64)
        sig.paragraph_format.keep_with_next = True
        if spec.has("signature_alone"):
            sig.paragraph_format.page_break_before = True
        d = w.line(date, align=RIGHT, style="落款")
        d.paragraph_format.right_indent = Pt(32)
        d.paragraph_format.keep_with_next = True
        if spec.method == "tracked":
            tracked_insertion(d, "")
    note = "联系人：王某，电话：1234567"
    if not spec.has("annotation_no_brackets"):
        note = f"（{note}）"
    w.line(note, indent=32, style="公文正文")
    if spec.has("signature_alone"):
        # The page break starts a fresh page: the signature is on its first line.
        w.lines = LINES_PER_PAGE * (w.spec.pages) + 3


def imprint_block(w: Writer, rng: random.Random, attachment: bool) -> None:
    spec = w.spec
    letter = spec.layout == "信函式"
    copy_text = "抄送：县委办公室，县政府办公室" + ("" if spec.has("copy_to_no_period") else "。")
    imprint_text = "县纪委办公室\t2024年5月6日" + ("" if spec.has("imprint_without_yinfa") else "印发")
    copy_size = 12 if spec.has("copy_to_12pt") else 14
    at_foot = not (spec.has("imprint_not_at_foot") or spec.has("letter_copy_to_not_at_foot"))
    if at_foot:
        # Blank lines until the block reaches the foot, as a clerk presses Enter: the count
        # is measured on a first LibreOffice rendering (see ``calibrate``).
        w.blank(spec.pad)
    if spec.method == "table" and not letter:
        table = w.doc.add_table(rows=2, cols=1)
        table_borders(table)
        for row, (text, size) in zip(table.rows, ((copy_text, copy_size), (imprint_text, 14)), strict=True):
            p = row.cells[0].paragraphs[0]
            exact(p)
            p.paragraph_format.left_indent = Pt(14)
            p.paragraph_format.right_indent = Pt(14)
            tab_stop(p)
            run = p.add_run(text)
            run.font.size = Pt(size)
            set_fonts(run, "仿宋_GB2312")
        w.lines += 2
        return
    copy_to = w.line(copy_text, size=copy_size, style="版记")
    copy_to.paragraph_format.left_indent = Pt(14)
    copy_to.paragraph_format.right_indent = Pt(14)
    copy_to.paragraph_format.keep_with_next = True
    if letter:
        return
    border(copy_to, "top", 8)
    imprint = w.line(imprint_text, size=14, style="版记")
    imprint.paragraph_format.left_indent = Pt(14)
    imprint.paragraph_format.right_indent = Pt(14)
    tab_stop(imprint)
    border(imprint, "bottom", 8)


def table_at_foot(table) -> None:
    """A floating table anchored to the bottom of the type area."""
    tbl_pr = table._tbl.tblPr
    style = tbl_pr.find(qn("w:tblStyle"))
    tbl_pr.insert(
        0 if style is None else 1,
        parse_xml(
            f'<w:tblpPr {nsdecls("w")} w:leftFromText="0" w:rightFromText="0" w:vertAnchor="margin" '
            'w:horzAnchor="margin" w:tblpYSpec="bottom"/>'
        ),
    )


def tab_stop(paragraph) -> None:
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(28), alignment=2)  # right


def table_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    tbl_pr.append(
        parse_xml(
            f'<w:tblBorders {nsdecls("w")}><w:top w:val="single" w:sz="8" w:color="000000"/>'
            '<w:bottom w:val="single" w:sz="8" w:color="000000"/>'
            '<w:insideH w:val="single" w:sz="6" w:color="000000"/></w:tblBorders>'
        )
    )


def attachment_page(w: Writer) -> None:
    """7.3.7: the attachment on a new page, 附件1 in 3号黑体 on its first line."""
    font = "仿宋_GB2312" if w.spec.has("attachment_mark_fangsong") else "黑体"
    mark = w.line("附件1", font)
    mark.paragraph_format.page_break_before = True
    w.line("工作安排表", "方正小标宋简体", 22, CENTER)
    w.line("一是组织学习；二是开展自查。", indent=32)


def page_numbers(w: Writer) -> None:
    spec = w.spec
    if spec.has("no_page_numbers"):
        return
    section = w.doc.sections[0]
    dash_l, dash_r = ("- ", " -") if spec.has("page_number_hyphens") else ("— ", " —")
    font = "Times New Roman" if spec.has("page_number_font") else "宋体"
    indent = Pt(0) if spec.has("page_number_no_indent") else Pt(14)
    if spec.method == "wps":
        # WPS: one footer, the page number in a frame aligned to the outside edge.
        footer = section.footer
        p = footer.paragraphs[0]
        frame(p, wrap="around", vAnchor="text", hAnchor="margin", xAlign="outside", y="1")
        fill_page_number(p, dash_l, dash_r, font, f"{'' if spec.has('page_number_no_indent') else ''}")
        if not spec.has("page_number_no_indent"):
            # WPS puts a full-width space between the frame and the edge on the outside.
            p.runs[0].text = "\u3000" + p.runs[0].text
            p.add_run("\u3000").font.size = Pt(14)
        return
    w.doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, RIGHT), (section.even_page_footer, LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        if align == RIGHT:
            p.paragraph_format.right_indent = indent
        else:
            p.paragraph_format.left_indent = indent
        fill_page_number(p, dash_l, dash_r, font, "")


def fill_page_number(p, dash_l: str, dash_r: str, font: str, _unused: str) -> None:
    run = p.add_run(dash_l)
    run.font.size = Pt(14)
    set_fonts(run, "宋体", font)
    add_field(p, "PAGE", 28, font)
    run = p.add_run(dash_r)
    run.font.size = Pt(14)
    set_fonts(run, "宋体", font)


def build(spec: Spec, folder: Path) -> Path:
    rng = random.Random(spec.seed)
    w = Writer(spec)
    page_setup(w)
    organ_mark(w, rng)
    doc_number(w, rng)
    title(w, rng)
    count = 5 + (LINES_PER_PAGE if spec.pages > 1 else 0) + rng.randint(0, 2)
    if spec.has("title_second_line_18pt"):
        count = 5
    body(w, rng, count)
    organ = rng.choice(ORGANS)
    attachment = spec.has("attachment_mark_fangsong") or rng.random() < 0.25
    closing(w, rng, organ, attachment)
    if attachment:
        attachment_page(w)
    imprint_block(w, rng, attachment)
    page_numbers(w)
    path = folder / f"{spec.name}.docx"
    w.doc.save(path)
    return path


# -- the corpus --------------------------------------------------------------------------------
METHODS = ["direct", "cnstyles", "roundtrip", "wps", "textbox", "table", "tracked", "autonum"]
OFFICIAL_ONLY = {
    "mark_not_35mm",
    "rule_86mm",
    "title_under_rule",
    "imprint_not_at_foot",
    "copy_to_12pt",
    "copy_to_no_period",
    "imprint_without_yinfa",
    "page_number_hyphens",
    "page_number_font",
    "page_number_no_indent",
}
LETTER_ONLY = {"letter_number_on_page1", "letter_copy_to_not_at_foot"}


def specs() -> list[Spec]:
    rng = random.Random(9704)
    found: list[Spec] = []
    n = 0
    # About a third conforming: every method in both layouts, some on two pages.
    for method in METHODS:
        for layout in ("文件式", "信函式"):
            if layout == "信函式" and method in ("textbox", "autonum"):
                continue
            n += 1
            found.append(Spec(f"{n:03d}_ok_{method}", method, layout, [], seed=n, pages=1 + (n % 3 == 0)))
    for extra in ("direct", "autonum", "table", "wps", "tracked", "cnstyles", "roundtrip", "textbox"):
        n += 1
        found.append(Spec(f"{n:03d}_ok_{extra}", extra, "文件式", [], seed=n, pages=2))
    defects = list(DEFECTS)
    # Every defect at least once in a 文件式 (or 信函式 for the letter's own) document; then pairs.
    for defect in defects:
        n += 1
        method = METHODS[n % len(METHODS)]
        layout = "信函式" if defect in LETTER_ONLY else "文件式"
        if defect == "mark_not_35mm" and method == "textbox":
            method = "direct"
        found.append(
            Spec(f"{n:03d}_{defect}_{method}", method, layout, [defect], seed=n, pages=1 + (n % 4 == 0))
        )
    common = [d for d in defects if d not in OFFICIAL_ONLY | LETTER_ONLY and d != "signature_alone"]
    for _ in range(12):
        n += 1
        method = rng.choice(METHODS)
        layout = rng.choice(("文件式", "信函式"))
        if layout == "信函式" and method in ("textbox", "autonum"):
            method = "direct"
        pool = common if layout == "信函式" else [d for d in defects if d not in LETTER_ONLY]
        first, second = rng.sample(pool, 2)
        if DEFECTS[first] == DEFECTS[second]:
            second = next(d for d in pool if DEFECTS[d] != DEFECTS[first] and d != first)
        # A 信函式 shows no page number on page 1: a page-number defect needs a second page.
        pages = 2 if layout == "信函式" and "7.5" in (DEFECTS[first], DEFECTS[second]) else 1
        found.append(
            Spec(f"{n:03d}_{first}+{second}_{method}", method, layout, [first, second], seed=n, pages=pages)
        )
    return found


def roundtrip(paths: list[Path], folder: Path) -> None:
    """Open and save each with LibreOffice: its own XML, its own style names, its own numbering."""
    if not paths:
        return
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        out = Path(tmp) / "out"
        src = Path(tmp) / "src"
        src.mkdir()
        for p in paths:
            shutil.move(str(p), src / p.name)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(out),
                *map(str, sorted(src.iterdir())),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        for p in paths:
            shutil.move(str(out / p.name), p)


def to_pdf(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp)
        render_pdfs(sorted(folder.glob("*.docx")), profile)
        for pdf in profile.glob("*.pdf"):
            shutil.move(str(pdf), folder / pdf.name)


def type_bottom_mm(spec: Spec) -> float:
    """Where the text flow of the spec's page ends: its page height less its bottom margin — or
    less the footer's room where that is larger (25.2 mm footer distance and its 4号 line take
    35 mm from the bottom edge in LibreOffice, so a 30 mm margin gains no line)."""
    height = 279.4 if spec.has("letter_paper") else 297.0
    return height - max(30 if spec.has("bottom_margin_30") else 35, 35)


def pitch_mm(spec: Spec) -> float:
    return (22 if spec.has("line_pitch_22") else LINE_PT) / 72 * 25.4


def foot_gap_lines(pdf: Path, spec: Spec) -> int:
    """How many grid lines fit between the 版记's last line (the 信函式 抄送) and the bottom of
    the type area on the last page; -1 when the block ran onto a page of its own."""
    import pdfplumber

    letter = spec.layout == "信函式"
    bottom_edge = type_bottom_mm(spec)
    with pdfplumber.open(pdf) as document:
        page = document.pages[-1]
        words = page.extract_words(keep_blank_chars=True)
        key = "抄送" if letter else "印发"
        hits = [
            w
            for w in words
            if key in w["text"] or (not letter and "日" in w["text"] and w["x1"] > page.width * 0.6)
        ]
        if not hits:
            return 0
        bottom_mm = max(w["bottom"] for w in hits) / 72 * 25.4
        text_lines = {round(w["top"]) for w in words if w["bottom"] / 72 * 25.4 < bottom_edge - 1}
        if len(text_lines) <= (1 if letter else 2) and len(document.pages) > 1:
            return -1
    return int((bottom_edge - bottom_mm) / pitch_mm(spec))


def render_pdfs(paths: list[Path], out: Path) -> None:
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
        timeout=1200,
    )


def calibrate(all_specs: list[Spec], folder: Path, passes: int = 3) -> None:
    """Render, then add the blank lines that bring each 版记 to the foot of its page; render again
    and correct (a block pushed over the page loses a line, one with room left gains them)."""
    safe = {spec.name: 0 for spec in all_specs}  # the largest pad a rendering showed to fit
    for _ in range(passes):
        paths = [build(spec, folder) for spec in all_specs]
        with tempfile.TemporaryDirectory() as tmp:
            render_pdfs(paths, Path(tmp))
            for spec in all_specs:
                gap = foot_gap_lines(Path(tmp) / f"{spec.name}.pdf", spec)
                if gap < 0:  # pushed over the page: back to the last pad that fitted
                    spec.pad = safe[spec.name]
                    continue
                safe[spec.name] = spec.pad
                # A 文件式 版记's rules take about a line of their own.
                spec.pad += max(0, gap - (0 if spec.layout == "信函式" else 1))
    for spec in all_specs:  # only a pad a rendering has shown to fit
        spec.pad = safe[spec.name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    labels = {}
    to_roundtrip = []
    all_specs = specs()
    footed = [
        s for s in all_specs if not ({"imprint_not_at_foot", "letter_copy_to_not_at_foot"} & set(s.defects))
    ]
    calibrate(footed, args.out)
    for spec in all_specs:
        layout = spec.layout
        path = build(spec, args.out)
        if spec.method == "roundtrip":
            to_roundtrip.append(path)
        labels[path.name] = {
            "method": spec.method,
            "layout": layout,
            "defects": [{"id": d, "clause": DEFECTS[d]} for d in spec.defects],
        }
    roundtrip(to_roundtrip, args.out)
    (args.out / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1), "utf-8")
    if not args.no_pdf:
        to_pdf(args.out)
    ok = sum(1 for v in labels.values() if not v["defects"])
    seeded = sum(len(v["defects"]) for v in labels.values())
    print(
        f"{len(labels)} documents: {ok} conforming, {len(labels) - ok} with {seeded} seeded defects → {args.out}"
    )


if __name__ == "__main__":
    main()
