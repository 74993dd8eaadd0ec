"""Input files: read YAML / JSON / CSV / XLSX into raw records with row numbers, and write them back.

``open_source(path)`` gives a ``Source`` whose ``headers`` are known at once and whose ``records()``
yield ``RawRecord`` objects lazily; the ``write_*`` functions make files the readers read back equal.
"""

from __future__ import annotations

from .model import RawRecord, ReadOptions, Source
from .readers import SUPPORTED_SUFFIXES, collect_inputs, display_name, is_lock_file, open_source
from .writers import write_csv, write_xlsx, write_yaml

__all__ = [
    "SUPPORTED_SUFFIXES",
    "RawRecord",
    "ReadOptions",
    "Source",
    "collect_inputs",
    "display_name",
    "is_lock_file",
    "open_source",
    "write_csv",
    "write_xlsx",
    "write_yaml",
]
