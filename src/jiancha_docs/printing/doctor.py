"""``jiancha doctor``: what this machine has for making documents and PDFs, as a list of facts.

Each check is a function returning facts (a Chinese label, ok/warn/fail, a Chinese detail);
``CHECKS`` lists them in report order, so a new part of the tool adds a function, not a branch.
The rules index and the ledger are asked through an optional hook in their own packages:

    # jiancha_docs/rules/__init__.py or jiancha_docs/ledger/__init__.py
    def doctor_fact(settings) -> tuple[str, str]:
        return "ok", "法规 12 部、条文 530 条，索引更新于 2024-12-01"   # or "warn"/"fail", detail

so this module never needs to know their internals. Without the hook a plain line is shown.
"""

from __future__ import annotations

import importlib
import platform
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import JianchaError

OK, WARN, FAIL = "ok", "warn", "fail"
STATUS_LABELS = {OK: "正常", WARN: "注意", FAIL: "错误"}


@dataclass(frozen=True)
class Fact:
    label: str
    status: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"item": self.label, "status": self.status, "detail": self.detail}


@dataclass
class Context:
    """What the checks share: settings (or the error reading them) and the font pre-flight."""

    settings: Any = None
    settings_error: str | None = None
    _fonts: Any = None

    def fonts(self) -> Any:
        if self._fonts is None:
            from .fonts import preflight

            self._fonts = preflight()
        return self._fonts


Check = Callable[[Context], list[Fact]]


def check_python(ctx: Context) -> list[Fact]:
    version = platform.python_version()
    status = OK if sys.version_info >= (3, 11) else FAIL
    return [Fact("Python", status, f"{version}（{sys.executable}）；jiancha-docs {__version__}")]


CONFIG_ORIGINS = {
    "flag": "由 --config 指定",
    "env": "由环境变量 JIANCHA_CONFIG 指定",
    "config": "在当前或上级文件夹中找到",
}
LEDGER_ORIGINS = {
    "flag": "命令行 --db",
    "env": "环境变量 JIANCHA_DB",
    "config": "配置文件",
    "default": "默认位置",
}


def check_config(ctx: Context) -> list[Fact]:
    """Which jiancha.toml is in use (or where none was found) and where the ledger is, and why."""
    if ctx.settings_error:
        return [Fact("配置文件", FAIL, ctx.settings_error)]
    settings = ctx.settings
    path = getattr(settings, "path", None)
    if path is None:
        detail = "未找到配置文件，使用默认设置"
        searched = getattr(settings, "searched", ())
        if searched:
            detail += "（查找过：" + "、".join(str(folder) for folder in searched) + "）"
        facts = [Fact("配置文件", OK, detail)]
    else:
        origin = CONFIG_ORIGINS.get(getattr(settings, "origin", ""), "")
        facts = [Fact("配置文件", OK, f"{path}（{origin}）" if origin else str(path))]
    if hasattr(settings, "ledger_location"):
        where = settings.ledger_location()
        facts.append(Fact("台账位置", OK, f"{where.path}（{LEDGER_ORIGINS[where.origin]}）"))
    if path is not None and hasattr(settings, "numbering"):
        from ..kinds import all_kinds
        from ..kinds.registry import config_name_problems

        try:
            problems = config_name_problems(
                settings.numbering, settings.defaults, all_kinds(settings.kind_dirs)
            )
        except JianchaError as e:
            problems = [e.message]
        facts.extend(Fact("配置文件", FAIL, problem) for problem in problems)
    return facts


def check_templates(ctx: Context) -> list[Fact]:
    from ..kinds import all_kinds, standard_templates_dir

    folders = tuple(getattr(ctx.settings, "kind_dirs", ()) or ())
    try:
        kinds = all_kinds(folders)
    except JianchaError as e:
        return [Fact("文书模板", FAIL, e.message)]
    missing = [
        f"{kind.name}（{layout}）"
        for kind in kinds
        for layout in ("文件式", "信函式")
        if not _template_exists(kind, layout)
    ]
    detail = f"{len(kinds)} 种文书，标准模板在 {standard_templates_dir()}"
    if missing:
        return [Fact("文书模板", WARN, detail + "；缺少模板：" + "、".join(missing))]
    return [Fact("文书模板", OK if kinds else FAIL, detail)]


def _template_exists(kind: Any, layout: str) -> bool:
    try:
        return Path(kind.template_path(layout)).is_file()
    except (KeyError, JianchaError):
        return True  # a kind without this layout is not a missing file


def check_libreoffice(ctx: Context) -> list[Fact]:
    from .convert import INSTALL_HINT, find_soffice, libreoffice_version

    soffice = find_soffice()
    if soffice is None:
        return [Fact("LibreOffice", WARN, "未安装：Word 文书照常生成，但不能转换 PDF。" + INSTALL_HINT)]
    version = libreoffice_version(soffice)
    if version is None:
        return [Fact("LibreOffice", FAIL, f"{soffice} 无法运行（--version 无响应）")]
    return [Fact("LibreOffice", OK, f"{version}（{soffice}），PDF 转换可用")]


def check_fonts(ctx: Context) -> list[Fact]:
    report = ctx.fonts()
    if not report.fontconfig:
        return [Fact("字体", WARN, "未找到 fontconfig（fc-list、fc-match），无法检查字体替代；由系统决定")]
    facts = []
    if report.chinese_families:
        shown = "、".join(report.chinese_families[:6])
        more = f" 等 {len(report.chinese_families)} 种" if len(report.chinese_families) > 6 else ""
        facts.append(Fact("中文字体", OK, shown + more))
    else:
        facts.append(
            Fact(
                "中文字体",
                FAIL,
                "未安装任何中文字体，PDF 中的文字会显示为方框；安装 fonts-noto-cjk 等中文字体",
            )
        )
    for status in report.fonts:
        level = {"ok": OK, "substituted": WARN if status.font.chinese else OK, "missing": FAIL}[status.status]
        if status.status == "missing" and not status.font.chinese:
            level = WARN
        detail = status.describe().split("：", 1)[1]
        if status.status == "substituted" and status.font.chinese:
            detail += "（字号、行距不变，字形与标准字体略有不同）"
        facts.append(Fact(status.font.name, level, f"{detail}；用于{status.font.uses}"))
    facts.append(Fact("字体替代规则", OK, str(report.config_file)))
    return facts


def check_poppler(ctx: Context) -> list[Fact]:
    tools = [name for name in ("pdftoppm", "pdffonts") if shutil.which(name)]
    if len(tools) == 2:
        return [Fact("poppler-utils", OK, "pdftoppm、pdffonts 可用（预览图、字体嵌入检查）")]
    return [Fact("poppler-utils", WARN, "未安装：只影响 scripts/render_previews.py 生成预览图")]


def _hook_fact(label: str, module_name: str, ctx: Context, fallback: Callable[[Context], Fact]) -> list[Fact]:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return [Fact(label, WARN, "未安装此功能模块")]
    hook = getattr(module, "doctor_fact", None)
    if hook is None:
        return [fallback(ctx)]
    if ctx.settings is None:
        return [Fact(label, WARN, "配置文件有误，无法检查")]
    try:
        status, detail = hook(ctx.settings)
    except JianchaError as e:
        return [Fact(label, FAIL, e.message)]
    except Exception as e:  # a broken hook must not break the whole report
        return [Fact(label, FAIL, f"检查出错：{type(e).__name__}: {e}")]
    return [Fact(label, status if status in STATUS_LABELS else WARN, str(detail))]


def check_rules(ctx: Context) -> list[Fact]:
    return _hook_fact("法规索引", "jiancha_docs.rules", ctx, lambda _: Fact("法规索引", WARN, "未配置"))


def _ledger_fallback(ctx: Context) -> Fact:
    settings = ctx.settings
    if settings is None or not hasattr(settings, "ledger_location"):
        return Fact("文号台账", WARN, "未配置")
    where = settings.ledger_location()
    path = Path(where.path)
    size = path.stat().st_size if path.is_file() else None
    if size and size > 0:
        return Fact("文号台账", OK, f"{path}（{size // 1024} KB）")
    if where.may_create:
        return Fact("文号台账", OK, f"尚未建立，首次分配文号时创建于 {path}")
    problem = "是空文件" if size == 0 else "不存在"
    return Fact(
        "文号台账",
        WARN,
        f"{path} {problem}；配置文件指定了这个台账，不会自动新建。请检查 [ledger] db，"
        "或用 jiancha ledger backup 的备份恢复",
    )


def check_ledger(ctx: Context) -> list[Fact]:
    return _hook_fact("文号台账", "jiancha_docs.ledger", ctx, _ledger_fallback)


CHECKS: list[Check] = [
    check_python,
    check_config,
    check_templates,
    check_libreoffice,
    check_fonts,
    check_poppler,
    check_rules,
    check_ledger,
]


def diagnose(
    settings: Any = None, settings_error: str | None = None, checks: list[Check] | None = None
) -> list[Fact]:
    """Run every check; a check that fails unexpectedly becomes a fact, never an exception."""
    ctx = Context(settings=settings, settings_error=settings_error)
    facts: list[Fact] = []
    for check in checks if checks is not None else CHECKS:
        try:
            facts.extend(check(ctx))
        except JianchaError as e:
            facts.append(Fact(check.__name__.removeprefix("check_"), FAIL, e.message))
    return facts
