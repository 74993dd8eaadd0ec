"""A new workspace (``jiancha init``): jiancha.toml with the office's settings and an empty ledger.

The file names the ledger (``[ledger] db``), so a ledger later missing or emptied is reported
rather than silently made afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, DEFAULT_LEDGER, find_config, parse_config
from .errors import OutputError, UsageError
from .gbt9704 import organ_code_problem


@dataclass(frozen=True)
class Workspace:
    config: Path  # the jiancha.toml written
    ledger: Path  # the ledger created (or the existing one, kept)
    enclosing: Path | None  # a jiancha.toml of a parent folder, which this one now overrides


def _string(value: str) -> str:
    # A JSON string is a TOML basic string (same escapes), with the Chinese left readable.
    return json.dumps(value, ensure_ascii=False)


def config_text(discipline_organ: str, supervision_organ: str, codes: dict[str, str] | None = None) -> str:
    """The jiancha.toml of a new workspace; ``codes``: kind (Chinese name or id) → 机关代字."""
    codes = codes or {}
    for kind, code in codes.items():
        problem = organ_code_problem(code)
        if problem:
            raise UsageError(f"「{kind}」的{problem}")
    lines = [
        "# jiancha 工作区配置：本单位一次设好，之后在本文件夹及其子文件夹中运行 jiancha 都会用到。",
        "# 中文键名要加引号；相对路径相对于本文件所在的文件夹。",
        "",
        "[defaults]            # 输入文件中留空的字段取这里的值（键可用字段的中文列名或英文键）",
        f'"纪委名称" = {_string(discipline_organ)}',
        f'"监委名称" = {_string(supervision_organ)}',
        "",
        "[numbering]           # 机关代字：文号为空的记录按代字和成文年份自动编号",
    ]
    if codes:
        lines.extend(f"{_string(kind)} = {_string(code)}" for kind, code in codes.items())
    else:
        lines.append('# "以案促改通知书" = "某纪改"')
    lines += [
        "",
        "[ledger]              # 文号台账；文件丢失或被清空时报错，不会自动新建",
        f"db = {_string(DEFAULT_LEDGER.as_posix())}",
        "",
    ]
    return "\n".join(lines)


def create_workspace(
    folder: Path,
    discipline_organ: str,
    supervision_organ: str,
    codes: dict[str, str] | None = None,
    force: bool = False,
) -> Workspace:
    """Write ``folder``/jiancha.toml (never over an existing one without ``force``) and create
    the ledger it names; an existing ledger is kept as it is."""
    from .ledger import Ledger
    from .render.output import write_atomic

    for label, value in (("纪委名称", discipline_organ), ("监委名称", supervision_organ)):
        if not value.strip():
            raise UsageError(f"{label}不能为空")
    text = config_text(discipline_organ.strip(), supervision_organ.strip(), codes)
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise OutputError(f"文件“{config}”已存在，未覆盖；如需覆盖请加 --force")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法建立文件夹 {folder}：{e.strerror or e}") from e
    parse_config(_loads(text), config)  # what we write must read back
    ledger = folder / DEFAULT_LEDGER
    Ledger(ledger).close()  # creates and migrates it
    write_atomic(config, text.encode("utf-8"), overwrite=force)
    enclosing, _ = find_config(folder.absolute().parent)
    return Workspace(config=config, ledger=ledger, enclosing=enclosing)


def _loads(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)
