"""Shared test helpers: reading documents back, canonical XML, hypothesis strategies."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import strategies as st

# Text a Word document can carry: no control characters except newline and tab, no surrogates.
_XML_SAFE = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(32) if chr(c) not in "\n\t") + "\x7f\ufffe\uffff\r",
)


def xml_safe_text(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text as users type it: CJK, rare CJK (Ext. B), emoji, XML specials; trimmed, since
    surrounding whitespace is stripped on input by design."""
    pools = st.one_of(
        _XML_SAFE,
        st.sampled_from(list("&<>\"'{}%#_|；，。“”〔〕（）\n\t")),
        st.sampled_from(["𠀀", "𪚥", "😀", "👨‍👩‍👧", "龘", "〇", "㐀"]),
    )
    return (
        st.lists(pools, min_size=min_size, max_size=max_size)
        .map("".join)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


def write_schema(tmp_path: Path, text: str) -> Path:
    """A kind folder holding only ``schema.yaml`` with ``text``."""
    path = tmp_path / "k" / "schema.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def docx_paragraphs(data: bytes | Path) -> list[str]:
    from docx import Document

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return [p.text for p in Document(source).paragraphs]


def docx_text(path: Path) -> list[str]:
    """Every paragraph of the body in order, table cells included (cells joined by ' | ')."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(path)
    lines: list[str] = []
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, doc).text)
        elif tag == "tbl":
            for row in Table(block, doc).rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
    return lines


def docxtpl_bytes(template: Path, context: dict) -> bytes:
    """What docxtpl itself makes of a template and a record: ``DocxTemplate(path)`` →
    ``render(context, our environment, autoescape=True)`` → ``save`` (the naive loop's steps),
    with the render path's own layout step (render/pagination.py: title lines, keeps) applied
    to the body, as the prepared renderer applies it."""
    from docxtpl import DocxTemplate

    from jiancha_docs.render.environment import make_environment
    from jiancha_docs.render.pagination import lay_out

    document = DocxTemplate(template)
    document.render(context, make_environment(), autoescape=True)
    lay_out(document.docx.element.body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def c14n_parts(data: bytes) -> dict[str, bytes]:
    """The body, header and footer parts of a .docx in canonical XML (C14N)."""
    from lxml import etree

    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name == "word/document.xml" or name.startswith(("word/header", "word/footer")):
                tree = etree.fromstring(archive.read(name))
                parts[name] = etree.tostring(tree, method="c14n")
    return parts


def jiancha_in_process(capsys, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run the real entry point in this process (from ``cwd``, where a jiancha.toml may be);
    the exit code and stderr. No message may be an internal error or a traceback."""
    import os

    from jiancha_docs.cli import main

    here = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        os.chdir(here)
    err = capsys.readouterr().err
    assert "内部错误" not in err and "Traceback" not in err, err
    return code, err


def run_jiancha(
    cwd: Path, *args: str, today: str | None = "2025-02-01", env: dict[str, str] | None = None, **kw
):
    """``jiancha`` as a clerk runs it in ``cwd``: the workspace's own ledger (no JIANCHA_DB),
    ``today`` as JIANCHA_TODAY."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "JIANCHA_DB"}
    if today:
        environment["JIANCHA_TODAY"] = today
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from jiancha_docs.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        **kw,
    )
