"""Rules search: the search box with results as ``rules search`` gives them (citation, chapter,
highlighted snippet, status), an article / chapter / regulation view as ``rules show``, 《…》第N条
references as links; and building the index (``rules index``) for a clerk without a terminal."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .app import WebContext
from .pages import page

LIMIT = 10


def search_query(context: WebContext, query: Any) -> dict[str, Any]:
    """What ``rules search --json`` prints, for the query string's q / limit / status / category / in."""
    from ..rules.concepts import load_concepts
    from ..rules.lexicon import load_lexicon
    from ..rules.library import Library
    from ..rules.questions import load_questions
    from ..rules.search import SearchOptions, search
    from ..rules.sources import rules_config

    text = (query.get("q") or "").strip()
    if not text:
        raise UsageError("请输入要检索的内容")
    limit_text = (query.get("limit") or str(LIMIT)).strip()
    if not limit_text.isdigit() or int(limit_text) < 1:
        raise UsageError(f"“limit”应为正整数：{limit_text}")
    options = SearchOptions(
        limit=int(limit_text),
        statuses=tuple(query.getlist("status")),
        categories=tuple(query.getlist("category")),
        within=(query.get("in") or "").strip() or None,
    )
    config = rules_config(context.settings)
    with Library(config.index_dir) as library:
        result = search(
            library,
            text,
            options,
            load_lexicon(config.dictionaries, config.synonyms),
            concepts=load_concepts(config.concepts),
            questions=load_questions(config.questions, config.index_dir),
        )
    return {"query": text, "notes": result.notes, "results": [h.to_dict() for h in result.hits]}


def show_ref(context: WebContext, text: str) -> dict[str, Any]:
    from ..rules.library import Library
    from ..rules.refs import Ref, parse_ref, resolve_ref
    from ..rules.sources import rules_config

    config = rules_config(context.settings)
    parsed = parse_ref(text) or Ref(title=text)
    from ..rules.links import links_of
    from .pages import linked_paragraphs

    with Library(config.index_dir) as library:
        resolved = resolve_ref(library, parsed)
        reg = resolved.regulation
        paragraphs = [linked_paragraphs(a, links_of(a, reg, library), reg.title) for a in resolved.articles]
    return {
        "citation": resolved.citation,
        "entry": resolved.entry,
        "regulation": reg if parsed.kind == "regulation" else None,
        "articles": resolved.articles,
        "paragraphs": paragraphs,
    }


def index_ready(context: WebContext) -> bool:
    """Whether the index can be opened (a missing one is offered to be built, not an error page)."""
    from ..errors import JianchaError
    from ..rules.library import Library
    from ..rules.sources import rules_config

    try:
        with Library(rules_config(context.settings).index_dir):
            return True
    except JianchaError:
        return False


def routes(context: WebContext) -> list[Any]:
    from starlette.routing import Route

    def search_page(request: Any) -> Any:
        values: dict[str, Any] = {"q": request.query_params.get("q", ""), "found": None}
        values["ready"] = index_ready(context)
        if values["q"].strip() and values["ready"]:
            values["found"] = search_query(context, request.query_params)
        return page(request, "rules.html", values)

    def show_page(request: Any) -> Any:
        ref = (request.query_params.get("ref") or "").strip()
        if not ref:
            raise UsageError("请给出要查看的条文，例如《监察法》第四十五条")
        return page(request, "rules_show.html", show_ref(context, ref))

    def build(request: Any) -> Any:
        from ..rules.indexer import build_index
        from ..rules.sources import rules_config

        report = build_index(rules_config(context.settings), ())
        return page(request, "_rules_indexed.html", {"report": report})

    return [
        Route("/rules", search_page),
        Route("/rules/show", show_page),
        Route("/rules/index", build, methods=["POST"]),
    ]
