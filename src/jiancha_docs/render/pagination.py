"""Pagination by construction: what keeps the closing block of a rendered document together.

GB/T 9704 7.3.5.4 wants no page holding the 署名 and date alone, and 7.3.6 the 附注 right under
the date. Word and LibreOffice lay the pages out, not us; what a template can do is tell them which
paragraphs stay on one page. The template's styles already keep the 署名 with the date. What it
cannot know is which paragraph is the last of the body (optional sections, loops): so after
rendering, that paragraph is marked "keep with next", and so is the date when a 附注 follows it.
The 版记 (文件式) and the letter's 抄送 are frames at the foot of the page (templates/build.py),
outside this flow.
"""

from __future__ import annotations

from typing import Any

from ..layout import StyleId

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Element order inside w:pPr (ECMA-376 CT_PPrBase): what keepNext goes after and before.
_BEFORE_KEEP_NEXT = {f"{_W}pStyle"}


def _style(p: Any) -> str | None:
    ppr = p.find(f"{_W}pPr")
    style = ppr.find(f"{_W}pStyle") if ppr is not None else None
    return style.get(f"{_W}val") if style is not None else None


def _keep_with_next(p: Any) -> bool:
    """Mark paragraph ``p`` keep-with-next; False when it already was."""
    ppr = p.find(f"{_W}pPr")
    if ppr is None:
        ppr = p.makeelement(f"{_W}pPr", {})
        p.insert(0, ppr)
    if ppr.find(f"{_W}keepNext") is not None:
        return False
    position = sum(1 for child in ppr if child.tag in _BEFORE_KEEP_NEXT)
    ppr.insert(position, ppr.makeelement(f"{_W}keepNext", {}))
    return True


def _keep_element(element: Any) -> bool:
    """A paragraph keeps with the next; a table's last row does (all its paragraphs)."""
    if element.tag == f"{_W}p":
        return _keep_with_next(element)
    changed = False
    if element.tag == f"{_W}tbl":
        rows = element.findall(f"{_W}tr")
        if rows:
            for p in rows[-1].iter(f"{_W}p"):
                changed |= _keep_with_next(p)
    return changed


def _is_gap(element: Any) -> bool:
    """The empty flow paragraph templates/build.py puts before the 版记 frames."""
    return (
        element.tag == f"{_W}p"
        and element.find(f"{_W}pPr/{_W}keepNext") is not None
        and not "".join(t.text or "" for t in element.iter(f"{_W}t"))
    )


def keep_closing_together(body: Any) -> bool:
    """Keep the last body paragraph with the 署名, and the date and 附注 with what follows them
    (``body``: w:body).

    True when the tree was changed.
    """
    children = list(body)
    signature = next(
        (i for i, el in enumerate(children) if el.tag == f"{_W}p" and _style(el) == StyleId.SIGNATURE),
        None,
    )
    if signature is None:
        return False
    changed = _keep_element(children[signature - 1]) if signature > 0 else False
    # What the 版记 frames follow (an attachment's last paragraph or table row, say) keeps with
    # the paragraph they hang on, so that no page holds the 版记 alone.
    frame = next(
        (
            i
            for i, el in enumerate(children)
            if el.tag == f"{_W}p" and el.find(f"{_W}pPr/{_W}framePr") is not None
        ),
        None,
    )
    if frame is not None and frame >= 2 and _is_gap(children[frame - 1]):
        changed |= _keep_element(children[frame - 2])
    # The date keeps with what follows it (the 附注, or the paragraph the 版记 frames hang on),
    # and so does the 附注; not with an attachment, which starts a page of its own.
    for index in range(signature, len(children) - 1):
        here, after = children[index], children[index + 1]
        if (
            here.tag == f"{_W}p"
            and _style(here) in (StyleId.DATE, StyleId.ANNOTATION)
            and after.tag == f"{_W}p"
            and _style(after) != StyleId.ATTACHMENT_MARK
        ):
            changed |= _keep_with_next(here)
    return changed


def lay_out(body: Any) -> bool:
    """Everything the render path does to the layout of a rendered body: the title broken into
    balanced lines (titles.py) and the closing block kept together. True when changed."""
    from .titles import break_title_paragraph

    changed = False
    title = next(
        (p for p in body.iter(f"{_W}p") if _style(p) == StyleId.TITLE),
        None,
    )
    if title is not None:
        changed |= break_title_paragraph(title)
    changed |= keep_closing_together(body)
    return changed
