"""Format rules of GB/T 9704-2012 shared by input validation (kinds/fields.py), the ledger and
the conformance checker (printing/checker.py), so the project has one definition of each."""

from __future__ import annotations

import re
import unicodedata

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


# Brackets a 机关代字 may not contain: DOC_NUMBER's excluded set and the other full-width forms a
# typed number may carry, so a code that passes here never breaks the number built from it.
_CODE_BRACKETS = "〔〕[]()（）【】［］﹝﹞"
ORGAN_CODE_MAX = 16
# Characters that are no part of an organ's abbreviation and would break a file name (path
# separators, Windows' forbidden characters) or read as punctuation of the 文号.
_CODE_SYMBOLS = set("/\\:*?\"<>|;；,，、。.:：=+@#%&!！?？'‘’“”")
# A year typed between the wrong brackets: [2024] (2024) （2024） 【2024】 ［2024］ ﹝2024﹞.
_TYPED_YEAR = re.compile(r"[\[［(（【﹝〔](\d{4})[\]］)）】﹞〕]")


def organ_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a 机关代字 (None when it can); any code accepted here gives
    numbers ``DOC_NUMBER`` accepts."""
    if not code:
        return "机关代字不能为空"
    if _SPACE.search(code):
        return f"机关代字“{code}”中不能有空格"
    bracket = next((ch for ch in code if ch in _CODE_BRACKETS), None)
    if bracket:
        return f"机关代字“{code}”中不能有括号“{bracket}”（年份的六角括号由编号自动加上）"
    if code.isdigit():
        return f"机关代字“{code}”不能只有数字"
    symbol = next(
        (ch for ch in code if ch in _CODE_SYMBOLS or unicodedata.category(ch).startswith("C")), None
    )
    if symbol:
        shown = "控制字符" if unicodedata.category(symbol).startswith("C") else f"“{symbol}”"
        return f"机关代字“{code}”中不能有{shown}（机关代字是发文机关的简称，如“某纪建”）"
    if code.startswith(("=", "+", "-", "@")) or code.strip(".") == "":
        return f"机关代字“{code}”应以汉字或字母开头（机关代字是发文机关的简称，如“某纪建”）"
    if code.endswith("号"):
        return f"机关代字“{code}”不能以“号”结尾（“号”由编号自动加上）"
    if len(code) > ORGAN_CODE_MAX:
        return f"机关代字“{code}”过长（{len(code)} 个字），不应超过 {ORGAN_CODE_MAX} 个字"
    if not DOC_NUMBER.match(f"{code}〔2024〕1号"):
        return f"机关代字“{code}”无法组成“代字〔年份〕序号号”形式的文号"
    return None


def normalise_number(text: str) -> str:
    """A typed 文号 in its standard form: no whitespace, the 4-digit year in 〔〕.

    ``某纪通 〔2024〕 8号`` and ``某纪通[2024]8号`` both become ``某纪通〔2024〕8号``; what is
    still wrong afterwards (a 2-digit year, 第, leading zeros) is for ``doc_number_problems``.
    """
    return _TYPED_YEAR.sub(r"〔\1〕", _SPACE.sub("", text))
