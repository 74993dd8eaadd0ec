"""Links between articles: the references an article's text makes, resolved to what they name.

    links_of(article, regulation=None, library=None) -> list[Link]

What is recognised, inside one article:

- 第X条, 本法第X条, 本规则第X条 (本条例, 本规定 …), 第X条之一, 第X条第Y款第Z项: an article of
  the same regulation; 前条: the article before;
- 前款, 前两款, 本条第Y款, 第Y款: paragraphs (款) of the same article; a list item (（一）…) belongs
  to the paragraph that introduces it, as a 款 does in the statute;
- 《标题》第X条 (and 《标题》第X条、第Y条), and a short title the regulation itself defines
  (《中华人民共和国监察法》（以下简称监察法） … 监察法第十五条): an article of another regulation,
  resolved against the index when a library is given.

Offsets are in ``article.text`` (paragraphs joined by newlines).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from .model import Article, Regulation
from .refs import NUM, _number_value, find_article

_OWN = r"本(?:法|条例|规则|规定|办法|准则|细则|章程|意见|制度|决定|指引)"
_ARTICLE = re.compile(
    rf"(?P<own>{_OWN})?第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?"
    rf"(?:第(?P<para>{NUM})款)?(?:第(?P<item>{NUM})项)?"
)
_PARAGRAPH = re.compile(rf"(?P<this>本条)?第(?P<para>{NUM})款(?:第(?P<item>{NUM})项)?")
_PREVIOUS = re.compile(r"前(?P<count>[两二三四五])?款|前条")
_TITLE = re.compile(r"《(?P<title>[^《》]{2,60})》")
_ALIAS = re.compile(
    r"《(?P<title>[^《》]{2,60})》[（(]以下简称(?:为)?[“\"]?(?P<alias>[^）)“”\"]{2,20})[”\"]?[）)]"
)
_JOINER = re.compile(r"\s*(?:、|，|,|和|及|以及|与|或者|或|至)\s*")
_ITEM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5}


class LinkKind(StrEnum):
    ARTICLE = "article"  # another article of the same regulation
    PARAGRAPH = "paragraph"  # a paragraph of the same article
    EXTERNAL = "external"  # an article of another regulation


@dataclass(frozen=True)
class Link:
    text: str  # as written: 前款, 本法第十五条, 《中华人民共和国刑法》第三百八十二条
    start: int
    end: int
    kind: LinkKind
    title: str = ""  # the regulation named (full title when resolved)
    label: str = ""  # 第十五条 …: the article named ("" for a paragraph of this article)
    number: int = 0
    sub: int = 0
    paragraphs: tuple[int, ...] = ()  # 款 numbers, 1-based
    item: int = 0
    reg_id: str = ""  # the regulation in the index, when known
    resolved: bool = False  # the article (and paragraphs) exist
    # the cited law's indexed edition took effect on this day, after the citing text: the text
    # cited an older edition, whose numbering may differ (a 2021 rule citing 监察法 of 2018)
    newer_edition: str = ""

    @property
    def caution(self) -> str:
        """What a reader should know before following the link, or ""."""
        if not self.resolved:
            return "未编入索引"
        if self.newer_edition:
            return f"索引中的版本 {self.newer_edition} 起施行，晚于本法规；本条引的可能是旧版本的条号"
        return ""

    @property
    def target(self) -> str:
        """What the link names, in words: 第十五条第二款, 《刑法》第三百八十二条, 本条第一款."""
        paras = "".join(f"第{_cn(p)}款" for p in self.paragraphs[:1])
        if len(self.paragraphs) > 1:
            paras = f"第{_cn(self.paragraphs[0])}款至第{_cn(self.paragraphs[-1])}款"
        item = f"第{_cn(self.item)}项" if self.item else ""
        if self.kind == LinkKind.PARAGRAPH:
            return f"本条{paras}{item}"
        head = f"《{self.title}》" if self.kind == LinkKind.EXTERNAL else ""
        return f"{head}{self.label}{paras}{item}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["paragraphs"] = list(self.paragraphs)
        data["target"] = self.target
        return data


def _cn(n: int) -> str:
    from .numerals import to_chinese

    return to_chinese(n)


def links_of(article: Article, regulation: Regulation | None = None, library: Any = None) -> list[Link]:
    """Every reference ``article`` makes, in the order written. With ``regulation`` (the one the
    article belongs to) links inside it are checked; with ``library`` other regulations resolve."""
    text = article.text
    paragraph_of = _paragraph_numbers(article)
    aliases = _aliases(regulation) if regulation is not None else {}
    links: list[Link] = []
    taken: list[tuple[int, int]] = []
    day = (regulation.effective or regulation.issued) if regulation is not None else ""
    for link in _external(text, aliases, library, day):
        links.append(link)
        taken.append((link.start, link.end))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in _ARTICLE.finditer(text):
        if not free(match.start(), match.end()):
            continue
        links.append(_internal(match, regulation))
        taken.append(match.span())
    for match in _PARAGRAPH.finditer(text):
        if not free(match.start(), match.end()):
            continue
        owner = _continued(text, match.start(), links)
        if owner is not None:  # 第三十七条第一款第一项至第七项、第三款: 第三款 of 第三十七条
            para = _number_value(match.group("para")) or 0
            links.append(
                Link(
                    match.group(0),
                    match.start(),
                    match.end(),
                    owner.kind,
                    owner.title,
                    owner.label,
                    owner.number,
                    owner.sub,
                    (para,),
                    0,
                    owner.reg_id,
                    owner.resolved,
                )
            )
            taken.append(match.span())
            continue
        para = _number_value(match.group("para")) or 0
        item = _number_value(match.group("item")) if match.group("item") else 0
        count = max(paragraph_of) if paragraph_of else 0
        links.append(
            Link(
                match.group(0),
                match.start(),
                match.end(),
                LinkKind.PARAGRAPH,
                title=regulation.title if regulation else "",
                label=article.label,
                number=article.number,
                sub=article.sub,
                paragraphs=(para,),
                item=item or 0,
                resolved=1 <= para <= count,
            )
        )
        taken.append(match.span())
    for match in _PREVIOUS.finditer(text):
        if not free(match.start(), match.end()):
            continue
        links.append(_previous(match, article, regulation, paragraph_of))
        taken.append(match.span())
    links.sort(key=lambda link: link.start)
    return links


_TRAILING = re.compile(rf"(?:至第{NUM}[款项])?\s*(?:、|，|,|和|及|以及|或者|或)\s*$")


def _continued(text: str, start: int, links: list[Link]) -> Link | None:
    """The article link a bare 第Y款 continues, when only a joiner stands between them."""
    match = _TRAILING.search(text, 0, start)
    if match is None:
        return None
    for link in links:
        if link.end == match.start() and link.kind != LinkKind.PARAGRAPH:
            return link
    return None


def _paragraph_numbers(article: Article) -> list[int]:
    """The 款 number of each stored paragraph (an item line belongs to the 款 above it), and
    each paragraph's first character offset in ``article.text``."""
    numbers: list[int] = []
    current = 0
    for paragraph in article.paragraphs:
        if not (_ITEM.match(paragraph) and current):
            current += 1
        numbers.append(current)
    return numbers


def _paragraph_at(article: Article, numbers: list[int], offset: int) -> int:
    position = 0
    for paragraph, number in zip(article.paragraphs, numbers, strict=True):
        position += len(paragraph) + 1
        if offset < position:
            return number
    return numbers[-1] if numbers else 1


def _previous(
    match: re.Match[str], article: Article, regulation: Regulation | None, numbers: list[int]
) -> Link:
    if match.group(0) == "前条":
        target = None
        if regulation is not None:
            numbered = regulation.numbered()
            index = next((i for i, a in enumerate(numbered) if a is article), None)
            if index:
                target = numbered[index - 1]
        return Link(
            "前条",
            match.start(),
            match.end(),
            LinkKind.ARTICLE,
            title=regulation.title if regulation else "",
            label=target.label if target else "",
            number=target.number if target else article.number - 1,
            sub=target.sub if target else 0,
            resolved=target is not None,
        )
    here = _paragraph_at(article, numbers, match.start())
    count = _COUNT.get(match.group("count") or "", 1)
    wanted = tuple(p for p in range(here - count, here) if p >= 1)
    return Link(
        match.group(0),
        match.start(),
        match.end(),
        LinkKind.PARAGRAPH,
        title=regulation.title if regulation else "",
        label=article.label,
        number=article.number,
        sub=article.sub,
        paragraphs=wanted,
        resolved=len(wanted) == count,
    )


def _internal(match: re.Match[str], regulation: Regulation | None) -> Link:
    number = _number_value(match.group("num")) or 0
    sub = _number_value(match.group("sub")) if match.group("sub") else 0
    para = _number_value(match.group("para")) if match.group("para") else 0
    item = _number_value(match.group("item")) if match.group("item") else 0
    target = find_article(regulation, match.group("num"), match.group("sub") or "") if regulation else None
    return Link(
        match.group(0),
        match.start(),
        match.end(),
        LinkKind.ARTICLE,
        title=regulation.title if regulation else "",
        label=target.label
        if target
        else f"第{match.group('num')}条" + (f"之{match.group('sub')}" if sub else ""),
        number=number,
        sub=sub or 0,
        paragraphs=(para,) if para else (),
        item=item or 0,
        resolved=target is not None and (not para or para <= max(_paragraph_numbers(target) or [0])),
    )


def _aliases(regulation: Regulation) -> dict[str, str]:
    """Short titles the regulation defines for others: 监察法 → 中华人民共和国监察法."""
    out: dict[str, str] = {}
    for article in regulation.articles:
        for match in _ALIAS.finditer(article.text):
            out[match.group("alias")] = match.group("title")
    return out


def _external(text: str, aliases: dict[str, str], library: Any, day: str = "") -> list[Link]:
    from .citations import _ARTICLE as CITED

    heads: list[tuple[int, int, str, str]] = []  # start, end, title as written, title meant
    for match in _TITLE.finditer(text):
        heads.append((match.start(), match.end(), match.group("title"), match.group("title")))
    for alias in sorted(aliases, key=len, reverse=True):
        for match in re.finditer(re.escape(alias) + r"(?=第)", text):
            if all(match.end() <= s or match.start() >= e for s, e, _, _ in heads):
                heads.append((match.start(), match.end(), alias, aliases[alias]))
    links: list[Link] = []
    for start, end, _written, meant in sorted(heads):
        resolved_title, rid, reg, newer = _resolve(library, meant, day)
        pos, first = end, True
        while True:
            candidate = pos
            if not first:
                joiner = _JOINER.match(text, pos)
                if not joiner:
                    break
                candidate = joiner.end()
            match = CITED.match(text, candidate)
            if not match:
                break
            target = find_article(reg, match.group("num"), match.group("sub") or "") if reg else None
            para = _number_value(match.group("para")) if match.group("para") else 0
            item = _number_value(match.group("item")) if match.group("item") else 0
            links.append(
                Link(
                    text[start : match.end()] if first else match.group(0),
                    start if first else match.start(),
                    match.end(),
                    LinkKind.EXTERNAL,
                    title=resolved_title or meant,
                    label=target.label if target else f"第{match.group('num')}条",
                    number=_number_value(match.group("num")) or 0,
                    sub=(_number_value(match.group("sub")) or 0) if match.group("sub") else 0,
                    paragraphs=(para,) if para else (),
                    item=item or 0,
                    reg_id=rid,
                    resolved=target is not None,
                    newer_edition=newer,
                )
            )
            pos, first = match.end(), False
    return links


def _resolve(library: Any, title: str, day: str = "") -> tuple[str, str, Regulation | None, str]:
    """The regulation a title names; of several editions, the one in force on ``day`` (the
    citing text's own date: a 2021 rule citing 监察法第二十二条 means the 2018 numbering). The
    last value is the chosen edition's first day when that is after ``day`` (no edition of the
    index was in force then)."""
    if library is None:
        return "", "", None, ""
    found = library.resolve(title)
    if not found:
        return "", "", None, ""
    entry = found[0]
    newer = ""
    if day:
        from .editions import Edition, Status, status_on

        same = [e for e in found if e.title == entry.title]
        if len(same) > 1:
            statuses = status_on([Edition.from_entry(e.data) for e in library.entries], day)
            entry = next((e for e in same if statuses.get(e.id) == Status.CURRENT), entry)
        start = Edition.from_entry(entry.data).start
        newer = start if start > day else ""
    return entry.title, entry.id, library.regulation(entry.id), newer
