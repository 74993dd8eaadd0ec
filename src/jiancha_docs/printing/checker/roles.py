"""Which element of a 公文 each paragraph is: a staged classifier with a ``Role`` enum.

Our templates name their paragraph styles (``DocNumber``, ``DocTitle`` …) and those decide; an
office's own Word file has no such styles, so its roles come from content and position, in stages
that each look at one part of the document and pass on what they assigned:

    containers  template tags, blanks; an organ mark in a text box, a table or a frame at the top
    head        份号, 密级, 紧急程度, the organ mark and the 发文字号 (``〔2024〕5`` without 号 too)
    title       the centred lines after the number (sizes may differ: a 小二 second line is a title
                line with a wrong size, not body text), then the 主送机关
    closing     the 成文日期, the 署名 above it, the 附注 below it (with or without brackets), the
                attachment pages, and the 版记 (抄送, the 印发 line — in a table too)
    body        附件说明 and its items; 一、 and （一） headings, auto-numbered ones included
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ...layout import LETTER_STYLES, OFFICIAL_STYLES
from ..ooxml import Document, Paragraph
from ..profiles import LETTER, OFFICIAL
from .props import Props, all_red, dominant_size, has_jinja, plain, props_of


class Role(StrEnum):
    TAG = "tag"
    EMPTY = "empty"
    TEXTBOX = "textbox"
    TABLE = "table"
    COPY_NUMBER = "copy_number"
    SECRECY = "secrecy"
    URGENCY = "urgency"
    ORGAN_MARK = "organ_mark"
    DOC_NUMBER = "doc_number"
    TITLE = "title"
    RECIPIENT = "recipient"
    BODY = "body"
    HEADING1 = "heading1"
    HEADING2 = "heading2"
    ATTACHMENT_NOTE = "attachment_note"
    ATTACHMENT = "attachment"
    SIGNATURE = "signature"
    DATE = "date"
    ANNOTATION = "annotation"
    COPY_TO = "copy_to"
    IMPRINT = "imprint"
    RULE = "rule"
    OTHER = "other"


STYLE_ROLES = {
    "OrganMark": Role.ORGAN_MARK,
    "LetterOrganMark": Role.ORGAN_MARK,
    "DocNumber": Role.DOC_NUMBER,
    "LetterDocNumber": Role.DOC_NUMBER,
    "DocTitle": Role.TITLE,
    "Recipient": Role.RECIPIENT,
    "BodyText": Role.BODY,
    "HeadingLevel1": Role.HEADING1,
    "HeadingLevel2": Role.HEADING2,
    "AttachmentNote": Role.ATTACHMENT_NOTE,
    "AttachmentItem": Role.ATTACHMENT_NOTE,
    # An attachment page (7.3.7) after the signature: its own layout, not the body's.
    "AttachmentMark": Role.ATTACHMENT,
    "AttachmentTitle": Role.ATTACHMENT,
    "Signature": Role.SIGNATURE,
    "SignatureDate": Role.DATE,
    "Annotation": Role.ANNOTATION,
    "CopyTo": Role.COPY_TO,
    "ImprintCopyTo": Role.COPY_TO,
    "ImprintLine": Role.IMPRINT,
    "ImprintLineAlone": Role.IMPRINT,
    "LetterRuleTop": Role.RULE,
    "LetterRuleBottom": Role.RULE,
    "TableText": Role.TABLE,
    "TableTextCentered": Role.TABLE,
    "TableHeading": Role.TABLE,
}
# 3号 text on the 22-line grid.
TEXT_ROLES = (
    Role.RECIPIENT,
    Role.BODY,
    Role.HEADING1,
    Role.HEADING2,
    Role.ATTACHMENT_NOTE,
    Role.SIGNATURE,
    Role.DATE,
    Role.ANNOTATION,
)

TEMPLATE_TAG = re.compile(r"^\{%-?p?\s.*%\}$", re.S)
COPY_NUMBER = re.compile(r"^\d{1,8}$")
SECRECY = re.compile(r"^(绝密|机密|秘密)")
URGENCY = re.compile(r"^(特急|加急)$")
# Loose on purpose: [2024], （2024）, 第, 001, a missing 号 must be recognised to be rejected.
DOC_NUMBER_LOOSE = re.compile(
    r"^\S{1,20}?\s*[〔\[［(（【﹝]\s*(\d{2,4})\s*[〕\]］)）】﹞]\s*第?\s*\d+\s*号?(签发人.*)?$"
)
CN_DIGITS = "〇零一二三四五六七八九十○"
DATE_LOOSE = re.compile(
    rf"^(\d{{2,4}}|[{CN_DIGITS}]{{2,4}})年(\d{{1,2}}|[{CN_DIGITS}]{{1,3}})月(\d{{1,2}}|[{CN_DIGITS}]{{1,3}})日$"
)
DATE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")
DATE_INSIDE = re.compile(rf"[\d{CN_DIGITS}]{{2,4}}年[\d{CN_DIGITS}]{{1,3}}月[\d{CN_DIGITS}]{{1,3}}日")
IMPRINT = re.compile(r"印发$")
HEADING1 = re.compile(r"^[一二三四五六七八九十百]+、")
HEADING2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")
ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*[：:]")
ATTACHMENT_ITEM = re.compile(r"^\d+\s*[.．、]")
ATTACHMENT_HEADING = re.compile(r"^附\s*件\s*\d*$")
ANNOTATION_START = re.compile(r"^[（(]?(联系人|此件|本件|注[：:]|附注)")
SENTENCE_END = ("。", "！", "？", "；", "：", ":", ";")


@dataclass
class Flow:
    """The body paragraphs in reading order that carry text, with the roles assigned so far."""

    paragraphs: list[Paragraph]
    props: list[Props]
    assigned: dict[int, Role] = field(default_factory=dict)
    body_start: int = 0
    body_end: int = 0

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.props]

    def free(self, index: int) -> bool:
        return index not in self.assigned


# -- stage 1: containers ----------------------------------------------------------------------
def _container_role(p: Paragraph) -> Role | None:
    text = p.text.strip()
    if TEMPLATE_TAG.match(text):
        return Role.TAG
    if not text:
        return Role.EMPTY
    return None


MARK_MIN_PT = 20  # an organ mark is set larger than 2号 text; a 3号/4号 line in a box is not one


def _is_top_mark(p: Paragraph, index: int, number_at: int | None) -> bool:
    """A line in a text box, a table or a frame above the 发文字号: the organ mark when it is red,
    or — a wrongly coloured mark, still the mark — when it is set large above a 发文字号."""
    if index >= 8 or (number_at is not None and index >= number_at):
        return False
    if all_red(p):
        return True
    return number_at is not None and (dominant_size(p) or 0) >= MARK_MIN_PT


# -- stage 2: the head --------------------------------------------------------------------------
def _head_role(text: str) -> Role:
    if COPY_NUMBER.match(text):
        return Role.COPY_NUMBER
    if SECRECY.match(text):
        return Role.SECRECY
    if URGENCY.match(text):
        return Role.URGENCY
    return Role.ORGAN_MARK


def _head(flow: Flow) -> int:
    """份号 … 发文字号; returns where the title may start."""
    texts = flow.texts
    number_at = next((i for i, t in enumerate(texts[:15]) if DOC_NUMBER_LOOSE.match(t)), None)
    if number_at is not None:
        flow.assigned[number_at] = Role.DOC_NUMBER
        for i in range(number_at):
            flow.assigned[i] = _head_role(texts[i])
        return number_at + 1
    head_end = 0
    for i, props in enumerate(flow.props[:6]):
        if COPY_NUMBER.match(texts[i]) or SECRECY.match(texts[i]) or URGENCY.match(texts[i]):
            flow.assigned[i] = _head_role(texts[i])
        elif props.red:
            flow.assigned[i] = Role.ORGAN_MARK
        else:
            break
        head_end = i + 1
    return head_end


# -- stage 3: title and 主送 -------------------------------------------------------------------
def _looks_like_title(props: Props) -> bool:
    return props.align == "center" or (props.size or 0) > 16


def _title(flow: Flow, start: int) -> int:
    texts, props = flow.texts, flow.props
    i = start
    if i < len(props) and not texts[i].endswith(("：", ":")) and _looks_like_title(props[i]):
        while i < len(props) and i - start < 3:
            if i > start and (
                texts[i].endswith(("：", ":"))
                or props[i].align != props[start].align
                or props[i].indent > 0.5
            ):
                break
            if i > start and (props[i].size or 0) < 17 and (props[start].size or 0) > 17:
                break  # a 3号 line after a large title is the text, not the title
            flow.assigned[i] = Role.TITLE
            i += 1
    if i < len(props) and (
        (texts[i].endswith(("：", ":")) and len(texts[i]) <= 100 and not HEADING1.match(texts[i]))
        or _recipient_without_colon(flow, i)
    ):
        flow.assigned[i] = Role.RECIPIENT
        i += 1
    return i


RECIPIENT_WORDS = (
    "党委",
    "党组",
    "纪委",
    "监委",
    "单位",
    "部门",
    "政府",
    "委员会",
    "局",
    "公司",
    "机关",
    "支部",
)


def _recipient_without_colon(flow: Flow, i: int) -> bool:
    """A 主送 whose colon was forgotten: a short flush-left line naming organs, not a sentence,
    followed by indented text — still the 主送 (7.3.2 then asks for its colon)."""
    text, props = flow.texts[i], flow.props[i]
    following = flow.props[i + 1] if i + 1 < len(flow.props) else None
    return (
        len(text) <= 60
        and not text.endswith(SENTENCE_END)
        and "。" not in text
        and abs(props.indent) < 0.5
        and props.align in ("left", "justify")
        and any(word in text for word in RECIPIENT_WORDS)
        and following is not None
        and following.indent >= 1.5
    )


# -- stage 4: closing block, attachments, 版记 --------------------------------------------------
def _imprint_lines(flow: Flow) -> None:
    texts = flow.texts
    copy_at = None
    for j in range(flow.body_start, len(texts)):
        if texts[j].startswith("抄送"):
            flow.assigned[j] = Role.COPY_TO
            copy_at = j
        elif IMPRINT.search(texts[j]) and j > flow.body_start:
            flow.assigned[j] = Role.IMPRINT
        elif copy_at is not None and j == copy_at + 1 and DATE_INSIDE.search(texts[j]):
            # The line under 抄送 with an organ and a date is the 印发 line, 印发 missing or not.
            flow.assigned[j] = Role.IMPRINT


def _signature_above(flow: Flow, date_at: int) -> int:
    texts = flow.texts
    j = date_at - 1
    while j >= flow.body_start and date_at - j <= 4 and flow.free(j):
        if texts[j].endswith(SENTENCE_END) or len(texts[j]) > 40:
            break
        if HEADING1.match(texts[j]) or HEADING2.match(texts[j]) or ATTACHMENT_NOTE.match(texts[j]):
            break
        if flow.props[j].indent > 0.5 and flow.props[j].align not in ("right", "center"):
            break
        flow.assigned[j] = Role.SIGNATURE
        j -= 1
    return j + 1


def _after_date(flow: Flow, date_at: int) -> None:
    texts = flow.texts
    in_attachment = False
    for k in range(date_at + 1, len(texts)):
        if not flow.free(k):
            continue
        if ATTACHMENT_HEADING.match(texts[k]):
            in_attachment = True
        if in_attachment:
            flow.assigned[k] = Role.ATTACHMENT
        elif (texts[k].startswith(("（", "(")) and texts[k].endswith(("）", ")"))) or ANNOTATION_START.match(
            texts[k]
        ):
            flow.assigned[k] = Role.ANNOTATION
        else:
            flow.assigned[k] = Role.OTHER


def _closing(flow: Flow) -> None:
    texts = flow.texts
    _imprint_lines(flow)
    date_at = next(
        (j for j in range(flow.body_start, len(texts)) if flow.free(j) and DATE_LOOSE.match(texts[j])), None
    )
    flow.body_end = len(texts)
    if date_at is not None:
        flow.assigned[date_at] = Role.DATE
        flow.body_end = _signature_above(flow, date_at)
        _after_date(flow, date_at)
        return
    # Without a date line (it may be in a table): attachment pages from their 附件N line on, and
    # signatures are the short right-aligned lines.
    heading = next(
        (j for j in range(flow.body_start, len(texts)) if ATTACHMENT_HEADING.match(texts[j])), None
    )
    if heading is not None:
        flow.body_end = heading
        for k in range(heading, len(texts)):
            if flow.free(k):
                flow.assigned[k] = Role.ATTACHMENT
    for j in range(flow.body_start, flow.body_end):
        if (
            flow.free(j)
            and flow.props[j].align == "right"
            and len(texts[j]) <= 40
            and not flow.props[j].ends_sentence
        ):
            flow.assigned[j] = Role.SIGNATURE


def _attachment_note(flow: Flow) -> None:
    note = False
    for j in range(flow.body_start, flow.body_end):
        if not flow.free(j):
            continue
        if ATTACHMENT_NOTE.match(flow.texts[j]):
            flow.assigned[j], note = Role.ATTACHMENT_NOTE, True
        elif note and ATTACHMENT_ITEM.match(flow.texts[j]):
            flow.assigned[j] = Role.ATTACHMENT_NOTE
        else:
            note = False


def heuristic_roles(paragraphs: list[Paragraph]) -> Iterable[tuple[Paragraph, Role]]:
    """Roles from content and position, for paragraphs in reading order (no blanks)."""
    flow = Flow(paragraphs, [props_of(p) for p in paragraphs])
    start = _head(flow)
    flow.body_start = _title(flow, start)
    _closing(flow)
    _attachment_note(flow)
    for j, p in enumerate(paragraphs):
        yield p, flow.assigned.get(j, Role.BODY if j >= flow.body_start else Role.OTHER)


# -- stage 5: headings and what sits in tables --------------------------------------------------
def _heading_role(p: Paragraph, role: Role) -> Role:
    if role != Role.BODY or has_jinja(p.text):
        return role
    text = p.text.strip()
    if HEADING1.match(text):
        return Role.HEADING1
    if HEADING2.match(text):
        return Role.HEADING2
    return role


def _table_role(text: str, role: Role, after_copy_to: bool) -> Role:
    """A 版记 set as a table, signatures and dates in a table."""
    if text.startswith("抄送"):
        return Role.COPY_TO
    if IMPRINT.search(text) or (after_copy_to and DATE_INSIDE.search(text)):
        return Role.IMPRINT
    return role


def classify(doc: Document) -> list[tuple[Paragraph, Role]]:
    """Give every body paragraph a role: by style id where it is ours, else by stages."""
    roles: dict[int, Role] = {}
    flow: list[Paragraph] = []
    boxed: list[Paragraph] = []
    for p in doc.paragraphs:
        role = _container_role(p)
        if role is not None:
            roles[id(p)] = role
        elif p.in_textbox or p.in_table:
            roles[id(p)] = Role.TEXTBOX if p.in_textbox else Role.TABLE
            boxed.append(p)
            flow.append(p)
        else:
            flow.append(p)
    # Text boxes and tables take part in the flow only as the organ mark at the top.
    number_at = next((i for i, p in enumerate(flow[:15]) if DOC_NUMBER_LOOSE.match(plain(p.text))), None)
    kept = []
    for index, p in enumerate(flow):
        if p in boxed:
            if _is_top_mark(p, index, number_at):
                kept.append(p)
            continue
        kept.append(p)
    for p, role in heuristic_roles(kept):
        roles[id(p)] = role
    for p in kept:  # our style ids are authoritative
        if p.style_id in STYLE_ROLES:
            roles[id(p)] = STYLE_ROLES[p.style_id]
    _tables(doc, roles)
    return [(p, _heading_role(p, roles.get(id(p), Role.BODY))) for p in doc.paragraphs]


def _tables(doc: Document, roles: dict[int, Role]) -> None:
    after_copy_to = False
    for p in doc.paragraphs:
        if roles.get(id(p)) != Role.TABLE:
            after_copy_to = roles.get(id(p)) == Role.COPY_TO and after_copy_to
            continue
        role = _table_role(plain(p.text), Role.TABLE, after_copy_to)
        roles[id(p)] = role
        after_copy_to = role == Role.COPY_TO
    if Role.DATE not in roles.values():
        # Joint documents often set the signatures and the date in a borderless table.
        dated = [
            p for p in doc.paragraphs if roles.get(id(p)) == Role.TABLE and DATE_LOOSE.match(plain(p.text))
        ]
        if dated:
            roles[id(dated[-1])] = Role.DATE
            signers = [
                p
                for p in doc.paragraphs
                if roles.get(id(p)) == Role.TABLE and p.properties.get("align") == "right"
            ]
            for p in signers:
                if p is not dated[-1] and not DATE_LOOSE.match(plain(p.text)):
                    roles[id(p)] = Role.SIGNATURE


# -- layout -------------------------------------------------------------------------------------
def detect_layout(doc: Document, body: list[tuple[Paragraph, Role]]) -> str:
    """信函式 or 文件式: by our styles, a letterhead in the first-page header, or one in the body
    (a red double rule under the mark, the 文号 flush right)."""
    used = {p.style_id for p in doc.paragraphs} | {
        p.style_id
        for s in doc.sections[:1]
        for part in s.headers.values()
        for p in doc.part_paragraphs(part, "页眉")
    }
    if used & LETTER_STYLES:
        return LETTER
    if used & OFFICIAL_STYLES:
        return OFFICIAL
    first = doc.sections[0]
    if (
        first.title_page
        and "first" in first.headers
        and any(p.text.strip() for p in doc.part_paragraphs(first.headers["first"], "首页页眉"))
    ):
        return LETTER
    head = [(p, r) for p, r in body[:12]]
    if any(props_of(p).double_rule for p, _ in head):
        return LETTER
    numbers = [p for p, r in head if r == Role.DOC_NUMBER]
    if numbers and props_of(numbers[0]).align == "right" and not _imprint_rules(body):
        return LETTER
    return OFFICIAL


def _imprint_rules(body: list[tuple[Paragraph, Role]]) -> bool:
    return any(r in (Role.COPY_TO, Role.IMPRINT) and p.properties.get("borders") for p, r in body)
