"""Chinese for the words click itself prints (usage lines, option errors, help headings).

click marks its messages with gettext but ships no Chinese catalogue; its modules bind
``gettext``/``ngettext`` at import, so we rebind those names to a lookup in this table.
What click does not mark — ``[OPTIONS]``, type names such as ``TEXT`` and ``INTEGER RANGE``,
argument metavars, range descriptions, the heading colon — ``install`` and ``localize`` set.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "可运行“{command} {option}”查看帮助。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是否应为 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否应为以下之一：{possibilities}？）",
    "{value!r} is not {choice}.": "{value!r} 无效，只能是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 无效，应为 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 超出了允许的范围（{range}）。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


# Chinese names of click's parameter types: shown as metavars ("--sheet 文本") and in errors.
TYPE_NAMES = {
    "StringParamType": "文本",
    "IntParamType": "整数",
    "IntRange": "整数",
    "FloatParamType": "数字",
    "FloatRange": "数字",
    "BoolParamType": "是/否",
    "DateTime": "日期时间",
    "UUIDParameterType": "UUID",
}

# Chinese metavars of the commands' arguments, by parameter name.
ARGUMENT_NAMES = {
    "kind": "文书类型",
    "inputs": "输入文件",
    "template": "模板",
    "number": "文号",
    "status": "状态",
    "output": "输出文件",
    "files": "文件",
    "paths": "路径",
    "query": "检索词",
    "ref": "条文",
}
# Upper-case names the help texts use for the arguments (click's convention), and what they become.
_HELP_TOKENS = {"INPUT": "输入文件", "FILE": "文件"} | {k.upper(): v for k, v in ARGUMENT_NAMES.items()}
_TOKEN = re.compile(r"\s*\b(" + "|".join(sorted(_HELP_TOKENS, key=len, reverse=True)) + r")\b(\.\.\.)?\s*")


def _describe_range(self: Any) -> str:
    """click's "x>=1" in words: 至少 1、至多 365、1 至 365."""
    low = None if self.min is None else f"{self.min}" + ("（不含）" if self.min_open else "")
    high = None if self.max is None else f"{self.max}" + ("（不含）" if self.max_open else "")
    if low is None:
        return f"至多 {high}"
    if high is None:
        return f"至少 {low}"
    return f"{low} 至 {high}"


def _missing_parameter_message(self: Any) -> str:
    """ "缺少参数“文号”。" instead of click's "Missing argument 'NUMBER'." """
    name = None
    if self.param_hint is not None:
        name = self.param_hint if isinstance(self.param_hint, str) else " / ".join(self.param_hint)
    elif self.param is not None:
        name = self.param.get_error_hint(self.ctx)
    kind = self.param_type or (self.param.param_type_name if self.param is not None else "parameter")
    noun = "选项" if kind == "option" else "参数"
    what = f"“{name.strip(chr(39))}”" if name else ""
    extra = f"{self.message}" if self.message else ""
    return f"缺少{noun}{what}。{extra}"


def _write_heading(self: Any, heading: str) -> None:
    self.write(f"{'':>{self.current_indent}}{heading}：\n")


def _chinese_help(text: str | None) -> str | None:
    """KIND, NUMBER … in a help text become the Chinese metavars, without doubling a word
    ("文号 NUMBER" → "文号")."""
    if not text:
        return text

    def replace(match: re.Match[str]) -> str:
        word = _HELP_TOKENS[match.group(1)]
        before = text[: match.start()]
        if before.endswith(word):
            return ""
        return word

    return _TOKEN.sub(replace, text)


def localize(group: Any, path: str = "") -> None:
    """Chinese usage lines, metavars, help texts and examples for ``group`` (the command whose
    name path is ``path``, "" for the root) and every command under it."""
    import click

    from .app import display_width
    from .examples import EXAMPLES

    def walk(command: Any, path: str) -> None:
        command.options_metavar = "[选项]"
        if isinstance(command, click.Group):
            command.subcommand_metavar = "命令 [参数]..."
        for param in command.params:
            if isinstance(param, click.Argument):
                name = ARGUMENT_NAMES.get(param.name or "")
                if name is not None:
                    param.metavar = f"{name}..." if param.nargs == -1 else name
            elif isinstance(param, click.Option):
                param.help = _chinese_help(param.help)
        command.help = _chinese_help(command.help)
        command.short_help = _chinese_help(command.short_help)
        examples = EXAMPLES.get(path)
        if examples and not command.epilog:
            width = max(display_width(line) for line, _ in examples)
            lines = [f"  {line}{' ' * (width - display_width(line))}    {what}" for line, what in examples]
            command.epilog = "\b\n示例：\n" + "\n".join(lines)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())

    walk(group, path)


def install() -> None:
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types
    import click.utils

    for cls_name, name in TYPE_NAMES.items():
        cls = getattr(click.types, cls_name, None)
        if cls is not None:
            cls.name = name
    click.types._NumberRangeBase._describe_range = _describe_range
    click.exceptions.MissingParameter.format_message = _missing_parameter_message
    click.formatting.HelpFormatter.write_heading = _write_heading

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
        click.utils,
    ):
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
