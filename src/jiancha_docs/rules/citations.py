"""Citations in documents: find 《标题》第N条 in text, check them against the index, quote them.

    find_citations(text, index_path=None) -> list[Citation]
    check_citations(texts, index_path) -> list[str]          # Chinese problems, empty when all exist
    unrelated_citations(texts, index_path, context) -> list[str]  # warnings: article and sentence share no key term
    article_text(ref, index_path) -> str                     # for a template filter

``index_path`` is the index folder (``.jiancha/rules-index`` by default, see ``sources``). Short
titles (简称 in a regulation's front matter, or the title without 中华人民共和国 / 中国共产党)
resolve to the full title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ReferenceNotFound
from .refs import NUM, Ref

_TITLE = re.compile(r"《([^《》]{2,60})》")
_ARTICLE = re.compile(
    rf"第(?P<num>{NUM})条(?:之(?P<sub>{NUM}))?(?:第(?P<para>{NUM})款)?(?:第(?P<item>{NUM})项)?"
)
_JOINER = re.compile(r"\s*(?:、|，|,|和|及|以及|与|或者|或)\s*")


@dataclass(frozen=True)
class Citation:
    """One cited article: the title as written, the article as written, where it stands."""

    title: str
    number: str  # the numeral as written (二十九 or 29)
    label: str  # 第二十九条 / 第29条之一 as written
    start: int
    end: int
    sub: str = ""
    paragraph: str = ""
    item: str = ""
    resolved_title: str = ""  # the full title, when an index was given and knows it

    @property
    def text(self) -> str:
        return f"《{self.title}》{self.label}"

    def to_ref(self) -> Ref:
        return Ref(
            title=self.title, number=self.number, sub=self.sub, paragraph=self.paragraph, item=self.item
        )


def find_citations(text: str, index_path: Path | None = None) -> list[Citation]:
    """Every 《标题》第N条 in ``text``; 《标题》第十条、第十一条 gives two. With ``index_path``,
    each citation's ``resolved_title`` is filled in when the index knows the title."""
    found: list[Citation] = []
    for title_match in _TITLE.finditer(text):
        title = title_match.group(1).strip()
        pos = title_match.end()
        first = True
        while True:
            if not first:
                joiner = _JOINER.match(text, pos)
                if not joiner:
                    break
                candidate = joiner.end()
            else:
                candidate = pos
            article = _ARTICLE.match(text, candidate)
            if not article:
                break
            found.append(
                Citation(
                    title=title,
                    number=article.group("num"),
                    label=article.group(0),
                    start=title_match.start() if first else article.start(),
                    end=article.end(),
                    sub=article.group("sub") or "",
                    paragraph=article.group("para") or "",
                    item=article.group("item") or "",
                )
            )
            pos = article.end()
            first = False
    if index_path is not None and found:
        from .library import Library

        with Library(Path(index_path)) as library:
            resolved = []
            for citation in found:
                entries = library.resolve(citation.title)
                full = entries[0].title if entries else ""
                resolved.append(_with_title(citation, full))
            found = resolved
    return found


def _with_title(citation: Citation, full: str) -> Citation:
    from dataclasses import replace

    return replace(citation, resolved_title=full)


def check_citations(texts: str | Iterable[str], index_path: Path, warn_superseded: bool = False) -> list[str]:
    """A Chinese message for each cited article the index does not hold (empty list: all exist).

    With ``warn_superseded``, also one for each citation of an edition no longer in force."""
    from .library import Library
    from .refs import resolve_ref

    if isinstance(texts, str):
        texts = [texts]
    problems: list[str] = []
    with Library(Path(index_path)) as library:
        seen: set[tuple[str, str, str]] = set()
        for text in texts:
            for citation in find_citations(text):
                key = (citation.title, citation.number, citation.sub)
                if key in seen:
                    continue
                seen.add(key)
                try:
                    resolved = resolve_ref(library, citation.to_ref())
                except ReferenceNotFound as e:
                    problems.append(f"{citation.text}：{e.message}")
                    continue
                if warn_superseded:
                    note = superseded_problem(library, citation, resolved)
                    if note:
                        problems.append(note)
    return problems


# Words of a citing sentence that say nothing about which article is meant.
_FILLER = frozenset(
    [
        "根据",
        "依据",
        "按照",
        "依照",
        "规定",
        "有关",
        "相关",
        "现",
        "现将",
        "提出",
        "如下",
        "下列",
        "以下",
        "关于",
        "予以",
        "进行",
        "工作",
        "我委",
        "你单位",
        "本",
        "该",
        "要求",
        "情况",
        "问题",
        "事项",
        "方面",
        "同志",
        "单位",
        "的",
        "和",
        "及",
        "与",
        "对",
        "等",
    ]
)
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def unrelated_citations(texts: str | Iterable[str], index_path: Path, terms: Iterable[str] = ()) -> list[str]:
    """A warning for each cited article whose text shares no key term with what cites it:
    ``terms`` (the values the document's citing sentence is made of, e.g. 监察建议 in
    根据……的规定，现提出如下监察建议) and the words around the citation in its own entry. A real
    article cited under a wrong number passes the existence check; this catches the number that
    points at an unrelated article."""
    from .library import Library
    from .refs import resolve_ref

    if isinstance(texts, str):
        texts = [texts]
    given = [t for t in terms if _HAN_WORD.fullmatch(t)]
    warnings: list[str] = []
    with Library(Path(index_path)) as library:
        segmenter = library.reader.segmenter
        for text in texts:
            for citation in find_citations(text):
                around = _key_terms(segmenter, text[: citation.start] + " " + text[citation.end :])
                wanted = list(dict.fromkeys([*given, *around]))
                if not wanted:
                    continue
                try:
                    resolved = resolve_ref(library, citation.to_ref())
                except ReferenceNotFound:
                    continue  # check_citations says so
                if resolved.ref.kind != "article":
                    continue
                article = resolved.articles[0].text
                if not any(_mentions(article, term) for term in wanted):
                    shown = "、".join(f"“{t}”" for t in wanted[:4])
                    warnings.append(
                        f"{citation.text}的条文中没有{shown}等引用句中的关键词，条文内容可能与所引事项无关，请核对条号"
                    )
    return warnings


def _mentions(article: str, term: str) -> bool:
    """Whether the article speaks of ``term``. Chinese compounds put their head last, so a long
    term also counts by its last four characters: 纪检监察建议 is spoken of as 监察建议."""
    return term in article or (len(term) > 4 and term[-4:] in article)


def _key_terms(segmenter: Any, text: str) -> list[str]:
    text = _TITLE.sub(" ", _ARTICLE.sub(" ", text))
    terms: list[str] = []
    for word, _, _ in segmenter.words(text):
        if word in _FILLER or not _HAN_WORD.fullmatch(word) or word in terms:
            continue
        terms.append(word)
    return terms


def superseded_problem(library: Any, citation: Citation, resolved: Any) -> str | None:
    """A citation of an edition no longer in force: which edition, and what replaced the article."""
    from .editions import superseded_note

    if resolved.ref.kind != "article":
        return None
    note = superseded_note(library, resolved.entry, resolved.articles[0])
    return f"{citation.text}：{note}" if note else None


def article_text(ref: str | Citation, index_path: Path) -> str:
    """The text of one cited article (paragraphs joined by newlines); ReferenceNotFound otherwise.

    ``ref`` may be 《监察法》第四十五条, 监督执纪工作规则第二十九条 or a Citation."""
    from .library import Library
    from .refs import parse_ref, resolve_ref

    parsed = ref.to_ref() if isinstance(ref, Citation) else parse_ref(ref)
    if parsed is None or parsed.kind != "article":
        raise ReferenceNotFound(f"“{ref}”不是条文引用", hint="写成《标题》第N条，例如《监察法》第四十五条")
    with Library(Path(index_path)) as library:
        resolved = resolve_ref(library, parsed)
    return resolved.articles[0].text
