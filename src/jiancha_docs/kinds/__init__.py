"""Document kinds: schemas, field types, validation and the registry of templates."""

from .fields import CnDate, FieldProblem, FieldSpec
from .registry import all_kinds, find_kind, standard_templates_dir
from .schema import LAYOUTS, KindSchema, load_schema
from .validate import HeaderMap, Record, Validator

__all__ = [
    "LAYOUTS",
    "CnDate",
    "FieldProblem",
    "FieldSpec",
    "HeaderMap",
    "KindSchema",
    "Record",
    "Validator",
    "all_kinds",
    "find_kind",
    "load_schema",
    "standard_templates_dir",
]
