"""The pages' Jinja environment (autoescaped; the web's own templates, never a user's) and the
helpers every page group uses to answer."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

TEMPLATES = Path(__file__).with_name("templates")
_HIGHLIGHT = re.compile(r"【(.+?)】")
_CITATION = re.compile(r"《[^《》]{1,60}》第[一二三四五六七八九十百千零〇两\d]+条")


def highlight(snippet: str) -> Markup:
    """A search snippet with its 【】-marked words as <mark> (the text itself escaped)."""
    return Markup(_HIGHLIGHT.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(snippet))))


def link_citations(text: str) -> Markup:
    """Text with every 《…》第N条 a link to that article's page."""
    escaped = str(escape(text))

    def link(match: re.Match) -> str:
        ref = Markup(match.group(0)).unescape()
        return f'<a class="ref" href="/rules/show?ref={quote(ref)}">{match.group(0)}</a>'

    return Markup(_CITATION.sub(link, escaped))


def linked_paragraphs(article: Any, links: list[Any], title: str) -> list[Markup]:
    """An article's paragraphs with each reference it makes (``rules.links``) as a link to the
    article named, its target in the tooltip; a paragraph of the same article, or a target the
    index lacks, is marked but not linked. ``title`` is the article's own regulation."""
    text = article.text
    out: list[str] = []
    at = 0
    for link in sorted(links, key=lambda k: k.start):
        if link.start < at:
            continue
        out.append(str(escape(text[at : link.start])))
        shown = escape(text[link.start : link.end])
        tip = f"{link.target}（{link.caution}）" if link.caution else link.target
        if link.kind == "paragraph" or not link.resolved:
            out.append(f'<span class="ref" title="{escape(tip)}">{shown}</span>')
        else:
            ref = f"《{link.title or title}》{link.label}"
            out.append(
                f'<a class="ref" href="/rules/show?ref={quote(ref)}" title="{escape(tip)}">{shown}</a>'
            )
        at = link.end
    out.append(str(escape(text[at:])))
    return [Markup(p) for p in "".join(out).split("\n")]


@cache
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["link_citations"] = link_citations
    env.filters["urlquote"] = lambda text: quote(str(text), safe="")
    return env


def render_page(request: Any, name: str, values: dict[str, Any]) -> str:
    """A page or fragment; every template knows the CSRF token, the path, and who is asking
    (``visitor``, with ``P`` the permissions: menus and buttons show only what the role may do)."""
    from .auth import Permission

    state = request.scope.get("state", {})
    return (
        environment()
        .get_template(name)
        .render(
            csrf=state.get("csrf", ""),
            path=request.url.path,
            visitor=state.get("visitor"),
            P=Permission,
            **values,
        )
    )


def page(request: Any, name: str, values: dict[str, Any] | None = None, status: int = 200) -> Any:
    from starlette.responses import HTMLResponse

    return HTMLResponse(render_page(request, name, values or {}), status_code=status)
