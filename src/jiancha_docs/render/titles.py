"""Titles broken into balanced lines (GB/T 9704 7.3.1: 回行时词意完整，排列对称，梯形或菱形).

A title wider than the type area is broken at word boundaries (jieba's, and the title's own
structure: after 关于…的, before the document's name) into as few lines as fit, as even as
possible, never leaving one character alone, in the shape of a trapezoid (each line no longer
than the one above, or no shorter) or a diamond. The render path puts the breaks into the
rendered title paragraph as line breaks (``break_title_paragraph``).
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from typing import Any

from .. import layout as std

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Characters of 2号 type a line of the type area holds.
TITLE_LINE_UNITS = math.floor(std.TYPE_WIDTH_MM / std.pt_to_mm(std.TITLE_PT))
_OPENING = set("《“‘（([【〔<＜〈「『")
_CLOSING = set("》”’）)]】〕>＞〉」』，。、；：！？")
# Words a title's lines end on well (关于…的 / …建议书): a break after them costs less.
_GOOD_ENDS = ("的", "关于", "对")
# One-character words that open a phrase (为某某同志…, 以案促改…): a line may start with them.
_PHRASE_OPENERS = set("为对在把以向与和及将")
# A line that starts with a one-character word, which mostly belongs to the word before it
# (违纪违法/案教训), breaks the sense (回行时词意完整): it costs as much as lines three characters
# off balance.
_SPLIT_WORD_COST = 10
_MIN_LINE = 2


def width(text: str) -> float:
    """Display width in units of one full-width character (Latin letters and digits count half)."""
    return sum(0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0 for ch in text)


@lru_cache(maxsize=256)
def _boundaries(text: str) -> tuple[int, ...]:
    """Offsets where a line may break: between words, never inside a word or at a bracket."""
    offsets = [start + len(token) for start, token in _tokens(text)]
    allowed = []
    for offset in offsets[:-1]:
        if text[offset - 1] in _OPENING or text[offset] in _CLOSING:
            continue
        allowed.append(offset)
    return tuple(allowed)


@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[tuple[int, str], ...]:
    """jieba's words of ``text`` with their offsets."""
    import jieba

    jieba.setLogLevel(60)
    tokens, position = [], 0
    for token in jieba.cut(text):
        tokens.append((position, token))
        position += len(token)
    return tuple(tokens)


def _split_word_cost(text: str, offset: int) -> int:
    """What breaking ``text`` at ``offset`` costs for the words on either side (see _SPLIT_WORD_COST)."""
    tokens = dict(_tokens(text))
    after = tokens.get(offset, "")
    if len(after) == 1 and after not in _PHRASE_OPENERS and after not in _CLOSING:
        return _SPLIT_WORD_COST
    return 0


def _shape_ok(lengths: list[float]) -> bool:
    """A trapezoid (non-increasing or non-decreasing) or a diamond (up, then down)."""
    pairs = list(zip(lengths, lengths[1:], strict=False))
    if all(a >= b for a, b in pairs) or all(a <= b for a, b in pairs):
        return True
    peak = lengths.index(max(lengths))
    return all(a <= b for a, b in pairs[:peak]) and all(a >= b for a, b in pairs[peak:])


def break_title(text: str, units: int = TITLE_LINE_UNITS) -> list[str]:
    """The title's lines: one when it fits, else the fewest even lines that fit (see the module)."""
    if width(text) <= units:
        return [text]
    cuts = _boundaries(text)
    best: tuple[float, list[int]] | None = None
    lines_needed = math.ceil(width(text) / units)
    for count in range(lines_needed, lines_needed + 3):
        for choice in _choices(cuts, count - 1):
            bounds = [0, *choice, len(text)]
            parts = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            lengths = [width(p) for p in parts]
            if max(lengths) > units or min(len(p) for p in parts) < _MIN_LINE:
                continue
            mean = sum(lengths) / len(lengths)
            cost = sum((n - mean) ** 2 for n in lengths)
            cost += 0 if _shape_ok(lengths) else 50
            cost -= sum(2 for p in parts[:-1] if p.endswith(_GOOD_ENDS))
            cost += sum(_split_word_cost(text, offset) for offset in choice)
            if best is None or cost < best[0]:
                best = (cost, list(choice))
        if best is not None:
            break
    if best is None:  # no word boundary works: break evenly by characters
        size = math.ceil(len(text) / lines_needed)
        return [text[i : i + size] for i in range(0, len(text), size)]
    bounds = [0, *best[1], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _choices(cuts: tuple[int, ...], k: int, start: int = 0) -> Any:
    """Every increasing choice of ``k`` offsets from ``cuts`` (titles have few words)."""
    if k == 0:
        yield ()
        return
    for index in range(start, len(cuts)):
        for rest in _choices(cuts, k - 1, index + 1):
            yield (cuts[index], *rest)


def break_title_paragraph(p: Any) -> bool:
    """Put line breaks into a rendered title paragraph (w:p) where ``break_title`` breaks it.

    True when the paragraph was changed. A title that already holds a line break is the
    author's own choice and is left alone.
    """
    if p.find(f".//{_W}br") is not None:
        return False
    texts = [t for t in p.iter(f"{_W}t")]
    full = "".join(t.text or "" for t in texts)
    lines = break_title(full)
    if len(lines) == 1:
        return False
    offsets = set()
    position = 0
    for line in lines[:-1]:
        position += len(line)
        offsets.add(position)
    start = 0
    for t in texts:
        text = t.text or ""
        inside = sorted(o - start for o in offsets if start < o < start + len(text))
        at_end = (start + len(text)) in offsets
        start += len(text)
        if not inside and not at_end:
            continue
        run = t.getparent()
        pieces = [text[a:b] for a, b in zip([0, *inside], [*inside, len(text)], strict=False)]
        index = list(run).index(t)
        t.text = pieces[0]
        anchor = index
        for piece in pieces[1:]:
            br = run.makeelement(f"{_W}br", {})
            run.insert(anchor + 1, br)
            new = run.makeelement(f"{_W}t", {})
            new.text = piece
            new.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.insert(anchor + 2, new)
            anchor += 2
        if at_end:
            run.insert(anchor + 1, run.makeelement(f"{_W}br", {}))
            offsets.discard(start)
    return True
