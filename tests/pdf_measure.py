"""Measure a rendered document's PDF the way a reviewer with a ruler would (tests only).

pdfplumber gives the text lines and the rules; the positions a ruler reads off the ink (the page
number's 一字线, the top of the 信函式 文号) come from a 300 dpi rendering of a small crop of the
page (pypdfium2, which pdfplumber brings). All lengths are millimetres from the top-left corner
of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jiancha_docs import layout as std

PT = std.pt_to_mm(1)  # mm per PDF point
DPI = 300
TYPE_TOP = std.MARGIN_TOP_MM
TYPE_BOTTOM = std.PAGE_HEIGHT_MM - std.MARGIN_BOTTOM_MM  # 262 mm
TYPE_LEFT = std.MARGIN_LEFT_MM
TYPE_RIGHT = std.MARGIN_LEFT_MM + std.TYPE_WIDTH_MM  # 184 mm
_SPACE = re.compile(r"\s+")


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float  # points, the largest character's
    # Characters set inside the type area, a full-width character counting 1 and a half-width one
    # (digits, Latin letters) ½; punctuation hanging in the margin is not counted.
    units: float = 0.0


@dataclass
class Rule:
    top: float
    x0: float
    x1: float
    width: float  # stroke width, mm
    red: bool

    @property
    def length(self) -> float:
        return self.x1 - self.x0


@dataclass
class Page:
    number: int
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass
class Measured:
    path: Path
    pages: list[Page]
    dash_mm: list[float | None]  # per page: the 一字线's distance below the type area
    number_ink_top: float | None = None  # 信函式: top of the 文号's ink on page 1


def _red(color) -> bool:
    if not color or not isinstance(color, (tuple, list)):
        return False
    if len(color) == 3:
        r, g, b = color
        return r > 0.7 and g < 0.3 and b < 0.3
    if len(color) == 4:  # CMYK
        c, m, y, k = color
        return c < 0.3 and m > 0.7 and y > 0.7 and k < 0.3
    return False


def _ink_rows(pdf_page, box: tuple[float, float, float, float]) -> list[float]:
    """Rows (mm from the page top) of dark ink inside ``box`` = (x0, top, x1, bottom) in mm."""
    width, height = pdf_page.get_size()
    x0, top, x1, bottom = (v / PT for v in box)
    crop = (max(x0, 0), max(height - bottom, 0), max(width - x1, 0), max(top, 0))
    image = pdf_page.render(scale=DPI / 72, crop=crop, grayscale=True).to_pil().convert("L")
    pixels = image.load()
    rows = []
    for y in range(image.height):
        if any(pixels[x, y] < 128 for x in range(image.width)):
            rows.append(top * PT + y * 25.4 / DPI)
    return rows


def measure(path: Path, letter_number: str | None = None) -> Measured:
    """The lines, rules, 一字线 distances and (信函式, given the 文号's text) the 文号's ink top."""
    import pdfplumber
    import pypdfium2

    pages: list[Page] = []
    dashes: list[float | None] = []
    number_top = None
    with pdfplumber.open(path) as pdf:
        rendered = pypdfium2.PdfDocument(str(path))
        try:
            for index, page in enumerate(pdf.pages):
                measured = Page(index + 1)
                for line in page.extract_text_lines(return_chars=True):
                    text = _SPACE.sub("", line["text"])
                    if not text:
                        continue
                    size = max(c["size"] for c in line["chars"])
                    inside = [
                        c
                        for c in line["chars"]
                        if c["text"].strip() and c["x0"] * PT < TYPE_RIGHT - c["size"] * PT / 2
                    ]
                    units = sum(1.0 if c["x1"] - c["x0"] > 0.75 * c["size"] else 0.5 for c in inside)
                    measured.lines.append(
                        Line(
                            text,
                            line["top"] * PT,
                            line["bottom"] * PT,
                            line["x0"] * PT,
                            line["x1"] * PT,
                            size,
                            units,
                        )
                    )
                for item in (*page.lines, *page.rects):
                    if abs(item["bottom"] - item["top"]) > 2:  # not a horizontal rule
                        continue
                    color = (
                        item.get("stroking_color") if item in page.lines else item.get("non_stroking_color")
                    )
                    thickness = (
                        item.get("linewidth", 0) if item in page.lines else item["bottom"] - item["top"]
                    )
                    measured.rules.append(
                        Rule(
                            (item["top"] + item["bottom"]) / 2 * PT,
                            item["x0"] * PT,
                            item["x1"] * PT,
                            thickness * PT,
                            _red(color),
                        )
                    )
                pages.append(measured)
                dashes.append(_dash(rendered[index], measured))
                if index == 0 and letter_number:
                    number_top = _number_top(rendered[0], measured, letter_number)
        finally:
            rendered.close()
    return Measured(Path(path), pages, dashes, number_top)


def _dash(pdf_page, page: Page) -> float | None:
    """The 一字线 of the page number: the ink of the first "—" below the type area."""
    footer = [line for line in page.lines if line.top > TYPE_BOTTOM - 1 and "—" in line.text]
    if not footer:
        return None
    line = footer[0]
    # The dash is the line's first character: a crop of its left part holds only its ink.
    em = line.size * PT
    rows = _ink_rows(pdf_page, (line.x0, line.top - 1, line.x0 + em * 0.8, line.bottom + 1))
    if not rows:
        return None
    return (rows[0] + rows[-1]) / 2 - TYPE_BOTTOM


def _number_top(pdf_page, page: Page, number: str) -> float | None:
    plain = _SPACE.sub("", number)
    line = next((ln for ln in page.lines if plain in ln.text), None)
    if line is None:
        return None
    rows = _ink_rows(pdf_page, (line.x0, line.top - 2, line.x1, line.bottom))
    return rows[0] if rows else None


def convert(documents: list[Path], outdir: Path, profile: Path) -> dict[Path, Path]:
    """Convert many .docx files with one LibreOffice run; the PDF of each, by document."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed"
    outdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *[str(p) for p in documents],
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return {p: outdir / (p.stem + ".pdf") for p in documents}
