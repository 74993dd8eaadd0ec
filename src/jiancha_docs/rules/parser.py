"""Parse a regulation file (Markdown with YAML front matter) into a Regulation and its articles.

The format is documented for users in docs/regulation-format.md. Block structure comes from
markdown-it-py; an article starts at every line that begins with 第X条 followed by a space (or the
end of the line), wherever that line sits, so soft-wrapped source never hides an article.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import os_reason
from .errors import RegulationFormatError
from .model import (
    ARTICLE_LINE,
    CATEGORIES,
    FIELD_LABELS,
    FRONT_MATTER_KEYS,
    STATUSES,
    Article,
    ParseWarning,
    Regulation,
)
from .numerals import to_int

ITEM_LINE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
_CN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


@dataclass
class ParseResult:
    regulation: Regulation
    warnings: list[ParseWarning] = field(default_factory=list)


def parse_file(path: Path, display: str | None = None) -> ParseResult:
    """Read and parse one regulation file; ``display`` is the name used in messages."""
    name = display or path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RegulationFormatError(name, None, f"无法读取文件：{os_reason(e)}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RegulationFormatError(
            name,
            line,
            "不是 UTF-8 编码的文本",
            hint=f"GBK 编码或 Word 文件请先转换：jiancha rules import {path.name}",
        ) from e
    result = parse_text(text, name)
    result.regulation.source = name
    return result


def parse_text(text: str, file: str = "<文本>") -> ParseResult:
    """Parse Markdown text; errors name ``file`` and the line, as the user's editor numbers it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, body_start = _front_matter(lines, file)
    warnings: list[ParseWarning] = []
    reg = _regulation_from_meta(meta, file, warnings)
    # Blank the front matter instead of cutting it, so markdown-it's line numbers stay the file's.
    body = "\n".join([""] * body_start + lines[body_start:])
    _Builder(reg, file, warnings).run(body)
    if not reg.title:
        raise RegulationFormatError(
            file, 1, "缺少标题", hint="在文件开头的 front matter 写“标题: …”，或在正文第一行写“# 标题”"
        )
    if not reg.articles:
        raise RegulationFormatError(file, None, "没有找到任何条文或正文")
    _check_numbering(reg, file, warnings)
    if not (reg.issued or reg.effective) and reg.preamble:
        _dates_from_preamble(reg)
    return ParseResult(reg, warnings)


def _dates_from_preamble(reg: Regulation) -> None:
    """A file without dates in its front matter: take them (and the edition) from the 发布/施行
    lines under the title, as ``rules import`` would."""
    from .importer import preamble_dates

    found = preamble_dates(reg)
    reg.issued = found.get("issued", "")
    reg.effective = found.get("effective", "")
    reg.edition = reg.edition or found.get("edition", "")


# -- front matter ------------------------------------------------------------------------------
@dataclass
class _Meta:
    values: dict[str, Any]
    lines: dict[str, int]  # field name → line of its key, for messages


def _front_matter(lines: list[str], file: str) -> tuple[_Meta, int]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise RegulationFormatError(file, None, "文件是空的")
    if lines[first].strip() != "---":
        return _Meta({}, {}), 0
    end = next((i for i in range(first + 1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise RegulationFormatError(
            file, first + 1, "开头的 front matter 没有结束行“---”", hint="在字段之后加一行 ---"
        )
    from ..sources.structured import YamlProblem, load_yaml_document

    source = "\n".join(lines[first + 1 : end])
    offset = first + 2  # file line of the first front-matter line
    try:
        # Values as typed (a date is checked as a 日期 below, never a crash), aliases bounded.
        node, values = load_yaml_document(source)
    except YamlProblem as e:
        line = offset + e.line - 1 if e.line is not None else first + 1
        if "展开后过大" in e.message or "嵌套" in e.message:
            raise RegulationFormatError(file, line, f"front matter {e.message}", hint=e.hint) from e
        raise RegulationFormatError(
            file,
            line,
            "front matter 不是有效的 YAML（括号、引号不成对，或冒号后缺少空格）",
            hint="每行写“字段: 值”，冒号后加空格；列表写成 [甲, 乙]",
        ) from e
    if values is None:
        return _Meta({}, {}), end + 1
    if not isinstance(values, dict) or node is None or not hasattr(node, "value"):
        raise RegulationFormatError(file, offset, "front matter 应为“字段: 值”的列表")
    key_lines: dict[str, int] = {}
    for key_node, _ in node.value:
        key_lines[str(key_node.value)] = offset + key_node.start_mark.line
    return _Meta(values, key_lines), end + 1


def _regulation_from_meta(meta: _Meta, file: str, warnings: list[ParseWarning]) -> Regulation:
    reg = Regulation(title="")
    english = set(FRONT_MATTER_KEYS.values())
    for raw_key, value in meta.values.items():
        key = str(raw_key)
        line = meta.lines.get(key)
        name = FRONT_MATTER_KEYS.get(key) or (key if key in english else None)
        if name is None:
            known = "、".join(dict.fromkeys(FRONT_MATTER_KEYS))
            warnings.append(ParseWarning(file, line, f"未知的字段“{key}”，已忽略（可用字段：{known}）"))
            continue
        label = FIELD_LABELS[name]
        if value is None:
            continue
        if name in ("short_titles", "supersedes"):
            items = value if isinstance(value, list) else [value]
            setattr(reg, name, [_text(v) for v in items if _text(v)])
        elif name in ("issued", "effective", "repealed"):
            setattr(reg, name, _date(value, file, line, label))
        elif name == "sample":
            reg.sample = value is True or _text(value) in ("是", "true", "True", "示例")
        elif name == "status":
            status = _text(value)
            if status not in STATUSES:
                raise RegulationFormatError(
                    file, line, f"「状态」只能是 {'、'.join(STATUSES)}，不能是“{status}”"
                )
            reg.status = status
        elif name == "category":
            category = _text(value)
            if category not in CATEGORIES:
                raise RegulationFormatError(
                    file, line, f"「类别」只能是 {'、'.join(CATEGORIES)}，不能是“{category}”"
                )
            reg.category = category
        else:
            setattr(reg, name, _text(value))
    return reg


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any, file: str, line: int | None, label: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    iso = iso_date(text)
    if iso is None:
        raise RegulationFormatError(file, line, f"「{label}」无法识别的日期“{text}”", hint="写成 2024-03-01")
    return iso


def iso_date(text: str) -> str | None:
    """2024-03-01, 2024年3月1日, 2024.3.1 → 2024-03-01; None when it is not a real date."""
    match = _CN_DATE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


# -- body --------------------------------------------------------------------------------------
class _Builder:
    """Walks markdown-it's block tokens and cuts the text into articles."""

    def __init__(self, reg: Regulation, file: str, warnings: list[ParseWarning]) -> None:
        self.reg = reg
        self.file = file
        self.warnings = warnings
        self.headings: list[tuple[int, str]] = []
        self.article: Article | None = None
        self.seen_body = False  # a heading or an article has been met after the title
        self.after_heading = False  # a heading nothing has followed yet

    def run(self, body: str) -> None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark")
        tokens = md.parse(body)
        pending_heading: int | None = None
        for token in tokens:
            if token.type == "heading_open":
                pending_heading = int(token.tag[1:])
            elif token.type == "inline" and pending_heading is not None:
                line = token.map[0] + 1 if token.map else 0
                self._heading(pending_heading, _inline_text(token).strip(), line)
                pending_heading = None
            elif token.type == "inline":
                start = token.map[0] + 1 if token.map else 0
                for k, text in enumerate(_inline_text(token).split("\n")):
                    self._line(text.strip(), start + k, continuation=k > 0)
            elif token.type in ("fence", "code_block"):
                start = token.map[0] + 1 if token.map else 0
                for k, text in enumerate(token.content.split("\n")):
                    self._line(text.strip(), start + k + (1 if token.type == "fence" else 0), False)

    def _heading(self, level: int, text: str, line: int) -> None:
        self.article = None
        if level == 1 and not self.headings and not self.seen_body:
            if not self.reg.title:
                self.reg.title = text
            elif text != self.reg.title:
                self.warnings.append(
                    ParseWarning(self.file, line, f"正文标题“{text}”与 front matter 的标题不同，以后者为准")
                )
            return
        self.seen_body = True
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))
        self.reg.chapters.append([h for _, h in self.headings])
        self.after_heading = True  # the heading may go on in the next line (a wrapped heading)

    def _line(self, text: str, line: int, continuation: bool) -> None:
        if not text:
            return
        match = ARTICLE_LINE.match(text)
        if match:
            self.after_heading = False
            try:
                number = to_int(match.group("num"))
                sub = to_int(match.group("sub")) if match.group("sub") else 0
            except ValueError as e:
                raise RegulationFormatError(
                    self.file, line, f"条号“{match.group(0)}”不是有效的中文数字"
                ) from e
            if number <= 0:
                raise RegulationFormatError(self.file, line, f"条号“{match.group(0)}”应从第一条开始")
            rest = text[match.end() :].strip(" \t\u3000")
            self.article = Article(
                number=number,
                label=match.group(0),
                paragraphs=[rest] if rest else [],
                chapter=[h for _, h in self.headings],
                sub=sub,
                line=line,
            )
            self.reg.articles.append(self.article)
            self.seen_body = True
            return
        if self.article is None and self.after_heading and self.headings and _HEADING_TAIL.fullmatch(text):
            # a short line without punctuation right under a heading is its wrapped tail
            # (“第一章 乡镇领导班子成员和基层站所” / “负责人廉洁履行职责行为规范”)
            level, head = self.headings[-1]
            self.headings[-1] = (level, head + text)
            self.reg.chapters[-1] = [h for _, h in self.headings]
            self.warnings.append(
                ParseWarning(self.file, line, f"“{text}”紧接在标题“{head}”之下且没有标点，已作为标题的续行")
            )
            self.after_heading = False
            return
        self.after_heading = False
        if self.article is None:
            if not self.seen_body:
                self.reg.preamble.append(text)
                if "。" not in text:
                    return  # 发布/施行 lines and the like: kept for display, not searched
            label = self.headings[-1][1] if self.headings else "序言"
            self.article = Article(
                number=0, label=label, paragraphs=[], chapter=[h for _, h in self.headings], line=line
            )
            self.reg.articles.append(self.article)
        paragraphs = self.article.paragraphs
        if continuation and paragraphs and not ITEM_LINE.match(text):
            paragraphs[-1] += text  # a soft-wrapped line: Chinese joins without a space
        else:
            paragraphs.append(text)


_HEADING_TAIL = re.compile(r"[^。；：，、！？.;:,!?（）()]{2,30}")


def _inline_text(token: Any) -> str:
    """The text of an inline token with Markdown markup removed and soft breaks as newlines."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _check_numbering(reg: Regulation, file: str, warnings: list[ParseWarning]) -> None:
    seen: dict[tuple[int, int], Article] = {}
    previous = 0
    for article in reg.numbered():
        key = (article.number, article.sub)
        if key in seen:
            first = seen[key]
            warnings.append(
                ParseWarning(
                    file, article.line, f"{article.label}重复（第 {first.line} 行已有{first.label}）"
                )
            )
            continue
        seen[key] = article
        if article.sub:
            continue
        if article.number > previous + 1:
            missing = range(previous + 1, article.number)
            from .numerals import article_label

            names = "、".join(article_label(n) for n in list(missing)[:5])
            more = f"等 {len(missing)} 条" if len(missing) > 5 else ""
            warnings.append(ParseWarning(file, article.line, f"缺少{names}{more}（条号不连续）"))
        elif article.number <= previous:
            warnings.append(
                ParseWarning(
                    file, article.line, f"{article.label}排在{article_label(previous)}之后，条号顺序有误"
                )
            )
        previous = max(previous, article.number)
    if not reg.numbered():
        warnings.append(ParseWarning(file, None, "没有以“第X条”开头的条文，正文按段落编入索引"))
