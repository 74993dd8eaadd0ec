"""Read what a .docx looks like: sections, paragraphs and the formatting each character gets.

Word stores formatting in layers; a character's font, size and colour is the first value found
in: the run's own properties → its character style and the styles that style is based on →
the paragraph's style chain (or the default paragraph style) → the document defaults. Theme
fonts (``w:eastAsiaTheme``) are looked up in the theme part. This module resolves those layers
for the checker, reading the package with lxml only (python-docx hides too much of it).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import JianchaError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
W = f"{{{W_NS}}}"
R = f"{{{R_NS}}}"
MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)

TWIPS_PER_MM = 1440 / 25.4  # 56.69


class DocumentUnreadable(JianchaError):
    """The file is not a Word document that can be checked."""


def _on(element: Any | None, attr: str = "val") -> bool | None:
    """A Word on/off property: present without a value means on."""
    if element is None:
        return None
    value = element.get(W + attr)
    return value is None or value.lower() not in {"0", "false", "off"}


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


# -- sections ----------------------------------------------------------------------------------
@dataclass
class Section:
    index: int  # 1-based
    width: int | None = None  # twips
    height: int | None = None
    orientation: str = "portrait"
    margins: dict[str, int] = field(default_factory=dict)  # top/bottom/left/right/header/footer/gutter
    grid_type: str | None = None
    line_pitch: int | None = None  # twips
    char_space: int | None = None
    title_page: bool = False  # a different first-page header and footer
    headers: dict[str, str] = field(default_factory=dict)  # type (default/even/first) → part name
    footers: dict[str, str] = field(default_factory=dict)


# -- characters and paragraphs -----------------------------------------------------------------
@dataclass(frozen=True)
class Look:
    """How a run's characters are formatted, every layer resolved."""

    east_asia: str | None
    latin: str | None
    half_points: int | None
    color: str | None  # "auto" or RRGGBB, upper case

    @property
    def size(self) -> float | None:
        return self.half_points / 2 if self.half_points else None


@dataclass
class Paragraph:
    element: Any
    part: str  # "document", or the header/footer part name
    where: str  # Chinese: 正文, 首页页眉 … (filled in by the document)
    number: int  # 1-based position among the paragraphs of its part, in reading order
    style_id: str | None
    text: str
    chars: list[tuple[str, Look]]
    in_table: bool = False
    in_textbox: bool = False
    section: int = 1
    fields: list[str] = field(default_factory=list)  # field instructions, e.g. "PAGE"
    properties: dict[str, Any] = field(default_factory=dict)  # resolved paragraph properties
    has_drawing: bool = False
    # The label Word's auto-numbering draws before the text ("一、", "（二）"), not in the text.
    number_label: str = ""

    def visible(self) -> list[tuple[str, Look]]:
        return [(c, look) for c, look in self.chars if not c.isspace()]

    def label(self, width: int = 20) -> str:
        """第 12 段「抄送：市委办公室，市政府办…」 — how a report names this paragraph."""
        text = re.sub(r"\s+", " ", self.text).strip()
        if len(text) > width:
            text = text[:width] + "…"
        place = f"{self.where}第 {self.number} 段" if self.where != "正文" else f"第 {self.number} 段"
        if self.in_table:
            place += "（表格中）"
        if self.in_textbox:
            place += "（文本框中）"
        return f"{place}「{text}」" if text else f"{place}（空段落）"


@dataclass
class StyleInfo:
    style_id: str
    name: str
    kind: str  # paragraph / character / table / numbering
    based_on: str | None
    element: Any


class Document:
    """A .docx opened for checking: sections, body/header/footer paragraphs, settings."""

    def __init__(self, path: Path) -> None:
        from lxml import etree

        self.path = path
        self._etree = etree
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError as e:
            raise DocumentUnreadable(f"找不到文件 {path}") from e
        except (zipfile.BadZipFile, OSError) as e:
            raise DocumentUnreadable(f"{path.name} 不是有效的 Word 文档（.docx）：{e}") from e
        try:
            self.main_part = self._main_part_name()
            self.body = self._xml(self.main_part)
            self.rels = self._relationships(self.main_part)
            self.styles_root = self._xml_by_type("styles")
            self.settings_root = self._xml_by_type("settings")
            self.theme_root = self._xml_by_type("theme")
            self.numbering_root = self._xml_by_type("numbering")
        except etree.XMLSyntaxError as e:
            raise DocumentUnreadable(f"{path.name} 已损坏，无法读取：{e}") from e
        except KeyError as e:
            raise DocumentUnreadable(f"{path.name} 不是有效的 Word 文档（.docx）：缺少 {e}") from e
        self.styles = self._read_styles()
        self.default_paragraph_style = next(
            (s.style_id for s in self.styles.values() if s.kind == "paragraph" and _on(s.element, "default")),
            None,
        )
        self._theme_fonts = self._read_theme_fonts()
        self.sections = self._read_sections()
        self.paragraphs = self._read_body()
        self._parts: dict[str, list[Paragraph]] = {}

    # -- package ------------------------------------------------------------------------------
    def close(self) -> None:
        self._zip.close()

    def _main_part_name(self) -> str:
        types = self._etree.fromstring(self._zip.read("[Content_Types].xml"))
        for override in types:
            if override.get("ContentType") in MAIN_TYPES:
                return override.get("PartName").lstrip("/")
        if "word/document.xml" in self._zip.namelist():
            return "word/document.xml"
        raise DocumentUnreadable(f"{self.path.name} 不是 Word 文档：找不到正文部分")

    def _xml(self, name: str) -> Any:
        return self._etree.fromstring(self._zip.read(name))

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """rId → (type suffix, part name)."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self._zip.namelist():
            return {}
        found = {}
        for rel in self._xml(rels_name):
            if rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
            found[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target.lstrip("/"))
        return found

    def _xml_by_type(self, kind: str) -> Any | None:
        for rel_type, target in self.rels.values():
            if rel_type == kind and target in self._zip.namelist():
                return self._xml(target)
        return None

    def part_xml(self, name: str) -> Any | None:
        return self._xml(name) if name in self._zip.namelist() else None

    # -- settings -------------------------------------------------------------------------------
    def setting(self, tag: str) -> bool:
        if self.settings_root is None:
            return False
        return bool(_on(self.settings_root.find(W + tag)))

    # -- styles ---------------------------------------------------------------------------------
    def _read_styles(self) -> dict[str, StyleInfo]:
        styles: dict[str, StyleInfo] = {}
        if self.styles_root is None:
            return styles
        for element in self.styles_root.iter(W + "style"):
            style_id = element.get(W + "styleId")
            if not style_id:
                continue
            name = element.find(W + "name")
            based = element.find(W + "basedOn")
            styles[style_id] = StyleInfo(
                style_id,
                name.get(W + "val") if name is not None else style_id,
                element.get(W + "type", "paragraph"),
                based.get(W + "val") if based is not None else None,
                element,
            )
        return styles

    def style_chain(self, style_id: str | None) -> list[Any]:
        """The style's element, then those it is based on (cycles cut)."""
        chain, seen = [], set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            info = self.styles[style_id]
            chain.append(info.element)
            style_id = info.based_on
        return chain

    def style_name(self, style_id: str | None) -> str | None:
        if style_id and style_id in self.styles:
            return self.styles[style_id].name
        return None

    def _defaults(self, kind: str) -> Any | None:
        if self.styles_root is None:
            return None
        tag = "rPrDefault" if kind == "rPr" else "pPrDefault"
        return self.styles_root.find(f"{W}docDefaults/{W}{tag}/{W}{kind}")

    def _read_theme_fonts(self) -> dict[str, str]:
        """minorEastAsia/majorEastAsia (and the Latin ones) → typeface, from the theme."""
        fonts: dict[str, str] = {}
        if self.theme_root is None:
            return fonts
        a = f"{{{A_NS}}}"
        for which in ("major", "minor"):
            scheme = self.theme_root.find(f".//{a}{which}Font")
            if scheme is None:
                continue
            ea = scheme.find(a + "ea")
            hans = next((f for f in scheme.findall(a + "font") if f.get("script") == "Hans"), None)
            typeface = (ea.get("typeface") if ea is not None else "") or (
                hans.get("typeface") if hans is not None else ""
            )
            if typeface:
                fonts[f"{which}EastAsia"] = typeface
            latin = scheme.find(a + "latin")
            if latin is not None and latin.get("typeface"):
                fonts[f"{which}HAnsi"] = fonts[f"{which}Ascii"] = latin.get("typeface")
        return fonts

    # -- resolving properties -------------------------------------------------------------------
    def paragraph_layers(self, p: Any) -> list[Any]:
        """pPr elements from the paragraph itself down to the document defaults."""
        ppr = p.find(W + "pPr")
        style = ppr.find(W + "pStyle") if ppr is not None else None
        style_id = style.get(W + "val") if style is not None else self.default_paragraph_style
        if style_id not in self.styles:
            style_id = self.default_paragraph_style
        layers = [ppr] if ppr is not None else []
        layers += [s.find(W + "pPr") for s in self.style_chain(style_id)]
        layers.append(self._defaults("pPr"))
        return [layer for layer in layers if layer is not None]

    def paragraph_style_id(self, p: Any) -> str | None:
        ppr = p.find(W + "pPr")
        style = ppr.find(W + "pStyle") if ppr is not None else None
        if style is not None:
            return style.get(W + "val")
        return self.default_paragraph_style

    def run_layers(self, p: Any, r: Any) -> list[Any]:
        """rPr elements from the run itself down to the document defaults."""
        rpr = r.find(W + "rPr")
        layers = [rpr] if rpr is not None else []
        if rpr is not None:
            rstyle = rpr.find(W + "rStyle")
            if rstyle is not None:
                layers += [s.find(W + "rPr") for s in self.style_chain(rstyle.get(W + "val"))]
        style_id = self.paragraph_style_id(p)
        if style_id not in self.styles:
            style_id = self.default_paragraph_style
        layers += [s.find(W + "rPr") for s in self.style_chain(style_id)]
        layers.append(self._defaults("rPr"))
        return [layer for layer in layers if layer is not None]

    def resolve_look(self, layers: list[Any]) -> Look:
        east_asia = latin = color = None
        half_points = None
        for layer in layers:
            fonts = layer.find(W + "rFonts")
            if fonts is not None:
                if east_asia is None:
                    theme = fonts.get(W + "eastAsiaTheme")
                    east_asia = self._theme_fonts.get(theme or "") or fonts.get(W + "eastAsia")
                if latin is None:
                    theme = fonts.get(W + "asciiTheme")
                    latin = self._theme_fonts.get(theme or "") or fonts.get(W + "ascii")
            if half_points is None:
                half_points = _int(_attr(layer.find(W + "sz")))
            if color is None:
                node = layer.find(W + "color")
                if node is not None and node.get(W + "val"):
                    color = node.get(W + "val").upper()
        # Word's own defaults when nothing says otherwise: 10 pt (20 half-points), automatic colour.
        return Look(east_asia, latin, half_points or 20, color or "AUTO")

    def default_look(self) -> Look:
        """What newly typed text looks like: the default paragraph style and the document defaults."""
        layers = [s.find(W + "rPr") for s in self.style_chain(self.default_paragraph_style)]
        layers.append(self._defaults("rPr"))
        return self.resolve_look([layer for layer in layers if layer is not None])

    def paragraph_properties(self, p: Any) -> dict[str, Any]:
        """Alignment, line spacing, indents and borders the paragraph ends up with."""
        layers = self.paragraph_layers(p)
        props: dict[str, Any] = {}

        def first(tag: str, attrs: tuple[str, ...]) -> dict[str, str]:
            """Each attribute from the first layer that sets it (Word inherits them one by one)."""
            found: dict[str, str] = {}
            for layer in layers:
                node = layer.find(W + tag)
                if node is None:
                    continue
                for attr in attrs:
                    if attr not in found and node.get(W + attr) is not None:
                        found[attr] = node.get(W + attr)
            return found

        jc = first("jc", ("val",)).get("val", "left")
        props["align"] = {"start": "left", "end": "right", "both": "justify", "distribute": "justify"}.get(
            jc, jc
        )
        spacing = first("spacing", ("line", "lineRule", "before", "after"))
        props["line"] = _int(spacing.get("line"))
        props["line_rule"] = spacing.get("lineRule", "auto") if "line" in spacing else None
        props["before"] = _int(spacing.get("before")) or 0
        indent = first(
            "ind",
            (
                "firstLine",
                "firstLineChars",
                "hanging",
                "hangingChars",
                "left",
                "start",
                "right",
                "end",
                "leftChars",
            ),
        )
        props["first_line"] = _int(indent.get("firstLine")) or 0
        props["first_line_chars"] = _int(indent.get("firstLineChars"))
        props["hanging"] = _int(indent.get("hanging")) or 0
        if indent.get("hangingChars") and _int(indent.get("hangingChars")):
            props["hanging"] = props["hanging"] or 1
        props["left"] = _int(indent.get("left", indent.get("start"))) or 0
        props["right"] = _int(indent.get("right", indent.get("end"))) or 0
        snap = next(
            (layer.find(W + "snapToGrid") for layer in layers if layer.find(W + "snapToGrid") is not None),
            None,
        )
        props["snap_to_grid"] = _on(snap) if snap is not None else True
        borders: dict[str, dict[str, str]] = {}
        for layer in layers:
            pbdr = layer.find(W + "pBdr")
            if pbdr is None:
                continue
            for side in pbdr:
                name = side.tag.split("}")[1]
                if name not in borders:
                    borders[name] = {k.split("}")[1]: v for k, v in side.attrib.items()}
        props["borders"] = {k: v for k, v in borders.items() if v.get("val") not in (None, "nil", "none")}
        frame = next(
            (layer.find(W + "framePr") for layer in layers if layer.find(W + "framePr") is not None), None
        )
        props["frame"] = {k.split("}")[1]: v for k, v in frame.attrib.items()} if frame is not None else None
        return props

    # -- sections -------------------------------------------------------------------------------
    def _read_sections(self) -> list[Section]:
        body = self.body.find(W + "body")
        found = [p.find(f"{W}pPr/{W}sectPr") for p in body.iter(W + "p")]
        elements = [e for e in found if e is not None]
        last = body.find(W + "sectPr")
        if last is not None:
            elements.append(last)
        sections = []
        headers: dict[str, str] = {}
        footers: dict[str, str] = {}
        for index, element in enumerate(elements, 1):
            section = Section(index)
            size = element.find(W + "pgSz")
            if size is not None:
                section.width = _int(size.get(W + "w"))
                section.height = _int(size.get(W + "h"))
                section.orientation = size.get(W + "orient", "portrait")
            margins = element.find(W + "pgMar")
            if margins is not None:
                section.margins = {
                    k.split("}")[1]: _int(v) or 0 for k, v in margins.attrib.items() if _int(v) is not None
                }
            grid = element.find(W + "docGrid")
            if grid is not None:
                section.grid_type = grid.get(W + "type")
                section.line_pitch = _int(grid.get(W + "linePitch"))
                section.char_space = _int(grid.get(W + "charSpace"))
            section.title_page = bool(_on(element.find(W + "titlePg")))
            # A section without its own header or footer of a type inherits the previous one's.
            for tag, known in (("headerReference", headers), ("footerReference", footers)):
                for ref in element.findall(W + tag):
                    rel = self.rels.get(ref.get(R + "id"))
                    if rel:
                        known[ref.get(W + "type", "default")] = rel[1]
            section.headers = dict(headers)
            section.footers = dict(footers)
            sections.append(section)
        return sections or [Section(1)]

    # -- paragraphs -----------------------------------------------------------------------------
    def _read_body(self) -> list[Paragraph]:
        body = self.body.find(W + "body")
        paragraphs = list(self._paragraphs_of(body, "document", "正文"))
        # Which section each paragraph is in: a paragraph holding a sectPr ends its section.
        section = 1
        for paragraph in paragraphs:
            paragraph.section = section
            if paragraph.element.find(f"{W}pPr/{W}sectPr") is not None:
                section += 1
        self._apply_numbering(paragraphs)
        return paragraphs

    # -- auto-numbering -------------------------------------------------------------------------
    def _num_levels(self) -> dict[str, dict[int, Any]]:
        """numId → level → w:lvl element (a w:num's overrides first, then its abstractNum)."""
        if self.numbering_root is None:
            return {}
        abstract = {
            a.get(W + "abstractNumId"): {_int(lvl.get(W + "ilvl")) or 0: lvl for lvl in a.findall(W + "lvl")}
            for a in self.numbering_root.findall(W + "abstractNum")
        }
        levels: dict[str, dict[int, Any]] = {}
        for num in self.numbering_root.findall(W + "num"):
            ref = num.find(W + "abstractNumId")
            found = dict(abstract.get(_attr(ref), {}))
            for override in num.findall(W + "lvlOverride"):
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    found[_int(override.get(W + "ilvl")) or 0] = lvl
            levels[num.get(W + "numId")] = found
        return levels

    def _num_pr(self, p: Any) -> tuple[str, int] | None:
        for layer in self.paragraph_layers(p):
            num_pr = layer.find(W + "numPr")
            if num_pr is None:
                continue
            num_id = _attr(num_pr.find(W + "numId"))
            if num_id is None:
                continue
            return None if num_id == "0" else (num_id, _int(_attr(num_pr.find(W + "ilvl"))) or 0)
        return None

    def _apply_numbering(self, paragraphs: list[Paragraph]) -> None:
        """Put the label Word draws for an auto-numbered paragraph in front of its text, with the
        level's own formatting, so roles and fonts see what the reader sees."""
        levels = self._num_levels()
        if not levels:
            return
        counters: dict[str, list[int]] = {}
        for paragraph in paragraphs:
            found = self._num_pr(paragraph.element)
            if found is None or found[0] not in levels or found[1] not in levels[found[0]]:
                continue
            num_id, level = found
            counts = counters.setdefault(num_id, [0] * 9)
            lvl = levels[num_id][level]
            start = _int(_attr(lvl.find(W + "start"))) or 1
            counts[level] = counts[level] + 1 if counts[level] else start
            for deeper in range(level + 1, 9):
                counts[deeper] = 0
            if _attr(lvl.find(W + "numFmt")) in ("bullet", "none"):
                continue
            template = _attr(lvl.find(W + "lvlText")) or ""
            own = levels[num_id]

            def number(match: re.Match, counts: list[int] = counts, own: dict = own, lvl: Any = lvl) -> str:
                at = int(match.group(1)) - 1
                return _format_number(max(counts[at], 1), _attr(own.get(at, lvl).find(W + "numFmt")))

            label = re.sub(r"%(\d)", number, template)
            if not label:
                continue
            rpr = lvl.find(W + "rPr")
            layers = ([rpr] if rpr is not None else []) + self.run_layers(
                paragraph.element, paragraph.element
            )
            look = self.resolve_look([layer for layer in layers if layer is not None])
            paragraph.number_label = label
            paragraph.text = label + paragraph.text
            paragraph.chars = [(c, look) for c in label] + paragraph.chars

    def part_paragraphs(self, part: str, where: str) -> list[Paragraph]:
        """The paragraphs of a header or footer part."""
        if part not in self._parts:
            root = self.part_xml(part)
            self._parts[part] = [] if root is None else list(self._paragraphs_of(root, part, where))
        return self._parts[part]

    def _paragraphs_of(self, root: Any, part: str, where: str) -> Iterator[Paragraph]:
        for number, p in enumerate(root.iter(W + "p"), 1):
            ancestors = {a.tag for a in p.iterancestors()}
            # A paragraph inside a paragraph is in a text box (or a shape): flagged as such.
            in_textbox = W + "p" in ancestors or W + "txbxContent" in ancestors
            text, chars, fields = self._content(p)
            yield Paragraph(
                element=p,
                part=part,
                where=where,
                number=number,
                style_id=self.paragraph_style_id(p),
                text=text,
                chars=chars,
                in_table=W + "tc" in ancestors,
                in_textbox=in_textbox,
                fields=fields,
                properties=self.paragraph_properties(p),
                has_drawing=any(True for _ in p.iter(W + "drawing", W + "pict")),
            )

    def _content(self, p: Any) -> tuple[str, list[tuple[str, Look]], list[str]]:
        """The visible characters of a paragraph with their formatting, and its field codes."""
        chars: list[tuple[str, Look]] = []
        fields: list[str] = []
        instruction: list[str] = []
        for node in _walk_runs(p):
            if node.tag == W + "fldSimple":
                fields.append(node.get(W + "instr", "").strip())
                continue
            rpr = node.find(W + "rPr")
            if rpr is not None and _on(rpr.find(W + "vanish")):
                continue
            look: Look | None = None
            for child in node:
                tag = child.tag
                if tag == W + "fldChar":
                    kind = child.get(W + "fldCharType")
                    if kind == "begin":
                        instruction = []
                    elif kind in ("separate", "end") and instruction:
                        fields.append("".join(instruction).strip())
                        instruction = []
                    continue
                if tag == W + "instrText":
                    instruction.append(child.text or "")
                    continue
                piece = _visible_text(child)
                if piece:
                    look = look or self.resolve_look(self.run_layers(p, node))
                    chars.extend((c, look) for c in piece)
        return "".join(c for c, _ in chars), chars, fields


_CN_NUMERALS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _CN_NUMERALS[n]
    if n < 20:
        return "十" + (_CN_NUMERALS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_NUMERALS[n // 10] + "十" + (_CN_NUMERALS[n % 10] if n % 10 else "")
    return str(n)


def _format_number(n: int, fmt: str | None) -> str:
    """A list number in Word's numFmt (the common ones of Chinese documents)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting"):
        return _chinese_number(n)
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if n <= 20 else str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


def _attr(element: Any | None) -> str | None:
    return element.get(W + "val") if element is not None else None


_CONTAINERS = {
    W + tag
    for tag in (
        "hyperlink",
        "ins",
        "smartTag",
        "customXml",
        "sdt",
        "sdtContent",
        "moveTo",
        "fldSimple",
        "dir",
        "bdo",
    )
}
_SKIPPED = {W + tag for tag in ("del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr", "proofErr")}


def _walk_runs(element: Any) -> Iterator[Any]:
    """Runs (and simple fields) of a paragraph in order, inside hyperlinks, insertions, content
    controls; not deleted text and not paragraphs nested in text boxes."""
    for child in element:
        tag = child.tag
        if tag == W + "r":
            yield child
        elif tag == W + "fldSimple":
            yield child
            yield from _walk_runs(child)
        elif tag in _CONTAINERS:
            yield from _walk_runs(child)


def _visible_text(node: Any) -> str:
    tag = node.tag
    if tag == W + "t":
        return node.text or ""
    if tag == W + "tab" or tag == W + "ptab":
        return "\t"
    if tag in (W + "br", W + "cr"):
        return "\n"
    if tag == W + "noBreakHyphen":
        return "-"
    if tag == W + "sym":
        code = node.get(W + "char", "")
        try:
            return chr(int(code, 16))
        except ValueError:
            return ""
    return ""
