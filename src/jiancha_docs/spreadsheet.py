"""Cells that stay data: values from other units' files, notes and file names are written to
spreadsheets (the 台账 export, the manifest CSV, starter files) so that no program ever reads
them as formulas (OWASP "CSV injection").

- CSV: a cell beginning with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return gets a leading
  apostrophe, which Excel and WPS show as text;
- xlsx: such a cell is written as a string cell (openpyxl would otherwise store a formula).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: str) -> str:
    return "'" + value if looks_like_formula(value) else value


def set_cell(cell: Any, value: object) -> None:
    """Put ``value`` in an openpyxl cell; text is always text, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
