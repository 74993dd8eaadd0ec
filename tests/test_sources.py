"""Tests for jiancha_docs.sources: reading YAML / JSON / CSV / XLSX and writing CSV / XLSX / YAML.

Every fixture is built inside the test, under tmp_path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jiancha_docs.errors import Location, OutputError, SourceError
from jiancha_docs.sources import RawRecord, open_source, write_csv, write_xlsx, write_yaml

HEADERS = ["文号", "姓名", "事实与依据", "备注"]
ROWS = [
    ["京纪〔2024〕12号", "张三", "第一行：违规收受礼金；\n第二行：“拒不整改”！", "（无）"],
    ["京纪〔2024〕13号", "李四", "接受管理服务对象宴请，共计3次。", "，；：？！、…—"],
    ["京纪〔2024〕14号", "王五", '含"英文引号",和逗号', ""],
]


def _csv_bytes(headers: list[str], rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # CRLF line ends, as Excel writes
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _values(path: Path, **kwargs: object) -> list[dict[str, object]]:
    return [r.values for r in open_source(path, **kwargs).records()]


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(SourceError) as info:
        source = open_source(path, **kwargs)
        list(source.records())
    return info.value.message


# ---------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")]
)
def test_csv_encodings_read_back_identical(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv_bytes(HEADERS, ROWS, encoding))

    source = open_source(path)

    assert source.format == "csv"
    assert source.encoding == detected
    assert source.display_name == "cases.csv"
    assert source.headers == HEADERS
    records = list(source.records())
    assert [r.values for r in records] == [dict(zip(HEADERS, row, strict=True)) for row in ROWS]
    assert [r.location for r in records] == [Location("cases.csv", n, "row") for n in (2, 3, 4)]
    assert all(r.problems == [] for r in records)


def test_csv_gbk_file_saved_by_excel(tmp_path: Path) -> None:
    rng = random.Random(7)
    surnames, units = (
        "赵钱孙李周吴郑王冯陈",
        ["市纪委监委第一纪检监察室", "区财政局", "县教育局", "镇人民政府"],
    )
    rows = [
        [
            str(i),
            rng.choice(surnames) + rng.choice("伟芳娜敏静丽强磊军洋"),
            rng.choice(units),
            f"京纪〔2024〕{i}号",
        ]
        for i in range(1, 201)
    ]
    path = tmp_path / "线索台账.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["序号", "姓名", "单位", "文号"])
        writer.writerows(rows)

    source = open_source(path)

    assert source.encoding == "gb18030"
    records = list(source.records())
    assert len(records) == 200
    assert [list(r.values.values()) for r in records] == rows
    assert records[-1].location == Location("线索台账.csv", 201, "row")


def test_csv_row_numbers_count_blank_rows_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('姓名,备注\n张三,"一\n二\n三"\n\n,\n  李四  ,  空格  \n', encoding="utf-8")

    records = list(open_source(path).records())

    # Excel shows the quoted three-line cell as one row, so 李四 is on row 5 (rows 3 and 4 are blank).
    assert [(r.location.row, r.values) for r in records] == [
        (2, {"姓名": "张三", "备注": "一\n二\n三"}),
        (5, {"姓名": "李四", "备注": "空格"}),
    ]


def test_csv_short_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("姓名,性别,职务\n张三\n", encoding="utf-8")

    assert _values(path) == [{"姓名": "张三", "性别": "", "职务": ""}]


def test_csv_cells_beyond_the_header_are_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        "姓名,性别\n张三,男,,科长,备注很长很长很长很长很长很长很长很长很长很长很长\n李四,女,,\n",
        encoding="utf-8",
    )

    first, second = open_source(path).records()

    assert first.values == {"姓名": "张三", "性别": "男"}
    assert first.problems == [
        "以下单元格没有对应的列名，内容未被读取：D 列“科长”、E 列“备注很长很长很长很长很长很长很长很长很长…”；"
        "请补上列名或删除这些内容"
    ]
    assert second.problems == []  # trailing empty cells, as Excel sometimes writes them, are fine


def test_csv_blank_header_cells(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("姓名,,性别,\n张三,,男,\n李四,多余,女,\n", encoding="utf-8")

    source = open_source(path)
    first, second = source.records()

    assert source.headers == ["姓名", "性别"]
    assert (first.values, first.problems) == ({"姓名": "张三", "性别": "男"}, [])
    assert second.problems == ["以下单元格没有对应的列名，内容未被读取：B 列“多余”；请补上列名或删除这些内容"]


def test_csv_header_after_leading_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("\n,,\n姓名\n张三\n", encoding="utf-8")

    (record,) = open_source(path).records()

    assert record.location.row == 4


def test_csv_duplicate_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("姓名,性别, 姓名 \n张三,男,李四\n", encoding="utf-8")

    assert _error(path) == "dup.csv 第 1 行：列名“姓名”重复出现（A 列和 C 列），请删除其中一列或改名"


def test_csv_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    rng = random.Random(0)
    path.write_bytes(b"a,b\n" + bytes(rng.randrange(256) for _ in range(2000)))

    assert _error(path) == "binary.csv：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"


def test_csv_damaged_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "damaged.csv"
    good = "姓名,单位\n" + "".join(f"张三{i},市纪委监委第三纪检监察室\n" for i in range(5))
    path.write_bytes(good.encode("utf-8") + b"\xff\xfe,x\n" + "李四,区财政局\n".encode())

    assert _error(path) == (
        "damaged.csv 第 7 行附近有无法识别的字节，而文件其余部分是 UTF-8 编码，文件可能已损坏；"
        "请检查这一行，或重新导出为 UTF-8 编码的 CSV"
    )


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" , ,\n,,\n"])
def test_csv_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    assert _error(path) == "empty.csv：文件是空的，找不到表头行"


def test_csv_that_is_really_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    write_xlsx(tmp_path / "real.xlsx", ["姓名"], [["张三"]])
    path.write_bytes((tmp_path / "real.xlsx").read_bytes())

    assert _error(path) == (
        "renamed.csv：这其实是一个 Excel 工作簿（.xlsx），只是扩展名是 .csv；请把扩展名改为 .xlsx，或在 Excel 中另存为 CSV"
    )


def test_csv_tab_separated_utf16(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"  # Excel's "Unicode 文本", renamed
    path.write_bytes("姓名\t单位\r\n张三\t区财政局\r\n".encode("utf-16"))

    source = open_source(path)

    assert source.encoding == "utf-16"
    assert [r.values for r in source.records()] == [{"姓名": "张三", "单位": "区财政局"}]


# --------------------------------------------------------------------------------------------- XLSX


def _workbook(path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "线索"
    first.append(["姓名", " 年龄 ", "金额", "发文日期", "是否立案", None])
    first.append(["  张三 ", 30.0, 1.5, dt.datetime(2024, 12, 1), True, None])
    first.append([None, None, None, None, None, None])
    first.append(["李四", 41, None, dt.date(2025, 1, 2), False, None])
    second = workbook.create_sheet("处置")
    second.append(["文号"])
    second.append(["京纪〔2024〕12号"])
    workbook.save(path)


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    _workbook(path)

    source = open_source(path)
    first, second = source.records()

    assert (source.format, source.encoding, source.headers) == (
        "xlsx",
        None,
        ["姓名", "年龄", "金额", "发文日期", "是否立案"],
    )
    assert first.location == Location("台账.xlsx", 2, "row")
    assert second.location == Location("台账.xlsx", 4, "row")  # the real sheet row: row 3 is empty
    assert first.values == {
        "姓名": "张三",
        "年龄": 30,
        "金额": 1.5,
        "发文日期": dt.datetime(2024, 12, 1),
        "是否立案": True,
    }
    assert type(first.values["年龄"]) is int
    assert isinstance(second.values["发文日期"], dt.date)
    assert second.values["金额"] == ""


def test_xlsx_sheet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    _workbook(path)

    assert _values(path, sheet="处置") == [{"文号": "京纪〔2024〕12号"}]


def test_xlsx_unknown_sheet_lists_the_names(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    _workbook(path)

    assert _error(path, sheet="Sheet1") == "台账.xlsx：找不到工作表“Sheet1”，可用的工作表：“线索”、“处置”"


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "empty.xlsx"
    Workbook().save(path)

    assert _error(path) == "empty.xlsx：工作表“Sheet”是空的，找不到表头行"


def test_xlsx_wrong_stored_dimension_still_reads_everything(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "dims.xlsx"
    write_xlsx(path, ["姓名", "单位"], [["张三", "区财政局"], ["李四", "县教育局"]])
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B3"/>', b'<dimension ref="A1"/>')
                assert b'<dimension ref="A1"/>' in data
            dst.writestr(item, data)

    assert _values(patched) == [{"姓名": "张三", "单位": "区财政局"}, {"姓名": "李四", "单位": "县教育局"}]


def test_xlsx_broken_part_way(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "full.xlsx"
    write_xlsx(path, ["序号", "内容"], [[str(i), "情况说明" * 10] for i in range(1, 501)])
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(
                item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet1.xml" else data
            )

    source = open_source(cut)
    read: list[RawRecord] = []
    with pytest.raises(SourceError) as info:
        read.extend(source.records())

    assert read, "the rows before the damage are read"
    assert (
        info.value.message
        == f"cut.xlsx 第 {read[-1].location.row + 1} 行附近：工作表“数据”读取失败，文件可能已损坏"
    )


def test_xls_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    assert (
        _error(path) == "old.xls：不支持旧版 Excel 文件（.xls），请在 Excel 或 WPS 中“另存为”.xlsx 格式后再试"
    )


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("姓名,单位\n", encoding="utf-8")

    with pytest.raises(SourceError) as info:
        open_source(path)

    assert info.value.message == "broken.xlsx：无法打开 Excel 文件，文件可能已损坏，或不是真正的 .xlsx 文件"
    assert info.value.hint == "请用 Excel 打开后重新“另存为”.xlsx 格式再试"


def test_xlsx_is_closed_when_done(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    _workbook(path)

    source = open_source(path)
    list(source.records())
    assert source._pending is None
    with open_source(path) as unread:
        assert unread.headers
    assert unread._pending is None
    # records() can be called again: the file is read anew
    assert len(list(source.records())) == 2


# ---------------------------------------------------------------------------------------- all files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    assert _error(path) == f"找不到输入文件：{path}"


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "cases.docx"
    path.write_text("姓名\n", encoding="utf-8")

    assert _error(path) == "cases.docx：不支持的文件类型“.docx”，支持的类型：.yaml .yml .json .csv .txt .xlsx"


# ---------------------------------------------------------------------------------------- YAML/JSON


def test_yaml_one_mapping(tmp_path: Path) -> None:
    path = tmp_path / "case.yml"
    path.write_text("姓名: 张三\n成文日期: 2024-12-01\n金额: 1.5\n事实:\n  - 一\n  - 二\n", encoding="utf-8")

    source = open_source(path)
    (record,) = source.records()

    assert (source.format, source.headers) == ("yaml", ["姓名", "成文日期", "金额", "事实"])
    assert record == RawRecord(
        Location("case.yml", 1, "record"),
        {"姓名": "张三", "成文日期": "2024-12-01", "金额": "1.5", "事实": ["一", "二"]},
        [],
    )


def test_yaml_list_headers_are_the_union(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- 姓名: 张三\n  性别: 男\n- 姓名: 李四\n  职务: 科长\n", encoding="utf-8")

    source = open_source(path)
    records = list(source.records())

    assert source.headers == ["姓名", "性别", "职务"]
    assert [r.location.describe() for r in records] == ["cases.yaml 第 1 条记录", "cases.yaml 第 2 条记录"]
    assert records[1].values == {"姓名": "李四", "职务": "科长"}


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("姓名: 张三\n单位: 区财政局\n职务: 科长: 副处长\n", encoding="utf-8")

    assert _error(path) == (
        "bad.yaml 第 3 行第 7 列：YAML 格式错误，此处不能出现“键: 值”"
        "（常见原因：冒号后缺少空格、缩进不一致，或值里有未加引号的冒号）"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "姓名: 张三\n\t单位: 区财政局\n",
            "第 2 行第 1 列：YAML 格式错误，使用了制表符（Tab），YAML 只能用空格缩进",
        ),
        ('姓名: 张三\n单位: "区财政局\n职务: 科长\n', "第 2 行第 5 列：YAML 格式错误，引号或括号没有闭合"),
        (
            "- 姓名: 张三\n 单位: 区财政局\n",
            "第 2 行第 2 列：YAML 格式错误，缩进不一致，请检查这一行与上面几行的缩进",
        ),
    ],
)
def test_yaml_common_mistakes(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    assert _error(path) == "bad.yaml " + message


def test_yaml_non_mapping_record(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- 姓名: 张三\n- 李四\n", encoding="utf-8")

    assert (
        _error(path)
        == "cases.yaml 第 2 条记录不是“字段: 值”的映射（读到的是文本），列表中的每一项都应是一条记录"
    )


def test_yaml_scalar_document(tmp_path: Path) -> None:
    path = tmp_path / "scalar.yaml"
    path.write_text("张三\n", encoding="utf-8")

    assert _error(path) == "scalar.yaml：文件内容应是一条记录（“字段: 值”的映射）或记录的列表，读到的却是文本"


def test_yaml_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("姓名: 张三\n性别: 男\n姓名: 李四\n", encoding="utf-8")

    assert _error(path) == "dup.yaml 第 3 行第 1 列：YAML 格式错误，字段名重复出现，请删除其中一个"


def test_yaml_never_evaluates_tags(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("姓名: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")

    assert _error(path) == "evil.yaml 第 1 行第 5 列：YAML 格式错误，使用了不支持的标签（!!…），请去掉"


def test_yaml_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("姓名: 张三\n".encode("gbk"))

    assert _error(path) == "gbk.yaml 第 1 行：YAML 文件必须是 UTF-8 编码，请用 UTF-8 编码另存"


def test_json_one_mapping_and_list(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(
        json.dumps({"姓名": "张三", "金额": 3, "是否": True}, ensure_ascii=False), encoding="utf-8"
    )
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps([{"姓名": "张三"}, {"姓名": "李四", "职务": None}], ensure_ascii=False),
        encoding="utf-8-sig",
    )

    assert _values(one) == [{"姓名": "张三", "金额": "3", "是否": True}]
    source = open_source(many)
    assert (source.format, source.headers) == ("json", ["姓名", "职务"])
    assert [r.location for r in source.records()] == [
        Location("many.json", 1, "record"),
        Location("many.json", 2, "record"),
    ]


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"姓名": "张三"},\n  {"姓名": "李四",}\n]\n', encoding="utf-8")

    assert _error(path) == (
        "bad.json 第 3 行第 15 列：JSON 格式错误，字段名必须用英文双引号括起来（也可能是最后多了一个逗号）"
    )


def test_json_non_mapping_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"姓名": "张三"}, 42]', encoding="utf-8")

    assert (
        _error(path)
        == "bad.json 第 2 条记录不是“字段: 值”的映射（读到的是数字），列表中的每一项都应是一条记录"
    )


def test_empty_structured_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n", encoding="utf-8")

    assert _error(path) == "empty.json：文件是空的，没有任何记录"


# ------------------------------------------------------------------------------------------ writers


def test_write_xlsx_layout(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    write_xlsx(
        path,
        ["姓名", "成文日期", "事实"],
        [["张三", dt.date(2024, 12, 1), ["一", "二"]], ["=SUM(A1)", None, "x"]],
        column_widths={"事实": 40},
    )

    sheet = load_workbook(path).active
    assert sheet["A1"].value == "姓名"
    assert sheet.title == "数据"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    date = sheet["B2"]
    assert (date.is_date, date.number_format) == (True, "yyyy-mm-dd")
    assert sheet["C2"].value == "一\n二"
    assert sheet["C2"].alignment.wrap_text
    assert sheet["A3"].data_type == "s"
    assert sheet.column_dimensions["C"].width == 40
    assert [r.values for r in open_source(path).records()][1] == {
        "姓名": "=SUM(A1)",
        "成文日期": "",
        "事实": "x",
    }


def test_write_xlsx_text_that_looks_like_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "formula.xlsx"
    write_xlsx(path, ["=序号", "内容"], [["=1+1", "=A1"]])

    source = open_source(path)
    assert source.headers == ["=序号", "内容"]
    assert [r.values for r in source.records()] == [{"=序号": "=1+1", "内容": "=A1"}]


def test_write_xlsx_rejects_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.xlsx"

    with pytest.raises(OutputError) as info:
        write_xlsx(path, ["姓名", "备注"], [["张三", "响铃\x07"]])

    assert info.value.message == "ctrl.xlsx：第 2 行 B 列的内容含有 Excel 不允许的控制字符，无法保存"
    assert not path.exists()


def test_write_yaml_literal_blocks(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    records = [
        {"姓名": "张三", "事实": "第一行\n第二行", "成文日期": dt.date(2024, 12, 1), "附件": ["甲", "乙"]}
    ]
    write_yaml(path, records)

    text = path.read_text(encoding="utf-8")
    assert text == (
        "- 姓名: 张三\n  事实: |-\n    第一行\n    第二行\n  成文日期: 2024-12-01\n  附件:\n  - 甲\n  - 乙\n"
    )
    # Read back as the text written: the date field's type parses "2024-12-01".
    assert _values(path) == [{**records[0], "成文日期": "2024-12-01"}]


def test_write_csv_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["a", "b", "c", "d"], [[None, ["一", "二"], dt.date(2024, 1, 2), 30.0]])

    assert path.read_bytes() == '\ufeffa,b,c,d\r\n,"一\n二",2024-01-02,30\r\n'.encode()


def test_writers_are_atomic(tmp_path: Path) -> None:
    path = tmp_path / "keep.csv"
    path.write_text("old", encoding="utf-8")

    with pytest.raises(OutputError) as info:
        write_csv(path, ["姓名"], [["😀"]], encoding="gbk")

    assert (
        info.value.message == "keep.csv：内容中的字符“😀”无法用 gbk 编码保存，请改用 UTF-8（utf-8-sig）编码"
    )
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_write_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "out.yaml"

    with pytest.raises(OutputError) as info:
        write_yaml(path, [{"a": 1}])

    assert info.value.message == f"out.yaml：无法写入，文件夹不存在：{path.parent}"


# ----------------------------------------------------------------------------------- property tests

_CELL_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\n")
_cell = st.text(_CELL_CHARS, max_size=12).filter(lambda v: v == v.strip())
_name = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=8).filter(
    lambda v: v == v.strip() and v != ""
)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    headers = draw(st.lists(_name, min_size=1, max_size=4, unique=True))
    row = st.lists(_cell, min_size=len(headers), max_size=len(headers)).filter(any)  # blank rows are skipped
    return headers, draw(st.lists(row, max_size=6))


def _read_table(path: Path) -> tuple[list[str], list[list[object]]]:
    source = open_source(path)
    return source.headers, [list(r.values.values()) for r in source.records()]


_PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(table=_tables())
def test_csv_utf8_round_trip(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = table
    path = tmp_path / "prop.csv"
    write_csv(path, headers, rows)

    assert _read_table(path) == (headers, rows)


@_PROPERTY
@given(table=_tables())
def test_csv_gb18030_round_trip(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = table
    path = tmp_path / "prop.csv"
    write_csv(path, headers, rows, encoding="gb18030")
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        # Bytes valid in both encodings (all ASCII, or GBK pairs that happen to form UTF-8) are read as
        # UTF-8, as any detector must; only the ASCII case reads back equal.
        assume(data.isascii())
    except UnicodeDecodeError:
        pass

    assert _read_table(path) == (headers, rows)


@_PROPERTY
@given(table=_tables())
def test_xlsx_round_trip(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = table
    path = tmp_path / "prop.xlsx"
    write_xlsx(path, headers, rows)

    assert _read_table(path) == (headers, rows)
