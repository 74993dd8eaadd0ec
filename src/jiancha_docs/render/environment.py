"""The Jinja environment every template renders in: sandboxed, strict and escaping.

- SandboxedEnvironment: a template (ours or an office's) cannot reach Python internals.
- StrictUndefined: a misspelt variable is an error, never a silent blank in a sent document.
- Autoescaping plus ``finalize``: every value is XML-escaped text. Values are data, never template
  code: they are passed in the context and never compiled.
- A time budget per document (``BudgetedEnvironment``): a runaway loop in a template (nested
  ``range(99999)``) is stopped and reported as the template's fault, and ``*`` cannot build a text
  or list of millions of items.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment, safe_range
from markupsafe import Markup, escape

# Seconds one document may take to render; a real template takes milliseconds.
TIME_BUDGET = 10.0
# The longest text or list ``*`` may make in a template.
MAX_REPEAT = 100_000


class TemplateTooSlow(Exception):
    """The template used up its time budget for one document (see ``BudgetedEnvironment``)."""


class BudgetedEnvironment(SandboxedEnvironment):
    """The sandbox, with a deadline checked on every loop step over ``range`` and every call."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_budget = TIME_BUDGET
        self._deadline: float | None = None
        self.globals["range"] = self._range

    @contextmanager
    def budget(self) -> Iterator[None]:
        """While rendering one document: the deadline is now + ``time_budget``. Loops over
        ``range`` and calls check it; on POSIX, in the main thread, a timer also interrupts a
        loop that calls nothing (``{% for x in a_list %}`` nested deep)."""
        import signal
        import threading

        previous = self._deadline
        self._deadline = time.monotonic() + self.time_budget
        timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if timer:

            def interrupt(signum: int, frame: Any) -> None:
                raise TemplateTooSlow(self.time_budget)

            old_handler = signal.signal(signal.SIGALRM, interrupt)
            signal.setitimer(signal.ITIMER_REAL, self.time_budget + 0.5)
        try:
            yield
        finally:
            if timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old_handler)
            self._deadline = previous

    def check_time(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise TemplateTooSlow(self.time_budget)

    def _range(self, *args: int) -> Iterator[int]:
        for number in safe_range(*args):
            self.check_time()
            yield number

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.check_time()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        from jinja2.exceptions import SecurityError

        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, (str, list, tuple))
                    and isinstance(count, int)
                    and len(seq) * count > MAX_REPEAT
                ):
                    raise SecurityError(f"模板中的“*”会产生超过 {MAX_REPEAT} 个字符或项目")
        elif operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError("模板中的“**”指数过大")
        return super().call_binop(context, operator, left, right)


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


def make_environment(article_lookup: Callable[[str], str] | None = None) -> BudgetedEnvironment:
    """The environment; ``article_lookup`` (a citation → the article's text) backs the ``article``
    filter, with which a template quotes a cited article: ``{{ "《监察法》第四十五条"|article }}``."""
    env = BudgetedEnvironment(
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
