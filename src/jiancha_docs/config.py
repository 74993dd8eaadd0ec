"""Settings: command-line flag → JIANCHA_* environment → ./jiancha.toml → defaults.

jiancha.toml holds what an office sets once, for example its organ names:

    [defaults]                 # field key or Chinese label → value, for every kind that has the field
    discipline_organ = "中共某某市纪律检查委员会"
    "监委名称" = "某某市监察委员会"          # a Chinese key needs quotes in TOML

    [kinds]
    dirs = ["本单位模板"]        # extra folders holding kind folders (schema.yaml + .docx)
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


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    kind_dirs: tuple[Path, ...] = ()


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
    return Settings(path=path, defaults=dict(defaults), kind_dirs=kind_dirs)


def _env_kind_dirs() -> tuple[Path, ...]:
    value = os.environ.get("JIANCHA_KINDS_DIRS", "")
    return tuple(Path(p) for p in value.split(os.pathsep) if p)
