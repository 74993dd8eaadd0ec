"""The real regulation texts in ../shared/corpus (skipped when absent): every article is parsed,
imported from Markdown, from Word copies and from GBK text files, indexed and found again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiancha_docs.rules.importer import import_file
from jiancha_docs.rules.indexer import build_index
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.model import ARTICLE_LINE
from jiancha_docs.rules.parser import parse_file
from jiancha_docs.rules.search import SearchOptions, search
from jiancha_docs.rules.sources import RulesConfig

from .test_rules_support import CORPUS, corpus_files

pytestmark = pytest.mark.skipif(not corpus_files(), reason=f"没有真实法规文本 {CORPUS}")
FILES = corpus_files()


def article_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if ARTICLE_LINE.match(line)]


def test_every_corpus_article_is_parsed() -> None:
    total = 0
    for path in FILES:
        reg = parse_file(path).regulation
        expected = article_lines(path)
        assert [a.label for a in reg.numbered()] == [ARTICLE_LINE.match(x).group(0) for x in expected], (
            path.name
        )  # type: ignore[union-attr]
        total += len(expected)
    assert total > 2000


def test_every_corpus_text_imports_from_markdown() -> None:
    for path in FILES:
        result = import_file(path)
        assert len(result.regulation.numbered()) == len(article_lines(path)), path.name
        assert result.regulation.title == path.stem


# -- Word copies -------------------------------------------------------------------------------
def write_docx(source: Path, target: Path) -> None:
    """The text as an office receives it: centred title (long ones over two lines), a line of
    dates, a 目录, centred headings spaced with full-width blanks, indented articles, page numbers."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = source.read_text(encoding="utf-8").splitlines()
    doc = Document()
    title = lines[0].lstrip("# ").strip()
    halves = [title[: len(title) // 2], title[len(title) // 2 :]] if len(title) > 16 else [title]
    for half in halves:
        doc.add_paragraph(half).alignment = WD_ALIGN_PARAGRAPH.CENTER
    headings = [line.lstrip("# ").strip() for line in lines[1:] if line.startswith("#")]
    if headings:
        doc.add_paragraph("目　录").alignment = WD_ALIGN_PARAGRAPH.CENTER
        for heading in headings:
            doc.add_paragraph(heading.replace(" ", "　"))
    count = 0
    for line in lines[1:]:
        if not line.strip():
            continue
        if line.startswith("#"):
            doc.add_paragraph(
                line.lstrip("# ").strip().replace(" ", "　")
            ).alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        match = ARTICLE_LINE.match(line)
        text = f"{match.group(0)}　{line[match.end() :].strip()}" if match else line
        doc.add_paragraph("　　" + text)
        count += 1
        if count % 40 == 0:
            doc.add_paragraph(f"- {count // 40} -").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.save(str(target))


@pytest.fixture(scope="module")
def word_copies(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("docx")
    pairs = []
    for path in FILES:
        target = folder / f"{path.stem}.docx"
        write_docx(path, target)
        pairs.append((path, target))
    return pairs


def test_every_corpus_text_imports_from_word(word_copies: list[tuple[Path, Path]]) -> None:
    for source, docx in word_copies:
        result = import_file(docx)
        assert result.regulation.title == source.stem, docx.name
        assert [a.label for a in result.regulation.numbered()] == [
            ARTICLE_LINE.match(x).group(0)
            for x in article_lines(source)  # type: ignore[union-attr]
        ], docx.name
        assert not any(p.startswith("- ") for a in result.regulation.articles for p in a.paragraphs)


def test_every_corpus_text_imports_from_gbk_text_without_spaces(tmp_path: Path) -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^#+ ", "", text, flags=re.M)
        # 第一条为了… as many texts write it, each line indented with full-width blanks
        text = re.sub(
            r"^(第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?) ", r"\1", text, flags=re.M
        )
        text = "\n".join("　　" + line if line.strip() else line for line in text.splitlines())
        target = tmp_path / f"{path.stem}.txt"
        try:
            target.write_bytes(text.encode("gbk"))
        except UnicodeEncodeError:
            target.write_bytes(text.encode("gb18030"))
        result = import_file(target)
        assert len(result.regulation.numbered()) == len(article_lines(path)), path.name


# -- the corpus indexed ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    tmp = tmp_path_factory.mktemp("corpus-index")
    config = RulesConfig(workspace=tmp, index_dir=tmp / "index", samples=False)
    report = build_index(config, tuple(FILES))
    assert report.errors == []
    assert report.articles == sum(len(article_lines(p)) for p in FILES)
    with Library(config.index_dir) as lib:
        yield lib


@pytest.mark.parametrize(
    ("query", "citation"),
    [
        ("监督执纪工作规则第二十九条", "《中国共产党纪律检查机关监督执纪工作规则》第二十九条"),
        ("《监察法》第45条", "《中华人民共和国监察法》第四十五条"),
        ("检举控告规则 50条", "《纪检监察机关处理检举控告工作规则》第五十条"),
        ("刑法第一百二十条之一", "《中华人民共和国刑法》第一百二十条之一"),
    ],
)
def test_article_references_on_the_corpus(library: Library, query: str, citation: str) -> None:
    hits = search(library, query).hits
    assert [h.citation for h in hits] == [citation]


@pytest.mark.parametrize("phrase", ["采信了结", "十五个工作日内", "谈话函询", "留置措施"])
def test_phrase_search_on_the_corpus(library: Library, phrase: str) -> None:
    expected = set()
    for entry in library.entries:
        for article in library.regulation(entry.id).articles:
            if phrase in article.text.replace("\n", ""):
                expected.add(f"《{entry.title}》{article.label}")
    found = {h.citation for h in search(library, f'"{phrase}"', SearchOptions(limit=1000)).hits}
    assert found == expected


def test_a_question_finds_its_article_on_the_corpus(library: Library) -> None:
    hits = search(library, "函询以后被函询人要在多长时间内回复？", SearchOptions(limit=2)).hits
    # the article with the fifteen working days first
    assert hits[0].citation == "《中国共产党纪律检查机关监督执纪工作规则》第二十九条"
