"""Regulations: parse Markdown regulations into articles, index them, search them in Chinese.

Light to import: the search engine and the tokenizer load only inside ``store`` when needed.
"""

from typing import Any

from .model import CATEGORIES, STATUSES, Article, ParseWarning, Regulation

__all__ = [
    "CATEGORIES",
    "STATUSES",
    "Article",
    "ParseResult",
    "ParseWarning",
    "Regulation",
    "parse_file",
    "parse_text",
]


def __getattr__(name: str) -> Any:
    """The parser on first use: a search in a fresh process never parses a file."""
    if name in ("ParseResult", "parse_file", "parse_text"):
        from . import parser

        return getattr(parser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def doctor_fact(settings: object) -> tuple[str, str]:
    """``jiancha doctor``'s line for the rules index: what it holds, or why it cannot be used."""
    from .errors import IndexMissing
    from .library import Library
    from .sources import rules_config

    index = rules_config(settings).index_dir
    try:
        with Library(index) as library:
            articles = sum(entry.articles for entry in library.entries)
            return "ok", f"{index}：法规 {len(library.entries)} 部、条文 {articles} 条"
    except IndexMissing:
        return "warn", f"尚未建立（{index}）；运行 jiancha rules index 编入示例工作指引和本单位法规"
