"""Import a regulation as offices receive it (.docx, .txt in UTF-8 or GBK, .md) into our format.

What such a text looks like: a centred title (sometimes over two lines), a line in brackets or a
发布/施行 line with dates and a 文号, a 目录, headings 第一章 总　则, articles indented with
full-width spaces, sometimes with no space after 第X条, page numbers from Word. We keep the words
of every article untouched and only rebuild the structure; the front matter gets what the text
tells (title, issuing organ, 文号, dates, category, what it replaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ImportProblem
from .model import ARTICLE_LINE, FIELD_LABELS, ParseWarning, Regulation
from .numerals import to_int
from .parser import parse_text

_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_HEADING = re.compile(r"^第[零〇一二三四五六七八九十百千两\d]+[编章节](?:[ \u3000]|$)")
_HEADING_KIND = re.compile(r"^第[零〇一二三四五六七八九十百千两\d]+([编章节])")
_ARTICLE_START = re.compile(
    r"^第(?P<num>[零〇一二三四五六七八九十百千两\d]+)条(?:之(?P<sub>[一二三四五六七八九十]+))?"
)
_PAGE_NUMBER = re.compile(r"^[-—–]?\s*\d{1,3}\s*[-—–]?$")
_TOC = re.compile(r"^目\s*录$")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d+号|国务院令第\s*\d+\s*号|主席令第\s*\d+\s*号"
)
_DATE = re.compile(r"(\d{4})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?")
_ISSUE_WORDS = ("通过", "发布", "印发", "修订", "修正", "公布", "批准")
_EFFECT_WORDS = ("施行", "生效")
_SUPERSEDES = re.compile(r"《([^《》]+)》[^。；《》]{0,20}?同时废止")
_SENTENCE_END = tuple("。；：，、！？")
_ORGANS = (
    ("全国人民代表大会常务委员会", "全国人民代表大会常务委员会"),
    ("全国人民代表大会", "全国人民代表大会"),
    ("国务院", "国务院"),
    ("中共中央办公厅", "中共中央办公厅"),
    ("中共中央", "中共中央"),
    ("中央纪委国家监委", "中央纪委国家监委"),
    ("中央纪委", "中央纪委"),
    ("中央纪律检查委员会", "中央纪律检查委员会"),
    ("国家监察委员会", "国家监察委员会"),
)


@dataclass
class ImportResult:
    source: Path
    markdown: str
    regulation: Regulation
    warnings: list[ParseWarning] = field(default_factory=list)
    article_lines: int = 0  # lines of the input that began an article

    @property
    def filename(self) -> str:
        return safe_filename(self.regulation.title) + ".md"


@dataclass
class _Line:
    text: str
    centred: bool = False
    heading_hint: bool = False  # a Markdown heading or a Word heading style


def import_file(path: Path) -> ImportResult:
    """Read .docx, .txt or .md and return the regulation in our Markdown format."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportProblem(f"找不到文件 {path}")
    if suffix == ".docx":
        lines = _read_docx(path)
    elif suffix in (".txt", ".md", ".markdown", ".text"):
        if suffix in (".md", ".markdown"):
            ready = _already_in_format(path)
            if ready is not None:
                return ready
        lines = _read_text(path, markdown=suffix in (".md", ".markdown"))
    elif suffix == ".doc":
        raise ImportProblem(
            f"{path.name}：不支持旧版 Word 格式（.doc）", hint="请在 Word 中另存为 .docx 后再导入"
        )
    else:
        raise ImportProblem(f"{path.name}：只能导入 .docx、.txt 或 .md 文件")
    return import_lines(lines, path)


def write_imported(result: ImportResult, target_dir: Path, force: bool = False) -> Path:
    """Write an imported regulation into ``target_dir`` and return its path.

    Never through a link: a target that is a symbolic link (planted to make the import overwrite
    a file elsewhere) is refused, and the text goes to a new temporary file in the folder that is
    then given the name (``fileio``: a name is replaced, never followed)."""
    from ..errors import os_reason
    from ..fileio import write_atomic

    target = target_dir / result.filename
    if target.is_symlink():
        raise ImportProblem(
            f"{target} 是一个符号链接（快捷方式），为安全起见不写入",
            hint="请删除这个链接，或用 -o 指定其他文件夹",
        )
    if target.exists() and not force:
        raise ImportProblem(f"{target} 已存在；要覆盖请加 --force")
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ImportProblem(f"无法创建文件夹 {target_dir}：{os_reason(e)}") from e
    write_atomic(target, result.markdown.encode("utf-8"), overwrite=force)
    return target


def _already_in_format(path: Path) -> ImportResult | None:
    """A Markdown file with front matter that parses is taken as it is."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.lstrip().startswith("---"):
        return None
    try:
        parsed = parse_text(text, path.name)
    except Exception:
        return None
    lines = text.splitlines()
    return ImportResult(path, text, parsed.regulation, parsed.warnings, count_article_lines(lines))


def import_text(text: str, name: str = "文本.txt", markdown: bool = False) -> ImportResult:
    lines = [_line_from_text(raw, markdown) for raw in text.splitlines()]
    return import_lines(lines, Path(name))


# -- reading -----------------------------------------------------------------------------------
def _read_docx(path: Path) -> list[_Line]:
    try:
        from docx import Document
        from docx.enum.text import WD_ALIGN_PARAGRAPH
    except ImportError as e:  # pragma: no cover - python-docx is a dependency
        raise ImportProblem("读取 Word 文件需要 python-docx") from e
    try:
        document = Document(str(path))
    except Exception as e:  # python-docx raises several kinds for a damaged file
        raise ImportProblem(f"{path.name}：无法打开 Word 文件（{type(e).__name__}）") from e
    lines: list[_Line] = []
    for paragraph in document.paragraphs:
        # a line break inside a paragraph (Shift+Enter) separates lines as well
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        centred = paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        for part in paragraph.text.split("\n"):
            lines.append(_Line(part, centred=centred, heading_hint=style.startswith(("heading", "title"))))
    return lines


def _read_text(path: Path, markdown: bool) -> list[_Line]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise ImportProblem(f"{path.name}：无法识别文字编码，请另存为 UTF-8")
    if "\x00" in text:
        raise ImportProblem(f"{path.name}：不是文本文件")
    return [
        _line_from_text(raw, markdown) for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]


def _line_from_text(raw: str, markdown: bool) -> _Line:
    text = raw
    heading = False
    if markdown:
        stripped = text.strip()
        if stripped.startswith("#"):
            text = stripped.lstrip("#")
            heading = True
        elif stripped in ("---", "***", "___"):
            text = ""
        text = re.sub(r"^\*\*(.+?)\*\*", r"\1", text.strip())
        text = re.sub(r"<!--.*?-->", "", text)
    return _Line(text, heading_hint=heading)


# -- rebuilding the structure ------------------------------------------------------------------
def import_lines(lines: list[_Line], source: Path) -> ImportResult:
    cleaned = [_Line(_clean(line.text), line.centred, line.heading_hint) for line in lines]
    cleaned = [line for line in cleaned if line.text and not _PAGE_NUMBER.match(line.text)]
    if markdown_front_matter(cleaned):
        cleaned = _drop_front_matter(cleaned)
    if not cleaned:
        raise ImportProblem(f"{source.name}：文件中没有文字")
    title, index = _title(cleaned)
    if not title:
        raise ImportProblem(f"{source.name}：找不到标题")
    body = _skip_toc(cleaned[index:])
    preamble: list[str] = []
    while body and not _is_heading(body[0].text) and not _ARTICLE_START.match(body[0].text):
        if _looks_like_heading_before_articles(body, 0) and preamble:
            break
        preamble.append(body.pop(0).text)
    meta = _metadata(title, preamble, body)
    markdown_lines = _front_matter(meta) + [f"# {title}", ""]
    for line in preamble:
        markdown_lines += [line, ""]
    article_lines = 0
    has_volumes = any(
        _HEADING_KIND.match(line.text) and _HEADING_KIND.match(line.text).group(1) == "编" for line in body
    )  # type: ignore[union-attr]
    expected = 1
    for i, line in enumerate(body):
        text = line.text
        heading = _HEADING_KIND.match(text) if _is_heading(text) else None
        if heading:
            level = {"编": 2, "章": 3 if has_volumes else 2, "节": 4 if has_volumes else 3}[heading.group(1)]
            markdown_lines += ["#" * level + " " + _tidy_heading(text), ""]
            continue
        article = _ARTICLE_START.match(text)
        if article and _starts_article(text, article, expected):
            number = _safe_int(article.group("num"))
            if number and not article.group("sub"):
                expected = number + 1
            article_lines += 1
            rest = text[article.end() :].strip(" \u3000")
            markdown_lines += [f"{article.group(0)} {rest}".rstrip(), ""]
            continue
        if _looks_like_heading_before_articles(body, i):
            level = 3 if any(_is_heading(b.text) for b in body) else 2
            markdown_lines += ["#" * level + " " + text, ""]
            continue
        markdown_lines += [_escape(text), ""]
    markdown = "\n".join(markdown_lines).rstrip() + "\n"
    try:
        parsed = parse_text(markdown, source.name)
    except Exception as e:
        raise ImportProblem(f"{source.name}：转换后的格式无法解析（{e}）") from e
    return ImportResult(source, markdown, parsed.regulation, parsed.warnings, article_lines)


def markdown_front_matter(lines: list[_Line]) -> bool:
    return bool(lines) and lines[0].text == "---"


def _drop_front_matter(lines: list[_Line]) -> list[_Line]:
    for i in range(1, len(lines)):
        if lines[i].text == "---":
            return lines[i + 1 :]
    return lines


def _clean(text: str) -> str:
    text = text.replace("\ufeff", "").replace("\u200b", "")
    text = text.strip(" \t\u3000\u00a0\r")
    # 第一条　为了 → keep one space after the article number; collapse runs of spaces elsewhere
    return _SPACES.sub(lambda m: "\u3000" if "\u3000" in m.group(0) else " ", text)


def _title(lines: list[_Line]) -> tuple[str, int]:
    first = lines[0]
    parts = [first.text]
    i = 1
    if first.centred:
        while i < len(lines) and lines[i].centred and _title_continues(lines[i].text):
            parts.append(lines[i].text)
            i += 1
    title = "".join(parts).replace("\u3000", "").replace(" ", "")
    return title, i


def _title_continues(text: str) -> bool:
    return (
        len(text) <= 30
        and not text.endswith(_SENTENCE_END)
        and not text.startswith(("（", "("))
        and not _DATE.search(text)
        and not _TOC.match(text)
        and not _is_heading(text)
        and not _ARTICLE_START.match(text)
    )


def _skip_toc(lines: list[_Line]) -> list[_Line]:
    for i, line in enumerate(lines[:40]):
        if _TOC.match(line.text.replace("\u3000", "").replace(" ", "")):
            entries = []
            j = i + 1
            while j < len(lines) and not _ARTICLE_START.match(lines[j].text):
                entries.append(j)
                j += 1
            if not entries:
                return lines[:i] + lines[i + 1 :]
            first = _heading_key(lines[entries[0]].text)
            # the body starts where the first entry of the contents appears again
            for k in entries[1:]:
                if _heading_key(lines[k].text) == first:
                    return lines[:i] + lines[k:]
            # no repeat: keep the last run of headings before the first article
            start = j
            while start - 1 > i and _is_heading(lines[start - 1].text):
                start -= 1
            return lines[:i] + lines[start:]
    return lines


def _heading_key(text: str) -> str:
    return re.sub(r"[\s\u3000.…·\d]+$", "", text).replace(" ", "").replace("\u3000", "")


def _is_heading(text: str) -> bool:
    return bool(_HEADING.match(text)) and len(text) <= 40 and not text.endswith(_SENTENCE_END)


def _tidy_heading(text: str) -> str:
    match = _HEADING_KIND.match(text)
    assert match
    rest = text[match.end() :].strip(" \u3000")
    return f"{match.group(0)} {rest}".rstrip()


def _starts_article(text: str, match: re.Match[str], expected: int) -> bool:
    after = text[match.end() : match.end() + 1]
    if after in ("", " ", "\u3000"):
        return True
    # 第一条为了… without a space: an article when the number is the one expected next,
    # not a paragraph that merely begins by citing an article (第五条规定的…)
    number = _safe_int(match.group("num"))
    if match.group("sub"):
        return True
    # (a few numbers may be missing from a damaged text, so allow a small jump)
    in_sequence = number is not None and expected <= number <= expected + 4
    return in_sequence and not text[match.end() :].startswith(
        ("规定", "所列", "所称", "的", "至", "、", "和", "或者")
    )


def _safe_int(numeral: str) -> int | None:
    try:
        return to_int(numeral)
    except ValueError:
        return None


def _looks_like_heading_before_articles(body: list[_Line], i: int) -> bool:
    """A short line without punctuation right before an article: an unnumbered heading
    (党员廉洁自律规范, 附　则)."""
    text = body[i].text
    if len(text) > 20 or text.endswith(_SENTENCE_END) or "。" in text or text.startswith(("（", "(")):
        return False
    if _ARTICLE_START.match(text) or _is_heading(text):
        return False
    following = body[i + 1].text if i + 1 < len(body) else ""
    return bool(_ARTICLE_START.match(following)) and (
        body[i].centred or body[i].heading_hint or len(text) <= 16
    )


def _escape(text: str) -> str:
    """Keep a paragraph a paragraph in Markdown: neutralise leading list or heading markers."""
    if re.match(r"^(#|>|[-+*]\s|\d+[.)]\s)", text):
        return "\\" + text
    return text


# -- metadata ----------------------------------------------------------------------------------
def _metadata(title: str, preamble: list[str], body: list[_Line]) -> dict[str, object]:
    meta: dict[str, object] = {"title": title}
    head = " ".join(preamble)
    number = _DOC_NUMBER.search(head)
    if number:
        meta["doc_number"] = re.sub(r"^.*?(发文字号|文号)[:：]?", "", number.group(0).replace(" ", ""))
    issued: list[str] = []
    effective: list[str] = []
    verbs: list[tuple[str, str]] = []
    for line in preamble:
        for match in _DATE.finditer(line):
            date = _iso(match)
            if date is None:
                continue
            after = line[match.end() : match.end() + 40]
            if any(w in after[:12] for w in _EFFECT_WORDS) and not any(w in after[:6] for w in _ISSUE_WORDS):
                effective.append(date)
            else:
                issued.append(date)
                verbs.append((date, _revision_word(line[match.end() :])))
    tail = " ".join(line.text for line in body[-8:])
    for match in re.finditer(r"自(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)起施行", tail):
        date = _iso(_DATE.search(match.group(1)))  # type: ignore[arg-type]
        if date:
            effective.append(date)
    if issued:
        meta["issued"] = max(issued)
        meta["edition"] = edition_label(meta["issued"], [v for d, v in verbs if d[:4] == meta["issued"][:4]])
    if effective:
        meta["effective"] = max(effective)
    elif issued and re.search(r"自(发布|公布|印发)之日起施行", tail):
        meta["effective"] = meta["issued"]
    for needle, organ in _ORGANS:
        if needle in head:
            meta["organ"] = organ
            break
    supersedes = [m.group(1) for m in _SUPERSEDES.finditer(tail)]
    if supersedes:
        meta["supersedes"] = list(dict.fromkeys(supersedes))
    category = _category(title, meta.get("organ", ""))
    if category:
        meta["category"] = category
    return meta


def preamble_dates(reg: Regulation) -> dict[str, str]:
    """发布日期, 施行日期 and 版本 as the preamble and the last articles of a parsed text give them."""
    tail = [_Line(p) for article in reg.articles[-3:] for p in article.paragraphs]
    meta = _metadata(reg.title, reg.preamble, tail)
    return {k: str(meta[k]) for k in ("issued", "effective", "edition") if meta.get(k)}


def _revision_word(after: str) -> str:
    """修正 or 修订 when the words after a date say the text was amended then, else ""."""
    head = re.split(r"\d{4}\s*年", after, maxsplit=1)[0]  # up to the next date
    return next((w for w in ("修正", "修订") if w in head), "")


def edition_label(issued: str, words: list[str]) -> str:
    """2024年修正, 2023年修订 or 2018年版: how people name an edition, from its latest date."""
    kind = "修正" if "修正" in words else "修订" if "修订" in words else "版"
    return f"{issued[:4]}年{kind}"


def _iso(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _category(title: str, organ: object) -> str:
    if title.startswith("中华人民共和国") and title.endswith("法"):
        return "法律"
    if organ == "国务院" or title.endswith("条例") and title.startswith(("行政机关", "国务院")):
        return "法规"
    if title.startswith(("中国共产党", "中共")) or "党组" in title or "党委" in title or "党内" in title:
        return "党内法规"
    return ""


def _front_matter(meta: dict[str, object]) -> list[str]:
    out = ["---"]
    for key in ("title", "organ", "doc_number", "issued", "effective", "edition"):
        if meta.get(key):
            out.append(f"{FIELD_LABELS[key]}: {_yaml_scalar(str(meta[key]))}")
    out.append(f"{FIELD_LABELS['status']}: 现行有效")
    if meta.get("category"):
        out.append(f"{FIELD_LABELS['category']}: {meta['category']}")
    if meta.get("supersedes"):
        items = ", ".join(_yaml_scalar(s) for s in meta["supersedes"])  # type: ignore[union-attr]
        out.append(f"{FIELD_LABELS['supersedes']}: [{items}]")
    out.append("---")
    out.append("")
    return out


def _yaml_scalar(text: str) -> str:
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def safe_filename(title: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "", title)
    return name[:80] or "法规"


def count_article_lines(lines: list[str]) -> int:
    """Lines that begin an article in already-structured text (for checks and tests)."""
    return sum(1 for line in lines if ARTICLE_LINE.match(line.strip(" \u3000")))
