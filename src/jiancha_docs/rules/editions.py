"""Editions of one regulation: which texts are editions of the same work, which one was in force
on a given day, and the status each had then.

Two texts are editions of one work when their titles are the same once an edition mark is
dropped (《测试规则（2018年版）》 and 《测试规则》), or when one names the other in 替代 / 被替代.
Editions are ordered by 施行日期 (else 发布日期). On a day D an edition is

- absent when it was issued after D;
- 尚未生效 when issued but its 施行日期 is after D;
- 已修订 when a later edition of the same work was in force by D;
- 已废止 when its file says so (and its 废止日期, if given, is not after D);
- 现行有效 otherwise (a file that still says 尚未生效 after its 施行日期 has come is in force).

The index settles every edition's status as of the day it is built (``settle``); ``status_on``
answers the same question for any other day, for ``rules search --as-of``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .model import Status

# （2018年版） （2024年修正） （旧版） （示例，旧版）: an edition mark at the end of a title
_EDITION_MARK = re.compile(r"[（(][^（）()]*(?:\d{4}|版|修订|修正)[^（）()]*[）)]$")
_NORMAL = str.maketrans({"(": "（", ")": "）", " ": None, "\u3000": None, "《": None, "》": None})


@dataclass(frozen=True)
class Edition:
    """What the edition logic needs of a catalogue entry."""

    id: str
    title: str
    edition: str = ""
    issued: str = ""
    effective: str = ""
    declared: Status = Status.CURRENT
    repealed: str = ""
    supersedes: tuple[str, ...] = ()
    superseded_by: str = ""

    @property
    def start(self) -> str:
        return self.effective or self.issued

    @property
    def label(self) -> str:
        """2024年修正 / 2018年版 / 版本不详: how the edition is named to users."""
        if self.edition:
            return self.edition
        year = self.issued[:4] or self.effective[:4]
        return f"{year}年版" if year.isdigit() else "版本不详"

    @classmethod
    def from_entry(cls, data: dict[str, Any]) -> Edition:
        declared = Status.parse(str(data.get("declared_status") or data.get("status") or ""))
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            edition=str(data.get("edition") or ""),
            issued=str(data.get("issued") or ""),
            effective=str(data.get("effective") or ""),
            declared=declared or Status.CURRENT,
            repealed=str(data.get("repealed") or ""),
            supersedes=tuple(data.get("supersedes") or ()),
            superseded_by=str(data.get("superseded_by") or ""),
        )


def base_title(title: str) -> str:
    """The title without its edition mark, normalised for comparison."""
    text = title.translate(_NORMAL).strip()
    while True:
        stripped = _EDITION_MARK.sub("", text)
        if stripped == text or not stripped:
            return text
        text = stripped


def works(editions: Iterable[Edition]) -> list[list[Edition]]:
    """Editions grouped by work, each group oldest first."""
    items = list(editions)
    parent = {e.id: e.id for e in items}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    by_base: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    for e in items:
        by_base.setdefault(base_title(e.title), []).append(e.id)
        by_title.setdefault(e.title.translate(_NORMAL), []).append(e.id)
    for ids in by_base.values():
        for other in ids[1:]:
            union(ids[0], other)
    for e in items:
        for name in (*e.supersedes, e.superseded_by):
            key = name.translate(_NORMAL) if name else ""
            for other in by_title.get(key, []) + by_base.get(base_title(name), []) if key else []:
                if other != e.id:
                    union(e.id, other)
    groups: dict[str, list[Edition]] = {}
    for e in items:
        groups.setdefault(find(e.id), []).append(e)
    return [sorted(group, key=_order) for group in groups.values()]


def _order(e: Edition) -> tuple[str, int]:
    # editions without dates: the one its file calls current comes last
    return (e.start or "0000", 1 if e.declared == Status.CURRENT else 0)


def status_on(editions: Iterable[Edition], day: str) -> dict[str, Status | None]:
    """Every edition's status on ``day`` (ISO date); None for one not yet issued then."""
    out: dict[str, Status | None] = {}
    for group in works(editions):
        for i, e in enumerate(group):
            out[e.id] = _status(e, group[i + 1 :], day)
    return out


def _status(e: Edition, later: list[Edition], day: str) -> Status | None:
    if e.issued and e.issued > day:
        return None
    if e.start and e.start > day:
        return Status.PENDING
    replaced = any(x.start and x.start <= day and (not x.issued or x.issued <= day) for x in later)
    if e.declared == Status.REPEALED and (not e.repealed or e.repealed <= day):
        return Status.REPEALED
    if replaced:
        return Status.AMENDED
    if e.declared == Status.AMENDED and not later:
        return Status.AMENDED  # replaced by a text the index does not hold: the file knows best
    if e.declared == Status.AMENDED and not e.start:
        return Status.AMENDED
    return Status.CURRENT


def successors(editions: Iterable[Edition]) -> dict[str, Edition]:
    """For each edition that has one, the next edition of its work."""
    out: dict[str, Edition] = {}
    for group in works(editions):
        for older, newer in zip(group, group[1:], strict=False):
            out[older.id] = newer
    return out


def settle(catalogue: list[dict[str, Any]], today: str | None = None) -> None:
    """Fill each catalogue entry's ``status`` (as of ``today``), ``declared_status``, ``work``
    and ``successor`` in place; the file's own status is kept as ``declared_status``."""
    today = today or dt.date.today().isoformat()
    for entry in catalogue:
        entry.setdefault("declared_status", entry.get("status") or Status.CURRENT.value)
    editions = [Edition.from_entry(e) for e in catalogue]
    statuses = status_on(editions, today)
    following = successors(editions)
    work_of = {e.id: group[-1].id for group in works(editions) for e in group}
    for entry in catalogue:
        status = statuses[entry["id"]] or Status.PENDING
        entry["status"] = status.value
        entry["work"] = work_of[entry["id"]]
        nxt = following.get(entry["id"])
        entry["successor"] = nxt.id if nxt else ""
        if nxt and status == Status.AMENDED and not entry.get("superseded_by"):
            entry["superseded_by"] = nxt.title


def editions_of(library: Any, name: str) -> list[Edition]:
    """Every indexed edition of the regulation a name means, oldest first."""
    entry = library.resolve_one(name)
    all_editions = [Edition.from_entry(e.data) for e in library.entries]
    for group in works(all_editions):
        if any(e.id == entry.id for e in group):
            return group
    return [Edition.from_entry(entry.data)]  # pragma: no cover - every entry is in a group


def pick(editions: list[Edition], wanted: str) -> Edition:
    """The edition a user means by ``wanted``: a year (2018), a date, or its 版本 label."""
    from .errors import ReferenceNotFound

    wanted = wanted.strip()
    for test in (
        lambda e: wanted in (e.label, e.edition),
        lambda e: wanted in (e.issued, e.effective),
        lambda e: wanted.rstrip("年") in (e.issued[:4], e.effective[:4]) or e.label.startswith(wanted),
    ):
        found = [e for e in editions if test(e)]
        if len(found) == 1:
            return found[0]
        if found:
            editions = found
            break
    else:
        known = "、".join(e.label for e in editions)
        raise ReferenceNotFound(
            f"《{editions[0].title}》没有“{wanted}”这个版本（已编入：{known}）",
            hint="用年份指明版本，例如 2018；或用 jiancha rules list 查看",
        )
    labels = "、".join(f"{e.label}（{e.issued or '日期不详'}）" for e in editions)
    raise ReferenceNotFound(
        f"《{editions[0].title}》有多个版本符合“{wanted}”：{labels}", hint="写出完整日期，例如 2018-03-20"
    )


# -- searching as of a day ---------------------------------------------------------------------
def search_as_of(
    library: Any,
    query: str,
    options: Any,
    lexicon: Any,
    day: str,
    concepts: Any = None,
    questions: Any = None,
) -> Any:
    """``search`` answered as the rules stood on ``day``: the edition then in force of each
    regulation, with the status it had then; editions issued later are left out."""
    from .refs import parse_ref
    from .search import search

    editions = [Edition.from_entry(e.data) for e in library.entries]
    statuses = status_on(editions, day)
    ref = parse_ref(query)
    if ref is not None and ref.kind == "article":
        direct = _direct_as_of(library, query, options, lexicon, statuses, day)
        if direct is not None:
            return direct
    # statuses are filtered as they stood on the day, after the search (which knows today's)
    wide = replace(options, limit=max(options.limit * 3, 30), statuses=())
    result = search(library, query, wide, lexicon, concepts=concepts, questions=questions)
    result.hits = _as_of_hits(library, result.hits, statuses, options)
    result.notes.append(f"按 {day} 时的有效版本检索")
    return result


def _direct_as_of(
    library: Any, query: str, options: Any, lexicon: Any, statuses: dict[str, Status | None], day: str
) -> Any:
    """An article reference: the article in the edition in force that day."""
    from .refs import find_article, parse_ref
    from .search import search

    ref = parse_ref(query)
    assert ref is not None
    candidates = library.resolve(ref.title)
    if not candidates:
        return None
    group = next(
        (
            g
            for g in works(Edition.from_entry(e.data) for e in library.entries)
            if candidates[0].id in {x.id for x in g}
        ),
        [],
    )
    standing = [e for e in group if statuses.get(e.id) in (Status.CURRENT, Status.PENDING, Status.REPEALED)]
    if not standing:
        return None
    chosen = standing[-1]
    reg = library.regulation(chosen.id)
    article = find_article(reg, ref.number, ref.sub)
    if article is None:
        return None
    status = statuses[chosen.id] or Status.PENDING
    result = search(library, query, replace(options, statuses=()), lexicon)  # the Hit shape, notes
    if not result.hits:
        return None
    if options.statuses and status.value not in options.statuses:
        result.hits = []
        return result
    hit = replace(
        result.hits[0],
        reg_id=chosen.id,
        title=chosen.title,
        citation=f"《{chosen.title}》{article.label}",
        label=article.label,
        chapter=" / ".join(article.chapter),
        text=article.text,
        snippet=article.text[:90],
        number=article.number,
        status=status.value,
    )
    result.hits = [hit]
    result.notes.append(f"按 {day} 时的有效版本（{chosen.label}）显示")
    return result


def _as_of_hits(library: Any, hits: list[Any], statuses: dict[str, Status | None], options: Any) -> list[Any]:
    """Hits as they stood on the day: an article of an edition not in force then becomes its
    counterpart in the edition that was; editions no longer or not yet standing drop out, and
    so do statuses the user did not ask for (``options.statuses``, as of the day)."""
    shift = superseded_shift()
    editions = [Edition.from_entry(e.data) for e in library.entries]
    standing: dict[str, Edition] = {}
    for group in works(editions):
        alive = [e for e in group if statuses.get(e.id) not in (None, Status.AMENDED)]
        for e in group:
            if alive:
                standing[e.id] = alive[-1]
    kept: dict[tuple[str, str], Any] = {}
    maps: dict[tuple[str, str], dict[str, Any]] = {}
    for hit in hits:
        then_edition = standing.get(hit.reg_id)
        if then_edition is None:
            continue  # no edition of this regulation stood on that day
        # the model scored the article with today's status; score it with the day's instead
        score = hit.score - shift * hit.superseded
        if then_edition.id != hit.reg_id:
            hit = _counterpart_hit(library, hit, then_edition, maps)
            if hit is None:
                continue  # the article did not exist yet, or no longer
        then = statuses[hit.reg_id] or Status.PENDING
        if options.statuses and then.value not in options.statuses:
            continue
        score += shift * (then != Status.CURRENT)
        key = (hit.reg_id, hit.label)
        if key not in kept or kept[key].score < score:
            kept[key] = replace(hit, status=then.value, score=round(score, 3))
    ordered = sorted(kept.values(), key=lambda h: -h.score)
    return [replace(h, rank=i) for i, h in enumerate(ordered[: options.limit], start=1)]


def superseded_shift() -> float:
    """What the scoring model (``ranking.Weights``, a weighted sum) adds to an article's score
    for being in an edition not in force: the ``superseded`` feature from 0 to 1."""
    from .ranking import load_weights

    weights = load_weights()
    return weights.score({"superseded": 1.0}) - weights.score({"superseded": 0.0})


def _counterpart_hit(library: Any, hit: Any, edition: Edition, maps: dict[tuple[str, str], Any]) -> Any:
    from .diff import counterparts

    pair = (hit.reg_id, edition.id)
    if pair not in maps:
        maps[pair] = counterparts(library.regulation(hit.reg_id), library.regulation(edition.id))
    match = maps[pair].get(hit.label)
    if match is None:
        return None
    entry = library.by_id[edition.id]
    return replace(
        hit,
        reg_id=edition.id,
        title=entry.title,
        citation=f"《{entry.title}》{match.label}",
        label=match.label,
        number=match.number,
        chapter=" / ".join(match.chapter),
        text=match.text,
        snippet=hit.snippet if match.text == hit.text else match.text[:90],
    )


# -- citations of a superseded edition ---------------------------------------------------------
def superseded_note(library: Any, entry: Any, article: Any) -> str | None:
    """For a cited article of an edition no longer in force: which edition it is and what
    replaced it (the matching article of the next edition, by text), in Chinese. None when the
    edition is in force."""
    if entry.current:
        return None
    edition = Edition.from_entry(entry.data)
    status = Status.parse(entry.status) or Status.AMENDED
    head = f"引用的是《{entry.title}》{edition.label}（{status.label}）"
    successor_id = entry.data.get("successor") or ""
    if successor_id and successor_id in library.by_id:
        newer_entry = library.by_id[successor_id]
        newer = Edition.from_entry(newer_entry.data)
        from .diff import counterpart

        match = counterpart(library.regulation(entry.id), library.regulation(successor_id), article)
        where = f"《{newer_entry.title}》{newer.label}"
        if match is None:
            return f"{head}；{where}已删去该条内容"
        same = "内容未变" if match.text == article.text else "内容有修改"
        return f"{head}；{where}中对应{match.label}（{same}）"
    if entry.superseded_by:
        return f"{head}；现行版本为《{entry.superseded_by}》"
    return head
