"""The GB/T 9704-2012 page: every number of the layout and the style id of every paragraph role.

One definition for the template builder (templates/build.py), the checker and its profiles
(printing/), the render path and the tests. Lengths are kept in millimetres (or points, where the
standard speaks in type sizes); the functions below turn them into the units each file format
wants: twips (1/20 pt) for WordprocessingML, EMU for DrawingML, points for PDF measurements.

Nothing here imports anything but the standard library.
"""

from __future__ import annotations

from enum import StrEnum

# -- units ----------------------------------------------------------------------------------------
MM_PER_INCH = 25.4
PT_PER_INCH = 72
TWIPS_PER_PT = 20
TWIPS_PER_MM = 1440 / MM_PER_INCH  # 56.69
EMU_PER_MM = 36000
EMU_PER_PT = 12700


def mm_to_twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


def twips_to_mm(twips: float) -> float:
    return twips / TWIPS_PER_MM


def pt_to_twips(pt: float) -> int:
    return round(pt * TWIPS_PER_PT)


def twips_to_pt(twips: float) -> float:
    return twips / TWIPS_PER_PT


def mm_to_pt(mm: float) -> float:
    return mm * PT_PER_INCH / MM_PER_INCH


def pt_to_mm(pt: float) -> float:
    return pt * MM_PER_INCH / PT_PER_INCH


def mm_to_emu(mm: float) -> int:
    return round(mm * EMU_PER_MM)


def emu_to_mm(emu: float) -> float:
    return emu / EMU_PER_MM


# -- 5 the page -------------------------------------------------------------------------------------
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210.0, 297.0  # 5.1 A4
PAPER_TOLERANCE_MM = 1.0
# 5.2.1: 天头 37 mm, 订口 28 mm, type area (版心) 156 × 225 mm.
MARGIN_TOP_MM = 37.0
MARGIN_LEFT_MM = 28.0
TYPE_WIDTH_MM = 156.0
TYPE_HEIGHT_MM = 225.0
MARGIN_RIGHT_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - TYPE_WIDTH_MM  # 26
MARGIN_BOTTOM_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - TYPE_HEIGHT_MM  # 35
MARGIN_TOLERANCE_MM = 1.0
MARGINS_MM = {
    "top": MARGIN_TOP_MM,
    "bottom": MARGIN_BOTTOM_MM,
    "left": MARGIN_LEFT_MM,
    "right": MARGIN_RIGHT_MM,
}

# 5.2.3: 22 lines of 28 characters.
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH_PT = 28.95  # 22 lines fill the 225 mm type area
LINE_PITCH_RANGE_PT = (28.0, 30.0)  # common practice, what a checker accepts

# Type sizes (points): 2号 title, 3号 body, 4号 版记 and page numbers.
TITLE_PT = 22.0
BODY_PT = 16.0
IMPRINT_PT = 14.0
ORGAN_MARK_PT = 28.0  # not fixed by the standard ("醒目、美观、庄重"); 28 pt is common practice
# One 3号 character is the unit of indents (two characters of first-line indent…).
CHAR_PT = BODY_PT
SMALL_CHAR_PT = IMPRINT_PT

# -- 7.2 the head ---------------------------------------------------------------------------------
ORGAN_MARK_TOP_MM = 35.0  # 7.2.4: from the top of the type area to the top of the mark
RED_RULE_BELOW_NUMBER_MM = 4.0  # 7.2.7
RED_RULE_WIDTH_MM = TYPE_WIDTH_MM

# -- 7.5 page numbers -------------------------------------------------------------------------------
PAGE_NUMBER_BELOW_TYPE_AREA_MM = 7.0  # the 一字线 7 mm below the bottom edge of the type area

# -- 10.1 信函式 ------------------------------------------------------------------------------------
LETTER_MARK_TOP_MM = 30.0  # the organ mark 30 mm below the top edge of the page
LETTER_LOWER_RULE_BOTTOM_MM = 20.0  # the lower double rule 20 mm above the bottom edge
LETTER_RULE_LENGTH_MM = 170.0
LETTER_RULE_OVERHANG_MM = (LETTER_RULE_LENGTH_MM - TYPE_WIDTH_MM) / 2  # 7 mm each side
# The 发文字号 sits 7/8 of a 3号 character's height under the upper double rule (≈ 4.94 mm).
LETTER_NUMBER_BELOW_RULE_MM = pt_to_mm(BODY_PT) * 7 / 8

# -- 7.4 版记 ----------------------------------------------------------------------------------------
IMPRINT_THICK_RULE_MM = 0.35
IMPRINT_THIN_RULE_MM = 0.25


class StyleId(StrEnum):
    """The paragraph (and one character) style ids of the standard templates, by role."""

    ORGAN_MARK = "OrganMark"
    LETTER_ORGAN_MARK = "LetterOrganMark"
    DOC_NUMBER = "DocNumber"
    LETTER_DOC_NUMBER = "LetterDocNumber"
    LETTER_RULE_TOP = "LetterRuleTop"
    LETTER_RULE_BOTTOM = "LetterRuleBottom"
    TITLE = "DocTitle"
    RECIPIENT = "Recipient"
    BODY = "BodyText"
    HEADING1 = "HeadingLevel1"
    HEADING2 = "HeadingLevel2"
    LEVEL2_NUMBER = "Level2Number"  # character style
    ATTACHMENT_NOTE = "AttachmentNote"
    ATTACHMENT_ITEM = "AttachmentItem"
    ATTACHMENT_MARK = "AttachmentMark"
    ATTACHMENT_TITLE = "AttachmentTitle"
    SIGNATURE = "Signature"
    DATE = "SignatureDate"
    ANNOTATION = "Annotation"
    COPY_TO = "CopyTo"
    IMPRINT = "Imprint"
    IMPRINT_COPY_TO = "ImprintCopyTo"
    IMPRINT_LINE = "ImprintLine"
    IMPRINT_LINE_ALONE = "ImprintLineAlone"
    TABLE_TEXT = "TableText"
    TABLE_TEXT_CENTERED = "TableTextCentered"
    TABLE_HEADING = "TableHeading"
    PAGE_NUMBER = "PageNumber"
    PAGE_NUMBER_ODD = "PageNumberOdd"
    PAGE_NUMBER_EVEN = "PageNumberEven"


# Styles only the one layout uses: what tells a 信函式 template from a 文件式 one.
LETTER_STYLES = frozenset(
    {
        StyleId.LETTER_ORGAN_MARK,
        StyleId.LETTER_DOC_NUMBER,
        StyleId.LETTER_RULE_TOP,
        StyleId.LETTER_RULE_BOTTOM,
    }
)
OFFICIAL_STYLES = frozenset(
    {
        StyleId.ORGAN_MARK,
        StyleId.DOC_NUMBER,
        StyleId.IMPRINT_COPY_TO,
        StyleId.IMPRINT_LINE,
        StyleId.IMPRINT_LINE_ALONE,
    }
)

# -- fonts and colours (5.2.2, 5.2.4) --------------------------------------------------------------
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"  # digits and Latin letters in running text
RED = "FF0000"
BLACK = "000000"
