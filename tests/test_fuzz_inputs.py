"""Properties over any input: no reader or the renderer ever fails with anything but a Chinese
``JianchaError`` (so never 内部错误, never a traceback), and every text value a reader accepts
appears verbatim in the document."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiancha_docs.errors import JianchaError
from jiancha_docs.kinds import Record, Validator, find_kind
from jiancha_docs.sources import open_source, write_csv, write_xlsx, write_yaml

from .helpers import docx_text, xml_safe_text

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KIND = find_kind("recommendation")


def read_all(path: Path) -> list[Any]:
    """Open, read and validate every record; only a JianchaError may escape."""
    validator = Validator(KIND)
    try:
        with open_source(path, known=validator.is_column) as source:
            headers = validator.map_headers(source.headers, source.display_name)
            results = []
            for raw in source.records():
                result = validator.validate(raw.location, raw.values, headers)
                for issue in result if isinstance(result, list) else []:
                    assert isinstance(issue.describe(), str)
                results.append(result)
            return results
    except JianchaError as e:
        assert e.message and isinstance(e.message, str)
        return []


def in_file(suffix: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="jiancha-fuzz-"))
    path = folder / f"in{suffix}"
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.binary(max_size=600))
def test_any_bytes_as_csv(data: bytes) -> None:
    read_all(in_file(".csv", data))


@FUZZ
@given(text=st.text(max_size=300), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_any_text_as_csv_or_unicode_text(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="surrogatepass")
    read_all(in_file(".csv", data))
    read_all(in_file(".txt", data))


YAML_PIECES = st.sampled_from(
    [
        "主送单位",
        "成文日期",
        "反馈期限天数",
        "存在问题",
        ": ",
        "- ",
        "\n",
        "  ",
        "&a ",
        "*a",
        "<<: ",
        "[",
        "]",
        "{",
        "}",
        "'",
        '"',
        "!!",
        "!!python/object ",
        "01234567",
        "12:30",
        "2024-13-01",
        "NaN",
        "~",
        "|",
        ">",
        "#",
        "%YAML 1.1\n",
        "---\n",
        "\t",
        "合计",
        "9" * 50,
        "\ufeff",
        "😀",
    ]
)


@FUZZ
@given(pieces=st.lists(YAML_PIECES | st.text(max_size=5), max_size=40))
def test_any_yaml(pieces: list[str]) -> None:
    read_all(in_file(".yaml", "".join(pieces).encode("utf-8", errors="surrogatepass")))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    value=JSON_VALUES,
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "主送单位",
                    "成文日期",
                    "反馈期限天数",
                    "存在问题",
                    "整改建议",
                    "问题来源",
                    "抄送",
                    "建议类型",
                ]
            ),
            JSON_VALUES,
        ),
        max_size=3,
    ),
)
def test_any_json(value: Any, records: list[dict]) -> None:
    read_all(in_file(".json", json.dumps(value).encode()))  # NaN and Infinity included
    read_all(
        in_file(".json", json.dumps(records, ensure_ascii=False).encode("utf-8", errors="surrogatepass"))
    )


CELLS = (
    st.none()
    | st.text(max_size=12)
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1))
    | st.sampled_from(
        ["#VALUE!", "#REF!", "=1+1", "=SUM(A1:A2)", "合计", "主送单位", "成文日期", "2024.2.30"]
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELLS, max_size=6), max_size=6), merge=st.booleans(), hidden=st.booleans())
def test_any_workbook(rows: list[list[Any]], merge: bool, hidden: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    if hidden:
        book.create_sheet("隐藏")
        book["隐藏"].sheet_state = "hidden"
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    if merge and len(rows) >= 2:
        sheet.merge_cells(start_row=1, start_column=1, end_row=len(rows), end_column=1)
    path = in_file(".xlsx", b"")
    book.save(path)
    read_all(path)


BASE = {
    "建议类型": "监察建议",
    "监委名称": "某某县监察委员会",
    "问题来源": "在审查调查中发现",
    "存在问题": "资金拨付不规范",
    "整改建议": "建立台账",
    "原因分析": "监督制约机制不健全",
    "依据条款": "《中华人民共和国监察法》第五十二条",
    "成文日期": "2024-12-01",
}
single_line = xml_safe_text(max_size=30).map(lambda s: s.replace("\n", " ").strip()).filter(bool)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipient=single_line, subject=single_line, fmt=st.sampled_from(["csv", "xlsx", "yaml", "json"]))
def test_every_accepted_value_appears_verbatim_in_the_document(
    recipient: str, subject: str, fmt: str
) -> None:
    from jiancha_docs.render.docx import PreparedTemplate
    from jiancha_docs.render.environment import make_environment

    record = {**BASE, "主送单位": recipient, "事由": subject}
    path = in_file(f".{fmt}", b"")
    if fmt == "csv":
        write_csv(path, list(record), [list(record.values())])
    elif fmt == "xlsx":
        write_xlsx(path, list(record), [list(record.values())])
    elif fmt == "yaml":
        write_yaml(path, [record])
    else:
        path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")

    (result,) = read_all(path)
    assert isinstance(result, Record), [i.describe() for i in result]
    assert (result.values["recipient"], result.values["subject"]) == (recipient, subject)
    template = PreparedTemplate(KIND.template_path(), make_environment())
    out = path.with_suffix(".docx")
    out.write_bytes(template.render_bytes({**result.values, "layout": KIND.default_layout}))
    # A long title is broken into lines (render/titles.py): line breaks inside a paragraph are
    # layout, not text.
    text = "\n".join(paragraph.replace("\n", "") for paragraph in docx_text(out))
    assert recipient in text and subject in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=st.lists(
        xml_safe_text(max_size=30).map(lambda s: s.replace("\n", " ").strip()).filter(bool), max_size=3
    ),
    # (a first cell reading 合计 / 小计 / 总计 marks a total row, which is skipped by design)
    values=st.lists(
        single_line.filter(lambda v: not re.match(r"^(合计|小计|总计|共计)[:：]?$", re.sub(r"\s", "", v))),
        min_size=1,
        max_size=4,
    ),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_title_rows_above_the_header_never_change_the_records(
    titles: list[str], values: list[str], fmt: str
) -> None:
    """Whatever an office writes above its header (a title, a note, one cell per row), the
    header is found and every record reads back as written."""
    from openpyxl import Workbook

    headers = ["主送单位", "事由", "成文日期"]
    rows = [[value, value, "2024-12-01"] for value in values]
    path = in_file(f".{fmt}", b"")
    if fmt == "csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            for title in titles:
                writer.writerow([title])
            writer.writerows([headers, *rows])
    else:
        book = Workbook()
        for title in titles:
            book.active.append([title])
            book.active.cell(book.active.max_row, 1).data_type = "s"
        for row in [headers, *rows]:
            book.active.append(row)
            for cell in book.active[book.active.max_row]:
                cell.data_type = "s"
        book.save(path)
    validator = Validator(KIND)
    with open_source(path, known=validator.is_column) as source:
        assert source.headers == headers
        assert [r.values["主送单位"] for r in source.records()] == values
