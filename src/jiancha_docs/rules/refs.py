"""Article references as people write them: 《监察法》第45条, 监督执纪工作规则第二十九条,
检举控告规则 50条, 监察法 第五章, and their resolution against an opened index.

Numbers may be Chinese or Arabic. A Chinese numeral is compared with the article labels the index
already holds, so resolving a reference needs no numeral library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ReferenceNotFound
from .library import Entry, Library, normalize_title
from .model import Article, Regulation

NUM = r"[零〇一二三四五六七八九十百千两\d０-９]+"
_ARTICLE_REF = re.compile(
    rf"^\s*《?\s*(?P<title>[^《》\s]*?[^《》\s第])?\s*》?\s*(?P<article>第?(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?)"
    rf"(?:\s*第(?P<para>{NUM})款)?(?:\s*第(?P<item>{NUM})项)?\s*$"
)
_PART_REF = re.compile(
    rf"^\s*《?\s*(?P<title>[^《》\s]*?[^《》\s第])\s*》?\s*(?P<parts>(?:第{NUM}[编章节]\s*)+)$"
)
_PART = re.compile(rf"第({NUM})([编章节])")
_CN_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Ref:
    """A parsed reference: a title (possibly short) and an article, or a chapter, or neither."""

    title: str
    number: str = ""  # the numeral as written: 二十九 or 29
    sub: str = ""
    parts: tuple[str, ...] = ()  # 第五章, 第二节 …
    paragraph: str = ""
    item: str = ""

    @property
    def kind(self) -> str:
        return "article" if self.number else ("part" if self.parts else "regulation")


def parse_ref(text: str) -> Ref | None:
    """A whole string that is a reference, or None. A bare title is a regulation reference."""
    match = _ARTICLE_REF.match(text)
    if match and match.group("title"):
        return Ref(
            title=match.group("title"),
            number=match.group("num"),
            sub=match.group("sub") or "",
            paragraph=match.group("para") or "",
            item=match.group("item") or "",
        )
    match = _PART_REF.match(text)
    if match:
        parts = tuple(f"第{n}{kind}" for n, kind in _PART.findall(match.group("parts")))
        return Ref(title=match.group("title"), parts=parts)
    return None


def _number_value(wanted: str) -> int | None:
    wanted = wanted.translate(_CN_DIGITS)
    if wanted.isdigit():
        return int(wanted)
    from .numerals import to_int

    try:
        return to_int(wanted)
    except ValueError:
        return None


def find_article(reg: Regulation, number: str, sub: str = "") -> Article | None:
    """The article numbered ``number`` (and 之``sub``) in a regulation."""
    wanted_label = f"第{number}条" + (f"之{sub}" if sub else "")
    for article in reg.numbered():
        if article.label == wanted_label:
            return article
    value = _number_value(number)
    sub_value = _number_value(sub) if sub else 0
    if value is None:
        return None
    for article in reg.numbered():
        if article.number == value and article.sub == sub_value:
            return article
    return None


@dataclass
class Resolved:
    entry: Entry
    regulation: Regulation
    articles: list[Article]  # one for an article reference, several for a chapter, all for a title
    ref: Ref

    @property
    def citation(self) -> str:
        if self.ref.kind == "article":
            return f"《{self.entry.title}》{self.articles[0].label}"
        if self.ref.kind == "part":
            return f"《{self.entry.title}》{''.join(self.ref.parts)}"
        return f"《{self.entry.title}》"


def resolve_ref(library: Library, ref: Ref) -> Resolved:
    """The articles a reference names; ReferenceNotFound with a Chinese message otherwise."""
    candidates = library.resolve(ref.title)
    if not candidates:
        raise ReferenceNotFound(
            f"法规索引中没有《{normalize_title(ref.title)}》",
            hint="用 jiancha rules list 查看已编入索引的法规",
        )
    entry = candidates[0]
    reg = library.regulation(entry.id)
    if ref.kind == "article":
        article = find_article(reg, ref.number, ref.sub)
        if article is None:
            written = f"第{ref.number}条" + (f"之{ref.sub}" if ref.sub else "")
            raise ReferenceNotFound(
                f"《{entry.title}》没有{written}（共 {len(reg.numbered())} 条）",
                hint=f"用 jiancha rules show {entry.title} 查看全文",
            )
        return Resolved(entry, reg, [article], ref)
    if ref.kind == "part":
        wanted = [_part_key(p) for p in ref.parts]
        articles = [a for a in reg.articles if _chapter_contains(a.chapter, wanted)]
        if not articles:
            raise ReferenceNotFound(
                f"《{entry.title}》没有{''.join(ref.parts)}",
                hint=f"用 jiancha rules show {entry.title} 查看全文",
            )
        return Resolved(entry, reg, articles, ref)
    return Resolved(entry, reg, list(reg.articles), ref)


def _part_key(part: str) -> tuple[int | None, str]:
    match = _PART.match(part)
    assert match
    return _number_value(match.group(1)), match.group(2)


def _chapter_contains(chapter: list[str], wanted: list[tuple[int | None, str]]) -> bool:
    keys = []
    for heading in chapter:
        match = _PART.match(heading.replace(" ", ""))
        if match:
            keys.append((_number_value(match.group(1)), match.group(2)))
    return all(w in keys for w in wanted)
