"""The exception tree: every error a user can see, with its Chinese message and exit code.

The core raises these; only ``cli.py`` turns them into stderr text and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file, and a row (as Excel numbers it) or a record index."""

    file: str
    row: int | None = None
    # "row" for CSV/XLSX (header = row 1), "record" for YAML/JSON lists (first = 1)
    unit: str = "row"

    def describe(self) -> str:
        if self.row is None:
            return self.file
        noun = "行" if self.unit == "row" else "条记录"
        return f"{self.file} 第 {self.row} {noun}"


class JianchaError(Exception):
    """Base of every user-facing error. ``message`` is Chinese and complete on its own."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(JianchaError):
    """The command was called wrongly: unknown kind, bad option value."""

    exit_code = 2


class SchemaError(JianchaError):
    """A kind's schema.yaml is malformed or declares a forbidden field."""


class TemplateProblem(JianchaError):
    """A Word template cannot be read or rendered."""


class SourceError(JianchaError):
    """An input file cannot be read at all (missing, undecodable, not a table)."""


class ConfigError(JianchaError):
    """jiancha.toml is malformed."""


class OutputError(JianchaError):
    """A document cannot be written where it should go."""


@dataclass(frozen=True)
class Issue:
    """One problem found while validating a record; errors stop the record, warnings do not."""

    location: Location
    field: str | None  # the column label as the user typed it, or None for the whole record
    message: str
    severity: str = "error"  # "error", "warning", or "note" (worth saying, not a problem)

    def describe(self) -> str:
        where = self.location.describe()
        if self.field:
            where += f"「{self.field}」"
        elif self.message.startswith(self.location.file):
            return self.message  # a reader's message names the file (and the row) itself: once
        return f"{where}：{self.message}"


# What an operating-system error means to a clerk, and its likely cause.
_OS_REASONS = {
    "EACCES": "没有权限（文件可能正被 Word、WPS 或 Excel 打开，或文件夹是只读的）",
    "EPERM": "操作不被允许（文件可能正被 Word、WPS 或 Excel 打开，或被杀毒软件锁定）",
    "EROFS": "所在磁盘或文件夹是只读的",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "磁盘配额已用完",
    "ENOENT": "找不到文件或文件夹",
    "ENOTDIR": "路径中的某一级不是文件夹",
    "EISDIR": "这是一个文件夹，不是文件",
    "EEXIST": "已有同名的文件或文件夹",
    "ENAMETOOLONG": "文件名或路径过长",
    "EBUSY": "文件正被其他程序使用",
    "ETXTBSY": "文件正被其他程序使用",
    "EIO": "读写磁盘时出错（磁盘或网络共享可能有问题）",
    "EINVAL": "文件名中有系统不允许的字符",
    "EMFILE": "同时打开的文件过多",
    "ELOOP": "路径中的快捷方式（符号链接）循环引用",
}


def os_reason(error: OSError) -> str:
    """An OSError in Chinese, with the likely cause: "没有权限（文件可能正被 Word 打开…）"."""
    import errno

    name = errno.errorcode.get(error.errno or -1, "")
    reason = _OS_REASONS.get(name)
    if reason is None and getattr(error, "winerror", None) == 32:  # ERROR_SHARING_VIOLATION
        reason = "文件正被其他程序使用（可能正被 Word、WPS 或 Excel 打开），请关闭后再试"
    return reason or f"系统错误（{error.strerror or error}）"


def describe_os_error(error: OSError) -> str:
    """``os_reason`` with the file it concerns, when the error names one."""
    where = error.filename if error.filename is not None else None
    if where is None:
        return os_reason(error)
    if isinstance(where, bytes):
        where = where.decode("utf-8", errors="replace")
    return f"{where}：{os_reason(error)}"
