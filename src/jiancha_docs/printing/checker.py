"""The GB/T 9704-2012 checker: every clause that can be verified from a .docx, one finding each.

First each paragraph is given a role (发文机关标志, 发文字号, 标题, 正文 …). Our templates name
their paragraph styles (``DocNumber``, ``DocTitle`` …) and those decide; an office's own Word
file has no such styles, so its roles come from content and position: the 发文字号 is the line
near the top that looks like 代字〔2024〕5号 (or [2024], (2024) — recognised so they can be
rejected); the lines above it are the organ mark; the 成文日期 is the first line that is only a
date; the 抄送 line starts with 抄送 …

Then each clause looks at the paragraphs of its roles, with the numbers and tolerances of the
profile, and reports what passes, what fails and where. Nothing here prints.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..gbt9704 import doc_number_problems
from .ooxml import TWIPS_PER_MM, Document, Look, Paragraph, Section
from .profiles import LETTER, OFFICIAL, Profile, load_profile

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
STATUS_LABELS = {PASS: "通过", FAIL: "不通过", WARN: "注意", SKIP: "不适用"}
_SEVERITY = {SKIP: 0, PASS: 1, WARN: 2, FAIL: 3}

# -- roles -------------------------------------------------------------------------------------
STYLE_ROLES = {
    "OrganMark": "organ_mark",
    "LetterOrganMark": "organ_mark",
    "DocNumber": "doc_number",
    "LetterDocNumber": "doc_number",
    "DocTitle": "title",
    "Recipient": "recipient",
    "BodyText": "body",
    "HeadingLevel1": "heading1",
    "HeadingLevel2": "heading2",
    "AttachmentNote": "attachment_note",
    "AttachmentItem": "attachment_note",
    # An attachment page (7.3.7) after the signature: its own layout, not the body's.
    "AttachmentMark": "attachment",
    "AttachmentTitle": "attachment",
    "Signature": "signature",
    "SignatureDate": "date",
    "Annotation": "annotation",
    "CopyTo": "copy_to",
    "ImprintCopyTo": "copy_to",
    "ImprintLine": "imprint",
    "ImprintLineAlone": "imprint",
    "LetterRuleTop": "rule",
    "LetterRuleBottom": "rule",
    "TableText": "table",
    "TableTextCentered": "table",
    "TableHeading": "table",
}
LETTER_STYLES = {"LetterOrganMark", "LetterDocNumber", "LetterRuleTop", "LetterRuleBottom"}
OFFICIAL_STYLES = {"OrganMark", "DocNumber", "ImprintCopyTo", "ImprintLine", "ImprintLineAlone"}
# 3号 text on the 22-line grid.
TEXT_ROLES = (
    "recipient",
    "body",
    "heading1",
    "heading2",
    "attachment_note",
    "signature",
    "date",
    "annotation",
)

_SPACE = re.compile(r"\s+")
TEMPLATE_TAG = re.compile(r"^\{%-?p?\s.*%\}$", re.S)
COPY_NUMBER = re.compile(r"^\d{1,8}$")
SECRECY = re.compile(r"^(绝密|机密|秘密)")
URGENCY = re.compile(r"^(特急|加急)$")
# Loose on purpose: [2024], （2024）, 第, 001 must be recognised as the 发文字号 to be rejected.
DOC_NUMBER_LOOSE = re.compile(r"^\S{1,20}?\s*[〔\[［(（【﹝]\s*(\d{2,4})\s*[〕\]］)）】﹞]\s*第?\s*\d+\s*号")
_CN_DIGITS = "〇零一二三四五六七八九十○"
DATE_LOOSE = re.compile(
    rf"^(\d{{2,4}}|[{_CN_DIGITS}]{{2,4}})年(\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})月(\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})日$"
)
DATE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")
IMPRINT = re.compile(r"印发$")
HEADING1 = re.compile(r"^[一二三四五六七八九十百]+、")
HEADING2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")
ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*[：:]")
ATTACHMENT_ITEM = re.compile(r"^\d+\s*[.．、]")
ATTACHMENT_HEADING = re.compile(r"^附\s*件\s*\d*$")
SIZE_NAMES = {
    42: "初号",
    36: "小初号",
    26: "1号",
    24: "小1号",
    22: "2号",
    18: "小2号",
    16: "3号",
    15: "小3号",
    14: "4号",
    12: "小4号",
    10.5: "5号",
    9: "小5号",
    7.5: "6号",
}


def size_label(points: float) -> str:
    name = SIZE_NAMES.get(points)
    shown = f"{points:g}"
    return f"{shown} 磅（{name}）" if name else f"{shown} 磅"


def is_ideograph(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000


def is_red(color: str | None) -> bool:
    if not color or color == "AUTO" or len(color) != 6:
        return False
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0xB0 and g <= 0x60 and b <= 0x60


def is_black(color: str | None) -> bool:
    if not color or color == "AUTO":
        return True
    try:
        return all(int(color[i : i + 2], 16) <= 0x40 for i in (0, 2, 4))
    except ValueError:
        return False


def color_label(color: str) -> str:
    if is_red(color):
        return f"红色（{color}）"
    return f"非黑色（{color}）"


# -- results -----------------------------------------------------------------------------------
@dataclass
class Finding:
    status: str
    message: str
    paragraph: Paragraph | None = None

    def where(self) -> str:
        return self.paragraph.label() if self.paragraph else ""

    def describe(self) -> str:
        return f"{self.where()}：{self.message}" if self.paragraph else self.message

    def as_json(self) -> dict:
        data: dict = {"status": self.status, "message": self.message}
        if self.paragraph is not None:
            data["where"] = self.paragraph.label()
            data["part"] = self.paragraph.where
            data["paragraph"] = self.paragraph.number
            data["text"] = self.paragraph.text
        return data


@dataclass
class ClauseResult:
    clause: str
    title: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.findings:
            return SKIP
        return max((f.status for f in self.findings), key=_SEVERITY.__getitem__)

    @property
    def summary(self) -> str:
        """The line shown for the clause: its pass note, or the count of problems."""
        problems = [f for f in self.findings if f.status in (FAIL, WARN)]
        if not problems:
            return "；".join(f.message for f in self.findings)
        if len(problems) == 1:
            return problems[0].describe()
        if len({f.message for f in problems}) == 1:
            return f"{len(problems)} 处：{problems[0].message}"
        return f"{len(problems)} 处问题"

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status in (FAIL, WARN)]

    def as_json(self) -> dict:
        return {
            "clause": self.clause,
            "title": self.title,
            "status": self.status,
            "findings": [f.as_json() for f in self.findings],
        }


@dataclass
class CheckReport:
    path: Path
    profile: Profile
    layout: str
    layout_detected: bool
    template: bool
    clauses: list[ClauseResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.clauses)

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.clauses if c.status == WARN)

    def counts(self) -> Counter:
        return Counter(c.status for c in self.clauses)

    def clause(self, number: str) -> ClauseResult:
        return next(c for c in self.clauses if c.clause == number)

    def failed_clauses(self) -> list[str]:
        return [c.clause for c in self.clauses if c.status == FAIL]

    def as_json(self) -> dict:
        return {
            "file": str(self.path),
            "profile": self.profile.name,
            "layout": self.layout,
            "layout_detected": self.layout_detected,
            "template": self.template,
            "ok": self.ok,
            "clauses": [c.as_json() for c in self.clauses],
        }


# -- reading the document ----------------------------------------------------------------------
@dataclass
class Parsed:
    doc: Document
    profile: Profile
    layout: str
    template: bool
    body: list[tuple[Paragraph, str]]  # every body paragraph with its role
    header_marks: list[Paragraph]  # organ marks in a (first-page) header: the 信函式 letterhead
    header_rules: list[Paragraph]  # paragraphs drawing the 信函式 double rules
    others: list[Paragraph]  # every other header/footer paragraph with text (colour check)

    def role(self, *roles: str) -> list[Paragraph]:
        return [p for p, r in self.body if r in roles]

    def marks(self) -> list[Paragraph]:
        return self.header_marks + self.role("organ_mark")

    def section_of(self, paragraph: Paragraph) -> Section:
        index = min(paragraph.section, len(self.doc.sections)) - 1
        return self.doc.sections[index]


def _has_jinja(text: str) -> bool:
    return "{{" in text or "{%" in text


def _plain(text: str) -> str:
    return _SPACE.sub("", text)


def classify(doc: Document) -> list[tuple[Paragraph, str]]:
    """Give every body paragraph a role: by style id where it is ours, else by content and place."""
    roles: dict[int, str] = {}
    flow: list[Paragraph] = []
    for p in doc.paragraphs:
        text = p.text.strip()
        if TEMPLATE_TAG.match(text):
            roles[id(p)] = "tag"
        elif not text:
            roles[id(p)] = "empty"
        elif p.in_textbox:
            roles[id(p)] = "textbox"
        elif p.in_table:
            roles[id(p)] = "table"
        else:
            flow.append(p)
    for p, role in _heuristic_roles(flow):
        roles[id(p)] = role
    for p in flow:  # our style ids are authoritative
        if p.style_id in STYLE_ROLES:
            roles[id(p)] = STYLE_ROLES[p.style_id]
    if "date" not in roles.values():
        # Joint documents often set the signatures and the date in a borderless table.
        in_tables = [p for p in doc.paragraphs if roles.get(id(p)) == "table"]
        dated = [p for p in in_tables if DATE_LOOSE.match(_plain(p.text))]
        if dated:
            roles[id(dated[-1])] = "date"
    result = []
    for p in doc.paragraphs:
        role = roles.get(id(p), "body")
        if role == "body" and not _has_jinja(p.text):
            plain = p.text.strip()
            if HEADING1.match(plain):
                role = "heading1"
            elif HEADING2.match(plain):
                role = "heading2"
        result.append((p, role))
    return result


def _heuristic_roles(flow: list[Paragraph]) -> Iterable[tuple[Paragraph, str]]:
    """Roles from content and position, for paragraphs in reading order (no tables, no blanks)."""
    texts = [_plain(p.text) for p in flow]
    assigned: dict[int, str] = {}
    # 版头: the 发文字号 near the top; above it 份号, 密级, 紧急程度 and the organ mark.
    number_at = next((i for i, t in enumerate(texts[:15]) if DOC_NUMBER_LOOSE.match(t)), None)
    head_end = number_at if number_at is not None else 0
    if number_at is not None:
        assigned[number_at] = "doc_number"
        for i in range(number_at):
            assigned[i] = _head_role(texts[i])
    else:
        for i, p in enumerate(flow[:6]):
            if COPY_NUMBER.match(texts[i]) or SECRECY.match(texts[i]) or URGENCY.match(texts[i]):
                assigned[i] = _head_role(texts[i])
            elif p.visible() and all(is_red(look.color) for _, look in p.visible()):
                assigned[i] = "organ_mark"
            else:
                break
            head_end = i + 1
    start = head_end + (1 if number_at is not None else 0)
    # Title: the next line (or lines) set apart by centring or a larger size; then 主送机关.
    i = start
    if i < len(flow) and not texts[i].endswith(("：", ":")) and _looks_like_title(flow[i]):
        size = _dominant_size(flow[i])
        while i < len(flow) and i - start < 3:
            if i > start and (
                texts[i].endswith(("：", ":"))
                or _dominant_size(flow[i]) != size
                or flow[i].properties.get("align") != flow[start].properties.get("align")
            ):
                break
            assigned[i] = "title"
            i += 1
    if (
        i < len(flow)
        and texts[i].endswith(("：", ":"))
        and len(texts[i]) <= 100
        and not HEADING1.match(texts[i])
    ):
        assigned[i] = "recipient"
        i += 1
    body_start = i
    # 版记 and 附注 anywhere after the body; the 成文日期 is the first line that is only a date.
    for j in range(body_start, len(flow)):
        if texts[j].startswith("抄送"):
            assigned[j] = "copy_to"
        elif IMPRINT.search(texts[j]) and j > body_start:
            assigned[j] = "imprint"
    date_at = next(
        (j for j in range(body_start, len(flow)) if j not in assigned and DATE_LOOSE.match(texts[j])), None
    )
    end = len(flow)
    if date_at is not None:
        assigned[date_at] = "date"
        j = date_at - 1
        while j >= body_start and date_at - j <= 4 and j not in assigned:
            if texts[j].endswith(("。", "！", "？", "；", "：", ":", ";")) or len(texts[j]) > 40:
                break
            if HEADING1.match(texts[j]) or HEADING2.match(texts[j]) or ATTACHMENT_NOTE.match(texts[j]):
                break
            assigned[j] = "signature"
            j -= 1
        end = j + 1
        in_attachment = False
        for k in range(date_at + 1, len(flow)):
            if k in assigned:
                continue
            if ATTACHMENT_HEADING.match(texts[k]):
                in_attachment = True
            if in_attachment:
                assigned[k] = "attachment"
            elif texts[k].startswith(("（", "(")) and texts[k].endswith(("）", ")")):
                assigned[k] = "annotation"
            else:
                assigned[k] = "other"
    # Without a date line (it may be in a table), signatures are the short right-aligned lines.
    if date_at is None:
        for j in range(body_start, len(flow)):
            if (
                j not in assigned
                and flow[j].properties.get("align") == "right"
                and len(texts[j]) <= 40
                and not texts[j].endswith(("。", "！", "？", "；", "：", ":", ";"))
            ):
                assigned[j] = "signature"
    # 附件说明 and its continued items, between the body and the signature.
    note = False
    for j in range(body_start, end):
        if j in assigned:
            continue
        if ATTACHMENT_NOTE.match(texts[j]):
            assigned[j], note = "attachment_note", True
        elif note and ATTACHMENT_ITEM.match(texts[j]):
            assigned[j] = "attachment_note"
        else:
            note = False
    for j, p in enumerate(flow):
        yield p, assigned.get(j, "body" if j >= body_start else "other")


def _head_role(text: str) -> str:
    if COPY_NUMBER.match(text):
        return "copy_number"
    if SECRECY.match(text):
        return "secrecy"
    if URGENCY.match(text):
        return "urgency"
    return "organ_mark"


def _dominant_size(p: Paragraph) -> float | None:
    sizes = Counter(look.size for _, look in p.visible())
    return sizes.most_common(1)[0][0] if sizes else None


def _looks_like_title(p: Paragraph) -> bool:
    size = _dominant_size(p) or 0
    return p.properties.get("align") == "center" or size > 16


def detect_layout(doc: Document, body: list[tuple[Paragraph, str]]) -> str:
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
    return OFFICIAL


_PART_NAMES = {
    ("header", "default"): "页眉",
    ("header", "even"): "偶数页页眉",
    ("header", "first"): "首页页眉",
    ("footer", "default"): "页脚",
    ("footer", "even"): "偶数页页脚",
    ("footer", "first"): "首页页脚",
}


def _part_where(doc: Document, kind: str, which: str) -> str:
    if kind == "footer" and which == "default" and doc.setting("evenAndOddHeaders"):
        return "奇数页页脚"
    if kind == "header" and which == "default" and doc.setting("evenAndOddHeaders"):
        return "奇数页页眉"
    return _PART_NAMES[(kind, which)]


def parse(doc: Document, profile: Profile) -> Parsed:
    body = classify(doc)
    detected = detect_layout(doc, body)
    layout = profile.layout or detected
    template = any(_has_jinja(p.text) for p, _ in body)
    header_marks: list[Paragraph] = []
    header_rules: list[Paragraph] = []
    others: list[Paragraph] = []
    seen: set[str] = set()
    for section in doc.sections:
        for kind, refs in (("header", section.headers), ("footer", section.footers)):
            for which, part in refs.items():
                if part in seen:
                    continue
                seen.add(part)
                where = _part_where(doc, kind, which)
                for p in doc.part_paragraphs(part, where):
                    text = p.text.strip()
                    if p.style_id in ("LetterRuleTop", "LetterRuleBottom") or (
                        not text and p.properties.get("borders")
                    ):
                        header_rules.append(p)
                    elif TEMPLATE_TAG.match(text) or not text:
                        continue
                    elif kind == "header" and (
                        p.style_id in ("LetterOrganMark", "OrganMark")
                        or (
                            which == "first"
                            and p.visible()
                            and all(is_red(lk.color) for _, lk in p.visible())
                        )
                    ):
                        header_marks.append(p)
                    else:
                        others.append(p)
                    if _has_jinja(p.text):
                        template = True
    return Parsed(doc, profile, layout, template, body, header_marks, header_rules, others)


# -- helpers for the clauses -------------------------------------------------------------------
def _fonts_of(p: Paragraph, chars: Iterable[tuple[str, Look]] | None = None) -> list[str]:
    """The east-Asian fonts of the paragraph's Chinese characters, most used first."""
    counts = Counter(
        look.east_asia or "（未指定）"
        for c, look in (chars if chars is not None else p.chars)
        if is_ideograph(c)
    )
    return [font for font, _ in counts.most_common()]


def _sizes_of(p: Paragraph) -> list[float]:
    counts = Counter(look.size for _, look in p.visible() if look.size)
    return [size for size, _ in counts.most_common()]


def _check_size(p: Paragraph, expected: float, element: str) -> Finding | None:
    wrong = [s for s in _sizes_of(p) if abs(s - expected) > 0.01]
    if wrong:
        return Finding(FAIL, f"{element}字号为 {size_label(wrong[0])}，应为 {size_label(expected)}", p)
    return None


def _check_font(
    parsed: Parsed, p: Paragraph, family: str, element: str, status: str = FAIL, chars=None
) -> Finding | None:
    wrong = [f for f in _fonts_of(p, chars) if not parsed.profile.accepts_font(family, f)]
    if wrong:
        return Finding(status, f"{element}字体为“{wrong[0]}”，应为{family}", p)
    return None


def _indent_chars(p: Paragraph) -> float:
    props = p.properties
    if props.get("first_line_chars") is not None:
        return props["first_line_chars"] / 100
    if props.get("hanging"):
        return -1.0
    size = _dominant_size(p) or 16
    return props.get("first_line", 0) / (size * 20)


def _mm(twips: float) -> float:
    return twips / TWIPS_PER_MM


def _fmt_range(low: float, high: float, unit: str) -> str:
    return f"{low:g}–{high:g} {unit}"


# -- clauses -----------------------------------------------------------------------------------
Clause = Callable[[Parsed], list[Finding]]
CLAUSES: list[tuple[str, str, Clause]] = []


def clause(number: str, title: str) -> Callable[[Clause], Clause]:
    def register(function: Clause) -> Clause:
        CLAUSES.append((number, title, function))
        return function

    return register


@clause("5.1", "幅面")
def _paper(parsed: Parsed) -> list[Finding]:
    profile = parsed.profile
    findings = []
    for section in parsed.doc.sections:
        name = f"第 {section.index} 节" if len(parsed.doc.sections) > 1 else "页面"
        if section.width is None or section.height is None:
            findings.append(
                Finding(FAIL, f"{name}未设置纸张大小（Word 默认为 Letter 信纸），应为 A4（210 × 297 mm）")
            )
            continue
        width, height = _mm(section.width), _mm(section.height)
        short, long_ = sorted((width, height))
        tolerance = profile.paper_tolerance_mm
        if abs(short - profile.paper_mm[0]) > tolerance or abs(long_ - profile.paper_mm[1]) > tolerance:
            findings.append(
                Finding(FAIL, f"{name}纸张为 {width:.0f} × {height:.0f} mm，应为 A4（210 × 297 mm）")
            )
    if not findings:
        findings.append(Finding(PASS, "A4（210 × 297 mm）"))
    return findings


_SIDES = (("top", "上白边（天头）"), ("bottom", "下白边"), ("left", "左白边（订口）"), ("right", "右白边"))


@clause("5.2.1", "页边与版心")
def _margins(parsed: Parsed) -> list[Finding]:
    findings = []
    passed = []
    for section in parsed.doc.sections:
        name = f"第 {section.index} 节" if len(parsed.doc.sections) > 1 else ""
        if section.width and section.height and section.width > section.height:
            findings.append(Finding(PASS, f"{name}为横向页面（如横排表格），不检查页边"))
            continue
        values = {}
        for side, label in _SIDES:
            if side not in section.margins:
                findings.append(Finding(FAIL, f"{name}未设置{label}"))
                continue
            value = _mm(abs(section.margins[side]))
            values[side] = value
            low, high = parsed.profile.margins_mm[side]
            if not low - 0.05 <= value <= high + 0.05:
                findings.append(
                    Finding(FAIL, f"{name}{label} {value:.1f} mm，应为 {_fmt_range(low, high, 'mm')}")
                )
        gutter = section.margins.get("gutter", 0)
        if gutter:
            findings.append(Finding(WARN, f"{name}设置了 {_mm(gutter):.1f} mm 装订线，版心会偏移"))
        if len(values) == 4 and section.width and section.height:
            width = _mm(section.width) - values["left"] - values["right"] - _mm(gutter)
            height = _mm(section.height) - values["top"] - values["bottom"]
            passed.append(
                f"{name}上 {values['top']:.0f}、下 {values['bottom']:.0f}、左 {values['left']:.0f}、"
                f"右 {values['right']:.0f} mm，版心 {width:.0f} × {height:.0f} mm"
            )
    if not any(f.status == FAIL for f in findings):
        findings.insert(0, Finding(PASS, "；".join(passed) or "页边符合要求"))
    return findings


@clause("5.2.2", "默认字体字号")
def _default_font(parsed: Parsed) -> list[Finding]:
    doc = parsed.doc
    look = doc.default_look()
    font_ok = parsed.profile.accepts_font("仿宋", look.east_asia)
    size_ok = look.size is not None and abs(look.size - parsed.profile.body_pt) < 0.01
    shown = f"{look.east_asia or '（未指定）'}，{look.size or 10:g} 磅"
    if font_ok and size_ok:
        return [Finding(PASS, f"3号仿宋（{shown}）")]
    name = doc.style_name(doc.default_paragraph_style) or "默认"
    return [
        Finding(
            WARN,
            f"默认段落样式“{name}”为 {shown}，新输入的文字不是3号仿宋（已有文字按各要素分别检查）",
        )
    ]


def line_pitch(p: Paragraph, section: Section) -> tuple[float, bool]:
    """The distance between the paragraph's lines in points, and whether it is exact rather than
    estimated (single spacing depends on the font's own line height: about 1.3 × its size)."""
    props = p.properties
    rule = props.get("line_rule") or "auto"
    line = props.get("line") or 240
    size = _dominant_size(p) or 16
    natural = 1.3 * size
    if rule == "exact":
        return line / 20, True
    if rule == "atLeast":
        return max(line / 20, natural), line / 20 >= natural
    height = natural * line / 240
    if (
        section.grid_type in ("lines", "linesAndChars", "snapToChars")
        and section.line_pitch
        and props.get("snap_to_grid", True)
    ):
        grid = section.line_pitch / 20
        return grid * max(1, math.ceil(height / grid - 0.01)), True
    return height, False


@clause("5.2.3", "行距")
def _line_pitch(parsed: Parsed) -> list[Finding]:
    low, high = parsed.profile.line_pitch_pt
    findings = []
    pitches = []
    for p in parsed.role(*TEXT_ROLES):
        if p.in_table:  # a table's rows have their own height
            continue
        section = parsed.section_of(p)
        pitch, exact = line_pitch(p, section)
        pitches.append(pitch)
        if not low - 0.01 <= pitch <= high + 0.01:
            how = "" if exact else "约 "
            detail = "（单倍行距，按字号估算）" if not exact else ""
            findings.append(
                Finding(FAIL, f"行距 {how}{pitch:.1f} 磅{detail}，应为 {_fmt_range(low, high, '磅')}", p)
            )
    if not pitches:
        return [Finding(SKIP, "没有正文段落")]
    if not findings:
        pitch = Counter(round(x, 2) for x in pitches).most_common(1)[0][0]
        section = parsed.doc.sections[0]
        lines = ""
        if section.height and "top" in section.margins and "bottom" in section.margins:
            area = (section.height - abs(section.margins["top"]) - abs(section.margins["bottom"])) / 20
            lines = f"，每页约 {math.floor(area / pitch + 0.05)} 行"
        findings.append(Finding(PASS, f"{pitch:g} 磅{lines}"))
    return findings


@clause("5.2.4", "文字颜色")
def _colours(parsed: Parsed) -> list[Finding]:
    findings = []
    marks = {id(p) for p in parsed.marks()}
    paragraphs = [p for p, _ in parsed.body] + parsed.others
    for p in paragraphs:
        if id(p) in marks:
            continue
        colours = [look.color for _, look in p.visible() if not is_black(look.color)]
        if colours:
            findings.append(Finding(FAIL, f"文字为{color_label(colours[0])}，除发文机关标志外应为黑色", p))
    if not findings:
        findings.append(Finding(PASS, "正文为黑色，红色只用于发文机关标志和分隔线"))
    return findings


@clause("7.2.1", "份号")
def _copy_number(parsed: Parsed) -> list[Finding]:
    found = parsed.role("copy_number")
    if not found:
        return [Finding(SKIP, "无份号")]
    findings = []
    for p in found:
        if not re.fullmatch(r"\d{6}", _plain(p.text)):
            findings.append(Finding(FAIL, "份号应为 6 位阿拉伯数字，如 000001", p))
    return findings or [Finding(PASS, "6 位数字")]


def _heiti_line(parsed: Parsed, role: str, absent: str, pattern: re.Pattern, rule: str) -> list[Finding]:
    found = parsed.role(role)
    if not found:
        return [Finding(SKIP, absent)]
    findings = []
    for p in found:
        if not pattern.match(_plain(p.text)):
            findings.append(Finding(FAIL, rule, p))
        for problem in (_check_font(parsed, p, "黑体", ""), _check_size(p, parsed.profile.body_pt, "")):
            if problem:
                findings.append(problem)
    return findings or [Finding(PASS, "3号黑体")]


@clause("7.2.2", "密级和保密期限")
def _secrecy(parsed: Parsed) -> list[Finding]:
    return _heiti_line(
        parsed, "secrecy", "无密级", re.compile(r"^(绝密|机密|秘密)(★.+)?$"), "应写作“秘密”或“秘密★1年”的形式"
    )


@clause("7.2.3", "紧急程度")
def _urgency(parsed: Parsed) -> list[Finding]:
    return _heiti_line(parsed, "urgency", "无紧急程度", URGENCY, "应为“特急”或“加急”")


@clause("7.2.4", "发文机关标志")
def _organ_mark(parsed: Parsed) -> list[Finding]:
    marks = parsed.marks()
    if not marks:
        top = [p for p, _ in parsed.body[:8]]
        headers = parsed.others
        if any(p.has_drawing for p in top + headers) or any(p.in_textbox for p, _ in parsed.body[:12]):
            return [Finding(WARN, "未找到文字形式的发文机关标志（可能是图片、艺术字或文本框），无法检查")]
        return [Finding(FAIL, "未找到发文机关标志（应在首页上部居中，红色小标宋体字）")]
    findings = []
    for p in marks:
        visible = p.visible()
        not_red = [look.color for _, look in visible if not is_red(look.color)]
        if not_red:
            shown = "黑色" if is_black(not_red[0]) else not_red[0]
            findings.append(Finding(FAIL, f"发文机关标志应为红色，实为{shown}", p))
        if p.properties.get("align") != "center":
            findings.append(Finding(FAIL, "发文机关标志应居中排布", p))
        problem = _check_font(parsed, p, "小标宋", "发文机关标志", status=WARN)
        if problem:
            problem.message += "（推荐使用小标宋体字）"
            findings.append(problem)
    if not findings:
        findings.append(Finding(PASS, f"红色、居中（{len(marks)} 行）"))
    return findings


@clause("7.2.5", "发文字号")
def _doc_number(parsed: Parsed) -> list[Finding]:
    found = parsed.role("doc_number")
    if not found:
        return [Finding(FAIL, "未找到发文字号（如“某纪发〔2024〕5号”）")]
    findings = []
    for p in found:
        number_text = p.text.split("签发人")[0]
        if not _has_jinja(p.text):
            for problem in doc_number_problems(number_text):
                findings.append(Finding(FAIL, f"发文字号{problem}", p))
        if "签发人" not in p.text:
            expected = "right" if parsed.layout == LETTER else "center"
            if p.properties.get("align") != expected:
                where = "居版心右边缘（信函式）" if expected == "right" else "居中排布"
                findings.append(Finding(FAIL, f"发文字号应{where}", p))
        chars = p.chars[: len(number_text)]
        for problem in (
            _check_size(p, parsed.profile.body_pt, "发文字号"),
            _check_font(parsed, p, "仿宋", "发文字号", chars=chars),
        ):
            if problem:
                findings.append(problem)
    if not findings:
        note = (
            "（模板中为变量，生成后再查格式）"
            if parsed.template and all(_has_jinja(p.text) for p in found)
            else ""
        )
        findings.append(Finding(PASS, f"“{_plain(found[0].text)}”，3号仿宋{note}"))
    return findings


def _border_color_ok(border: dict[str, str]) -> bool:
    return is_red((border.get("color") or "").upper())


@clause("7.2.7", "版头分隔线")
def _red_rule(parsed: Parsed) -> list[Finding]:
    if parsed.layout == LETTER:
        return [Finding(SKIP, "信函式的红色双线见 10.1")]
    numbers = parsed.role("doc_number")
    if not numbers:
        return [Finding(SKIP, "未找到发文字号，无法定位分隔线")]
    number = numbers[0]
    index = next(i for i, (p, _) in enumerate(parsed.body) if p is number)
    border = number.properties.get("borders", {}).get("bottom")
    if border is None:
        for p, _ in parsed.body[index + 1 : index + 3]:
            border = p.properties.get("borders", {}).get("top") or (
                p.properties.get("borders", {}).get("bottom") if not p.text.strip() else None
            )
            if border is not None:
                break
    if border is None:
        nearby = [p for p, _ in parsed.body[max(0, index - 1) : index + 3]]
        if any(p.has_drawing for p in nearby):
            return [Finding(WARN, "分隔线是图形线条，无法检查颜色和长度", number)]
        return [Finding(WARN, "发文字号下未找到红色分隔线（段落边框）；如用图形线条绘制则无法检查", number)]
    if not _border_color_ok(border):
        return [
            Finding(FAIL, f"发文字号下的分隔线应为红色，实为 {border.get('color', '自动（黑色）')}", number)
        ]
    return [Finding(PASS, "发文字号下有红色分隔线")]


@clause("7.3.1", "标题")
def _title(parsed: Parsed) -> list[Finding]:
    found = parsed.role("title")
    if not found:
        return [Finding(FAIL, "未找到标题（应在红色分隔线下空二行，居中）")]
    findings = []
    for p in found:
        for problem in (
            _check_size(p, parsed.profile.title_pt, "标题"),
            _check_font(parsed, p, "小标宋", "标题"),
        ):
            if problem:
                findings.append(problem)
        if p.properties.get("align") != "center":
            findings.append(Finding(FAIL, "标题应居中排布", p))
    if not findings:
        findings.append(Finding(PASS, f"2号小标宋，居中（{len(found)} 行）"))
    return findings


def _text_problems(parsed: Parsed, p: Paragraph, element: str) -> list[Finding]:
    """3号仿宋: the size of every character and the font of every Chinese one."""
    problems = [
        _check_size(p, parsed.profile.body_pt, element),
        _check_font(parsed, p, "仿宋", element),
    ]
    return [f for f in problems if f]


@clause("7.3.2", "主送机关")
def _recipient(parsed: Parsed) -> list[Finding]:
    found = parsed.role("recipient")
    if not found:
        return [Finding(SKIP, "无主送机关")]
    findings = []
    for p in found:
        text = p.text.rstrip()
        if text.endswith(":"):
            findings.append(Finding(FAIL, "主送机关后应为全角冒号“：”", p))
        elif not text.endswith("："):
            findings.append(Finding(FAIL, "主送机关后应有全角冒号“：”", p))
        if abs(_indent_chars(p)) > 0.25 or abs(p.properties.get("left", 0)) > 80:
            findings.append(Finding(FAIL, "主送机关应居左顶格", p))
        findings += _text_problems(parsed, p, "主送机关")
    return findings or [Finding(PASS, "居左顶格，全角冒号，3号仿宋")]


def _heading_font_problems(parsed: Parsed, p: Paragraph, role: str) -> list[Finding]:
    """一、 in 黑体 and （一） in 楷体: the first Chinese character decides; the rest of the
    paragraph may keep the heading font or return to 仿宋."""
    ideographs = [(c, look) for c, look in p.chars if is_ideograph(c)]
    if not ideographs:
        return []
    family, label = ("黑体", "一级标题") if role == "heading1" else ("楷体", "二级标题")
    first_font = ideographs[0][1].east_asia
    if not parsed.profile.accepts_font(family, first_font):
        return [Finding(FAIL, f"{label}字体为“{first_font or '（未指定）'}”，应为{family}", p)]
    rest = [
        look.east_asia or "（未指定）"
        for _, look in ideographs[1:]
        if not (
            parsed.profile.accepts_font(family, look.east_asia)
            or parsed.profile.accepts_font("仿宋", look.east_asia)
        )
    ]
    if rest:
        return [Finding(FAIL, f"{label}所在段落中有文字字体为“{rest[0]}”，应为{family}或仿宋", p)]
    return []


@clause("7.3.3", "正文")
def _body(parsed: Parsed) -> list[Finding]:
    found = [(p, r) for p, r in parsed.body if r in ("body", "heading1", "heading2")]
    if not found:
        return [Finding(FAIL, "未找到正文")]
    low, high = parsed.profile.first_line_chars
    findings = []
    for p, role in found:
        size = _check_size(p, parsed.profile.body_pt, "正文")
        if size:
            findings.append(size)
        if role == "body":
            font = _check_font(parsed, p, "仿宋", "正文")
            if font:
                findings.append(font)
        else:
            findings += _heading_font_problems(parsed, p, role)
        indent = _indent_chars(p)
        if not low <= indent <= high:
            shown = "悬挂缩进" if indent < 0 else f"首行缩进 {indent:.1f} 字"
            findings.append(Finding(FAIL, f"{shown}，每段应首行缩进 2 字", p))
    if not findings:
        headings = sum(1 for _, r in found if r != "body")
        note = f"，其中层次标题 {headings} 段（一级黑体、二级楷体）" if headings else ""
        findings.append(Finding(PASS, f"3号仿宋，首行缩进 2 字，共 {len(found)} 段{note}"))
    return findings


@clause("7.3.4", "附件说明")
def _attachment_note(parsed: Parsed) -> list[Finding]:
    found = parsed.role("attachment_note")
    if not found:
        return [Finding(SKIP, "无附件说明")]
    findings = []
    first = found[0]
    if not _has_jinja(first.text) and not _plain(first.text).startswith("附件："):
        findings.append(Finding(FAIL, "附件说明应以“附件：”开头（全角冒号）", first))
    for p in found:
        if _has_jinja(p.text):
            continue
        name = re.sub(r"^附\s*件\s*[：:]", "", p.text.strip())
        name = ATTACHMENT_ITEM.sub("", name).strip()
        if name and name[-1] in "。，；.,;：:、":
            findings.append(Finding(FAIL, f"附件名称后不加标点符号（“{name[-1]}”）", p))
        findings += _text_problems(parsed, p, "附件说明")
    return findings or [Finding(PASS, f"{len(found)} 行，3号仿宋")]


def date_problems(text: str) -> list[str]:
    """Why a date line is wrong: Chinese numerals, zero padding, a short year, an invalid date."""
    plain = _plain(text)
    if DATE.match(plain):
        month, day = (int(x) for x in re.findall(r"\d+", plain)[1:3])
        return [] if 1 <= month <= 12 and 1 <= day <= 31 else ["不是有效的日期"]
    if re.search(f"[{_CN_DIGITS}]", plain):
        return ["应使用阿拉伯数字（如 2024年5月6日）"]
    problems = []
    parts = re.match(r"^(\d+)年(\d+)月(\d+)日", plain)
    if parts:
        if len(parts.group(1)) != 4:
            problems.append("年份应标全称（4 位）")
        if parts.group(2).startswith("0") or parts.group(3).startswith("0"):
            problems.append("月、日不编虚位（如 5月6日 不写作 05月06日）")
    return problems or ["格式应为“2024年5月6日”"]


@clause("7.3.5", "署名和成文日期")
def _signature(parsed: Parsed) -> list[Finding]:
    dates = parsed.role("date")
    signatures = parsed.role("signature")
    findings = []
    if not dates:
        findings.append(Finding(FAIL, "未找到成文日期（应在发文机关署名之下，如“2024年5月6日”）"))
    for p in dates:
        if not _has_jinja(p.text):
            findings += [Finding(FAIL, f"成文日期{problem}", p) for problem in date_problems(p.text)]
        findings += _text_problems(parsed, p, "成文日期")
    if not signatures:
        findings.append(Finding(WARN, "未找到发文机关署名"))
    for p in signatures:
        findings += _text_problems(parsed, p, "发文机关署名")
    if not findings:
        shown = _plain(dates[0].text)
        findings.append(Finding(PASS, f"署名 {len(signatures)} 行，日期“{shown}”，3号仿宋"))
    return findings


@clause("7.3.6", "附注")
def _annotation(parsed: Parsed) -> list[Finding]:
    found = parsed.role("annotation")
    if not found:
        return [Finding(SKIP, "无附注")]
    findings = []
    for p in found:
        text = p.text.strip()
        if not _has_jinja(text) and not (text.startswith("（") and text.endswith("）")):
            findings.append(Finding(FAIL, "附注应加圆括号“（ ）”", p))
        findings += _text_problems(parsed, p, "附注")
    return findings or [Finding(PASS, "居左空二字，加圆括号，3号仿宋")]


@clause("7.4.1", "版记分隔线")
def _imprint_rules(parsed: Parsed) -> list[Finding]:
    if parsed.layout == LETTER:
        return [Finding(SKIP, "信函式不加版记分隔线")]
    block = parsed.role("copy_to", "imprint")
    if not block:
        return [Finding(WARN, "未找到版记（抄送机关、印发机关和印发日期）")]
    first, last = block[0], block[-1]
    top = first.properties.get("borders", {}).get("top")
    bottom = last.properties.get("borders", {}).get("bottom")
    if top is None or bottom is None:
        missing = "首条" if top is None else "末条"
        return [
            Finding(WARN, f"未找到版记{missing}分隔线（段落边框）；如用图形或表格线绘制则无法检查", first)
        ]
    findings = []
    for border, which, p in ((top, "首条", first), (bottom, "末条", last)):
        size = int(border.get("sz", "4")) / 8 * 0.3528  # eighths of a point → mm
        if size < 0.3:
            findings.append(Finding(WARN, f"版记{which}分隔线宽 {size:.2f} mm，应为粗线（0.35 mm）", p))
    return findings or [Finding(PASS, "首末两条粗线（0.35 mm）")]


@clause("7.4.2", "抄送机关")
def _copy_to(parsed: Parsed) -> list[Finding]:
    found = parsed.role("copy_to")
    if not found:
        return [Finding(SKIP, "无抄送机关")]
    findings = []
    for p in found:
        text = _plain(p.text)
        if not text.startswith("抄送："):
            findings.append(Finding(FAIL, "应以“抄送：”开头（全角冒号）", p))
        if not text.endswith("。"):
            findings.append(Finding(FAIL, "最后一个抄送机关后应标句号", p))
        for problem in (
            _check_size(p, parsed.profile.imprint_pt, "抄送机关"),
            _check_font(parsed, p, "仿宋", "抄送机关"),
        ):
            if problem:
                findings.append(problem)
    return findings or [Finding(PASS, "4号仿宋，以句号结尾")]


@clause("7.4.3", "印发机关和印发日期")
def _imprint(parsed: Parsed) -> list[Finding]:
    found = parsed.role("imprint")
    if not found:
        return [Finding(SKIP, "无印发机关和印发日期")]
    findings = []
    for p in found:
        text = _plain(p.text)
        if not text.endswith("印发"):
            findings.append(Finding(FAIL, "印发日期后应加“印发”二字", p))
        elif not _has_jinja(p.text):
            date = re.search(rf"([\d{_CN_DIGITS}]+年[\d{_CN_DIGITS}]+月[\d{_CN_DIGITS}]+日)印发$", text)
            if not date:
                findings.append(Finding(FAIL, "未找到印发日期（如“2024年5月6日印发”）", p))
            else:
                findings += [
                    Finding(FAIL, f"印发日期“{date.group(1)}”{problem}", p)
                    for problem in date_problems(date.group(1))
                ]
        for problem in (
            _check_size(p, parsed.profile.imprint_pt, "印发机关和印发日期"),
            _check_font(parsed, p, "仿宋", "印发机关和印发日期"),
        ):
            if problem:
                findings.append(problem)
    return findings or [Finding(PASS, "4号仿宋，日期后加“印发”")]


_PAGE_FIELD = re.compile(r"(?<![A-Z])PAGE(?![A-Z])")
_DASHES = "—―"


def _page_paragraphs(parsed: Parsed, part: str | None, where: str) -> list[Paragraph]:
    if not part:
        return []
    return [
        p for p in parsed.doc.part_paragraphs(part, where) if any(_PAGE_FIELD.search(f) for f in p.fields)
    ]


@clause("7.5", "页码")
def _page_numbers(parsed: Parsed) -> list[Finding]:
    doc = parsed.doc
    profile = parsed.profile
    odd_even = doc.setting("evenAndOddHeaders")
    findings: list[Finding] = []
    numbered: list[Paragraph] = []
    for section in doc.sections:
        name = f"第 {section.index} 节" if len(doc.sections) > 1 else ""
        odd = _page_paragraphs(parsed, section.footers.get("default"), _part_where(doc, "footer", "default"))
        if not odd:
            in_header = _page_paragraphs(parsed, section.headers.get("default"), "页眉")
            if in_header:
                findings.append(
                    Finding(FAIL, f"{name}页码应在页脚（版心下边缘之下），不在页眉", in_header[0])
                )
            else:
                findings.append(Finding(FAIL, f"{name}未设置页码：页脚中没有页码域（PAGE）"))
            continue
        numbered += odd
        if odd_even:
            even = _page_paragraphs(parsed, section.footers.get("even"), "偶数页页脚")
            if not even:
                findings.append(Finding(FAIL, f"{name}偶数页页脚没有页码"))
            numbered += even
            if profile.page_number_sides:
                for p in odd:
                    if p.properties.get("align") != "right":
                        findings.append(Finding(FAIL, "单页码应居右空一字", p))
                for p in even:
                    if p.properties.get("align") not in ("left", "justify"):
                        findings.append(Finding(FAIL, "双页码应居左空一字", p))
        elif profile.page_number_sides:
            findings.append(Finding(FAIL, "未设置“奇偶页不同”：单页码应居右空一字、双页码居左空一字", odd[0]))
        if parsed.layout == OFFICIAL and section.index == 1 and section.title_page:
            first = _page_paragraphs(parsed, section.footers.get("first"), "首页页脚")
            if not first:
                findings.append(Finding(FAIL, "首页不显示页码（设置了“首页不同”），文件式公文首页应有页码"))
    for p in numbered:
        text = p.text.strip()
        if not (text[:1] in _DASHES and text[-1:] in _DASHES):
            if text[:1] in "-－–" and text[-1:] in "-－–":
                findings.append(Finding(WARN, "页码两侧应为一字线“—”，而不是连字符或短横", p))
            else:
                findings.append(Finding(FAIL, "页码两侧应各放一条一字线，如“— 1 —”", p))
        problem = _check_size(p, profile.imprint_pt, "页码")
        if problem:
            findings.append(problem)
    if not findings:
        sides = "单页居右、双页居左" if odd_even else "居中"
        findings.append(Finding(PASS, f"“— N —”，4号，{sides}"))
    return findings


@clause("10.1", "信函格式")
def _letter(parsed: Parsed) -> list[Finding]:
    if parsed.layout != LETTER:
        return [Finding(SKIP, "仅适用于信函式")]
    doc = parsed.doc
    first = doc.sections[0]
    findings = []
    if not first.title_page:
        findings.append(Finding(FAIL, "应设置“首页不同”的页眉页脚：信函式首页不显示页码"))
    else:
        page_one = _page_paragraphs(parsed, first.footers.get("first"), "首页页脚")
        if page_one:
            findings.append(Finding(FAIL, "信函式首页不显示页码", page_one[0]))
    rules = [
        p
        for p in parsed.header_rules + [p for p, _ in parsed.body[:10]]
        for side in p.properties.get("borders", {}).values()
        if _border_color_ok(side)
    ]
    if len(rules) < 2:
        findings.append(Finding(WARN, "未找到红色双线（首页上、下各一条）；如用图形线条绘制则无法检查"))
    if not findings:
        findings.append(Finding(PASS, "首页无页码，红色双线上下各一条"))
    return findings


# -- entry points ------------------------------------------------------------------------------
def check_document(path: Path, profile: Profile | str | None = None) -> CheckReport:
    """Check one .docx against a profile (a Profile, a built-in name, or a TOML path)."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    doc = Document(path)
    try:
        parsed = parse(doc, profile)
        report = CheckReport(
            path=path,
            profile=profile,
            layout=parsed.layout,
            layout_detected=profile.layout is None,
            template=parsed.template,
        )
        for number, title, function in CLAUSES:
            report.clauses.append(ClauseResult(number, title, function(parsed)))
    finally:
        doc.close()
    return report


def check_documents(paths: Iterable[Path], profile: Profile | str | None = None) -> list[CheckReport]:
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    return [check_document(path, profile) for path in paths]
