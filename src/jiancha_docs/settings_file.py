"""Writing to jiancha.toml: the office's column names for a kind (``[columns."<kind>"]``), as a
clerk confirms them in the web front's batch upload. Comments and the rest of the file are kept
(tomlkit); the file is replaced atomically, and read back by config.py before it is kept."""

from __future__ import annotations

from pathlib import Path

from .config import CONFIG_NAME
from .errors import ConfigError


def save_columns(config: Path | None, kind_name: str, mapping: dict[str, str], folder: Path) -> Path:
    """Add ``mapping`` (column in the register → field label) to ``[columns."<kind_name>"]`` of
    ``config`` (or of a new jiancha.toml in ``folder``). Returns the file written."""
    import tomlkit

    from .config import load_settings
    from .fileio import write_atomic

    path = config or folder / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as e:
        raise ConfigError(f"无法读取配置文件 {path}：{e}") from e
    columns = document.get("columns")
    if columns is None:
        columns = tomlkit.table(is_super_table=True)
        document["columns"] = columns
    section = columns.get(kind_name)
    if section is None:
        section = tomlkit.table()
        columns[kind_name] = section
    for column, label in mapping.items():
        section[column] = label
    new_text = tomlkit.dumps(document)
    write_atomic(path, new_text.encode("utf-8"), overwrite=True)
    try:
        load_settings(path)  # what was written must still be a valid configuration
    except ConfigError:
        if text:
            write_atomic(path, text.encode("utf-8"), overwrite=True)
        else:
            path.unlink(missing_ok=True)
        raise
    return path
