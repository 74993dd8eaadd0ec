"""Errors of the regulation knowledge base, each a complete Chinese message a clerk can act on."""

from __future__ import annotations

from ..errors import JianchaError, UsageError


class RegulationFormatError(JianchaError):
    """A regulation file cannot be parsed: names the file and the line."""

    def __init__(self, file: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file} 第 {line} 行" if line else file
        super().__init__(f"{where}：{message}", hint)


class RulesIndexError(JianchaError):
    """The index is missing, outdated or damaged; the hint names the command that fixes it."""


class IndexMissing(RulesIndexError):
    pass


class IndexOutdated(RulesIndexError):
    pass


class IndexCorrupt(RulesIndexError):
    """Damaged files in the index; unless told otherwise, the hint is the command that repairs it."""

    REPAIR = "运行 jiancha rules index --rebuild 建立索引（法规文件本身不受影响）"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint or self.REPAIR)


class IndexBusy(RulesIndexError):
    """Another process holds the index lock for longer than we are willing to wait."""


class ReferenceNotFound(JianchaError):
    """An article reference (《标题》第N条) names a regulation or an article that is not indexed."""


class QuerySyntaxError(UsageError):
    """A search query cannot be understood (unbalanced quotes, a lone NOT …)."""


class ImportProblem(JianchaError):
    """A file given to ``rules import`` cannot be read or holds no regulation."""


class LexiconError(JianchaError):
    """A user dictionary or synonym file is malformed."""
