"""Typed properties of a paragraph as the reader sees it, every Word layer resolved.

``ooxml`` resolves styles, direct formatting and auto-numbering (the label Word draws is part of
the text); this module turns a paragraph into a ``Props`` value — alignment (a frame's alignment
included), indents in characters, sizes, fonts, colours, where it sits (table, text box, frame) —
and holds the small predicates the role stages and the clauses share.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..ooxml import Look, Paragraph

_SPACE = re.compile(r"\s+")
SIZE_NAMES = {
    42: "初号",
    36: "小初号",
    26: "1号",
    24: "小1号",
    22: "2号",
    18: "小2号",
    16: "3号",
    15: "小3号",
    14: "4号",
    12: "小4号",
    10.5: "5号",
    9: "小5号",
    7.5: "6号",
}
# Double rules (信函式) drawn as paragraph borders.
DOUBLE_BORDERS = {
    "double",
    "thickThinSmallGap",
    "thinThickSmallGap",
    "thickThinMediumGap",
    "thinThickMediumGap",
    "thickThinLargeGap",
    "thinThickLargeGap",
    "thinThickThinSmallGap",
    "triple",
}


def plain(text: str) -> str:
    return _SPACE.sub("", text)


def has_jinja(text: str) -> bool:
    return "{{" in text or "{%" in text


def size_label(points: float) -> str:
    name = SIZE_NAMES.get(points)
    shown = f"{points:g}"
    return f"{shown} 磅（{name}）" if name else f"{shown} 磅"


def is_ideograph(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000


def is_red(color: str | None) -> bool:
    if not color or color == "AUTO" or len(color) != 6:
        return False
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0xB0 and g <= 0x60 and b <= 0x60


def is_black(color: str | None) -> bool:
    if not color or color == "AUTO":
        return True
    try:
        return all(int(color[i : i + 2], 16) <= 0x40 for i in (0, 2, 4))
    except ValueError:
        return False


def color_label(color: str) -> str:
    if is_red(color):
        return f"红色（{color}）"
    return f"非黑色（{color}）"


def all_red(p: Paragraph) -> bool:
    visible = p.visible()
    return bool(visible) and all(is_red(look.color) for _, look in visible)


def border_is_red(border: dict[str, str]) -> bool:
    return is_red((border.get("color") or "").upper())


def dominant_size(p: Paragraph) -> float | None:
    sizes = Counter(look.size for _, look in p.visible())
    return sizes.most_common(1)[0][0] if sizes else None


def sizes_of(p: Paragraph) -> list[float]:
    counts = Counter(look.size for _, look in p.visible() if look.size)
    return [size for size, _ in counts.most_common()]


def fonts_of(p: Paragraph, chars: Iterable[tuple[str, Look]] | None = None) -> list[str]:
    """The east-Asian fonts of the paragraph's Chinese characters, most used first."""
    counts = Counter(
        look.east_asia or "（未指定）"
        for c, look in (chars if chars is not None else p.chars)
        if is_ideograph(c)
    )
    return [font for font, _ in counts.most_common()]


def indent_chars(p: Paragraph) -> float:
    """The first-line indent in characters of the paragraph's own size (negative: hanging)."""
    props = p.properties
    if props.get("first_line_chars") is not None:
        return props["first_line_chars"] / 100
    if props.get("hanging"):
        return -1.0
    size = dominant_size(p) or 16
    return props.get("first_line", 0) / (size * 20)


_FRAME_ALIGN = {
    "center": "center",
    "right": "right",
    "outside": "outside",
    "left": "left",
    "inside": "inside",
}


def alignment(p: Paragraph) -> str:
    """left/center/right/justify — or outside/inside for a frame set to the page's outer edge
    (WPS puts page numbers in such frames)."""
    frame = p.properties.get("frame")
    if frame and frame.get("xAlign") in _FRAME_ALIGN:
        return _FRAME_ALIGN[frame["xAlign"]]
    return p.properties.get("align", "left")


@dataclass(frozen=True)
class Props:
    """A paragraph's properties, typed, as the role stages use them."""

    text: str  # without spaces; auto-number labels included
    align: str
    size: float | None
    indent: float  # first-line indent in characters
    red: bool  # every visible character red
    in_table: bool
    in_textbox: bool
    framed: bool
    numbered: bool  # has an auto-number label
    double_rule: bool  # a red double paragraph border (信函式 letterhead)
    bordered: bool

    @property
    def ends_sentence(self) -> bool:
        return self.text.endswith(("。", "！", "？", "；", "：", ":", ";"))


def props_of(p: Paragraph) -> Props:
    borders = p.properties.get("borders", {})
    double = any(b.get("val") in DOUBLE_BORDERS and border_is_red(b) for b in borders.values())
    return Props(
        text=plain(p.text),
        align=alignment(p),
        size=dominant_size(p),
        indent=indent_chars(p),
        red=all_red(p),
        in_table=p.in_table,
        in_textbox=p.in_textbox,
        framed=bool(p.properties.get("frame")),
        numbered=bool(p.number_label),
        double_rule=double,
        bordered=bool(borders),
    )
