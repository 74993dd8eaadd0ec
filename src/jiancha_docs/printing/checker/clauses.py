"""One function per GB/T 9704-2012 clause that can be verified from a .docx.

Each clause looks at the paragraphs of its roles (``roles.py``), with the numbers and tolerances
of the profile, and reports what passes, what fails and where. Nothing here prints.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ... import layout
from ...gbt9704 import doc_number_problems
from ..ooxml import TWIPS_PER_MM, Document, Look, Paragraph, Section
from ..profiles import LETTER, OFFICIAL, Profile
from .props import (
    alignment,
    border_is_red,
    color_label,
    dominant_size,
    fonts_of,
    has_jinja,
    indent_chars,
    is_black,
    is_ideograph,
    is_red,
    plain,
    size_label,
    sizes_of,
)
from .report import FAIL, PASS, SKIP, WARN, Finding
from .roles import (
    ATTACHMENT_ITEM,
    CN_DIGITS,
    DATE,
    TEMPLATE_TAG,
    TEXT_ROLES,
    URGENCY,
    Role,
    classify,
    detect_layout,
)


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
    template = any(has_jinja(p.text) for p, _ in body)
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
                    if has_jinja(p.text):
                        template = True
    return Parsed(doc, profile, layout, template, body, header_marks, header_rules, others)


# -- helpers for the clauses -------------------------------------------------------------------
def _fonts_of(p: Paragraph, chars: Iterable[tuple[str, Look]] | None = None) -> list[str]:
    return fonts_of(p, chars)


def _check_size(p: Paragraph, expected: float, element: str) -> Finding | None:
    wrong = [s for s in sizes_of(p) if abs(s - expected) > 0.01]
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
    size = dominant_size(p) or 16
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
        if not re.fullmatch(r"\d{6}", plain(p.text)):
            findings.append(Finding(FAIL, "份号应为 6 位阿拉伯数字，如 000001", p))
    return findings or [Finding(PASS, "6 位数字")]


def _heiti_line(parsed: Parsed, role: str, absent: str, pattern: re.Pattern, rule: str) -> list[Finding]:
    found = parsed.role(role)
    if not found:
        return [Finding(SKIP, absent)]
    findings = []
    for p in found:
        if not pattern.match(plain(p.text)):
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
        if not has_jinja(p.text):
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
            if parsed.template and all(has_jinja(p.text) for p in found)
            else ""
        )
        findings.append(Finding(PASS, f"“{plain(found[0].text)}”，3号仿宋{note}"))
    return findings


@clause("7.2.7", "版头分隔线")
def _red_rule(parsed: Parsed) -> list[Finding]:
    if parsed.layout == LETTER:
        return [Finding(SKIP, "信函式的红色双线见 10.1")]
    numbers = parsed.role("doc_number")
    if not numbers:
        return [Finding(SKIP, "未找到发文字号，无法定位分隔线")]
    number = numbers[0]
    index = next(i for i, (p, _) in enumerate(parsed.body) if p is number)
    holder, border = number, number.properties.get("borders", {}).get("bottom")
    if border is None:
        for p, _ in parsed.body[index + 1 : index + 3]:
            borders = p.properties.get("borders", {})
            border = borders.get("top") or (borders.get("bottom") if not p.text.strip() else None)
            if border is not None:
                holder = p
                break
    if border is None:
        nearby = [p for p, _ in parsed.body[max(0, index - 1) : index + 3]]
        if any(p.has_drawing for p in nearby):
            return [Finding(WARN, "分隔线是图形线条，无法检查颜色和长度", number)]
        return [Finding(WARN, "发文字号下未找到红色分隔线（段落边框）；如用图形线条绘制则无法检查", number)]
    if not border_is_red(border):
        return [
            Finding(FAIL, f"发文字号下的分隔线应为红色，实为 {border.get('color', '自动（黑色）')}", number)
        ]
    section = parsed.section_of(holder)
    if section.width and "left" in section.margins and "right" in section.margins:
        area = section.width - abs(section.margins["left"]) - abs(section.margins["right"])
        length = _mm(area - holder.properties.get("left", 0) - holder.properties.get("right", 0))
        if length < layout.RED_RULE_WIDTH_MM - 4:
            return [
                Finding(
                    FAIL,
                    f"红色分隔线长 {length:.0f} mm，应与版心等宽（{layout.RED_RULE_WIDTH_MM:g} mm）",
                    holder,
                )
            ]
    return [Finding(PASS, "发文字号下有红色分隔线，与版心等宽")]


def _gap_lines(parsed: Parsed, after: Paragraph, before: Paragraph) -> float:
    """Blank lines between two body paragraphs: empty paragraphs and spacing, in grid lines."""
    paragraphs = parsed.doc.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p is after)
    end = next(i for i, p in enumerate(paragraphs) if p is before)
    pitch = (parsed.section_of(before).line_pitch or 579) or 579
    blanks = sum(1 for p in paragraphs[start + 1 : end] if not p.text.strip())
    spacing = before.properties.get("before") or 0
    return blanks + spacing / pitch


def _title_placement(parsed: Parsed, first: Paragraph) -> list[Finding]:
    """7.3.1: the title two lines under the red rule (文件式); at least one blank line is asked."""
    if parsed.layout != OFFICIAL:
        return []
    numbers = parsed.role(Role.DOC_NUMBER)
    if not numbers:
        return []
    if _gap_lines(parsed, numbers[0], first) < 0.9:
        return [Finding(FAIL, "标题紧贴红色分隔线，应在分隔线下空二行", first)]
    return []


@clause("7.3.1", "标题")
def _title(parsed: Parsed) -> list[Finding]:
    found = parsed.role("title")
    if not found:
        return [Finding(FAIL, "未找到标题（应在红色分隔线下空二行，居中）")]
    findings = [] if has_jinja(found[0].text) else _title_placement(parsed, found[0])
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
        if abs(indent_chars(p)) > 0.25 or abs(p.properties.get("left", 0)) > 80:
            findings.append(Finding(FAIL, "主送机关应居左顶格", p))
        findings += _text_problems(parsed, p, "主送机关")
    return findings or [Finding(PASS, "居左顶格，全角冒号，3号仿宋")]


_HEADING_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)])")


def _heading_font_problems(parsed: Parsed, p: Paragraph, role: str) -> list[Finding]:
    """一、 in 黑体: the label (typed or Word's auto-number) and the heading's own words up to its
    first full stop — a 黑体 number before 仿宋 words is not a 黑体 heading. （一） in 楷体: its
    label, the words after it in 楷体 or 仿宋 (an item run into its text, as our templates set
    it). After the heading the paragraph may keep the heading font or return to 仿宋."""
    chars = p.chars
    label = _HEADING_LABEL.match("".join(c for c, _ in chars))
    stop = next((i for i, (c, _) in enumerate(chars) if c in "。！？"), len(chars))
    if role != "heading1" and label:
        stop = label.end() - 1
    stop = max(stop, label.end() - 1 if label else 0)
    heading = [(c, look) for c, look in chars[: stop + 1] if is_ideograph(c)]
    if not heading:
        return []
    family, label = ("黑体", "一级标题") if role == "heading1" else ("楷体", "二级标题")
    wrong = next(
        (look.east_asia for _, look in heading if not parsed.profile.accepts_font(family, look.east_asia)), 0
    )
    if wrong != 0:
        return [Finding(FAIL, f"{label}字体为“{wrong or '（未指定）'}”，应为{family}", p)]
    rest = [
        look.east_asia or "（未指定）"
        for c, look in chars[stop + 1 :]
        if is_ideograph(c)
        and not (
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
        indent = indent_chars(p)
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
    if not has_jinja(first.text) and not plain(first.text).startswith("附件："):
        findings.append(Finding(FAIL, "附件说明应以“附件：”开头（全角冒号）", first))
    for p in found:
        if has_jinja(p.text):
            continue
        name = re.sub(r"^附\s*件\s*[：:]", "", p.text.strip())
        name = ATTACHMENT_ITEM.sub("", name).strip()
        if name and name[-1] in "。，；.,;：:、":
            findings.append(Finding(FAIL, f"附件名称后不加标点符号（“{name[-1]}”）", p))
        findings += _text_problems(parsed, p, "附件说明")
    return findings or [Finding(PASS, f"{len(found)} 行，3号仿宋")]


def date_problems(text: str) -> list[str]:
    """Why a date line is wrong: Chinese numerals, zero padding, a short year, an invalid date."""
    flat = plain(text)
    if DATE.match(flat):
        month, day = (int(x) for x in re.findall(r"\d+", flat)[1:3])
        return [] if 1 <= month <= 12 and 1 <= day <= 31 else ["不是有效的日期"]
    if re.search(f"[{CN_DIGITS}]", flat):
        return ["应使用阿拉伯数字（如 2024年5月6日）"]
    problems = []
    parts = re.match(r"^(\d+)年(\d+)月(\d+)日", flat)
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
        if not has_jinja(p.text):
            findings += [Finding(FAIL, f"成文日期{problem}", p) for problem in date_problems(p.text)]
        findings += _text_problems(parsed, p, "成文日期")
    if not signatures:
        findings.append(Finding(WARN, "未找到发文机关署名"))
    for p in signatures:
        findings += _text_problems(parsed, p, "发文机关署名")
    for p, element in [(p, "发文机关署名") for p in signatures] + [(p, "成文日期") for p in dates]:
        if _flush_left(p):
            findings.append(Finding(FAIL, f"{element}居左排布，应居右（署名右空二字，日期右空四字）", p))
    if not findings:
        shown = plain(dates[0].text)
        findings.append(Finding(PASS, f"署名 {len(signatures)} 行，日期“{shown}”，3号仿宋"))
    return findings


def _flush_left(p: Paragraph) -> bool:
    """Set at the left edge of the type area (not right, not centred, no large indent) outside a
    table: 7.3.5 puts the 署名 and the 成文日期 on the right."""
    if p.in_table or has_jinja(p.text):
        return False
    left_chars = abs(p.properties.get("left", 0)) / ((dominant_size(p) or 16) * 20) + indent_chars(p)
    return alignment(p) in ("left", "justify") and left_chars < 8


@clause("7.3.6", "附注")
def _annotation(parsed: Parsed) -> list[Finding]:
    found = parsed.role("annotation")
    if not found:
        return [Finding(SKIP, "无附注")]
    findings = []
    for p in found:
        text = p.text.strip()
        if not has_jinja(text) and not (text.startswith("（") and text.endswith("）")):
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
    top = first.properties.get("borders", {}).get("top") or _table_border(first, "top")
    bottom = last.properties.get("borders", {}).get("bottom") or _table_border(last, "bottom")
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


def _table_border(p: Paragraph, side: str) -> dict[str, str] | None:
    """A 版记 set as a table: its rules are the table's (or the cell's) borders."""
    if not p.in_table:
        return None
    from ..ooxml import W

    table = next((a for a in p.element.iterancestors(W + "tbl")), None)
    cell = next((a for a in p.element.iterancestors(W + "tc")), None)
    for holder, path in (
        (cell, f"{W}tcPr/{W}tcBorders/{W}{side}"),
        (table, f"{W}tblPr/{W}tblBorders/{W}{side}"),
    ):
        edge = holder.find(path) if holder is not None else None
        if edge is not None and edge.get(W + "val") not in (None, "nil", "none"):
            return {k.split("}")[1]: v for k, v in edge.attrib.items()}
    return None


@clause("7.3.7", "附件")
def _attachments(parsed: Parsed) -> list[Finding]:
    marks = [p for p in parsed.role(Role.ATTACHMENT) if re.fullmatch(r"附\s*件\s*\d*", plain(p.text))]
    if not marks:
        return [Finding(SKIP, "无附件")]
    findings = []
    for p in marks:
        problem = _check_font(parsed, p, "黑体", "附件标识")
        if problem:
            findings.append(problem)
        problem = _check_size(p, parsed.profile.body_pt, "附件标识")
        if problem:
            findings.append(problem)
    return findings or [Finding(PASS, f"“{plain(marks[0].text)}”3号黑体")]


@clause("7.4.2", "抄送机关")
def _copy_to(parsed: Parsed) -> list[Finding]:
    found = parsed.role("copy_to")
    if not found:
        return [Finding(SKIP, "无抄送机关")]
    findings = []
    for p in found:
        text = plain(p.text)
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
        text = plain(p.text)
        if not text.endswith("印发"):
            findings.append(Finding(FAIL, "印发日期后应加“印发”二字", p))
        elif not has_jinja(p.text):
            date = re.search(rf"([\d{CN_DIGITS}]+年[\d{CN_DIGITS}]+月[\d{CN_DIGITS}]+日)印发$", text)
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


def _page_number_sides(
    parsed: Parsed, odd: list[Paragraph], even: list[Paragraph], name: str
) -> list[Finding]:
    """单页码居右空一字，双页码居左空一字: alternating footers, or one framed on the outside."""
    findings = []
    if all(alignment(p) == "outside" for p in odd) and not even:
        return findings  # a WPS frame on the outer edge serves odd and even pages
    if not parsed.doc.setting("evenAndOddHeaders"):
        return [Finding(FAIL, f"{name}未设置“奇偶页不同”：单页码应居右空一字、双页码居左空一字", odd[0])]
    if not even:
        return [Finding(FAIL, f"{name}偶数页页脚没有页码")]
    for p in odd:
        if alignment(p) not in ("right", "outside"):
            findings.append(Finding(FAIL, "单页码应居右空一字", p))
        elif not _one_char_in(p, "right"):
            findings.append(Finding(FAIL, "单页码应居右空一字（与版心右边缘空一个字）", p))
    for p in even:
        if alignment(p) not in ("left", "justify", "outside"):
            findings.append(Finding(FAIL, "双页码应居左空一字", p))
        elif not _one_char_in(p, "left"):
            findings.append(Finding(FAIL, "双页码应居左空一字（与版心左边缘空一个字）", p))
    return findings


def _one_char_in(p: Paragraph, side: str) -> bool:
    """One 4号 character between the number and the edge: an indent or a full-width space."""
    indent = abs(p.properties.get(side, 0)) / 20  # points
    text = p.text
    spaced = text.endswith(("\u3000", "  ")) if side == "right" else text.startswith(("\u3000", "  "))
    return spaced or 10 <= indent <= 20 or alignment(p) == "outside"


def _page_number_look(parsed: Parsed, p: Paragraph) -> list[Finding]:
    findings = []
    text = p.text.strip().strip("\u3000")
    if not (text[:1] in _DASHES and text[-1:] in _DASHES):
        findings.append(Finding(FAIL, "页码两侧应各放一条一字线“—”（不是连字符或短横），如“— 1 —”", p))
    problem = _check_size(p, parsed.profile.imprint_pt, "页码")
    if problem:
        findings.append(problem)
    digits = [look for c, look in p.chars if c.isdigit()]
    wrong = [look.latin for look in digits if not parsed.profile.accepts_font("宋体", look.latin)]
    if wrong:
        findings.append(Finding(FAIL, f"页码数字字体为“{wrong[0] or '（未指定）'}”，应为4号半角宋体", p))
    return findings


@clause("7.5", "页码")
def _page_numbers(parsed: Parsed) -> list[Finding]:
    doc = parsed.doc
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
        even = (
            _page_paragraphs(parsed, section.footers.get("even"), "偶数页页脚")
            if doc.setting("evenAndOddHeaders")
            else []
        )
        numbered += odd + even
        if parsed.profile.page_number_sides:
            findings += _page_number_sides(parsed, odd, even, name)
        first_page = parsed.layout == OFFICIAL and section.index == 1 and section.title_page
        if first_page and not _page_paragraphs(parsed, section.footers.get("first"), "首页页脚"):
            findings.append(Finding(FAIL, "首页不显示页码（设置了“首页不同”），文件式公文首页应有页码"))
    for p in numbered:
        findings += _page_number_look(parsed, p)
    if not findings:
        sides = "单页居右、双页居左，空一字" if parsed.profile.page_number_sides else "居中"
        findings.append(Finding(PASS, f"“— N —”，4号宋体，{sides}"))
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
        if border_is_red(side)
    ]
    if len(rules) < 2:
        findings.append(Finding(WARN, "未找到红色双线（首页上、下各一条）；如用图形线条绘制则无法检查"))
    if not findings:
        findings.append(Finding(PASS, "首页无页码，红色双线上下各一条"))
    return findings
