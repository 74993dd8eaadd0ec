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
from .errors import JianchaError, OutputError, UsageError
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
    nested: bool = False,
    new_ledger: bool = False,
) -> Workspace:
    """Write ``folder``/jiancha.toml (never over an existing one without ``force``) and create
    the ledger it names; an existing ledger is kept as it is.

    Three ways to end up with a second register that numbers from 1 again are refused: a
    workspace inside another one (unless ``nested``), and re-initialising a workspace whose
    ledger is missing or empty (unless ``new_ledger``); re-initialising keeps the 机关代字 of
    the file it replaces unless ``codes`` gives them anew."""
    from .fileio import write_atomic
    from .ledger import Ledger

    for label, value in (("纪委名称", discipline_organ), ("监委名称", supervision_organ)):
        if not value.strip():
            raise UsageError(f"{label}不能为空")
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise OutputError(f"文件“{config}”已存在，未覆盖；如需覆盖请加 --force")
    enclosing, _ = find_config(folder.absolute().parent)
    if enclosing is not None and not nested:
        raise UsageError(
            f"上级文件夹已是工作区（{enclosing}）；在这里另建工作区会另起一本台账，文号从 1 号重新编起",
            hint="在子文件夹中直接运行 jiancha 就会使用上级的配置和台账；确需另建独立的工作区（如另一个机关），加 --nested",
        )
    codes = dict(codes or {})
    if config.exists():
        codes = {**_kept_codes(config), **codes}
        _refuse_lost_ledger(config, new_ledger)
    text = config_text(discipline_organ.strip(), supervision_organ.strip(), codes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法建立文件夹 {folder}：{e.strerror or e}") from e
    parse_config(_loads(text), config)  # what we write must read back
    ledger = folder / DEFAULT_LEDGER
    Ledger(ledger).close()  # creates and migrates it
    write_atomic(config, text.encode("utf-8"), overwrite=force)
    return Workspace(config=config, ledger=ledger, enclosing=enclosing)


def _kept_codes(config: Path) -> dict[str, str]:
    """The 机关代字 of the jiancha.toml being replaced (simple ``kind = code`` entries)."""
    from .config import read_toml

    try:
        table = read_toml(config).get("numbering", {})
    except JianchaError:
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str)} if isinstance(table, dict) else {}


def _refuse_lost_ledger(config: Path, new_ledger: bool) -> None:
    """Re-initialising where the ledger has gone: that ledger held every number issued."""
    from .config import read_toml

    try:
        named = read_toml(config).get("ledger", {}).get("db")
    except (JianchaError, AttributeError):
        return
    if not isinstance(named, str) or new_ledger:
        return
    ledger = (config.parent / named).resolve()
    if not ledger.exists() or ledger.stat().st_size == 0:
        state = "不存在" if not ledger.exists() else "是空文件"
        raise UsageError(
            f"原配置文件指定的台账 {ledger} {state}；重新初始化会新建空台账，文号从 1 号重新编起",
            hint="请先把台账从备份（jiancha ledger backup 生成的文件）恢复到这个位置；确需新建空台账，加 --new-ledger",
        )


def _loads(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)
