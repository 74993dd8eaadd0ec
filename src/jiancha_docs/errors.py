"""The exception tree: every error a user can see, with its Chinese message and exit code.

The core raises these; only ``cli.py`` turns them into stderr text and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file, and a row (as Excel numbers it) or a record index."""

    file: str
    row: int | None = None
    # "row" for CSV/XLSX (header = row 1), "record" for YAML/JSON lists (first = 1)
    unit: str = "row"

    def describe(self) -> str:
        if self.row is None:
            return self.file
        noun = "行" if self.unit == "row" else "条记录"
        return f"{self.file} 第 {self.row} {noun}"


class JianchaError(Exception):
    """Base of every user-facing error. ``message`` is Chinese and complete on its own."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(JianchaError):
    """The command was called wrongly: unknown kind, bad option value."""

    exit_code = 2


class SchemaError(JianchaError):
    """A kind's schema.yaml is malformed or declares a forbidden field."""


class TemplateProblem(JianchaError):
    """A Word template cannot be read or rendered."""


class SourceError(JianchaError):
    """An input file cannot be read at all (missing, undecodable, not a table)."""


class ConfigError(JianchaError):
    """jiancha.toml is malformed."""


class OutputError(JianchaError):
    """A document cannot be written where it should go."""


@dataclass(frozen=True)
class Issue:
    """One problem found while validating a record; errors stop the record, warnings do not."""

    location: Location
    field: str | None  # the column label as the user typed it, or None for the whole record
    message: str
    severity: str = "error"  # "error", "warning", or "note" (worth saying, not a problem)

    def describe(self) -> str:
        where = self.location.describe()
        if self.field:
            where += f"「{self.field}」"
        return f"{where}：{self.message}"
