"""A Word template prepared once and rendered many times.

docxtpl re-reads and re-parses the .docx for every document. Here the template is read once:
its body, headers and footers are cleaned with docxtpl's own ``patch_xml`` (so the tag syntax is
exactly docxtpl's: ``{%p %}``, ``{%tr %}``, ``{{r }}`` …) and compiled to Jinja templates once;
each document is then one render of those templates, docxtpl's own post-processing
(``resolve_listing`` for line breaks and tabs, ``fix_tables``), and one zip write.

What does not change from one document to the next is done once, at preparation: a header or
footer whose template uses no variable renders to the same XML for every record, so it is
rendered once; and every part that does not change (those, and the styles, fonts, settings …
copied from the template) is compressed once into a "static" archive. A document is that archive
opened in append mode (the standard library's zipfile) with its rendered parts added — no part is
compressed twice.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TemplateProblem
from .pagination import lay_out

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEADER_FOOTER_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
)
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_BODY_MARK = "<!--jiancha-body-->"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls: Office before 2007
_RESAVE = "请用 Word 或 WPS 打开模板，另存为 .docx 后再试"
# What docxtpl's resolve_listing rewrites: tab, line feed, bell (\a: new paragraph), form feed.
_LISTING_CHARACTERS = re.compile("[\t\n\a\f]")


@dataclass
class _Part:
    name: str
    template: Any  # jinja2.Template
    source: str  # the Jinja source after docxtpl's patching (for variable discovery)
    prefix: str = ""  # for the main document: the XML around the body
    suffix: str = ""
    is_body: bool = False


class PreparedTemplate:
    """A .docx template compiled once; ``render_bytes`` makes one document from one context."""

    def __init__(self, path: Path, env: Any, data: bytes | None = None) -> None:
        """``data``: the template file's bytes, if already read (``path`` then only names it)."""
        self.path = Path(path)
        self.env = env
        try:
            if data is None:
                data = self.path.read_bytes()
            self.data = data
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self._infos = archive.infolist()
                self._info_by_name = {info.filename: info for info in self._infos}
                self._blobs = {info.filename: archive.read(info) for info in self._infos}
        except FileNotFoundError as e:
            raise TemplateProblem(f"找不到模板文件 {self.path}") from e
        except (zipfile.BadZipFile, OSError) as e:
            if self.path.suffix.lower() in (".doc", ".wps") or (data or b"").startswith(_OLE_MAGIC):
                raise TemplateProblem(
                    f"模板文件 {self.path.name} 是旧版 Word 文件（.doc），无法作为模板",
                    hint="请在 Word 或 WPS 中打开它，“另存为”Word 文档（.docx）后再试",
                ) from e
            raise TemplateProblem(f"模板文件 {self.path} 不是有效的 Word 文档（.docx）") from e
        self.main_name = self._main_document_name()
        self._parts = [self._prepare_body()] + [self._prepare_part(n) for n in self._header_footer_names()]
        self.sources = {p.name: p.source for p in self._parts}
        # Parts whose template reads no variable are rendered once, with the first document
        # (not here: checking a template renders nothing, and needs no rules index).
        self._dynamic = [p for p in self._parts if not self._is_constant(p)]
        self._constant_parts = [p for p in self._parts if p not in self._dynamic]
        self._prerendered: tuple[dict[str, bytes], bytes] | None = None

    # -- preparation ---------------------------------------------------------------------------
    def _xml(self, name: str) -> Any:
        """A part of the template, parsed strictly and safely (no entity is expanded, nothing
        fetched); a missing or broken part is the template's problem, said in Chinese."""
        from lxml import etree

        data = self._blobs.get(name)
        if data is None:
            raise TemplateProblem(
                f"模板文件 {self.path.name} 已损坏：其中引用的部件 {name} 不存在",
                hint=_RESAVE,
            )
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as e:
            line = f"第 {e.lineno} 行，" if e.lineno else ""
            raise TemplateProblem(
                f"模板文件 {self.path.name} 已损坏：部件 {name} 不是合法的 XML（{line}{_xml_problem(e)}）",
                hint=_RESAVE,
            ) from e
        if any(isinstance(node, etree._Entity) for node in root.iter()):
            raise TemplateProblem(
                f"模板文件 {self.path.name} 已损坏：部件 {name} 使用了未定义的 XML 实体", hint=_RESAVE
            )
        return root

    def _main_document_name(self) -> str:
        if "_rels/.rels" not in self._blobs:
            raise TemplateProblem(f"模板文件 {self.path} 缺少 _rels/.rels，不是有效的 Word 文档")
        for rel in self._xml("_rels/.rels").iter(f"{{{_REL_NS}}}Relationship"):
            if rel.get("Type") == _OFFICE_DOCUMENT:
                return rel.get("Target").lstrip("/")
        raise TemplateProblem(f"模板文件 {self.path} 中找不到正文部分")

    def _header_footer_names(self) -> list[str]:
        folder, _, base = self.main_name.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self._blobs:
            return []
        names = []
        for rel in self._xml(rels_name).iter(f"{{{_REL_NS}}}Relationship"):
            if rel.get("Type") in _HEADER_FOOTER_TYPES:
                target = rel.get("Target")
                names.append(target.lstrip("/") if target.startswith("/") else f"{folder}/{target}")
        return sorted(names)

    def _compile(self, name: str, xml: str) -> Any:
        from docxtpl import DocxTemplate
        from jinja2 import TemplateSyntaxError

        patched = DocxTemplate.patch_xml(None, xml)  # docxtpl's cleaning, not a copy of it
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
        try:
            template = self.env.from_string(source)
        except TemplateSyntaxError as e:
            context = _plain_text_near(source, e.lineno)
            # Each paragraph starts a line of ``source``: the line number is the paragraph's.
            where = f"第 {e.lineno} 段" if e.lineno else ""
            raise TemplateProblem(
                f"模板 {self.path.name} 的 {name} 中有模板语法错误：{where}{syntax_problem(e.message or '')}；"
                f"出错位置附近的文字：{context}",
                hint="变量写作 {{ 键 }}，段落循环写作 {%p for … %} … {%p endfor %}；"
                "可运行 jiancha kinds check-template 检查",
            ) from e
        return template, source

    def _prepare_body(self) -> _Part:
        from lxml import etree

        root = self._xml(self.main_name)
        body = root.find(f"{{{_W_NS}}}body")
        if body is None:
            raise TemplateProblem(f"模板文件 {self.path} 的正文部分缺少 w:body")
        body_xml = etree.tostring(body, encoding="unicode", pretty_print=False)
        template, source = self._compile(self.main_name, body_xml)
        # Keep the document element and its namespaces; the rendered body goes where the mark is.
        index = list(root).index(body)
        root.remove(body)
        root.insert(index, etree.Comment("jiancha-body"))
        skeleton = etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True).decode(
            "utf-8"
        )
        prefix, suffix = skeleton.split(_BODY_MARK)
        return _Part(self.main_name, template, source, prefix, suffix, is_body=True)

    def _prepare_part(self, name: str) -> _Part:
        from lxml import etree

        xml = etree.tostring(self._xml(name), encoding="unicode", pretty_print=False)
        template, source = self._compile(name, xml)
        return _Part(name, template, source)

    def _is_constant(self, part: _Part) -> bool:
        from jinja2 import meta

        return not part.is_body and not meta.find_undeclared_variables(self.env.parse(part.source))

    def _entry(self, info: zipfile.ZipInfo) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = info.external_attr
        return entry

    def _static(self) -> tuple[dict[str, bytes], bytes]:
        """The constant parts rendered, and every part that is the same in every document
        compressed into one archive, in template order (both made once, on first use)."""
        if self._prerendered is None:
            constant = {p.name: self._render_part(p, {}) for p in self._constant_parts}
            dynamic = {p.name for p in self._dynamic}
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for info in self._infos:
                    if info.filename not in dynamic:
                        data = constant.get(info.filename, self._blobs[info.filename])
                        archive.writestr(self._entry(info), data)
            self._prerendered = constant, buffer.getvalue()
        return self._prerendered

    # -- rendering -----------------------------------------------------------------------------
    def render_parts(self, context: dict[str, Any]) -> dict[str, bytes]:
        """The rendered XML of the body, headers and footers, keyed by part name."""
        rendered = dict(self._static()[0])
        for part in self._dynamic:
            rendered[part.name] = self._render_part(part, context)
        return rendered

    def _render_part(self, part: _Part, context: dict[str, Any]) -> bytes:
        xml = self._render_xml(part, context)
        if part.is_body:
            return (part.prefix + _finish_body(xml, part.name) + part.suffix).encode("utf-8")
        _check_well_formed(xml, part.name)
        return xml.encode("utf-8")

    def _render_xml(self, part: _Part, context: dict[str, Any]) -> str:
        from docxtpl import DocxTemplate
        from jinja2 import TemplateError

        from .environment import TemplateTooSlow

        budget = getattr(self.env, "budget", None)
        try:
            if budget is None:
                xml = part.template.render(context)
            else:
                with budget():
                    xml = part.template.render(context)
        except TemplateTooSlow as e:
            raise TemplateProblem(
                f"模板 {self.path.name} 生成一份文书用时超过 {e.args[0]:g} 秒，已停止（{part.name}）",
                hint="模板中可能有次数过多或嵌套过深的 {% for %} 循环，请检查后重试",
            ) from None
        except (RecursionError, MemoryError) as e:
            raise TemplateProblem(
                f"模板 {self.path.name} 渲染失败（{part.name}）：宏或循环嵌套过深",
                hint="请检查模板中互相调用的 {% macro %} 或嵌套的 {% for %}",
            ) from e
        except TemplateError as e:
            raise TemplateProblem(f"模板 {self.path.name} 渲染失败（{part.name}）：{_explain(e)}") from e
        except TemplateProblem:
            raise
        except (ValueError, TypeError, LookupError, ArithmeticError) as e:
            # A filter given a value it cannot take, e.g. {{ name|cn }} on a text.
            raise TemplateProblem(
                f"模板 {self.path.name} 渲染失败（{part.name}）：{type(e).__name__}: {e}",
                hint="请检查模板中的过滤器是否用在了合适的字段上",
            ) from e
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if not _LISTING_CHARACTERS.search(xml):
            # resolve_listing only rewrites tabs, line breaks, \a and \f inside w:t; without
            # any, its result is its input, so the three nested regex passes are skipped.
            return xml
        return DocxTemplate.resolve_listing(None, xml)

    def render_bytes(self, context: dict[str, Any]) -> bytes:
        """One complete .docx as bytes: the static archive with this record's parts appended."""
        static_archive = self._static()[1]
        rendered = [(part, self._render_part(part, context)) for part in self._dynamic]
        buffer = io.BytesIO(static_archive)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            for part, data in rendered:
                archive.writestr(self._entry(self._info_by_name[part.name]), data)
        return buffer.getvalue()


_TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "end of template": "模板结尾",
    "name": "变量名",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
}


def _token(text: str) -> str:
    return _TOKENS.get(text, text)


def _open_block(message: str) -> tuple[str, list[str]] | None:
    """The innermost block Jinja says is open, and the tags it was looking for."""
    match = re.search(
        r"looking for (?:the following tags: )?(.+?)\. The innermost block that needs to be closed is '(\w+)'",
        message,
    )
    if not match:
        return None
    return match.group(2), re.findall(r"'(\w+)'", match.group(1))


def syntax_problem(message: str) -> str:
    """Jinja's English syntax error in Chinese, with the tag in question."""
    block = _open_block(message)
    if message.startswith("Unexpected end of template."):
        if block:
            closing = next((t for t in block[1] if t.startswith("end")), f"end{block[0]}")
            return f"到模板结尾 {{% {block[0]} %}} 还没有结束，缺少 {{% {closing} %}}"
        return "模板在标签结束之前就结束了"
    match = re.match(r"Encountered unknown tag '(\w+)'", message)
    if match:
        tag = match.group(1)
        if block:
            closing = next((t for t in block[1] if t.startswith("end")), f"end{block[0]}")
            return f"{{% {tag} %}} 与前面的标签不配对：最内层尚未结束的是 {{% {block[0]} %}}，应先写 {{% {closing} %}}"
        if tag.startswith("end"):
            return f"多出了 {{% {tag} %}}，前面没有与之配对的开始标签"
        return f"不认识的标签 {{% {tag} %}}（可用 for、if、set 等）"
    match = re.match(r"unexpected end of template, expected '(.+?)'", message)
    if match:
        return f"标签没有结束，缺少“{_token(match.group(1))}”"
    match = re.match(r"expected token '(.+?)', got '(.+?)'", message)
    if match:
        return (
            f"此处应为“{_token(match.group(1))}”，却是“{_token(match.group(2))}”（变量名中不能有空格或标点）"
        )
    match = re.match(r"unexpected '(.+?)'(?:, expected '(.+?)')?", message)
    if match:
        expected = f"，此处应为“{_token(match.group(2))}”" if match.group(2) else ""
        return f"出现了多余的“{match.group(1)}”{expected}（变量应写作 {{{{ 键 }}}}，两边各两个花括号）"
    match = re.match(r"unexpected char (['\"])(.+?)\1 at \d+", message)
    if match:
        return f"出现了不能用在标签里的字符“{match.group(2)}”（引号是否成对？）"
    match = re.match(r"Expected an expression, got '(.+?)'", message)
    if match:
        return f"标签中缺少表达式，却是“{_token(match.group(1))}”"
    return f"（{message}）"


def _xml_problem(error: Any) -> str:
    text = str(error.msg if hasattr(error, "msg") else error)
    match = re.search(r"Entity '([^']+)' not defined", text)
    if match:
        return f"使用了未定义的实体“&{match.group(1)};”"
    return "标签不配对或有非法字符"


def _finish_body(xml: str, name: str) -> str:
    """docxtpl's table fix-up and drawing id renumbering, on a strictly parsed body."""
    from docxtpl import DocxTemplate
    from lxml import etree

    tree = _check_well_formed(xml, name)
    has_tables = tree.find(f".//{{{_W_NS}}}tbl") is not None
    if has_tables:
        tree = DocxTemplate.fix_tables(None, xml)
    drawings = tree.xpath(
        "//wp:docPr",
        namespaces={"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"},
    )
    for number, element in enumerate(drawings, start=1001):
        element.attrib["id"] = str(number)
    body = tree if tree.tag == f"{{{_W_NS}}}body" else tree.find(f".//{{{_W_NS}}}body")
    kept = body is not None and lay_out(body)
    if not has_tables and not drawings and not kept:
        return xml  # nothing changed: serialising the tree again would give C14N-equal XML
    return etree.tostring(tree, encoding="unicode", pretty_print=False)


def _check_well_formed(xml: str, name: str) -> Any:
    """Parse strictly: unlike docxtpl's recovering parser, broken XML is an error, never lost text."""
    from lxml import etree

    try:
        return etree.fromstring(xml)
    except etree.XMLSyntaxError as e:
        raise TemplateProblem(f"渲染结果中 {name} 不是合法的 XML（{e}）；请检查模板中的标签") from e


def _explain(error: Exception) -> str:
    from jinja2.exceptions import SecurityError, UndefinedError

    if isinstance(error, UndefinedError):
        match = re.search(r"'([^']+)' is undefined", str(error))
        name = match.group(1) if match else str(error)
        if name.isascii():
            return f"模板使用了未定义的变量“{name}”（可用 jiancha kinds check-template 检查模板）"
        return (
            f"模板使用了未定义的变量“{name}”：模板中应写字段的英文键（如 {{{{ recipient }}}}），"
            "不是中文名称（可用 jiancha kinds check-template 查看应写的键）"
        )
    if isinstance(error, SecurityError):
        return f"模板试图执行不安全的操作：{error}"
    return str(error)


def _plain_text_near(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    start = max((lineno or 1) - 2, 0)
    text = "".join(re.sub(r"<[^>]+>", "", line) for line in lines[start : start + 3])
    return text.strip()[:80] or "（无）"
