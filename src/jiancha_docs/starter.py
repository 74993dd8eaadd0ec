"""``jiancha new``: an input file with the right headers and one filled example row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import OutputError, UsageError, os_reason
from .kinds import KindSchema
from .kinds.fields import FieldSpec, convert, is_blank

FORMATS = ("csv", "xlsx", "yaml")


def example_value(spec: FieldSpec) -> Any:
    """The schema's example, falling back to the default; typed where the format can keep types."""
    value = spec.example if not is_blank(spec.example) else spec.default
    if is_blank(value):
        return ""
    return value


def write_starter(kind: KindSchema, fmt: str, path: Path, force: bool = False) -> Path:
    from .sources.writers import write_csv, write_xlsx, write_yaml

    if fmt not in FORMATS:
        raise UsageError(f"格式“{fmt}”无效，应为：{'、'.join(FORMATS)}")
    if path.exists() and not force:
        raise OutputError(f"文件“{path}”已存在，未覆盖；如需覆盖请加 --force")
    labels = [spec.label for spec in kind.fields]
    row = [example_value(spec) for spec in kind.fields]
    try:
        if fmt == "yaml":
            write_yaml(
                path,
                [
                    dict(
                        zip(
                            labels,
                            (_yaml_value(s, v) for s, v in zip(kind.fields, row, strict=True)),
                            strict=True,
                        )
                    )
                ],
            )
        elif fmt == "xlsx":
            write_xlsx(path, labels, [[_xlsx_value(s, v) for s, v in zip(kind.fields, row, strict=True)]])
        else:
            write_csv(path, labels, [[_cell_text(v) for v in row]])
    except OSError as e:
        raise OutputError(f"无法写入 {path}：{os_reason(e)}") from e
    return path


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)


def _yaml_value(spec: FieldSpec, value: Any) -> Any:
    if is_blank(value):
        return [] if spec.type in ("list", "table") else ""
    if spec.type == "list":
        return convert(spec, value)
    if spec.type == "table":
        return [
            {c.label: _cell_text(cell) for c, cell in zip(spec.columns, row.values(), strict=True)}
            for row in convert(spec, value)
        ]
    if spec.type == "date":
        return convert(spec, value).isoformat()
    return value


def _xlsx_value(spec: FieldSpec, value: Any) -> Any:
    if spec.type == "date" and not is_blank(value):
        import datetime as dt

        date = convert(spec, value)
        return dt.date(date.year, date.month, date.day)
    return value
