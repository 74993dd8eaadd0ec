"""The root ``jiancha`` group, the shared context object and output helpers."""

from __future__ import annotations

import importlib
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import Issue
from .i18n import install as _install_chinese

_install_chinese()

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The module (of this package) that defines each top-level command. It is imported when the
# command is run or listed, so that ``jiancha rules search`` loads neither the ledger nor the
# printing nor the web server.
COMMAND_MODULES = {
    "check": "printing",
    "doctor": "printing",
    "init": "workspace",
    "kinds": "documents",
    "ledger": "ledger",
    "new": "documents",
    "pdf": "printing",
    "render": "documents",
    "rules": "rules",
    "serve": "serve",
    "users": "users",
}


class Env:
    def __init__(self, debug: bool, config: Path | None) -> None:
        self.debug = debug
        self.config_path = config
        self._settings: Any = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from ..config import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    def calendar(self) -> Any:
        """The working-day calendar: the national one and the [calendar] table of jiancha.toml."""
        from ..calendar import calendar_from_table

        return calendar_from_table(self.settings.calendar, str(self.settings.path or "jiancha.toml"))

    def kind(self, name: str) -> Any:
        from ..kinds import find_kind

        return find_kind(name, self.settings.kind_dirs)

    def check_config_names(self) -> None:
        """[numbering] and [defaults] name kinds and fields that exist (checked where they are used)."""
        from ..errors import ConfigError
        from ..kinds import all_kinds
        from ..kinds.registry import config_name_problems

        settings = self.settings
        problems = config_name_problems(settings.numbering, settings.defaults, all_kinds(settings.kind_dirs))
        if problems:
            raise ConfigError(f"配置文件 {settings.path} 有误：" + "；".join(problems))


class LazyGroup(click.Group):
    """The root group: a command's module is imported the first time the command is asked for,
    and its help texts are put into Chinese then (``i18n.localize``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localized: set[str] = set()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"{__package__}.{COMMAND_MODULES[cmd_name]}")
        command = self.commands.get(cmd_name)
        if command is not None and cmd_name not in self._localized:
            from .i18n import localize

            localize(command, cmd_name)
            self._localized.add(cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="jiancha")
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供开发人员排查）。")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="配置文件路径；默认从当前文件夹起逐级向上查找 jiancha.toml。",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, config: Path | None) -> None:
    """jiancha：纪检监察文书生成工具。

    按 GB/T 9704-2012 版式，从 YAML、JSON、CSV、Excel 批量生成纪检监察建议书、以案促改通知书、澄清正名通报等文书。
    """
    ctx.obj = Env(debug, config)


# -- output helpers ----------------------------------------------------------------------------
def describe_issue(issue: Issue) -> str:
    prefix = {"error": "错误", "warning": "警告"}.get(issue.severity, "提示")
    return f"{prefix}：{issue.describe()}"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: list[str], rows: list[list[str]], max_last: int = 60) -> str:
    """A plain-text table aligned by display width (a CJK character is two columns wide)."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [
        max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headers[:-1])
    ]

    def line(cells: list[str]) -> str:
        padded = [c + " " * (w - display_width(c)) for c, w in zip(cells[:-1], widths, strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(headers), line(["-" * w for w in widths] + ["-" * min(max_last, 20)])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


class progress_bar:
    """A progress bar on stderr for batches at a terminal; silent when output is redirected."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar: Any = None

    def __enter__(self):
        if sys.stderr.isatty():
            from tqdm import tqdm

            # No monitor thread: render jobs fork worker processes, best done with one thread.
            tqdm.monitor_interval = 0
            self._bar = tqdm(desc=self.description, unit="份", file=sys.stderr, leave=False)
            return lambda: self._bar.update(1)
        return lambda: None

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
