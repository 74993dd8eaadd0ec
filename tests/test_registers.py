"""Registers as offices keep them: title rows, their own column names, merged cells, 合计 rows,
formulas, last year's sheet hidden — rendered with no edit, only the genuinely bad cells reported."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from jiancha_docs.errors import SourceError
from jiancha_docs.sources import open_source

from .helpers import docx_text, jiancha_in_process

TOML = """\
[defaults]
"监委名称" = "某某县监察委员会"
"纪委名称" = "中共某某县纪律检查委员会"
"建议类型" = "纪律检查建议"

[columns."纪检监察建议书"]
"被建议单位" = "主送单位"
"回复时限（天）" = "反馈期限天数"
"问题" = "存在问题"
"建议" = "整改建议"
"发文日期" = "date"
"""

HEADERS = ["序号", "被建议单位", "问题来源", "问题", "建议", "回复时限（天）", "发文日期", "抄送", "备注"]


def jiancha(*args: str, cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return jiancha_in_process(capsys, *args, cwd=cwd)


def county_register(path: Path) -> None:
    """A county office's 建议书 register as kept in Excel: last year's sheet hidden in front, a
    merged title and a note above the header, the office's own column names, a 序号 formula,
    Excel dates and dotted text dates, 抄送 merged down three rows, a blank row, a 合计 row."""
    from openpyxl import Workbook

    book = Workbook()
    old = book.active
    old.title = "2023年"
    old.append(["序号", "被建议单位", "问题"])
    old.append([1, "去年的单位", "去年的问题"])
    old.sheet_state = "hidden"

    sheet = book.create_sheet("2024年")
    sheet.append(["某某县纪委监委2024年纪检监察建议书登记表"])
    sheet.merge_cells("A1:I1")
    sheet.append(["填表说明：日期可写 2024.3.1，回复时限按天计"])
    sheet.append([])
    sheet.append(HEADERS)
    rows = [
        [
            "县自然资源局党组",
            "在审查调查中发现",
            "审批权力集中\n土地出让监管缺位",
            "分事行权；限期追缴",
            30,
            dt.datetime(2024, 3, 1),
            "县委办公室",
            "",
        ],
        ["县住建局党组", "在巡察中发现", "工程招标不规范", "规范招标", 60, "2024.3.15", None, "已反馈"],
        ["县卫健委党组", "在信访举报中发现", "药品采购监管不严", "建立采购台账", 45, "2024.4.2", None, ""],
        [
            "县教体局党组",
            "在审查调查中发现",
            "食堂承包不透明",
            "公开招标",
            30,
            "2024.2.30",
            "县政府办公室",
            "",
        ],
    ]
    for row in rows:
        sheet.append(["=ROW()-4", *row])
    sheet.merge_cells("H5:H7")  # one 抄送 for the first three letters
    sheet.append([])
    sheet.append(["合计", None, None, None, None, "=SUM(F5:F8)", None, None, None])
    book.save(path)


def test_a_county_register_renders_with_no_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "jiancha.toml").write_text(TOML, encoding="utf-8")
    county_register(tmp_path / "建议书登记表.xlsx")

    code, err = jiancha("render", "建议书", "建议书登记表.xlsx", "-o", "out", cwd=tmp_path, capsys=capsys)

    lines = err.splitlines()
    assert code == 1, "the one bad date fails its row"
    assert [line for line in lines if line.startswith(("提示：", "警告：", "错误："))] == [
        "提示：建议书登记表.xlsx：「序号」「备注」列不是文书的字段，已忽略",
        "提示：建议书登记表.xlsx：隐藏的工作表“2023年”未读取；如需读取，请用 --sheet 指定",
        "提示：建议书登记表.xlsx：表头在第 4 行，上方第 1–2 行（标题、说明）已跳过；如表头不在这一行，请用 --header-row 指定",
        "提示：建议书登记表.xlsx：第 10 行是合计行或只有公式，已跳过",
        "错误：建议书登记表.xlsx 第 8 行「成文日期」：日期“2024.2.30”不存在：2024年2月没有30日",
    ]
    assert lines[-1].startswith("共 4 条记录：新生成 3 份，沿用已有文号 0 份，失败 1 条。")
    documents = {p.name: "\n".join(docx_text(p)) for p in (tmp_path / "out").glob("*.docx")}
    assert sorted(documents) == ["县住建局党组.docx", "县卫健委党组.docx", "县自然资源局党组.docx"]
    first, second, third = (
        documents[f"{n}.docx"] for n in ("县自然资源局党组", "县住建局党组", "县卫健委党组")
    )
    assert "2024年3月1日" in first and "2024年3月15日" in second and "2024年4月2日" in third
    assert "自收到本建议书之日起60日内" in second
    for text in (first, second, third):  # the merged 抄送 belongs to every row it spans
        assert "抄送：县委办公室" in text
    assert "去年的单位" not in "".join(documents.values())


def test_header_row_option_overrides_detection(tmp_path: Path) -> None:
    county_register(tmp_path / "r.xlsx")
    source = open_source(tmp_path / "r.xlsx", header_row=4)
    assert source.headers == HEADERS
    with pytest.raises(SourceError) as info:
        open_source(tmp_path / "r.xlsx", header_row=3)
    assert info.value.message == "r.xlsx：第 3 行是空的，不能作为表头行（--header-row）"


def test_hidden_sheet_is_read_when_named(tmp_path: Path) -> None:
    county_register(tmp_path / "r.xlsx")
    source = open_source(tmp_path / "r.xlsx", sheet="2023年")
    assert [r.values["被建议单位"] for r in source.records()] == ["去年的单位"]
    assert source.notes == []


def _save_results(path: Path, results: dict[str, str]) -> None:
    """Add ``<v>`` results to formula cells, as Excel does when it saves the file."""
    import re

    target = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                for ref, value in results.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f>(<v\s*/>|<v></v>)?',
                        rf"\1<f>\2</f><v>{value}</v>",
                        text,
                    )
                data = text.encode("utf-8")
            dst.writestr(item, data)
    target.replace(path)


def test_formula_results_saved_by_excel_are_read(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "f.xlsx"
    book = Workbook()
    book.active.append(["主送单位", "反馈期限天数"])
    book.active.append(["甲局", "=10*3"])
    book.save(path)
    _save_results(path, {"B2": "30"})

    (record,) = open_source(path).records()
    assert record.values == {"主送单位": "甲局", "反馈期限天数": 30}


def test_formula_without_saved_result_is_named(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from jiancha_docs.kinds import Validator, find_kind

    path = tmp_path / "f.xlsx"
    book = Workbook()
    book.active.append(["主送单位", "抄送", "成文日期"])
    book.active.append(["甲局", '=CONCAT("县委","办公室")', "#VALUE!"])
    book.save(path)

    source = open_source(path)
    (record,) = source.records()
    validator = Validator(find_kind("recommendation"))
    result = validator.validate(
        record.location, record.values, validator.map_headers(source.headers, "f.xlsx")
    )
    messages = {i.field: i.describe() for i in result}
    assert messages["抄送"] == (
        "f.xlsx 第 2 行「抄送」：单元格 B2 的公式没有保存计算结果，请在 Excel 中打开并保存一次后再试"
    )
    assert messages["成文日期"] == (
        "f.xlsx 第 2 行「成文日期」：单元格 C2 是公式错误“#VALUE!”，请在 Excel 中改正这个公式或改为填写内容"
    )


def test_total_rows_are_skipped(tmp_path: Path) -> None:
    from jiancha_docs.sources import write_csv

    path = tmp_path / "t.csv"
    write_csv(path, ["主送单位", "反馈期限天数"], [["甲局", "30"], ["合  计", "1110"], ["小计：", "3"]])
    source = open_source(path)
    assert [r.values["主送单位"] for r in source.records()] == ["甲局"]
    assert source.notes == ["第 3–4 行是合计行或只有公式，已跳过"]


def test_excel_unicode_text_reads(tmp_path: Path) -> None:
    path = tmp_path / "登记表.txt"
    path.write_bytes("主送单位\t成文日期\r\n县财政局\t2024/3/1\r\n".encode("utf-16"))
    source = open_source(path)
    assert (source.format, source.headers) == ("txt", ["主送单位", "成文日期"])
    assert [r.values for r in source.records()] == [{"主送单位": "县财政局", "成文日期": "2024/3/1"}]


def test_lock_files_are_skipped(tmp_path: Path) -> None:
    from jiancha_docs.sources import collect_inputs

    county_register(tmp_path / "登记表.xlsx")
    (tmp_path / "~$登记表.xlsx").write_bytes(b"\x0bowner")
    found = collect_inputs([tmp_path / "*.xlsx"])
    assert found.paths == [tmp_path / "登记表.xlsx"]
    assert found.notes == ["~$登记表.xlsx 是 Excel/WPS 打开文件时生成的临时文件，已跳过"]


def test_garbage_after_a_utf16_mark_is_refused(tmp_path: Path) -> None:
    import random

    path = tmp_path / "乱码.csv"
    rng = random.Random(1)
    path.write_bytes(b"\xff\xfe" + bytes(rng.randrange(256) for _ in range(3000)))
    with pytest.raises(SourceError) as info:
        open_source(path)
    assert info.value.message == "乱码.csv：文件开头标明是 UTF-16 文本，但内容无法识别，文件可能已损坏"


def test_suggestions_use_labels_keys_and_synonyms() -> None:
    from jiancha_docs.kinds import Validator, find_kind

    validator = Validator(find_kind("recommendation"))
    headers = validator.map_headers(
        ["序号", "被建议单位", "问题", "建议", "回复时限（天）", "recipent"], "登记表.xlsx"
    )
    warnings = {i.field: i.message for i in headers.file_issues if i.severity == "warning"}
    hint = '如是，可在 jiancha.toml 中写 [columns."纪检监察建议书"]'
    assert warnings == {
        "被建议单位": f'未知的列，已忽略；是否应为「主送单位」？{hint} "被建议单位" = "主送单位"',
        "问题": f'未知的列，已忽略；是否应为「存在问题」？{hint} "问题" = "存在问题"',
        "建议": f'未知的列，已忽略；是否应为「整改建议」？{hint} "建议" = "整改建议"',
        "回复时限（天）": f'未知的列，已忽略；是否应为「反馈期限天数」？{hint} "回复时限（天）" = "反馈期限天数"',
        "recipent": f'未知的列，已忽略；是否应为「主送单位」？{hint} "recipent" = "主送单位"',
    }
    assert "序号" not in warnings


def test_a_missing_required_column_is_one_error_for_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jiancha_docs.sources import write_csv

    headers = ["建议类型", "监委名称", "被建议单位", "问题来源", "存在问题", "整改建议", "成文日期"]
    rows = [["监察建议", "某监委", f"第{i}局", "办案", "问题", "建议", "2024-12-01"] for i in range(30)]
    write_csv(tmp_path / "登记表.csv", headers, rows)
    code, err = jiancha("render", "建议书", "登记表.csv", "-o", "out", cwd=tmp_path, capsys=capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("错误：")]
    assert "另有 1 个文件无法处理" in err.splitlines()[-1]
    assert errors == [
        "错误：登记表.csv「主送单位」：缺少必填列；文件中的「被建议单位」列如果就是它，请在 jiancha.toml 中写 "
        '[columns."纪检监察建议书"] "被建议单位" = "主送单位"；本文件未生成任何文书'
    ]


def test_column_mapping_to_an_unknown_field_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "jiancha.toml").write_text(
        '[columns.recommendation]\n"被建议单位" = "主送单"\n', encoding="utf-8"
    )
    county_register(tmp_path / "r.xlsx")
    code, err = jiancha("render", "建议书", "r.xlsx", "-o", "out", cwd=tmp_path, capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        '错误：配置文件 [columns."纪检监察建议书"] 中“被建议单位” = “主送单”：纪检监察建议书没有名为“主送单”的字段；'
        "是否应为「主送单位」？",
        "提示：右边应为字段名称或键，可运行 jiancha kinds show recommendation 查看",
    ]
    assert not (tmp_path / "out").exists()


def test_column_mapping_must_be_a_table_of_texts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "jiancha.toml").write_text('[columns."纪检监察建议书"]\n"被建议单位" = 3\n', encoding="utf-8")
    code, err = jiancha("render", "建议书", "x.csv", cwd=tmp_path, capsys=capsys)
    assert code == 1
    assert '的 [columns] "纪检监察建议书" 中表头“被建议单位”应对应字段的中文列名或英文键（文字）' in err


def test_unicode_text_with_commas_in_cells_and_a_title(tmp_path: Path) -> None:
    path = tmp_path / "登记表.txt"
    text = "某某县建议书登记表\r\n主送单位\t存在问题\r\n县财政局\t资金拨付不规范,审核不严\r\n"
    path.write_bytes(text.encode("utf-16"))
    from jiancha_docs.kinds import Validator, find_kind

    source = open_source(path, known=Validator(find_kind("recommendation")).is_column)
    assert source.headers == ["主送单位", "存在问题"]
    assert [r.values["存在问题"] for r in source.records()] == ["资金拨付不规范,审核不严"]
    assert source.notes[0].startswith("表头在第 2 行")
