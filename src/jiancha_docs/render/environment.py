"""The Jinja environment every template renders in: sandboxed, strict and escaping.

- SandboxedEnvironment: a template (ours or an office's) cannot reach Python internals.
- StrictUndefined: a misspelt variable is an error, never a silent blank in a sent document.
- Autoescaping plus ``finalize``: every value is XML-escaped text. Values are data, never template
  code: they are passed in the context and never compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape


def to_xml_text(value: Any) -> Markup:
    """Escape a value for a w:t element.

    ``_`` becomes a character reference so that docxtpl's post-render replacement of ``{_{``
    (its escape for literal braces in templates) can never alter a user's text.
    """
    if value is None:
        return Markup("")
    return Markup(str(escape(value)).replace("_", "&#95;"))


def chinese_numeral(value: int) -> str:
    """1 → 一, 11 → 十一: for （一）、二、 style numbering."""
    import cn2an

    return cn2an.an2cn(int(value))


def paragraphs(value: Any) -> list[str]:
    """A multi-line text → its non-empty lines, one body paragraph each."""
    if not value:
        return []
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _no_index(reference: Any) -> str:
    from ..errors import TemplateProblem

    raise TemplateProblem(
        f"模板引用了条文“{reference}”，但没有可用的法规索引", hint="先运行 jiancha rules index"
    )


def _refuse_safe(value: Any) -> Any:
    from jinja2.exceptions import SecurityError

    raise SecurityError("模板中不允许使用 safe 过滤器：所有填入的内容都必须作为文字处理")


def make_environment(article_lookup: Callable[[str], str] | None = None) -> SandboxedEnvironment:
    """The environment; ``article_lookup`` (a citation → the article's text) backs the ``article``
    filter, with which a template quotes a cited article: ``{{ "《监察法》第四十五条"|article }}``."""
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=to_xml_text,
        keep_trailing_newline=True,
    )
    env.filters["cn"] = chinese_numeral
    env.filters["paras"] = paragraphs
    env.filters["article"] = article_lookup or _no_index
    # Raw XML from a value would bypass escaping: no template may mark a value as safe.
    env.filters["safe"] = _refuse_safe
    return env
