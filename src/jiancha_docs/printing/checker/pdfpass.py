"""Positions only the rendered pages show, measured on a PDF with pdfplumber.

7.2.4   the organ mark 35 mm below the top of the type area (文件式)
10.1    the organ mark 30 mm below the top edge of the page; the 抄送 at the foot of the last page (信函式)
7.4.1   the last 版记 rule on the bottom edge of the last page's type area (文件式)
7.5     the page number's 一字线 7 mm below the type area
7.3.5   the 署名 not alone at the top of a page (no body text above it on its page)

The type area is taken from the document's own section (page height and margins), so a page of
another size is measured against its own edges. A paragraph is found on the pages by its whole
text, which may wrap over several lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ... import layout
from ..ooxml import TWIPS_PER_MM, DocumentUnreadable, Paragraph
from ..profiles import LETTER
from .props import is_red, plain
from .report import FAIL, PASS, Finding
from .roles import Role

FOOT_TOLERANCE_MM = 15.0  # one and a half lines of the grid
DASH_TOLERANCE_MM = 1.5
# The top of a character's box (its font's ascent) lies a little above the ink of a 小标宋
# character; 3 mm either way accepts that and still tells a mark set one line too high or low.
MARK_TOLERANCE_MM = 3.0
DASHES = "—―"


def _mm(points: float) -> float:
    return layout.pt_to_mm(points)


@dataclass(frozen=True)
class Line:
    top: float  # mm from the top edge of the page
    bottom: float
    text: str  # without spaces
    red: bool  # every character red


@dataclass
class Page:
    lines: list[Line]
    raw: object  # the pdfplumber page

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


def _char_red(char: dict) -> bool:
    colour = char.get("non_stroking_color")
    if isinstance(colour, (list, tuple)) and len(colour) == 3:
        r, g, b = (float(x) for x in colour)
        return is_red("".join(f"{round(v * 255):02X}" for v in (r, g, b)))
    return False


def _lines(page) -> list[Line]:
    rows: dict[int, list] = {}
    for char in page.chars:
        if char["text"].strip():
            rows.setdefault(round(char["top"]), []).append(char)
    found = []
    for _, chars in sorted(rows.items()):
        chars.sort(key=lambda c: c["x0"])
        found.append(
            Line(
                _mm(min(c["top"] for c in chars)),
                _mm(max(c["bottom"] for c in chars)),
                plain("".join(c["text"] for c in chars)),
                all(_char_red(c) for c in chars),
            )
        )
    return found


@dataclass(frozen=True)
class TypeArea:
    top: float  # mm from the top edge of the page
    bottom: float


def type_area(parsed, paragraph: Paragraph | None = None) -> TypeArea:
    """The type area of the section holding ``paragraph`` (the last section without one), from
    its page height and margins; GB/T 9704's A4 numbers where the document sets none."""
    section = parsed.section_of(paragraph) if paragraph is not None else parsed.doc.sections[-1]
    top = abs(section.margins.get("top", 0)) / TWIPS_PER_MM or layout.MARGIN_TOP_MM
    bottom_margin = abs(section.margins.get("bottom", 0)) / TWIPS_PER_MM or layout.MARGIN_BOTTOM_MM
    height = section.height / TWIPS_PER_MM if section.height else layout.PAGE_HEIGHT_MM
    return TypeArea(top, height - bottom_margin)


def check_pdf(parsed, pdf: Path) -> list[tuple[str, str, list[Finding]]]:
    try:
        import pdfplumber

        with pdfplumber.open(pdf) as document:
            pages = [Page(_lines(page), page) for page in document.pages]
            return _results(parsed, pages)
    except Exception as e:  # pdfminer raises many kinds on a broken file
        if isinstance(e, DocumentUnreadable):
            raise
        raise DocumentUnreadable(f"{pdf.name} 不是可读取的 PDF：{e}") from e


def _results(parsed, pages: list[Page]) -> list[tuple[str, str, list[Finding]]]:
    results = []
    dash = _dash_position(parsed, pages)
    if dash:
        results.append(("7.5", "页码", dash))
    results.append(("7.3.5", "署名和成文日期", _signature_alone(parsed, pages)))
    for found in (_imprint_at_foot(parsed, pages), _mark_position(parsed, pages)):
        if found:
            results.append(found)
    return results


def _dash_position(parsed, pages: list[Page]) -> list[Finding]:
    findings = []
    area = type_area(parsed)
    # A 信函式 shows no number on page 1 (10.1 reports one that is there).
    first = 2 if parsed.layout == LETTER else 1
    measured = 0
    for number, page in enumerate(pages, 1):
        if number < first:
            continue
        dashes = [c for c in page.raw.chars if c["text"] in DASHES and _mm(c["top"]) > area.bottom]
        if not dashes:
            continue
        measured += 1
        centre = _mm((dashes[0]["top"] + dashes[0]["bottom"]) / 2)
        below = centre - area.bottom
        if abs(below - layout.PAGE_NUMBER_BELOW_TYPE_AREA_MM) > DASH_TOLERANCE_MM:
            findings.append(
                Finding(
                    FAIL, f"第 {number} 页页码的一字线在版心下边缘之下 {below:.1f} mm，应为 7 mm（PDF 实测）"
                )
            )
    if findings or not measured:
        return findings
    return [Finding(PASS, "一字线在版心下 7 mm（PDF 实测）")]


def find_paragraph(pages: list[Page], text: str) -> tuple[int, int, int] | None:
    """(page, first line, last line) of the last place the paragraph is set. A paragraph starts
    on a line of its own and ends at a line's end, so its whole text (spaces ignored) must fill
    consecutive lines exactly — the same words inside another paragraph (a 署名 repeated in the
    印发 line) are not it. A paragraph whose text the rendering changes (a field, a tab leader)
    is found by its longest leading part that starts a line."""
    key = plain(text)
    if not key:
        return None
    hit = _find_text(pages, key, whole=True)
    for length in (len(key), min(len(key), 12), min(len(key), 6)):
        if hit is not None:
            break
        hit = _find_text(pages, key[:length], whole=False)
    return hit


def _find_text(pages: list[Page], key: str, whole: bool) -> tuple[int, int, int] | None:
    hit = None
    for i, page in enumerate(pages):
        starts, offset = [], 0
        for line in page.lines:
            starts.append(offset)
            offset += len(line.text)
        ends = {s + len(line.text) for s, line in zip(starts, page.lines, strict=True)}
        first_of = {s: j for j, s in enumerate(starts)}
        joined = page.text
        at = joined.find(key)
        while at >= 0:
            end = at + len(key)
            if at in first_of and (end in ends or not whole):
                last = max(j for j, s in enumerate(starts) if s < end)
                hit = (i, first_of[at], last)
            at = joined.find(key, at + 1)
    return hit


def _signature_alone(parsed, pages: list[Page]) -> list[Finding]:
    signatures = parsed.role(Role.SIGNATURE) or parsed.role(Role.DATE)
    if not signatures:
        return []
    hit = find_paragraph(pages, signatures[0].text)
    if hit is None:
        return []
    page, line, _ = hit
    area = type_area(parsed, signatures[0])
    above = [
        row.text for row in pages[page].lines[:line] if area.top - 2 < row.top < area.bottom and not row.red
    ]
    if not above:
        return [Finding(FAIL, f"署名单独排在第 {page + 1} 页，应与正文在同一页（PDF 实测）", signatures[0])]
    return [Finding(PASS, "署名与正文在同一页（PDF 实测）")]


def _imprint_at_foot(parsed, pages: list[Page]):
    letter = parsed.layout == LETTER
    block = parsed.role(Role.COPY_TO) if letter else parsed.role(Role.IMPRINT, Role.COPY_TO)
    if not block:
        return None
    hit = find_paragraph(pages, block[-1].text)
    if hit is None:
        return None
    page, _, line = hit
    bottom = pages[page].lines[line].bottom
    gap = _flow_bottom(parsed, pages[page], block[-1]) - bottom
    number, title, what = ("10.1", "信函格式", "抄送") if letter else ("7.4.1", "版记分隔线", "版记")
    if page != len(pages) - 1 or gap > FOOT_TOLERANCE_MM:
        where = (
            f"距版心下边缘 {gap:.0f} mm" if page == len(pages) - 1 else f"在第 {page + 1} 页，不在最后一页"
        )
        return (
            number,
            title,
            [Finding(FAIL, f"{what}应在最后一页版心最下方，实{where}（PDF 实测）", block[-1])],
        )
    return number, title, [Finding(PASS, f"{what}在最后一页最下方（PDF 实测）")]


def _ink_top(page, row: Line) -> float:
    """Where the ink of a line's characters begins (mm from the top edge): the first rendered row
    of pixels that is not white in the line's band, at 300 dpi. A character's box is its em
    square, whose top lies above the ink by a font's own margin (about 1 mm at 2号/1号)."""
    top_pt, bottom_pt = layout.mm_to_pt(row.top) - 2, layout.mm_to_pt(row.bottom)
    try:
        band = page.crop((0, max(0, top_pt), page.width, min(page.height, bottom_pt)))
        image = band.to_image(resolution=300).original.convert("L")
    except Exception:  # no renderer: the box top, a little high
        return row.top
    width, height = image.size
    pixels = image.load()
    for y in range(height):
        if any(pixels[x, y] < 160 for x in range(0, width, 2)):
            return _mm(max(0, top_pt)) + y / 300 * layout.MM_PER_INCH
    return row.top


FOOTER_CLEARANCE_MM = 3.0


def _flow_bottom(parsed, page: Page, paragraph: Paragraph) -> float:
    """Where the text can reach on the page: the type area's bottom edge — or, where a footer
    reaches into it (a bottom margin too small for the footer, which 5.2.1 reports), a little
    above the page number's line, since no engine sets text over its footer."""
    bottom = type_area(parsed, paragraph).bottom
    dashes = [_mm(c["top"]) for c in page.raw.chars if c["text"] in DASHES] if page.raw else []
    footer = [top for top in dashes if top > bottom - 2 * FOOTER_CLEARANCE_MM]
    return min([bottom] + [top - FOOTER_CLEARANCE_MM for top in footer])


def _mark_position(parsed, pages: list[Page]):
    """7.2.4 (文件式): the mark's top 35 mm below the top of the type area; 10.1 (信函式): 30 mm
    below the top edge of the page. Measured on the first line of the mark on page 1."""
    marks = parsed.marks()
    if not marks or not pages:
        return None
    page = pages[0]
    key = plain(marks[0].text)
    rows = [row for row in page.lines if key and (key in row.text or row.text in key) and len(row.text) > 1]
    if not rows:
        return None
    top = _ink_top(page.raw, rows[0])
    letter = parsed.layout == LETTER
    if letter:
        expected, measured, number, title = layout.LETTER_MARK_TOP_MM, top, "10.1", "信函格式"
        where = "页面上边缘"
    else:
        area = type_area(parsed, marks[0])
        expected, measured, number, title = layout.ORGAN_MARK_TOP_MM, top - area.top, "7.2.4", "发文机关标志"
        where = "版心上边缘"
    if abs(measured - expected) > MARK_TOLERANCE_MM:
        return (
            number,
            title,
            [
                Finding(
                    FAIL,
                    f"发文机关标志上边缘距{where} {measured:.0f} mm，应为 {expected:g} mm（PDF 实测）",
                    marks[0],
                )
            ],
        )
    return number, title, [Finding(PASS, f"发文机关标志上边缘距{where} {expected:g} mm（PDF 实测）")]
