"""新旧对照: two editions of a regulation compared article by article.

Articles are aligned by the similarity of their text, in order (an amendment inserts, deletes and
rewrites articles but does not shuffle them): a dynamic programme over the two lists picks the
pairs whose similarity is above ``MATCH`` so that the sum of (similarity - MATCH) is largest.
Similarity is difflib's ratio on the characters, computed only for pairs whose character bigrams
overlap enough to matter (``quick``), so a 500-article law compares in a fraction of a second.

Each row is one of: unchanged, changed (same number, new words), renumbered (same words, new
number), renumbered and changed, added, deleted.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .model import Article, Regulation

MATCH = 0.45  # below this, two articles are different articles
QUICK = 0.25  # bigram overlap under which the full ratio is not computed


class Change(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    RENUMBERED = "renumbered"
    RENUMBERED_CHANGED = "renumbered_changed"
    ADDED = "added"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self]


CHANGE_LABELS = {
    Change.UNCHANGED: "未变",
    Change.CHANGED: "修改",
    Change.RENUMBERED: "条号变动",
    Change.RENUMBERED_CHANGED: "条号变动并修改",
    Change.ADDED: "新增",
    Change.DELETED: "删除",
}


@dataclass
class Row:
    change: Change
    old: Article | None
    new: Article | None
    similarity: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change.value,
            "change_label": self.change.label,
            "old_label": self.old.label if self.old else "",
            "new_label": self.new.label if self.new else "",
            "old_text": self.old.text if self.old else "",
            "new_text": self.new.text if self.new else "",
            "similarity": round(self.similarity, 3),
        }


@dataclass
class EditionDiff:
    title: str
    old_edition: str
    new_edition: str
    rows: list[Row] = field(default_factory=list)

    def counts(self) -> dict[Change, int]:
        out = dict.fromkeys(Change, 0)
        for row in self.rows:
            out[row.change] += 1
        return out

    def summary(self) -> str:
        counts = self.counts()
        parts = [f"{c.label} {counts[c]} 条" for c in Change if counts[c]]
        return "，".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "old_edition": self.old_edition,
            "new_edition": self.new_edition,
            "counts": {c.value: n for c, n in self.counts().items()},
            "rows": [r.to_dict() for r in self.rows],
        }


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def align(old: list[Article], new: list[Article]) -> list[tuple[Article | None, Article | None, float]]:
    """Pairs in order: (old, new, similarity), (old, None, 0) for a deletion, (None, new, 0)."""
    grams_old = [_bigrams(a.text) for a in old]
    grams_new = [_bigrams(a.text) for a in new]
    n, m = len(old), len(new)
    sim: dict[tuple[int, int], float] = {}
    ratios: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(m):
            a, b = grams_old[i], grams_new[j]
            if not a or not b:
                continue
            overlap = len(a & b) / min(len(a), len(b))
            if overlap >= QUICK:
                ratio = similarity(old[i].text, new[j].text)
                # a rewritten long article keeps most of its bigrams though difflib's ratio drops
                score = max(ratio, overlap * 0.9 if ratio >= MATCH * 0.6 else 0.0)
                if score >= MATCH:
                    sim[(i, j)] = score
                    ratios[(i, j)] = ratio
    # best[i][j]: best total over old[i:], new[j:]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            value = max(below[j], row[j + 1])
            s = sim.get((i, j))
            if s is not None:
                value = max(value, s - MATCH + below[j + 1])
            row[j] = value
    pairs: list[tuple[Article | None, Article | None, float]] = []
    i = j = 0
    while i < n and j < m:
        s = sim.get((i, j))
        if s is not None and abs(best[i][j] - (s - MATCH + best[i + 1][j + 1])) < 1e-9:
            pairs.append((old[i], new[j], ratios[(i, j)]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((old[i], None, 0.0))
            i += 1
        else:
            pairs.append((None, new[j], 0.0))
            j += 1
    pairs.extend((a, None, 0.0) for a in old[i:])
    pairs.extend((None, b, 0.0) for b in new[j:])
    return pairs


def compare(old: Regulation, new: Regulation, old_edition: str = "", new_edition: str = "") -> EditionDiff:
    """The 新旧对照 of two editions (numbered articles; a text without numbers by its parts)."""
    old_articles = old.numbered() or old.articles
    new_articles = new.numbered() or new.articles
    result = EditionDiff(new.title or old.title, old_edition, new_edition)
    for a, b, s in align(old_articles, new_articles):
        if a is None:
            result.rows.append(Row(Change.ADDED, None, b))
        elif b is None:
            result.rows.append(Row(Change.DELETED, a, None))
        else:
            same_text = a.text == b.text
            same_number = a.label == b.label
            change = (
                (Change.UNCHANGED if same_text else Change.CHANGED)
                if same_number
                else (Change.RENUMBERED if same_text else Change.RENUMBERED_CHANGED)
            )
            result.rows.append(Row(change, a, b, s))
    return result


def counterpart(old: Regulation, new: Regulation, article: Article) -> Article | None:
    """The article of ``new`` that continues ``article`` of ``old``; None when it was deleted."""
    return counterparts(old, new).get(article.label)


def counterparts(old: Regulation, new: Regulation) -> dict[str, Article | None]:
    """Each article label of ``old`` → its article in ``new`` (None: not carried over)."""
    pairs = align(old.numbered() or old.articles, new.numbered() or new.articles)
    return {a.label: b for a, b, _ in pairs if a is not None}


# -- for printing ------------------------------------------------------------------------------
def _cell_text(article: Article | None) -> str:
    if article is None:
        return ""
    lead = f"{article.label}　" if article.number else ""
    return lead + "\n".join(article.paragraphs)


def write_xlsx(
    diff: EditionDiff, path: Path, include_unchanged: bool = True, overwrite: bool = False
) -> None:
    """One row per article: 变化、原条号、原条文、新条号、新条文 (text cells only, never formulas)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ..fileio import write_atomic
    from ..spreadsheet import set_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "新旧对照"
    headers = ["变化", f"原条号（{diff.old_edition}）", "原条文", f"新条号（{diff.new_edition}）", "新条文"]
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_cell(cell, header)
        cell.font = Font(bold=True)
    r = 2
    for row in diff.rows:
        if row.change == Change.UNCHANGED and not include_unchanged:
            continue
        values = [
            row.change.label,
            row.old.label if row.old else "",
            row.old.text if row.old else "",
            row.new.label if row.new else "",
            row.new.text if row.new else "",
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            set_cell(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    for col, width in zip("ABCDE", (14, 16, 60, 16, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    write_atomic(path, buffer.getvalue(), overwrite=overwrite)


def write_docx(
    diff: EditionDiff, path: Path, include_unchanged: bool = True, overwrite: bool = False
) -> None:
    """A printable 新旧对照表: a title, then a two-column table (修改前 | 修改后), one row per
    article; the kind of change is written above the new text."""
    from io import BytesIO

    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    from ..fileio import write_atomic

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "SimSun"
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rFonts")
    if fonts is None:
        fonts = rpr.makeelement("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rFonts", {})
        rpr.append(fonts)
    fonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "SimSun")
    doc.add_heading(f"《{diff.title}》新旧对照表", level=1)
    doc.add_paragraph(f"{diff.old_edition} → {diff.new_edition}：{diff.summary()}")
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = f"修改前（{diff.old_edition}）"
    head[1].text = f"修改后（{diff.new_edition}）"
    for cell in head:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in diff.rows:
        if row.change == Change.UNCHANGED and not include_unchanged:
            continue
        cells = table.add_row().cells
        cells[0].text = _cell_text(row.old) or "（无）"
        note = "" if row.change == Change.UNCHANGED else f"【{row.change.label}】"
        cells[1].text = note + (_cell_text(row.new) or "（删除）")
    buffer = BytesIO()
    doc.save(buffer)
    write_atomic(path, buffer.getvalue(), overwrite=overwrite)
