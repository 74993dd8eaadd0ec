"""The 草稿 mark of ``render --draft``: a red line in the header of every page.

A draft takes no 文号 and is not registered; the mark makes sure it is never mistaken for an
issued document. It lives in the header (the top margin), so the page below is laid out
exactly as the issued document will be."""

from __future__ import annotations

import io
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_PART = "word/jiancha_draft_header.xml"
RELATIONSHIP_ID = "rIdJianchaDraft"
DRAFT_TEXT = "草稿（未编号，不得印发）"

# A framed paragraph at a fixed place in the top margin (10 mm down, right-aligned in the type
# area): it takes no room in the header's flow, so a 信函式 letterhead stays where it is.
_FRAME = (
    '<w:framePr w:w="9921" w:h="600" w:hRule="exact" w:wrap="around" w:hAnchor="page" w:vAnchor="page" '
    'w:x="1588" w:y="567"/>'
)
_HEADER_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:hdr xmlns:w="{W}"><w:p><w:pPr>{_FRAME}<w:jc w:val="right"/></w:pPr><w:r><w:rPr>'
    '<w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体"/><w:b/><w:color w:val="FF0000"/>'
    f'<w:sz w:val="32"/></w:rPr><w:t>{DRAFT_TEXT}</w:t></w:r></w:p></w:hdr>'
)


def mark_draft(data: bytes) -> bytes:
    """The document ``data`` (a .docx) with the 草稿 line on every page of every section: added
    at the top of the headers it has (a 信函式 letterhead lives in its first-page header and
    stays as it is), and as a header of its own where a section has none."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    relationships = etree.fromstring(source.read("word/_rels/document.xml.rels"))
    headers = {
        rel.get("Id"): "word/" + rel.get("Target").lstrip("/").removeprefix("word/")
        for rel in relationships
        if rel.get("Type", "").endswith("/header")
    }
    document, added = _reference_header(source.read("word/document.xml"), etree)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/document.xml":
                content = document
            elif info.filename in headers.values():
                content = _prepend_mark(content, etree)
            elif added and info.filename == "[Content_Types].xml":
                content = _add_content_type(content, etree)
            elif added and info.filename == "word/_rels/document.xml.rels":
                content = _add_relationship(content, etree)
            target.writestr(info, content)
        if added:
            target.writestr(HEADER_PART, _HEADER_XML)
    return out.getvalue()


def _mark_paragraph(etree):
    return etree.fromstring(_HEADER_XML.encode("utf-8")).find(f"{{{W}}}p")


def _prepend_mark(content: bytes, etree) -> bytes:
    root = etree.fromstring(content)
    root.insert(0, _mark_paragraph(etree))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_content_type(content: bytes, etree) -> bytes:
    root = etree.fromstring(content)
    namespace = root.nsmap[None]
    override = etree.SubElement(root, f"{{{namespace}}}Override")
    override.set("PartName", "/" + HEADER_PART)
    override.set("ContentType", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_relationship(content: bytes, etree) -> bytes:
    root = etree.fromstring(content)
    namespace = root.nsmap[None]
    relationship = etree.SubElement(root, f"{{{namespace}}}Relationship")
    relationship.set("Id", RELATIONSHIP_ID)
    relationship.set("Type", f"{R}/header")
    relationship.set("Target", HEADER_PART.removeprefix("word/"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _reference_header(content: bytes, etree) -> tuple[bytes, bool]:
    """Every section gets a header of each type (default, even, first); the types it lacks
    point at the draft header. Returns the document and whether the draft header is used."""
    root = etree.fromstring(content)
    added = False
    for section in root.iter(f"{{{W}}}sectPr"):
        present = {ref.get(f"{{{W}}}type") for ref in section.findall(f"{{{W}}}headerReference")}
        for kind in ("default", "even", "first"):
            if kind in present:
                continue
            reference = etree.Element(f"{{{W}}}headerReference", nsmap={"w": W, "r": R})
            reference.set(f"{{{W}}}type", kind)
            reference.set(f"{{{R}}}id", RELATIONSHIP_ID)
            section.insert(0, reference)
            added = True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), added
