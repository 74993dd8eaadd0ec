"""Format rules of GB/T 9704-2012 shared by input validation (kinds/fields.py), the ledger and
the conformance checker (printing/checker.py), so the project has one definition of each."""

from __future__ import annotations

import re

# 7.2.5 发文字号: 机关代字〔YYYY〕N号 — full year, hexagonal brackets, no 第, no leading zeros.
DOC_NUMBER = re.compile(r"^(?P<code>[^\s〔〕\[\]()（）【】]+)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")
_SPACE = re.compile(r"\s+")


def doc_number_problems(text: str) -> list[str]:
    """Why a 发文字号 is wrong (empty when it is right): brackets, 第, leading zeros, the year."""
    plain = _SPACE.sub("", text)
    if DOC_NUMBER.match(plain):
        return []
    example = "格式应为“机关代字〔年份〕序号号”，如“某纪发〔2024〕5号”"
    if not re.search(r"[〔\[［(（【﹝]\s*\d+\s*[〕\]］)）】﹞]", plain):
        return [example]  # no bracketed year at all: show the whole form
    problems = []
    brackets = re.search(r"[\[［(（【﹝]\s*\d{2,4}\s*[\]］)）】﹞]", plain)
    if brackets:
        problems.append(f"年份应用六角括号“〔〕”括入，不能用“{brackets.group(0)[0]}{brackets.group(0)[-1]}”")
    year = re.search(r"[〔\[［(（【﹝](\d+)[〕\]］)）】﹞]", plain)
    if year and len(year.group(1)) != 4:
        problems.append(f"年份应标全称（如 2024），不能写作“{year.group(1)}”")
    if re.search(r"[〕\]］)）】﹞]第", plain):
        problems.append("发文顺序号前不加“第”字")
    if re.search(r"[〕\]］)）】﹞]第?0\d*号", plain):
        problems.append("发文顺序号不编虚位（如 1 不写作 001）")
    if re.match(r"^[〔\[［(（【﹝]", plain):
        problems.append("缺少发文机关代字")
    if not plain.endswith("号"):
        problems.append("应以“号”结尾")
    return problems or [example]


_YEAR_BRACKETS = re.compile(r"[\[［(（【﹝〔]\s*(\d{4})\s*[\]］)）】﹞〕]")


def normalise_number(text: str) -> str:
    """A typed 发文字号 in its one written form: whitespace removed, and ``[]``, ``()``, ``（）``,
    ``【】`` typed around a four-digit year read as 〔〕. Used wherever numbers are compared."""
    plain = _SPACE.sub("", text)
    return _YEAR_BRACKETS.sub(r"〔\1〕", plain, count=1)


_CODE_FORBIDDEN = re.compile(r"[\s〔〕\[\]()（）【】［］﹝﹞{}<>《》\"“”'‘’,，;；:：/\\|]")


def organ_code_problem(code: str) -> str | None:
    """Why a 机关代字 (the part of a 文号 before the year) cannot make a valid 发文字号, or None.
    Every code it accepts gives numbers that ``DOC_NUMBER`` accepts."""
    if not code:
        return "不能为空"
    bad = _CODE_FORBIDDEN.search(code)
    if bad:
        shown = "空格" if bad.group(0).isspace() else f"“{bad.group(0)}”"
        return f"不能含有{shown}（机关代字如“某纪建”，年份和序号由程序添加）"
    if code.isdigit():
        return "不能全是数字，应为发文机关的简称，如“某纪建”"
    if len(code) > 12:
        return f"太长（{len(code)} 个字），机关代字一般为 2 至 6 个字"
    if not DOC_NUMBER.match(f"{code}〔2024〕1号"):
        return "不能用作文号的机关代字"
    return None
