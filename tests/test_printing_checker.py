"""The GB/T 9704 checker: every shipped template and generated document passes; deliberately
broken files fail on the right clause and only there, whether the file uses our style ids or is
an office's own Word file recognised by content and position."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.errors import UsageError
from jiancha_docs.gbt9704 import doc_number_problems
from jiancha_docs.kinds import all_kinds, find_kind
from jiancha_docs.printing.checker import FAIL, PASS, SKIP, check_document, date_problems
from jiancha_docs.printing.ooxml import DocumentUnreadable
from jiancha_docs.printing.profiles import LOCAL, PROFILES, load_profile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ROOT / "examples"
KINDS = sorted(all_kinds(), key=lambda k: k.id)
TEMPLATES = [(kind.id, layout) for kind in KINDS for layout in ("文件式", "信函式")]


def explain(report) -> str:
    lines = [str(report.path)]
    for result in report.clauses:
        for finding in result.problems():
            lines.append(f"{result.clause} {result.title}: {finding.describe()}")
    return "\n".join(lines)


# -- everything we ship passes -----------------------------------------------------------------
@pytest.mark.parametrize("kind_id,layout", TEMPLATES)
def test_every_shipped_template_passes(kind_id: str, layout: str) -> None:
    report = check_document(find_kind(kind_id).template_path(layout))
    assert report.ok, explain(report)
    assert report.layout == layout and report.template
    # The clauses that must have been checked, not skipped, in a template.
    for clause in ("5.1", "5.2.1", "5.2.3", "7.2.4", "7.2.5", "7.3.1", "7.3.3", "7.3.5", "7.4.2", "7.5"):
        assert report.clause(clause).status == PASS, (clause, explain(report))
    assert report.clause("10.1").status == (PASS if layout == "信函式" else SKIP)
    assert report.clause("7.4.1").status == (PASS if layout == "文件式" else SKIP)


@pytest.fixture
def rendered(rendered_documents: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    return rendered_documents


def test_every_generated_document_passes(rendered_documents: list[tuple[Path, str]]) -> None:
    for path, layout in rendered_documents:
        report = check_document(path)
        assert report.ok, explain(report)
        assert report.layout == layout and not report.template
        assert report.clause("7.2.5").status == PASS and "〔" in report.clause("7.2.5").summary


def test_every_bundled_example_passes(tmp_path: Path) -> None:
    """The README's examples, rendered the way scripts/quickstart.sh does, all pass `jiancha check`."""
    env = {"JIANCHA_CONFIG": str(EXAMPLES / "jiancha.toml"), "JIANCHA_DB": str(tmp_path / "ledger.sqlite3")}
    runner = CliRunner()
    # One example per kind, named by its id (as scripts/render_previews.py finds them).
    sources = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json", ".csv", ".xlsx"))
    assert {p.stem for p in sources} == {k.id for k in all_kinds()}
    for source in sources:
        result = runner.invoke(
            cli, ["render", source.stem, str(source), "-o", str(tmp_path / "out")], env=env
        )
        assert result.exit_code == 0, result.output
    documents = sorted((tmp_path / "out").glob("*.docx"))
    assert len(documents) >= len(sources) + 3
    result = runner.invoke(cli, ["check", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("结论：通过") == len(documents)


# -- broken copies of a generated document (our style ids) -------------------------------------
def mutate(source: Path, target: Path, part: str, change: Callable[[str], str]) -> Path | None:
    """Copy a .docx, rewriting one part's XML text; None when the change does not apply to it."""
    with zipfile.ZipFile(source) as old:
        items = [(item, old.read(item.filename)) for item in old.infolist()]
    found = False
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item, data in items:
            if item.filename == part:
                changed = change(data.decode("utf-8"))
                found = changed != data.decode("utf-8")
                data = changed.encode("utf-8")
            new.writestr(item, data)
    return target if found else None


def _bottom_margin_30mm(xml: str) -> str:
    return re.sub(r'(<w:pgMar [^>]*w:bottom=")\d+"', r'\g<1>1701"', xml)


def _copy_to_12pt(xml: str) -> str:
    """A clerk sets the 抄送 line in 小四 (12 pt): direct formatting on its runs."""
    paragraph = re.search(
        r'<w:p>(?:(?!</w:p>).)*?w:val="(?:Imprint)?CopyTo"(?:(?!</w:p>).)*</w:p>', xml, re.S
    )
    if paragraph is None:  # a document without 抄送
        return xml
    fixed = re.sub(r"<w:r>", '<w:r><w:rPr><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr>', paragraph.group(0))
    return xml.replace(paragraph.group(0), fixed)


def _square_brackets(xml: str) -> str:
    return re.sub(r"〔(\d{4})〕", r"[\1]", xml, count=1)


def _zero_padded_date(xml: str) -> str:
    # The 成文日期 paragraph only (the body may mention other dates).
    return re.sub(
        r'(w:val="SignatureDate"(?:(?!</w:p>).)*?<w:t[^>]*>)\d{4}年\d+月\d+日',
        r"\g<1>2024年05月06日",
        xml,
        count=1,
        flags=re.S,
    )


def _no_page_numbers(xml: str) -> str:
    return re.sub(r"<w:footerReference [^>]*/>", "", xml)


BREAKAGES = [
    ("wrong_margin", "word/document.xml", _bottom_margin_30mm, "5.2.1", "下白边 30.0 mm"),
    ("copy_to_12pt", "word/document.xml", _copy_to_12pt, "7.4.2", "12 磅（小4号），应为 14 磅（4号）"),
    ("square_brackets", "word/document.xml", _square_brackets, "7.2.5", "六角括号"),
    ("zero_padded_date", "word/document.xml", _zero_padded_date, "7.3.5", "不编虚位"),
    ("no_page_number", "word/document.xml", _no_page_numbers, "7.5", "未设置页码"),
]


@pytest.mark.parametrize("name,part,change,clause,words", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_broken_document_fails_on_the_right_clause(
    rendered: list[tuple[Path, str]], tmp_path: Path, name: str, part: str, change, clause: str, words: str
) -> None:
    broken_count = 0
    for source, layout in rendered:
        broken = mutate(source, tmp_path / f"{name}_{layout}_{source.name}", part, change)
        if broken is None:
            continue
        broken_count += 1
        report = check_document(broken)
        assert report.failed_clauses() == [clause], explain(report)
        assert report.clause(clause).status == FAIL
        messages = " ".join(f.describe() for f in report.clause(clause).problems())
        assert words in messages, messages
    # 抄送 is in six kinds' fixtures (their golden texts have it), in both layouts; everything else
    # is in every document.
    with_copy_to = [g for g in GOLDEN.glob("*.txt") if "\n抄送：" in g.read_text(encoding="utf-8")]
    assert len(with_copy_to) == 6
    assert broken_count == (2 * len(with_copy_to) if name == "copy_to_12pt" else len(rendered))


def test_the_12pt_copy_to_names_the_paragraph(rendered: list[tuple[Path, str]], tmp_path: Path) -> None:
    source = next(path for path, _ in rendered if path.parent.parent.name == "reform_notice")
    report = check_document(mutate(source, tmp_path / "cc.docx", "word/document.xml", _copy_to_12pt))
    finding = report.clause("7.4.2").problems()[0]
    assert finding.paragraph is not None and finding.paragraph.text.startswith("抄送：")
    assert re.fullmatch(r"第 \d+ 段「抄送：.{1,20}」", finding.where()), finding.where()


# -- an office's own Word file: no style ids, direct formatting --------------------------------
def office_document(
    path: Path,
    *,
    bottom_mm: float = 35,
    doc_number: str = "某纪发〔2024〕5号",
    date: str = "2024年5月6日",
    copy_to_pt: float = 14,
    page_numbers: bool = True,
    body_font: str = "仿宋_GB2312",
    title_size: float = 22,
    red_mark: bool = True,
    line_pt: float = 28.95,
) -> Path:
    """A 文件式 document as an office types it in Word: Normal style, everything set by hand."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(bottom_mm)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def add(text, font: str = "仿宋_GB2312", size: float = 16, align=None, indent: bool = False, color=None):
        paragraph = doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.line_spacing = Pt(line_pt)
        fmt.space_before = fmt.space_after = Pt(0)
        if align is not None:
            paragraph.alignment = align
        if indent:
            fmt.first_line_indent = Pt(32)
        runs = text if isinstance(text, list) else [(text, font)]
        for piece, piece_font in runs:
            run = paragraph.add_run(piece)
            run.font.size = Pt(size)
            run.font.name = "Times New Roman"
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), piece_font)
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
        return paragraph

    def border(paragraph, side: str, size: int, color: str = "000000") -> None:
        ppr = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        edge = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
            edge.set(qn(f"w:{key}"), value)
        borders.append(edge)
        ppr.insert(0, borders) if ppr.find(qn("w:pStyle")) is None else ppr.insert(1, borders)

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    add("中共某某县纪律检查委员会文件", "方正小标宋简体", 26, center, color="FF0000" if red_mark else None)
    doc.add_paragraph()
    number = add(doc_number, align=center)
    border(number, "bottom", 12, "FF0000")
    doc.add_paragraph()
    add("关于开展警示教育活动的通知", "方正小标宋简体", title_size, center)
    add("各乡镇党委，县直各单位党组（党委）：")
    add("为深化以案促改，经研究，决定在全县开展警示教育活动。现将有关事项通知如下。", body_font, indent=True)
    add([("一、", "黑体"), ("活动内容", "黑体")], indent=True)
    add([("（一）", "楷体_GB2312"), ("组织观看警示教育片。", body_font)], indent=True)
    add("各单位要于2024年6月30日前报送活动开展情况。", body_font, indent=True)
    add("附件：1.警示教育活动安排表", indent=True)
    doc.add_paragraph()
    add("中共某某县纪律检查委员会", align=right)
    add(date, align=right)
    add("（联系人：王某，电话：1234567）", indent=True)
    copy_to = add("抄送：县委办公室，县政府办公室。", size=copy_to_pt)
    border(copy_to, "top", 8)
    imprint = add("中共某某县纪委办公室\t2024年5月6日印发", size=14)
    border(imprint, "bottom", 8)

    if page_numbers:
        doc.settings.odd_and_even_pages_header_footer = True
        for footer, align in ((section.footer, right), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            # 7.5: 4号 half-width 宋体, one character in from the edge.
            if align == right:
                paragraph.paragraph_format.right_indent = Pt(14)
            else:
                paragraph.paragraph_format.left_indent = Pt(14)
            for piece in ("— ", None, " —"):
                if piece is None:
                    field = OxmlElement("w:fldSimple")
                    field.set(qn("w:instr"), " PAGE ")
                    inner = OxmlElement("w:r")
                    rpr = OxmlElement("w:rPr")
                    fonts = OxmlElement("w:rFonts")
                    fonts.set(qn("w:ascii"), "宋体")
                    fonts.set(qn("w:hAnsi"), "宋体")
                    rpr.append(fonts)
                    size = OxmlElement("w:sz")
                    size.set(qn("w:val"), "28")
                    rpr.append(size)
                    inner.append(rpr)
                    text = OxmlElement("w:t")
                    text.text = "1"
                    inner.append(text)
                    field.append(inner)
                    paragraph._p.append(field)
                else:
                    paragraph.add_run(piece).font.size = Pt(14)
    doc.save(path)
    return path


def test_an_office_document_is_understood_without_style_ids(tmp_path: Path) -> None:
    report = check_document(office_document(tmp_path / "通知.docx"))
    assert report.ok, explain(report)
    assert report.layout == "文件式" and not report.template
    for clause in ("7.2.4", "7.2.5", "7.2.7", "7.3.1", "7.3.2", "7.3.3", "7.3.4", "7.3.5", "7.3.6"):
        assert report.clause(clause).status == PASS, (clause, explain(report))
    for clause in ("7.4.1", "7.4.2", "7.4.3", "7.5"):
        assert report.clause(clause).status == PASS, (clause, explain(report))
    assert "某纪发〔2024〕5号" in report.clause("7.2.5").summary
    assert "2024年5月6日" in report.clause("7.3.5").summary
    # python-docx's Normal style is not 3号仿宋: a warning about new text, not a failure.
    assert report.clause("5.2.2").status == "warn"


OFFICE_BREAKAGES = [
    ({"bottom_mm": 30}, "5.2.1", "下白边 30.0 mm，应为 34–36 mm"),
    ({"copy_to_pt": 12}, "7.4.2", "抄送机关字号为 12 磅（小4号），应为 14 磅（4号）"),
    ({"doc_number": "某纪发[2024]5号"}, "7.2.5", "年份应用六角括号“〔〕”括入，不能用“[]”"),
    ({"doc_number": "某纪发（2024）5号"}, "7.2.5", "不能用“（）”"),
    ({"doc_number": "某纪发〔2024〕第5号"}, "7.2.5", "不加“第”字"),
    ({"doc_number": "某纪发〔2024〕005号"}, "7.2.5", "不编虚位"),
    ({"doc_number": "某纪发〔24〕5号"}, "7.2.5", "年份应标全称"),
    ({"date": "2024年05月06日"}, "7.3.5", "月、日不编虚位"),
    ({"date": "二〇二四年五月六日"}, "7.3.5", "应使用阿拉伯数字"),
    ({"page_numbers": False}, "7.5", "未设置页码"),
    ({"body_font": "宋体"}, "7.3.3", "正文字体为“宋体”，应为仿宋"),
    ({"title_size": 18}, "7.3.1", "标题字号为 18 磅（小2号），应为 22 磅（2号）"),
    ({"red_mark": False}, "7.2.4", "发文机关标志应为红色，实为黑色"),
    ({"line_pt": 20}, "5.2.3", "行距 20.0 磅，应为 28–30 磅"),
]


@pytest.mark.parametrize("changes,clause,words", OFFICE_BREAKAGES, ids=[b[2][:12] for b in OFFICE_BREAKAGES])
def test_a_broken_office_document_fails_on_the_right_clause(
    tmp_path: Path, changes: dict, clause: str, words: str
) -> None:
    report = check_document(office_document(tmp_path / "通知.docx", **changes))
    assert report.failed_clauses() == [clause], explain(report)
    messages = " ".join(f.describe() for f in report.clause(clause).problems())
    assert words in messages, messages


def test_a_local_profile_allows_a_27mm_bottom_margin(tmp_path: Path) -> None:
    document = office_document(tmp_path / "地方.docx", bottom_mm=27, line_pt=31.5)
    assert check_document(document, "文件式").failed_clauses() == ["5.2.1", "5.2.3"]
    assert check_document(document, LOCAL).ok
    own = tmp_path / "本单位.toml"
    own.write_text(
        'name = "某市纪委"\nbase = "文件式"\nbottom_margin_mm = [26, 28]\nline_pitch_pt = [28, 32]\n', "utf-8"
    )
    report = check_document(document, str(own))
    assert report.ok and report.profile.name == "某市纪委", explain(report)
    assert not check_document(office_document(tmp_path / "国标.docx"), str(own)).ok  # 35 mm is not 26–28


def test_a_profile_can_accept_more_font_names(tmp_path: Path) -> None:
    document = office_document(tmp_path / "方正.docx", body_font="方正仿宋_GBK")
    assert check_document(document).ok  # 方正仿宋 is a 仿宋
    document = office_document(tmp_path / "宋.docx", body_font="华文中宋")
    assert not check_document(document).ok
    own = tmp_path / "p.toml"
    own.write_text('base = "自动"\n[fonts]\n"仿宋" = ["华文中宋"]\n', "utf-8")
    assert check_document(document, str(own)).ok


@pytest.mark.parametrize(
    "content,message",
    [
        ('base = "国标"\n', "base 应为"),
        ("bottom_margin_mm = 27\n", "bottom_margin_mm 应为 [最小值, 最大值]"),
        ("margin = [1, 2]\n", "无法识别的设置：margin"),
        ("page_number_sides = 1\n", "page_number_sides 应为 true 或 false"),
        ('[fonts]\n"行书" = ["x"]\n', "[fonts] 中的“行书”无效"),
        ("name = \n", "格式有误"),
    ],
)
def test_a_bad_profile_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(UsageError) as caught:
        load_profile(str(path))
    assert message in caught.value.message and "bad.toml" in caught.value.message


def test_profiles_by_name() -> None:
    assert load_profile(None).layout is None
    assert load_profile("letter") is PROFILES["信函式"]
    with pytest.raises(UsageError, match="没有名为“国标2”的检查规则"):
        load_profile("国标2")


# -- formats -----------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["某纪发〔2024〕5号", "某纪监建〔2025〕12号", "许纪建〔2024〕100号"])
def test_good_doc_numbers(number: str) -> None:
    assert doc_number_problems(number) == []


@pytest.mark.parametrize(
    "number,problem",
    [
        ("某纪发[2024]5号", "不能用“[]”"),
        ("某纪发［2024］5号", "不能用“［］”"),
        ("某纪发(2024)5号", "不能用“()”"),
        ("某纪发【2024】5号", "不能用“【】”"),
        ("某纪发〔2024〕第5号", "不加“第”字"),
        ("某纪发〔2024〕05号", "不编虚位"),
        ("某纪发〔24〕5号", "年份应标全称"),
        ("〔2024〕5号", "缺少发文机关代字"),
        ("某纪发〔2024〕5", "应以“号”结尾"),
    ],
)
def test_bad_doc_numbers(number: str, problem: str) -> None:
    assert any(problem in p for p in doc_number_problems(number)), doc_number_problems(number)


@pytest.mark.parametrize(
    "date,problem",
    [
        ("2024年5月6日", None),
        ("2024年12月31日", None),
        ("2024年05月6日", "不编虚位"),
        ("2024年5月06日", "不编虚位"),
        ("24年5月6日", "年份应标全称"),
        ("二〇二四年五月六日", "应使用阿拉伯数字"),
        ("2024年13月6日", "不是有效的日期"),
        ("2024-05-06", "格式应为"),
    ],
)
def test_dates(date: str, problem: str | None) -> None:
    problems = date_problems(date)
    assert (problems == []) if problem is None else any(problem in p for p in problems), problems


# -- the command -------------------------------------------------------------------------------
def test_check_command_reports_each_clause_and_fails(tmp_path: Path) -> None:
    good = office_document(tmp_path / "好.docx")
    bad = office_document(tmp_path / "坏.docx", copy_to_pt=12)
    result = CliRunner().invoke(cli, ["check", str(good), str(bad)])
    assert result.exit_code == 1
    out = result.stdout
    assert out.count("结论：通过") == 1 and "结论：不通过（7.4.2）" in out
    line = next(line for line in out.splitlines() if "7.4.2" in line and "不通过" in line)
    assert "「抄送：县委办公室，县政府办公室。」：抄送机关字号为 12 磅（小4号），应为 14 磅（4号）" in line
    assert result.stderr == "共检查 2 个文件：通过 1 个，不通过 1 个。\n"


def test_check_command_json(tmp_path: Path) -> None:
    import json

    bad = office_document(tmp_path / "坏.docx", date="2024年05月06日")
    result = CliRunner().invoke(cli, ["check", "--json", "--profile", "文件式", str(bad)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data[0]["ok"] is False and data[0]["profile"] == "文件式"
    clause = next(c for c in data[0]["clauses"] if c["clause"] == "7.3.5")
    assert clause["status"] == FAIL
    assert clause["findings"][0]["text"] == "2024年05月06日"


def test_check_command_unreadable_and_unknown_profile(tmp_path: Path) -> None:
    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"not a zip")
    result = CliRunner().invoke(cli, ["check", str(broken)])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：坏.docx 不是有效的 Word 文档（.docx）")
    with pytest.raises(DocumentUnreadable):
        check_document(tmp_path / "没有.docx")
    from jiancha_docs.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["check", "--profile", "国标2", str(broken)])
    assert stopped.value.code == 2


def test_strict_makes_warnings_fatal(tmp_path: Path) -> None:
    good = office_document(tmp_path / "好.docx")  # 5.2.2 warns: Normal is not 3号仿宋
    assert CliRunner().invoke(cli, ["check", str(good)]).exit_code == 0
    assert CliRunner().invoke(cli, ["check", "--strict", str(good)]).exit_code == 1


def test_a_document_can_be_read_back_from_bytes(tmp_path: Path) -> None:
    """The office builder itself writes valid documents (guards the guards)."""
    from docx import Document

    path = office_document(tmp_path / "x.docx")
    texts = [p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs]
    assert "某纪发〔2024〕5号" in texts


def test_signatures_and_date_in_a_table_are_found(tmp_path: Path) -> None:
    """Joint documents often set the signatures and the date in a borderless table."""
    from docx import Document
    from docx.oxml.ns import qn

    path = office_document(tmp_path / "联合.docx")
    doc = Document(path)
    date = next(p for p in doc.paragraphs if p.text == "2024年5月6日")
    table = doc.add_table(rows=1, cols=1)
    cell = table.rows[0].cells[0].paragraphs[0]
    run = cell.add_run("2024年05月06日")
    run.font.size = date.runs[0].font.size
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    date._p.addnext(table._tbl)
    date._p.getparent().remove(date._p)
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.3.5"], explain(report)
    finding = report.clause("7.3.5").problems()[0]
    assert "不编虚位" in finding.message and "（表格中）" in finding.where()


def test_json_lists_an_unreadable_file_as_an_entry(tmp_path: Path) -> None:
    import json

    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"not a zip")
    good = office_document(tmp_path / "好.docx")
    result = CliRunner().invoke(cli, ["check", "--json", str(broken), str(good)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [entry["file"] for entry in data] == [str(broken), str(good)]
    assert data[0]["ok"] is False and "不是有效的 Word 文档" in data[0]["error"]
    assert data[1]["ok"] is True


def test_a_shortened_red_rule_and_a_title_under_it_fail(tmp_path: Path) -> None:
    from docx import Document
    from docx.shared import Mm

    path = office_document(tmp_path / "短线.docx")
    doc = Document(path)
    number = next(p for p in doc.paragraphs if p.text == "某纪发〔2024〕5号")
    number.paragraph_format.left_indent = Mm(35)
    number.paragraph_format.right_indent = Mm(35)
    blank = number._p.getnext()
    blank.getparent().remove(blank)  # the title now sits right under the rule
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.2.7", "7.3.1"], explain(report)
    assert "红色分隔线长 86 mm" in report.clause("7.2.7").summary
    assert "标题紧贴红色分隔线" in report.clause("7.3.1").summary


def test_a_page_number_without_its_one_character_indent_fails(tmp_path: Path) -> None:
    from docx import Document

    path = office_document(tmp_path / "页码.docx")
    doc = Document(path)
    doc.sections[0].footer.paragraphs[0].paragraph_format.right_indent = 0
    doc.save(path)
    report = check_document(path)
    assert report.failed_clauses() == ["7.5"], explain(report)
    assert "单页码应居右空一字" in report.clause("7.5").summary
