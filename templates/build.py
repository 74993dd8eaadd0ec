#!/usr/bin/env python3
"""Regenerate the standard Word templates of every document kind.

    python templates/build.py

writes ``templates/<kind>/official.docx`` (文件式) and ``templates/<kind>/letter.docx``
(信函式) for every kind folder holding a ``wording.yaml``: what the kind's documents say (its
organs, 抄送, attachment and body blocks) is data there, Python only lays it out (``blocks``).
The files are docxtpl templates: the core renders them with
the kind's fields (see each ``schema.yaml``), ``layout`` and the filters ``cn`` and
``paras``. Layout numbers follow GB/T 9704-2012 (see the project's reference notes).

How the templates are put together:

* All fonts, sizes, indents and spacings live in named paragraph styles (``STYLES``),
  so an office can restyle a template in Word without touching its content.
* Every Jinja tag sits whole in one run, and every ``{%p %}`` / ``{%tr %}`` tag alone in
  its own paragraph / table row, which is what docxtpl needs to find them.
* The output is byte-for-byte deterministic: fixed core properties and zip timestamps,
  so regenerating the templates gives a clean ``git diff``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph

from jiancha_docs import layout as L
from jiancha_docs.layout import StyleId as S

TEMPLATES_DIR = Path(__file__).resolve().parent

OFFICIAL = "文件式"
LETTER = "信函式"
LAYOUT_FILES = {OFFICIAL: "official.docx", LETTER: "letter.docx"}

# ---------------------------------------------------------------------------
# Geometry (twips), from the millimetres of jiancha_docs.layout
# ---------------------------------------------------------------------------
PAGE_WIDTH, PAGE_HEIGHT = L.mm_to_twips(L.PAGE_WIDTH_MM), L.mm_to_twips(L.PAGE_HEIGHT_MM)  # A4
TYPE_WIDTH = L.mm_to_twips(L.TYPE_WIDTH_MM)  # 8844
MARGIN_TOP, MARGIN_BOTTOM = L.mm_to_twips(L.MARGIN_TOP_MM), L.mm_to_twips(L.MARGIN_BOTTOM_MM)
MARGIN_RIGHT = L.mm_to_twips(L.MARGIN_RIGHT_MM)
MARGIN_LEFT = PAGE_WIDTH - MARGIN_RIGHT - TYPE_WIDTH  # 28 mm, so that the type area is exact
LINE = L.pt_to_twips(L.LINE_PITCH_PT)  # 579: 22 lines fill the 225 mm type area
CHAR = L.pt_to_twips(L.CHAR_PT)  # one 3号 (16 pt) character
SMALL_CHAR = L.pt_to_twips(L.SMALL_CHAR_PT)  # one 4号 character, the unit of 版记 and page-number indents
# docGrid charSpace: 16 pt - 849/4096 pt = 15.79 pt pitch, 28 characters a line.
GRID_CHAR_SPACE = -849
# Character spacing on 3号 text, in twentieths of a point: 16 - 0.3 = 15.7 pt a character, 28 to the
# 156 mm line (28 × 15.7 = 439.6 pt of 442.2; 29 would need 455). The grid's own pitch, 16 - 0.25
# pt, is what Word's page setup shows (28 字/行), but with a character grid in the section
# LibreOffice fits one character fewer than the sum of the advances allows: at -0.25 pt it sets
# 27 characters a full line, at -0.3 pt 28 (measured from its PDF, tests/test_pagination.py).
GRID_TRACKING = -6

# Both layouts: the footer ends 20 mm above the bottom edge, where the 信函式 lower double rule
# lies (its first-page footer); the page-number paragraph's space below lifts its 一字线 to 7 mm
# under the type area on every page (7.5), in both layouts.
OFFICIAL_HEADER_DISTANCE = 851
LETTER_HEADER_DISTANCE = L.mm_to_twips(L.LETTER_MARK_TOP_MM)
FOOTER_DISTANCE = L.mm_to_twips(L.LETTER_LOWER_RULE_BOTTOM_MM)
# Where the 一字线 of a 4号 page number sits above the bottom of its line (single spacing),
# measured in LibreOffice's PDF.
DASH_ABOVE_LINE_BOTTOM_MM = 2.5
PAGE_NUMBER_AFTER = L.mm_to_twips(
    L.MARGIN_BOTTOM_MM
    - L.PAGE_NUMBER_BELOW_TYPE_AREA_MM
    - L.LETTER_LOWER_RULE_BOTTOM_MM
    - DASH_ABOVE_LINE_BOTTOM_MM
)
# The 信函式 double rules are 170 mm long, 7 mm longer than the type area on each side.
LETTER_RULE_OVERHANG = L.mm_to_twips(L.LETTER_RULE_OVERHANG_MM)

# ---------------------------------------------------------------------------
# Fonts and colours
# ---------------------------------------------------------------------------
FANGSONG, KAITI, HEITI, XIAOBIAOSONG, SONGTI = L.FANGSONG, L.KAITI, L.HEITI, L.XIAOBIAOSONG, L.SONGTI
LATIN, RED, BLACK = L.LATIN, L.RED, L.BLACK

# Element order inside w:pPr, w:tblPr and w:rPr (ECMA-376 CT_PPrBase, CT_TblPr, CT_RPr). Word rejects
# out-of-order children, and python-docx only knows the position of a few of them.
# fmt: off
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)
TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
    "tblLook",
)
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr",
    "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish",
    "oMath",
)
# fmt: on


def put_child(parent, child, order: tuple[str, ...]):
    """Insert ``child`` into ``parent`` at its schema position, replacing a same-named child."""
    tag = child.tag
    for old in parent.findall(tag):
        parent.remove(old)
    local = tag.split("}")[1]
    later = set(order[order.index(local) + 1 :])
    for index, existing in enumerate(parent):
        if existing.tag.split("}")[1] in later:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def oxml(tag: str, **attrs: str | int):
    """A w: element with w: attributes, e.g. oxml("w:jc", val="center")."""
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


# ---------------------------------------------------------------------------
# Styles
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Border:
    """One side of a paragraph border. ``size`` is in eighths of a point, ``space`` in points."""

    style: str = "single"
    size: int = 4
    space: int = 0
    color: str = BLACK


@dataclass(frozen=True)
class Style:
    """A paragraph (or character) style: everything a paragraph of that role looks like.

    Lengths are twips. ``line`` is an exact line height; ``line=0`` means single (auto)
    spacing, for the footer and header paragraphs that must not inherit the 28.95 pt grid.
    """

    style_id: str
    name: str
    based_on: str | None = "Normal"
    kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH
    east_asia: str | None = None
    latin: str | None = None
    size: float | None = None
    color: str | None = None
    align: WD_ALIGN_PARAGRAPH | None = None
    line: int | None = None
    before: int | None = None
    after: int | None = None
    left: int | None = None
    right: int | None = None
    first_line: int | None = None  # negative = hanging indent
    keep_next: bool = False
    # Drop the spacing between two paragraphs of this style, so that stacked organ
    # names (joint documents) keep only the space before the first of them.
    contextual: bool = False
    # Type other than 3号 does not sit on the 28-characters-a-line pitch (see GRID_TRACKING).
    on_grid: bool = True
    borders: dict[str, Border] = field(default_factory=dict)
    tabs: tuple[tuple[int, WD_TAB_ALIGNMENT], ...] = ()
    quick: bool = True
    page_break: bool = False  # starts a new page (an attachment, GB/T 9704 7.3.7)


LETTER_RULE_TOP = Border("thickThinSmallGap", 24, 5, RED)  # thick over thin, 4 mm below the mark
LETTER_RULE_BOTTOM = Border("thinThickSmallGap", 24, 0, RED)  # thin over thick
IMPRINT_THICK = Border("single", 8, 1)  # 0.35 mm: first and last 版记 rule
IMPRINT_THIN = Border("single", 6, 1)  # 0.25 mm: rules between 版记 items
# The 抄送 lines of the 版记 (25 pt): taller than the 印发 line (22 pt) and its two rules, so the
# 印发 frame over the 抄送 frame's last, empty line leaves the 抄送 text clear of the thin rule.
IMPRINT_COPY_TO_LINE = 500

STYLES: tuple[Style, ...] = (
    # --- head of the document -------------------------------------------------
    Style(
        S.ORGAN_MARK,
        "发文机关标志",
        east_asia=XIAOBIAOSONG,
        latin=XIAOBIAOSONG,
        size=28,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=720,
        # 35 mm from the top of the type area to the top of the characters.
        before=1910,
        contextual=True,
        on_grid=False,
        keep_next=True,
    ),
    # Lines no taller than the type, so the characters start right at the 30 mm header edge.
    Style(S.LETTER_ORGAN_MARK, "发文机关标志（信函式）", based_on=S.ORGAN_MARK, line=600, before=0),
    Style(
        S.DOC_NUMBER,
        "发文字号",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        # Two blank lines below the mark; the red rule 4 mm below the number.
        before=2 * LINE,
        borders={"bottom": Border("single", 12, 7, RED)},
    ),
    # 10.1: the 文号 7/8 of a character's height (≈ 4.94 mm) under the upper double rule. The body
    # starts right under the first-page header (mark and rule reach below the 37 mm margin), and
    # the 3号 characters sit that far down their 28.95 pt line: no space before.
    Style(S.LETTER_DOC_NUMBER, "发文字号（信函式）", align=WD_ALIGN_PARAGRAPH.RIGHT, before=0),
    Style(
        S.LETTER_RULE_TOP,
        "信函式上双线",
        size=1,
        line=20,
        left=-LETTER_RULE_OVERHANG,
        right=-LETTER_RULE_OVERHANG,
        on_grid=False,
        borders={"bottom": LETTER_RULE_TOP},
        quick=False,
    ),
    Style(
        S.LETTER_RULE_BOTTOM,
        "信函式下双线",
        size=1,
        line=20,
        left=-LETTER_RULE_OVERHANG,
        right=-LETTER_RULE_OVERHANG,
        on_grid=False,
        borders={"bottom": LETTER_RULE_BOTTOM},
        quick=False,
    ),
    Style(
        S.TITLE,
        "公文标题",
        east_asia=XIAOBIAOSONG,
        latin=XIAOBIAOSONG,
        size=22,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=700,
        before=2 * LINE,
        on_grid=False,
        keep_next=True,
    ),
    Style(S.RECIPIENT, "主送机关", before=LINE, first_line=0, keep_next=True),
    # --- body -------------------------------------------------------------------
    Style(S.BODY, "公文正文", first_line=2 * CHAR),
    Style(S.HEADING1, "一级标题", east_asia=HEITI, first_line=2 * CHAR, keep_next=True),
    Style(S.HEADING2, "二级标题", east_asia=KAITI, first_line=2 * CHAR, keep_next=True),
    # The （一） of a numbered item written as running text takes the level-2 font.
    Style(S.LEVEL2_NUMBER, "二级序号", kind=WD_STYLE_TYPE.CHARACTER, based_on=None, east_asia=KAITI),
    # 附件：1.名称 — later items (AttachmentItem) align with "1.".
    Style(S.ATTACHMENT_NOTE, "附件说明", before=LINE, left=2 * CHAR + 3 * CHAR, first_line=-3 * CHAR),
    Style(S.ATTACHMENT_ITEM, "附件说明续行", left=2 * CHAR + 3 * CHAR),
    # 7.3.7: an attachment starts on a new page, "附件" in 3号黑体 on its first line, flush left.
    Style(S.ATTACHMENT_MARK, "附件标识", east_asia=HEITI, first_line=0, page_break=True, keep_next=True),
    Style(S.ATTACHMENT_TITLE, "附件标题", based_on=S.TITLE, before=LINE, after=LINE, quick=False),
    # --- signature block ------------------------------------------------------------
    # Two blank lines above the organ name leave room for the seal.
    Style(
        S.SIGNATURE,
        "发文机关署名",
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        right=2 * CHAR,
        before=2 * LINE,
        contextual=True,
        keep_next=True,
    ),
    # A sealed document puts the date four characters from the right (GB/T 9704 7.3.5.1).
    Style(S.DATE, "成文日期", align=WD_ALIGN_PARAGRAPH.RIGHT, right=4 * CHAR),
    Style(S.ANNOTATION, "附注", first_line=2 * CHAR),
    # --- 版记 and the 抄送 line of a letter ---------------------------------------
    # A letter's 抄送 line: one character in on each side, wrapping under the first organ.
    Style(
        S.COPY_TO,
        "抄送机关",
        size=14,
        line=440,
        left=4 * SMALL_CHAR,
        right=SMALL_CHAR,
        first_line=-3 * SMALL_CHAR,
        on_grid=False,
    ),
    # 版记 rules must span the type area, and Word draws a paragraph border between the
    # indents: so 版记 paragraphs have no side indents, only one character of first-line
    # indent, and the 印发 date stops one character from the right at a right tab.
    Style(
        S.IMPRINT,
        "版记",
        size=14,
        # Not justified: the 抄送 line ends in a line break, which would spread it across the line.
        align=WD_ALIGN_PARAGRAPH.LEFT,
        line=440,
        first_line=SMALL_CHAR,
        on_grid=False,
        tabs=((TYPE_WIDTH - SMALL_CHAR, WD_TAB_ALIGNMENT.RIGHT),),
        quick=False,
    ),
    Style(
        S.IMPRINT_COPY_TO,
        "版记抄送",
        based_on=S.IMPRINT,
        line=IMPRINT_COPY_TO_LINE,
        borders={"top": IMPRINT_THICK},
    ),
    Style(
        S.IMPRINT_LINE,
        "版记印发",
        based_on=S.IMPRINT,
        borders={"top": IMPRINT_THIN, "bottom": IMPRINT_THICK},
    ),
    Style(
        S.IMPRINT_LINE_ALONE,
        "版记印发（无抄送）",
        based_on=S.IMPRINT,
        borders={"top": IMPRINT_THICK, "bottom": IMPRINT_THICK},
    ),
    # --- tables ---------------------------------------------------------------------
    Style(S.TABLE_TEXT, "表格文字", size=14, line=440, first_line=0, on_grid=False, quick=False),
    Style(
        S.TABLE_TEXT_CENTERED,
        "表格文字居中",
        based_on=S.TABLE_TEXT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        quick=False,
    ),
    Style(
        S.TABLE_HEADING, "表头", based_on=S.TABLE_TEXT_CENTERED, east_asia=HEITI, keep_next=True, quick=False
    ),
    # --- page numbers: "— 1 —", 4号 half-width 宋体, one character in from the edge -----
    Style(
        S.PAGE_NUMBER,
        "页码",
        east_asia=SONGTI,
        latin=SONGTI,
        size=14,
        line=0,
        on_grid=False,
        after=PAGE_NUMBER_AFTER,
        quick=False,
    ),
    Style(
        S.PAGE_NUMBER_ODD,
        "页码（单页）",
        based_on=S.PAGE_NUMBER,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        right=SMALL_CHAR,
        quick=False,
    ),
    Style(
        S.PAGE_NUMBER_EVEN,
        "页码（双页）",
        based_on=S.PAGE_NUMBER,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        left=SMALL_CHAR,
        quick=False,
    ),
)

STYLE_NAMES = {spec.style_id: spec.name for spec in STYLES}

# Styles of the python-docx starting document that stay: Word's built-in defaults.
KEPT_STYLE_IDS = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}


def set_fonts(rpr, east_asia: str | None, latin: str | None) -> None:
    """Name the fonts explicitly and drop theme fonts, which would override the names."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = put_child(rpr, oxml("w:rFonts"), RPR_ORDER)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    if latin:
        for attr in ("ascii", "hAnsi", "cs"):
            fonts.set(qn(f"w:{attr}"), latin)
    if east_asia:
        fonts.set(qn("w:eastAsia"), east_asia)


def setup_styles(doc: DocumentObject) -> None:
    styles_element = doc.styles.element

    # Start from an empty style sheet: the starting document's 160 Office styles would
    # only clutter the style gallery that clerks work with.
    for style in list(styles_element.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in KEPT_STYLE_IDS:
            styles_element.remove(style)

    # Document defaults: explicit fonts (no theme fonts), 3号, Chinese proofing language.
    rpr_default = styles_element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, FANGSONG, LATIN)
    put_child(rpr_default, oxml("w:sz", val=32), RPR_ORDER)
    put_child(rpr_default, oxml("w:szCs", val=32), RPR_ORDER)
    put_child(rpr_default, oxml("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"), RPR_ORDER)
    ppr_default = styles_element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    put_child(ppr_default, oxml("w:spacing", before=0, after=0, line=240, lineRule="auto"), PPR_ORDER)

    # Normal: 3号仿宋, black, 28.95 pt exact lines, justified.
    normal = doc.styles["Normal"]
    normal.font.name = LATIN
    set_fonts(normal.element.get_or_add_rPr(), FANGSONG, LATIN)
    normal.font.size = Pt(16)
    normal.font.color.rgb = RGBColor.from_string(BLACK)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.line_spacing = Twips(LINE)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = fmt.space_after = Twips(0)
    # Widow control moves single lines to the next page and breaks the 22-line grid.
    fmt.widow_control = False
    # The docGrid alone would give 28 characters a line in Word, but LibreOffice (used for
    # PDF output) gives each 16 pt character two 15.79 pt grid cells, i.e. 14 a line. So the
    # text does not snap to the grid, and condensing each character (GRID_TRACKING)
    # gives the same 28 characters a line in both.
    put_child(normal.element.get_or_add_pPr(), oxml("w:snapToGrid", val=0), PPR_ORDER)
    # w:overflowPunct on is Word's default (a 。 may hang in the margin). Stated explicitly,
    # LibreOffice reads it the other way round and does not hang punctuation: left implicit,
    # LibreOffice hangs it and, in a document with a character grid, drops the 。 or ，
    # that ends a full line.
    put_child(normal.element.get_or_add_pPr(), oxml("w:overflowPunct", val=1), PPR_ORDER)
    put_child(normal.element.get_or_add_rPr(), oxml("w:spacing", val=GRID_TRACKING), RPR_ORDER)

    for spec in STYLES:
        add_style(doc, spec)


def add_style(doc: DocumentObject, spec: Style) -> None:
    style = doc.styles.add_style(spec.name, spec.kind)
    style.style_id = spec.style_id
    if spec.based_on:
        style.base_style = next(s for s in doc.styles if s.style_id == spec.based_on)
    style.quick_style = spec.quick
    style.hidden = False
    style.unhide_when_used = False

    rpr = style.element.get_or_add_rPr()
    if spec.east_asia or spec.latin:
        set_fonts(rpr, spec.east_asia, spec.latin)
    if spec.size is not None:
        style.font.size = Pt(spec.size)
    if spec.color is not None:
        style.font.color.rgb = RGBColor.from_string(spec.color)
    if spec.kind is WD_STYLE_TYPE.CHARACTER:
        return

    fmt = style.paragraph_format
    if spec.align is not None:
        fmt.alignment = spec.align
    if spec.line == 0:
        fmt.line_spacing = 1.0
    elif spec.line is not None:
        fmt.line_spacing = Twips(spec.line)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if spec.before is not None:
        fmt.space_before = Twips(spec.before)
    if spec.after is not None:
        fmt.space_after = Twips(spec.after)
    if spec.left is not None:
        fmt.left_indent = Twips(spec.left)
    if spec.right is not None:
        fmt.right_indent = Twips(spec.right)
    if spec.first_line is not None:
        fmt.first_line_indent = Twips(spec.first_line)
    if spec.keep_next:
        fmt.keep_with_next = True
    if spec.page_break:
        fmt.page_break_before = True
    for position, alignment in spec.tabs:
        fmt.tab_stops.add_tab_stop(Twips(position), alignment)

    # What python-docx has no API for.
    ppr = style.element.get_or_add_pPr()
    if spec.borders:
        borders = put_child(ppr, oxml("w:pBdr"), PPR_ORDER)
        for side in ("top", "left", "bottom", "right"):  # schema order
            if side in spec.borders:
                b = spec.borders[side]
                borders.append(oxml(f"w:{side}", val=b.style, sz=b.size, space=b.space, color=b.color))
    if not spec.on_grid:
        put_child(rpr, oxml("w:spacing", val=0), RPR_ORDER)
    if spec.contextual:
        put_child(ppr, oxml("w:contextualSpacing"), PPR_ORDER)
    if len(rpr) == 0:  # nothing set on the characters: leave no empty w:rPr behind
        style.element.remove(rpr)


# ---------------------------------------------------------------------------
# Package, settings and page setup
# ---------------------------------------------------------------------------
def new_document(layout: str, title: str) -> DocumentObject:
    doc = Document()

    # Parts of python-docx's starting document that a template has no use for. Word 2010
    # would even prefer stylesWithEffects.xml over our styles.xml.
    for rels, reltypes in (
        (
            doc.part.rels,
            {RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"},
        ),
        (doc.part.package.rels, {RT.THUMBNAIL}),
    ):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in reltypes]:
            rels.pop(rid)

    props = doc.core_properties
    props.title = title
    props.author = "jiancha-docs"
    props.comments = "由 templates/build.py 生成，docxtpl 模板"
    props.last_modified_by = "jiancha-docs"
    props.revision = 1
    props.created = props.modified = dt.datetime(2024, 1, 1)

    setup_styles(doc)
    setup_settings(doc)
    setup_page(doc, layout)
    return doc


def setup_settings(doc: DocumentObject) -> None:
    # Different footers for odd and even pages: the page number alternates sides.
    doc.settings.odd_and_even_pages_header_footer = True
    settings = doc.settings.element
    # Word 2013+ layout rules rather than Word 2010 compatibility mode.
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def setup_page(doc: DocumentObject, layout: str) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_WIDTH), Twips(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
    section.gutter = Twips(0)
    section.footer_distance = Twips(FOOTER_DISTANCE)
    if layout == OFFICIAL:
        section.header_distance = Twips(OFFICIAL_HEADER_DISTANCE)
    else:
        section.header_distance = Twips(LETTER_HEADER_DISTANCE)
        # Page 1 gets the letterhead in its own header and footer.
        section.different_first_page_header_footer = True

    # 22 lines x 28 characters.
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.attrib.clear()
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE))
    grid.set(qn("w:charSpace"), str(GRID_CHAR_SPACE))


def save_deterministic(doc: DocumentObject, path: Path) -> None:
    """Save with fixed zip timestamps, so that unchanged templates stay byte-identical."""
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))


# ---------------------------------------------------------------------------
# Content helpers
# ---------------------------------------------------------------------------
Run = str | tuple[str, str]  # plain text / Jinja, or (text, character style id)


def para(container, style: str, *runs: Run) -> Paragraph:
    """A paragraph of ``style``; each item becomes one run, so a Jinja tag is never split."""
    paragraph = container.add_paragraph(style=style_named(style))
    for run in runs:
        text, char_style = (run, None) if isinstance(run, str) else run
        paragraph.add_run(text, style=style_named(char_style) if char_style else None)
    return paragraph


def tag(container, jinja: str) -> None:
    """A paragraph holding one docxtpl paragraph tag ({%p ... %}), which docxtpl removes."""
    assert jinja.startswith("{%p ") and jinja.endswith(" %}"), jinja
    container.add_paragraph(jinja, style="Normal")


def style_named(style_id: str) -> str:
    """The name python-docx looks a style up by, in the body, a header, a footer or a cell."""
    return STYLE_NAMES.get(style_id, style_id)


def full_stop(expr: str) -> str:
    """Jinja that adds 。 after ``expr`` unless it already ends with sentence punctuation."""
    return "{% if " + expr + "[-1:] not in '。；！？' %}。{% endif %}"


def heading1(doc: DocumentObject, text: str) -> None:
    """一、… heading numbered at render time, so optional sections keep the numbers consecutive.

    Needs ``{%p set h = namespace(n=0) %}`` earlier in the body (see ``body_start``).
    """
    para(doc, S.HEADING1, "{% set h.n = h.n + 1 %}{{ h.n|cn }}", "、" + text)


def numbered_items(doc: DocumentObject, items: str, item: str = "item") -> None:
    """（一）（二）… one body paragraph per list entry, the number in 楷体."""
    tag(doc, f"{{%p for {item} in {items} %}}")
    # A list of one item is not numbered: no "（一）" without a "（二）".
    number = "{% if loop.length > 1 %}（{{ loop.index|cn }}）{% endif %}"
    para(doc, S.BODY, (number, S.LEVEL2_NUMBER), f"{{{{ {item} }}}}", full_stop(item))
    tag(doc, "{%p endfor %}")


def paragraphs(doc: DocumentObject, field_key: str) -> None:
    """One body paragraph per line of a multiline field."""
    tag(doc, f"{{%p for line in {field_key}|paras %}}")
    para(doc, S.BODY, "{{ line }}")
    tag(doc, "{%p endfor %}")


# ---------------------------------------------------------------------------
# Layout: letterhead, closing block, 版记, footers
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Appendix:
    """An attachment on its own page before the 版记 (e.g. a 谈话记录), listed in the 附件说明."""

    name: str
    content: Callable[[DocumentObject], None]
    when: str | None = None  # Jinja condition; without one the attachment is always there


@dataclass(frozen=True)
class Kind:
    """What the shared layout needs to know about a kind besides its content (from wording.yaml)."""

    kind_id: str
    name: str
    # Jinja expression giving the list of issuing organs (stacked in the mark and signature).
    organs: str
    content: Callable[[DocumentObject], None]
    attachments: bool = False  # has the attachments field (附件说明)
    contact: bool = False  # has the contact/phone fields (附注)
    # Jinja expression giving the 抄送 list, when it is not just the ``cc`` field.
    cc: str = "cc"
    appendix: Appendix | None = None


def body_start(doc: DocumentObject, kind: Kind) -> None:
    # Computed once for the body: the mark (文件式), the signature and the 版记 use it.
    tag(doc, f"{{%p set organs = {kind.organs} %}}")
    tag(doc, "{%p set h = namespace(n=0) %}")
    if kind.cc != "cc":
        tag(doc, f"{{%p set copy_to = {kind.cc} %}}")


def official_head(doc: DocumentObject) -> None:
    """文件式 版头: red organ mark, 发文字号, red rule (bottom border of the number line)."""
    tag(doc, "{%p for organ_name in organs %}")
    para(doc, S.ORGAN_MARK, "{{ organ_name }}")
    tag(doc, "{%p endfor %}")
    para(doc, S.DOC_NUMBER, "{{ doc_number }}")


def letter_head(doc: DocumentObject, kind: Kind) -> None:
    """信函式 版头: mark and upper double rule in the first-page header, lower rule in its footer."""
    section = doc.sections[0]
    header = section.first_page_header
    clear(header)
    # A header is a separate Jinja template: it cannot see the body's ``organs``. 10.1: a joint
    # letter carries only the 主办机关's mark (the first organ); all marks when the context says
    # ``all_organ_marks`` (the signature names every organ either way).
    marks = f"({kind.organs}) if all_organ_marks is defined and all_organ_marks else ({kind.organs})[:1]"
    tag(header, f"{{%p for organ_name in ({marks}) %}}")
    para(header, S.LETTER_ORGAN_MARK, "{{ organ_name }}")
    tag(header, "{%p endfor %}")
    para(header, S.LETTER_RULE_TOP)

    footer = section.first_page_footer
    clear(footer)
    para(footer, S.LETTER_RULE_BOTTOM)

    para(doc, S.LETTER_DOC_NUMBER, "{{ doc_number }}")


def clear(header_or_footer) -> None:
    """Remove the empty paragraph python-docx puts into a new header or footer."""
    element = header_or_footer._element
    for paragraph in element.findall(qn("w:p")):
        element.remove(paragraph)


def page_number_footers(doc: DocumentObject) -> None:
    """— N — at the right of odd pages and the left of even pages."""
    section = doc.sections[0]
    for footer, style in (
        (section.footer, S.PAGE_NUMBER_ODD),
        (section.even_page_footer, S.PAGE_NUMBER_EVEN),
    ):
        clear(footer)
        paragraph = para(footer, style, "— ")
        paragraph._p.append(page_field())
        paragraph.add_run(" —")


def page_field():
    """A PAGE field; "1" is only what Word shows until it updates the field."""
    field_ = oxml("w:fldSimple", instr=" PAGE ")
    run = field_.makeelement(qn("w:r"), {})
    text = run.makeelement(qn("w:t"), {})
    text.text = "1"
    run.append(text)
    field_.append(run)
    return field_


def closing(doc: DocumentObject, layout: str, kind: Kind) -> None:
    """附件说明, signature, date, 附注, an appendix, and 版记 (文件式) or the 抄送 line (信函式)."""
    appendix = kind.appendix
    if appendix is not None:
        if appendix.when:
            tag(doc, f"{{%p if {appendix.when} %}}")
        para(doc, S.ATTACHMENT_NOTE, "附件：", appendix.name)
        if appendix.when:
            tag(doc, "{%p endif %}")
    if kind.attachments:
        tag(doc, "{%p if attachments %}")
        para(
            doc,
            S.ATTACHMENT_NOTE,
            "附件：",
            "{% if attachments|length > 1 %}1.{% endif %}{{ attachments[0] }}",
        )
        tag(doc, "{%p for name in attachments[1:] %}")
        para(doc, S.ATTACHMENT_ITEM, "{{ loop.index + 1 }}.{{ name }}")
        tag(doc, "{%p endfor %}")
        tag(doc, "{%p endif %}")

    tag(doc, "{%p for organ_name in organs %}")
    para(doc, S.SIGNATURE, "{{ organ_name }}")
    tag(doc, "{%p endfor %}")
    para(doc, S.DATE, "{{ date }}")

    if kind.contact:
        tag(doc, "{%p if contact or phone %}")
        para(
            doc,
            S.ANNOTATION,
            "（",
            "{% if contact %}联系人：{{ contact }}{% endif %}{% if contact and phone %}，{% endif %}"
            "{% if phone %}联系电话：{{ phone }}{% endif %}",
            "）",
        )
        tag(doc, "{%p endif %}")

    if appendix is not None:
        if appendix.when:
            tag(doc, f"{{%p if {appendix.when} %}}")
        para(doc, S.ATTACHMENT_MARK, "附件")
        para(doc, S.ATTACHMENT_TITLE, appendix.name)
        appendix.content(doc)
        if appendix.when:
            tag(doc, "{%p endif %}")

    cc = "cc" if kind.cc == "cc" else "copy_to"
    if layout == OFFICIAL:
        imprint(doc, cc)
    else:
        # A letter has no 版记; its 抄送 line stands alone, without rules.
        tag(doc, f"{{%p if {cc} %}}")
        frame_gap(doc, keep=True)
        at_foot(para(doc, S.COPY_TO, "抄送：", f"{{{{ {cc}|join('，') }}}}", "。"))
        tag(doc, "{%p endif %}")


def frame_gap(doc: DocumentObject, keep: bool = False) -> None:
    """A one-point paragraph in the flow: between two frames, so that neither engine merges them;
    before the first frame (``keep``), the last link of the closing block's keep-with-next chain
    (render/pagination.py), without which LibreOffice moves the 附注 with the frame to a page of
    their own."""
    gap = doc.add_paragraph(style="Normal")
    ppr = gap._p.get_or_add_pPr()
    if keep:
        put_child(ppr, oxml("w:keepNext"), PPR_ORDER)
    put_child(ppr, oxml("w:spacing", before=0, after=0, line=20, lineRule="exact"), PPR_ORDER)
    rpr = put_child(ppr, oxml("w:rPr"), PPR_ORDER)
    rpr.append(oxml("w:sz", val=2))


def at_foot(paragraph: Paragraph) -> Paragraph:
    """Put a paragraph into a frame at the bottom of the type area (7.4.1, 10.1).

    Consecutive paragraphs with the same frame properties share one frame, so the whole 版记 sits
    on the bottom edge of the type area of the page the text before it ends on, in Word and in
    LibreOffice alike.
    """
    frame = oxml(
        "w:framePr",
        w=TYPE_WIDTH,
        wrap="around",
        hAnchor="margin",
        xAlign="center",
        vAnchor="margin",
        yAlign="bottom",
    )
    put_child(paragraph._p.get_or_add_pPr(), frame, PPR_ORDER)
    return paragraph


def imprint(doc: DocumentObject, cc: str = "cc") -> None:
    """版记: 抄送 between a thick and a thin rule, then 印发机关 and date above a thick rule.

    Without 抄送 the 印发 line carries both thick rules itself (ImprintLineAlone).
    The printing organ falls back to the (first) signing organ, the date to 成文日期.
    """
    printed = ("{{ print_organ or organs|first }}", "\t", "{{ print_date or date }}", "印发")
    tag(doc, f"{{%p if {cc} %}}")
    # LibreOffice keeps a frame at the bottom only when it holds one paragraph: 抄送 and 印发 are
    # two frames, kept apart by a one-point paragraph. The 抄送 frame ends with an empty line that
    # the 印发 frame covers (its line a little taller than the 印发 line, so the thin rule between
    # them falls in that empty line).
    frame_gap(doc, keep=True)
    copy_to = at_foot(para(doc, S.IMPRINT_COPY_TO, "抄送：", f"{{{{ {cc}|join('，') }}}}", "。"))
    copy_to.runs[-1].add_break()
    frame_gap(doc)
    at_foot(para(doc, S.IMPRINT_LINE, *printed))
    tag(doc, "{%p else %}")
    frame_gap(doc, keep=True)
    at_foot(para(doc, S.IMPRINT_LINE_ALONE, *printed))
    tag(doc, "{%p endif %}")


def build(kind: Kind, layout: str) -> DocumentObject:
    doc = new_document(layout, f"{kind.name}（{layout}）")
    body_start(doc, kind)
    if layout == OFFICIAL:
        official_head(doc)
    else:
        letter_head(doc, kind)
    kind.content(doc)
    closing(doc, layout, kind)
    page_number_footers(doc)
    return doc


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------
TASK_CELL_MARGIN = 57  # 1 mm: narrow cell margins keep 序号 and a date such as 2024年12月31日 on one line


Column = tuple[str, str, int, str]  # header, cell content (Jinja), width in twips, cell style


def bordered_table(doc: DocumentObject, rows: int, widths: list[int]):
    """A table across the type area with single black borders and narrow cell margins."""
    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    put_child(tbl_pr, oxml("w:tblW", w=TYPE_WIDTH, type="dxa"), TBLPR_ORDER)
    borders = put_child(tbl_pr, oxml("w:tblBorders"), TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(oxml(f"w:{side}", val="single", sz=4, space=0, color=BLACK))
    margins = put_child(tbl_pr, oxml("w:tblCellMar"), TBLPR_ORDER)
    for side in ("left", "right"):
        margins.append(oxml(f"w:{side}", w=TASK_CELL_MARGIN, type="dxa"))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Twips(width)
    return table


def data_table(doc: DocumentObject, rows: str, item: str, columns: tuple[Column, ...]) -> None:
    """A header row, then one row per entry of ``rows`` ({%tr for item in rows %})."""
    table = bordered_table(doc, 4, [width for _, _, width, _ in columns])
    header, loop_start, data, loop_end = table.rows
    header._tr.get_or_add_trPr().append(oxml("w:tblHeader"))  # repeat on each page
    for cell, (title, _, width, _) in zip(header.cells, columns, strict=True):
        fill_cell(cell, width, S.TABLE_HEADING, title)
    for cell, (_, content, width, style) in zip(data.cells, columns, strict=True):
        fill_cell(cell, width, style, content)
    # docxtpl replaces a whole row holding a {%tr %} tag by the bare tag.
    for row, jinja in ((loop_start, f"{{%tr for {item} in {rows} %}}"), (loop_end, "{%tr endfor %}")):
        for index, (cell, (_, _, width, _)) in enumerate(zip(row.cells, columns, strict=True)):
            fill_cell(cell, width, S.TABLE_TEXT, jinja if index == 0 else "")


FORM_LABEL_WIDTH = 1900


def form_table(doc: DocumentObject, rows: list[tuple[str, str]]) -> None:
    """A two-column form (label | value), e.g. a 谈话记录. A value written ``paras:FIELD`` becomes one
    paragraph per line of that multiline field."""
    widths = [FORM_LABEL_WIDTH, TYPE_WIDTH - FORM_LABEL_WIDTH]
    table = bordered_table(doc, len(rows), widths)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        label_cell, value_cell = row.cells
        fill_cell(label_cell, widths[0], S.TABLE_HEADING, label)
        if value.startswith("paras:"):
            fill_cell(value_cell, widths[1], S.TABLE_TEXT, f"{{%p for line in {value[6:]}|paras %}}")
            para(value_cell, S.TABLE_TEXT, "{{ line }}")
            para(value_cell, S.TABLE_TEXT, "{%p endfor %}")
        else:
            fill_cell(value_cell, widths[1], S.TABLE_TEXT, value)


def fill_cell(cell, width: int, style: str, text: str) -> None:
    cell.width = Twips(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.style = style_named(style)
    if text:
        paragraph.add_run(text)


# ---------------------------------------------------------------------------
# Bodies as data: the blocks of wording.yaml
# ---------------------------------------------------------------------------
def blocks(doc: DocumentObject, items: list) -> None:
    """Build the body blocks a wording.yaml describes.

    Each block is a mapping with one key: ``title``, ``recipient``, ``text`` (one paragraph; a
    list gives one run per item, so each Jinja tag stays whole), ``paras`` (one paragraph per
    line of a multiline field), ``heading`` (一、…), ``items`` (（一）… per list entry: a field
    name, or ``{list: expr, item: name}``), ``table`` (a bordered table, one row per entry),
    ``form`` (label | value rows), ``if`` (with ``then`` and optional ``else`` blocks) and
    ``for`` (``item in list``, with the ``do`` blocks repeated per entry). A run of a ``text``
    may be ``{style: CharacterStyleId, text: ...}``, e.g. a （一） in the level-2 font.
    """
    for block in items:
        if not isinstance(block, dict) or not (
            {"if"} <= set(block) or {"for"} <= set(block) or len(block) == 1
        ):
            raise SystemExit(f"wording.yaml: a block must have one key, not {block!r}")
        if "if" in block:
            tag(doc, f"{{%p if {block['if']} %}}")
            blocks(doc, block.get("then") or [])
            if block.get("else"):
                tag(doc, "{%p else %}")
                blocks(doc, block["else"])
            tag(doc, "{%p endif %}")
            continue
        if "for" in block:
            tag(doc, f"{{%p for {block['for']} %}}")
            blocks(doc, block.get("do") or [])
            tag(doc, "{%p endfor %}")
            continue
        ((name, value),) = block.items()
        if name in ("title", "recipient", "text"):
            runs = [run_of(item) for item in (value if isinstance(value, list) else [value])]
        if name == "title":
            para(doc, S.TITLE, *runs)
        elif name == "recipient":
            para(doc, S.RECIPIENT, *runs, "：")
        elif name == "text":
            para(doc, S.BODY, *runs)
        elif name == "paras":
            paragraphs(doc, value)
        elif name == "heading":
            heading1(doc, value)
        elif name == "items":
            spec = value if isinstance(value, dict) else {"list": value, "item": "item"}
            numbered_items(doc, spec["list"], spec.get("item", "item"))
        elif name == "table":
            columns = tuple((h, c, int(w), st) for h, c, w, st in value["columns"])
            data_table(doc, value["rows"], value.get("item", "row"), columns)
        elif name == "form":
            form_table(doc, [(label, content) for label, content in value])
        else:
            raise SystemExit(f"wording.yaml: unknown block type {name!r}")


def run_of(item: str | dict) -> Run:
    """One run of a ``text`` block: a string, or ``{style: CharacterStyleId, text: ...}``."""
    if isinstance(item, dict):
        if set(item) != {"style", "text"} or item["style"] not in set(S):
            raise SystemExit(f"wording.yaml: a styled run is {{style: StyleId, text: ...}}, not {item!r}")
        return (str(item["text"]), str(item["style"]))
    return str(item)


def load_kind(folder: Path) -> Kind:
    """A kind from its folder: the name from schema.yaml, the rest from wording.yaml."""
    import yaml

    schema = yaml.safe_load((folder / "schema.yaml").read_text(encoding="utf-8"))
    wording = yaml.safe_load((folder / "wording.yaml").read_text(encoding="utf-8")) or {}
    kind_id = folder.name
    if not wording.get("body"):
        raise SystemExit(f"{folder.name}/wording.yaml: no body")
    content = lambda doc, body=wording["body"]: blocks(doc, body)  # noqa: E731
    appendix = None
    if wording.get("appendix"):
        spec = wording["appendix"]
        appendix = Appendix(
            name=spec["name"],
            content=lambda doc, body=spec["body"]: blocks(doc, body),
            when=spec.get("when"),
        )
    return Kind(
        kind_id,
        str(schema["name"]),
        str(wording.get("organs", "organ.split()")),
        content,
        attachments=bool(wording.get("attachments", False)),
        contact=bool(wording.get("contact", False)),
        cc=wording.get("cc", "cc"),
        appendix=appendix,
    )


def all_kinds() -> list[Kind]:
    return [load_kind(path.parent) for path in sorted(TEMPLATES_DIR.glob("*/wording.yaml"))]


def main() -> None:
    for kind in all_kinds():
        for layout, filename in LAYOUT_FILES.items():
            path = TEMPLATES_DIR / kind.kind_id / filename
            save_deterministic(build(kind, layout), path)
            print(path.relative_to(TEMPLATES_DIR.parent))


if __name__ == "__main__":
    main()
