"""Records of the knowledge base: a regulation, its articles, and the problems found parsing it.

Plain dataclasses without heavy imports; they travel between the parser, the importer, the index
(as JSON) and the command line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where an edition stands. The value is the word a regulation file's 状态 holds (and the
    index stores); ``label`` is how it is shown. 尚未生效: issued, 施行日期 still to come."""

    CURRENT = "现行有效"
    AMENDED = "已修订"
    REPEALED = "已废止"
    PENDING = "尚未生效"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Status | None:
        for status in cls:
            if text in (status.value, status.name.lower()):
                return status
        return None


STATUSES = tuple(s.value for s in Status)
CURRENT = Status.CURRENT.value
CATEGORIES = ("法律", "法规", "党内法规", "规范性文件", "本机关制度", "工作指引")

# Front-matter keys: the Chinese key users write → the field name; English keys are accepted too.
FRONT_MATTER_KEYS = {
    "标题": "title",
    "简称": "short_titles",
    "发文机关": "organ",
    "制定机关": "organ",
    "文号": "doc_number",
    "发布日期": "issued",
    "施行日期": "effective",
    "状态": "status",
    "版本": "edition",
    "废止日期": "repealed",
    "类别": "category",
    "替代": "supersedes",
    "被替代": "superseded_by",
    "示例": "sample",
    "说明": "note",
}
FIELD_LABELS = {
    "title": "标题",
    "short_titles": "简称",
    "organ": "发文机关",
    "doc_number": "文号",
    "issued": "发布日期",
    "effective": "施行日期",
    "status": "状态",
    "edition": "版本",
    "repealed": "废止日期",
    "category": "类别",
    "supersedes": "替代",
    "superseded_by": "被替代",
    "sample": "示例",
    "note": "说明",
}

# Prefixes and suffixes that people drop when they name a regulation in speech.
_DROPPED_PREFIXES = ("中华人民共和国", "中国共产党", "中共中央", "中共")
_DROPPED_SUFFIXES = ("（试行）", "(试行)", "（暂行）", "（示例）", "(示例)")
# 监督执纪工作规则 → 监督执纪规则, 巡视工作条例 → 巡视条例: 工作 is dropped before the ending.
_WORK = re.compile(r"工作(规则|条例|规定|办法)$")
# What staff call the best-known texts, beyond what the rules derive (an office adds its own in a
# regulation's 简称).
WELL_KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "中国共产党章程": ("党章",),
    "中国共产党纪律处分条例": ("处分条例", "党纪处分条例"),
    "中国共产党纪律检查机关监督执纪工作规则": ("执纪规则",),
    "中国共产党廉洁自律准则": ("廉洁准则",),
}


@dataclass
class Article:
    """One article (条): its number, where it sits, and its paragraphs (款; 项 stay as paragraphs).

    ``number`` 0 marks text outside any article (a preamble or a 总纲), labelled by its heading."""

    number: int
    label: str  # 第二十九条, 第一百二十条之一, or the heading of an unnumbered part
    paragraphs: list[str]
    chapter: list[str] = field(default_factory=list)  # 编/章/节 headings from the outside in
    sub: int = 0  # 之一 → 1
    line: int = 0  # where the article begins in its file (1-based)

    @property
    def key(self) -> str:
        if self.number == 0:
            return f"0:{self.label}"
        return f"{self.number}" if not self.sub else f"{self.number}-{self.sub}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Regulation:
    title: str
    articles: list[Article] = field(default_factory=list)
    short_titles: list[str] = field(default_factory=list)
    organ: str = ""
    doc_number: str = ""
    issued: str = ""  # ISO date when known, else as written
    effective: str = ""
    status: str = CURRENT
    edition: str = ""  # 2024年修正, 2018年版 …: tells editions of one regulation apart
    repealed: str = ""  # ISO date an 已废止 regulation ceased to apply, when known
    declared_status: str = ""  # the file's 状态 when the index settled ``status`` from the dates
    category: str = ""
    supersedes: list[str] = field(default_factory=list)
    superseded_by: str = ""
    sample: bool = False
    note: str = ""
    preamble: list[str] = field(default_factory=list)  # lines under the title before the body (发布/施行)
    source: str = ""  # the file it came from, as shown to users
    chapters: list[list[str]] = field(default_factory=list)  # every heading path, in order

    @property
    def current(self) -> bool:
        return self.status == CURRENT

    def names(self) -> list[str]:
        """Every name a user may call this regulation by, the full title first."""
        out = [self.title, *self.short_titles]
        out.extend(derived_short_titles(self.title))
        seen: list[str] = []
        for name in out:
            if name and name not in seen:
                seen.append(name)
        return seen

    def numbered(self) -> list[Article]:
        return [a for a in self.articles if a.number > 0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Regulation:
        data = dict(data)
        articles = [Article(**a) for a in data.pop("articles", [])]
        return cls(articles=articles, **data)


def derived_short_titles(title: str) -> list[str]:
    """Names derived from a title the way people shorten it: 《中华人民共和国监察法》→ 监察法."""
    names: list[str] = []
    base = title
    for suffix in _DROPPED_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            names.append(base)
    for prefix in _DROPPED_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix) + 1:
            base = base[len(prefix) :]
            names.append(base)
            break
    if _WORK.search(base):
        names.append(_WORK.sub(r"\1", base))
    names.extend(WELL_KNOWN_NAMES.get(title, ()))
    return [n for n in dict.fromkeys(names) if n != title]


@dataclass(frozen=True)
class ParseWarning:
    """A problem that does not stop the file: a gap or a repeat in article numbers."""

    file: str
    line: int | None
    message: str

    def describe(self) -> str:
        where = f"{self.file} 第 {self.line} 行" if self.line else self.file
        return f"{where}：{self.message}"


ARTICLE_LINE = re.compile(
    r"^第(?P<num>[零〇一二三四五六七八九十百千两\d]+)条(?:之(?P<sub>[一二三四五六七八九十]+))?(?=[ \t\u3000]|$)"
)
