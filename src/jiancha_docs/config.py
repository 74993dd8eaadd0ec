"""Settings: command-line flag → JIANCHA_* environment → ./jiancha.toml → defaults.

jiancha.toml holds what an office sets once, for example its organ names:

    [defaults]                 # field key or Chinese label → value, for every kind that has the field
    discipline_organ = "中共某某市纪律检查委员会"
    "监委名称" = "某某市监察委员会"          # a Chinese key needs quotes in TOML

    [kinds]
    dirs = ["本单位模板"]        # extra folders holding kind folders (schema.yaml + .docx)

    [numbering]                # 机关代字 per kind (id or Chinese name), or per sub-type
    reform_notice = "某纪改"
    recommendation = { "纪律检查建议" = "某纪建", "监察建议" = "某监建", "纪检监察建议" = "某纪监建" }

    [ledger]
    db = ".jiancha/ledger.sqlite3"   # the default, relative to this file

    [calendar]                 # 放假 and 调休 days for years chinese-calendar does not know yet
    holidays = ["2027-01-01"]
    workdays = ["2027-02-14"]
    years = [2027]
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_NAME = "jiancha.toml"
DEFAULT_LEDGER = Path(".jiancha") / "ledger.sqlite3"


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    kind_dirs: tuple[Path, ...] = ()
    numbering: dict[str, Any] = field(default_factory=dict)
    ledger_db: Path | None = None
    rules: dict[str, Any] = field(default_factory=dict)  # the [rules] table, read by rules/sources.py
    calendar: dict[str, Any] = field(default_factory=dict)  # the [calendar] table, read by calendar.py

    def ledger_path(self, explicit: Path | None = None) -> Path:
        """--db → JIANCHA_DB → [ledger] db → ./.jiancha/ledger.sqlite3."""
        env = os.environ.get("JIANCHA_DB")
        return explicit or (Path(env) if env else None) or self.ledger_db or DEFAULT_LEDGER


def load_settings(explicit: Path | None = None, cwd: Path | None = None) -> Settings:
    """Find and read the config file; a missing file means defaults, a broken one is an error."""
    env_path = os.environ.get("JIANCHA_CONFIG")
    path = explicit or (Path(env_path) if env_path else None)
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        path = candidate if candidate.is_file() else None
    elif not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}")
    if path is None:
        return Settings(kind_dirs=_env_kind_dirs())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"无法读取配置文件 {path}：{e}") from e
    except tomllib.TOMLDecodeError as e:
        where = re.search(r"line (\d+), column (\d+)", str(e))
        at = f"第 {where.group(1)} 行第 {where.group(2)} 列附近有语法错误" if where else "有语法错误"
        raise ConfigError(
            f"配置文件 {path} 格式有误：{at}",
            hint='中文键名要加引号，例如 "纪委名称" = "中共某某市纪律检查委员会"',
        ) from e
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"配置文件 {path} 的 [defaults] 应为键值表")
    dirs = data.get("kinds", {}).get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ConfigError(f"配置文件 {path} 的 [kinds] dirs 应为文件夹路径列表")
    kind_dirs = tuple((path.parent / d).resolve() for d in dirs) + _env_kind_dirs()
    numbering = data.get("numbering", {})
    if not isinstance(numbering, dict) or not all(isinstance(v, (str, dict)) for v in numbering.values()):
        raise ConfigError(f"配置文件 {path} 的 [numbering] 应为“文书类型 = 机关代字”或按建议类型分列的表")
    ledger = data.get("ledger", {}).get("db")
    if ledger is not None and not isinstance(ledger, str):
        raise ConfigError(f"配置文件 {path} 的 [ledger] db 应为文件路径")
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"配置文件 {path} 的 [rules] 应为键值表")
    calendar = data.get("calendar", {})
    if not isinstance(calendar, dict):
        raise ConfigError(f"配置文件 {path} 的 [calendar] 应为键值表")
    return Settings(
        path=path,
        rules=rules,
        calendar=calendar,
        defaults=dict(defaults),
        kind_dirs=kind_dirs,
        numbering=numbering,
        ledger_db=(path.parent / ledger).resolve() if ledger else None,
    )


def _env_kind_dirs() -> tuple[Path, ...]:
    value = os.environ.get("JIANCHA_KINDS_DIRS", "")
    return tuple(Path(p) for p in value.split(os.pathsep) if p)
