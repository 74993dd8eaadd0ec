"""Positions only the rendered pages show, measured on a PDF with pdfplumber.

7.4.1   the last 版记 rule on the bottom edge of the last page's type area (文件式)
10.1    the 抄送 at the foot of the last page (信函式)
7.5     the page number's 一字线 7 mm below the type area
7.3.5   the 署名 not alone at the top of a page (no body text above it on its page)
"""

from __future__ import annotations

from pathlib import Path

from ... import layout
from ..ooxml import DocumentUnreadable
from ..profiles import LETTER
from .props import plain
from .report import FAIL, PASS, Finding
from .roles import Role

FOOT_TOLERANCE_MM = 15.0  # one and a half lines of the grid
DASH_TOLERANCE_MM = 1.5
DASHES = "—―"


def _mm(points: float) -> float:
    return layout.pt_to_mm(points)


def _lines(page) -> list[tuple[float, float, str]]:
    """(top mm, bottom mm, text without spaces) of each text line of the page."""
    rows: dict[int, list] = {}
    for char in page.chars:
        rows.setdefault(round(char["top"]), []).append(char)
    found = []
    for _, chars in sorted(rows.items()):
        chars.sort(key=lambda c: c["x0"])
        found.append(
            (
                _mm(min(c["top"] for c in chars)),
                _mm(max(c["bottom"] for c in chars)),
                plain("".join(c["text"] for c in chars)),
            )
        )
    return found


def check_pdf(parsed, pdf: Path) -> list[tuple[str, str, list[Finding]]]:
    try:
        import pdfplumber

        with pdfplumber.open(pdf) as document:
            pages = [(_lines(page), page) for page in document.pages]
            results = [
                ("7.5", "页码", _dash_position(pages)),
                ("7.3.5", "署名和成文日期", _signature_alone(parsed, pages)),
            ]
            foot = _imprint_at_foot(parsed, pages)
            if foot:
                results.append(foot)
            return results
    except Exception as e:  # pdfminer raises many kinds on a broken file
        if isinstance(e, DocumentUnreadable):
            raise
        raise DocumentUnreadable(f"{pdf.name} 不是可读取的 PDF：{e}") from e


def _type_bottom_mm() -> float:
    return layout.MARGIN_TOP_MM + layout.TYPE_HEIGHT_MM


def _dash_position(pages) -> list[Finding]:
    findings = []
    bottom = _type_bottom_mm()
    for number, (_, page) in enumerate(pages, 1):
        dashes = [c for c in page.chars if c["text"] in DASHES and _mm(c["top"]) > bottom]
        if not dashes:
            continue
        centre = _mm((dashes[0]["top"] + dashes[0]["bottom"]) / 2)
        below = centre - bottom
        if abs(below - layout.PAGE_NUMBER_BELOW_TYPE_AREA_MM) > DASH_TOLERANCE_MM:
            findings.append(
                Finding(
                    FAIL, f"第 {number} 页页码的一字线在版心下边缘之下 {below:.1f} mm，应为 7 mm（PDF 实测）"
                )
            )
    return findings or [Finding(PASS, "一字线在版心下 7 mm（PDF 实测）")]


def _find(pages, text: str) -> tuple[int, int] | None:
    """(page index, line index) of the last line holding ``text``."""
    key = plain(text)[:12]
    hit = None
    for i, (lines, _) in enumerate(pages):
        for j, (_, _, line) in enumerate(lines):
            if key and key in line:
                hit = (i, j)
    return hit


def _signature_alone(parsed, pages) -> list[Finding]:
    signatures = parsed.role(Role.SIGNATURE) or parsed.role(Role.DATE)
    if not signatures:
        return []
    hit = _find(pages, signatures[0].text)
    if hit is None:
        return []
    page, line = hit
    above = [t for top, _, t in pages[page][0][:line] if layout.MARGIN_TOP_MM - 2 < top < _type_bottom_mm()]
    if not above:
        return [Finding(FAIL, f"署名单独排在第 {page + 1} 页，应与正文在同一页（PDF 实测）", signatures[0])]
    return [Finding(PASS, "署名与正文在同一页（PDF 实测）")]


def _imprint_at_foot(parsed, pages):
    letter = parsed.layout == LETTER
    block = parsed.role(Role.COPY_TO) if letter else parsed.role(Role.IMPRINT, Role.COPY_TO)
    if not block:
        return None
    hit = _find(pages, block[-1].text.split("\t")[0])
    if hit is None:
        return None
    page, line = hit
    bottom = pages[page][0][line][1]
    gap = _type_bottom_mm() - bottom
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
