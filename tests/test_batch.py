"""Render jobs: batches with bad rows, file names, no overwriting, atomic writes, the manifest."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from jiancha_docs.errors import OutputError
from jiancha_docs.kinds import find_kind
from jiancha_docs.render.batch import RenderOptions, render_records
from jiancha_docs.render.output import confined, name_from_pattern, sanitise, write_atomic

from .helpers import docx_text

REFORM_HEADERS = [
    "发文机关",
    "文号",
    "主送单位",
    "案件简况",
    "暴露问题",
    "整改任务",
    "整改方案报送日期",
    "整改报告报送日期",
    "专题民主生活会时限",  # 主体责任规定第十五条
    "会议材料报送日期",
    "成文日期",
]


def reform_row(n: int) -> list[str]:
    return [
        "中共某某市纪律检查委员会",
        f"某纪改〔2024〕{n}号",
        f"某某市第{n}局党组",
        f"给予该局原副局长某某{n}开除党籍处分。",
        "监督乏力\n制度漏洞",
        f"专项整治|局办公室|2025-03-31\n修订制度|局法规科|2025/2/{(n % 28) + 1}",
        "2025-01-15",
        "2025-04-30",
        "2025-01-31",
        "2025-02-10",
        "2024-12-20",
    ]


def write_gbk_csv(path: Path, rows: list[list[str]]) -> Path:
    """A CSV exactly as Excel on Chinese Windows saves it: GBK, CRLF, quoted multi-line cells."""
    with open(path, "w", encoding="gbk", newline="") as stream:
        writer = csv.writer(stream)  # csv's default line terminator is CRLF, like Excel
        writer.writerow(REFORM_HEADERS)
        writer.writerows(rows)
    return path


def read_manifest(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_200_row_gbk_csv_with_three_bad_rows(tmp_path: Path) -> None:
    rows = [reform_row(n) for n in range(1, 201)]
    rows[9][-1] = "2024-13-01"  # sheet row 11: impossible date (成文日期)
    rows[99][1] = "某纪改[2024]100号"  # sheet row 101: wrong brackets
    rows[149][2] = ""  # sheet row 151: required field empty
    source = write_gbk_csv(tmp_path / "以案促改.csv", rows)
    out = tmp_path / "out"
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=out))
    assert report.written == 197
    assert report.failed == 3
    assert [i.describe() for i in report.issues()] == [
        "以案促改.csv 第 11 行「成文日期」：日期“2024-13-01”不存在：月份应为 1 至 12",
        "以案促改.csv 第 101 行「文号」：文号“某纪改[2024]100号”：年份应用六角括号“〔〕”括入，不能用“[]”",
        "以案促改.csv 第 151 行「主送单位」：必填项，不能为空",
    ]
    documents = sorted(out.glob("*.docx"))
    assert len(documents) == 197
    assert report.manifest.parent == out.resolve()
    assert report.manifest.name.startswith("生成清单_以案促改通知书_")
    manifest = read_manifest(report.manifest)
    assert manifest[0] == ["来源文件", "行号", "输出文件", "状态", "说明"]
    assert len(manifest) == 201
    assert manifest[1] == ["以案促改.csv", "2", "某纪改〔2024〕1号_某某市第1局党组.docx", "已生成", ""]
    assert manifest[10][1:] == ["11", "", "失败", "「成文日期」：日期“2024-13-01”不存在：月份应为 1 至 12"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left behind"


def test_rendered_document_has_the_row_values(tmp_path: Path) -> None:
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(7)])
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=tmp_path / "o"))
    text = "\n".join(docx_text(report.outcomes[0].output))
    for expected in [
        "某纪改〔2024〕7号",
        "某某市第7局党组：",
        "给予该局原副局长某某7开除党籍处分。",
        "专项整治",
        "2025年2月8日",
        "2024年12月20日",
    ]:
        assert expected in text


def test_check_only_writes_nothing(tmp_path: Path) -> None:
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(1), reform_row(2)])
    out = tmp_path / "out"
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=out, check_only=True))
    assert report.checked == 2 and report.ok
    assert not out.exists()


def test_fail_fast_stops_at_the_first_bad_row(tmp_path: Path) -> None:
    rows = [reform_row(n) for n in range(1, 6)]
    rows[1][8] = "昨天"
    source = write_gbk_csv(tmp_path / "a.csv", rows)
    report = render_records(
        find_kind("reform_notice"), [source], RenderOptions(outdir=tmp_path / "o", fail_fast=True)
    )
    assert [o.status for o in report.outcomes] == ["已生成", "失败"]
    assert report.stopped_early


def test_existing_documents_are_never_overwritten_without_force(tmp_path: Path) -> None:
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(1)])
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "某纪改〔2024〕1号_某某市第1局党组.docx"
    existing.write_bytes(b"signed and sealed")
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=out))
    assert report.failed == 1
    assert report.issues()[0].describe() == (
        "a.csv 第 2 行：输出文件“某纪改〔2024〕1号_某某市第1局党组.docx”已存在，未覆盖；如需覆盖请加 --force"
    )
    assert existing.read_bytes() == b"signed and sealed"
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=out, force=True))
    assert report.written == 1 and existing.read_bytes().startswith(b"PK")


def test_duplicate_names_in_one_batch_get_numbered_in_row_order(tmp_path: Path) -> None:
    rows = [reform_row(1), reform_row(1), reform_row(1)]
    source = write_gbk_csv(tmp_path / "a.csv", rows)
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=tmp_path / "o"))
    assert [o.output.name for o in report.outcomes] == [
        "某纪改〔2024〕1号_某某市第1局党组.docx",
        "某纪改〔2024〕1号_某某市第1局党组_2.docx",
        "某纪改〔2024〕1号_某某市第1局党组_3.docx",
    ]


def test_unreadable_input_files_are_reported_and_the_others_rendered(tmp_path: Path) -> None:
    good = write_gbk_csv(tmp_path / "good.csv", [reform_row(1)])
    report = render_records(
        find_kind("reform_notice"), [tmp_path / "missing.csv", good], RenderOptions(outdir=tmp_path / "o")
    )
    assert report.written == 1
    assert report.failed_files == 1
    assert not report.ok


@pytest.mark.parametrize(
    "values,expected",
    [
        ({"文号": "某纪建〔2024〕3号", "主送单位": "某局"}, "某纪建〔2024〕3号_某局"),
        ({"文号": "", "主送单位": "某局"}, "某局"),
        ({"文号": "某纪建〔2024〕3号", "主送单位": ""}, "某纪建〔2024〕3号"),
        ({}, "第5行"),
        (
            {"文号": "../../etc/passwd", "主送单位": 'a/b\\c:d*e?f"g<h>i|j'},
            "_.._etc_passwd_a_b_c_d_e_f_g_h_i_j",
        ),  # no leading dot: never hidden
        ({"文号": "CON", "主送单位": ""}, "_CON"),
    ],
)
def test_file_names_from_the_pattern_are_safe(values: dict, expected: str) -> None:
    assert name_from_pattern("{文号}_{主送单位}", values, "第5行") == expected


def test_long_names_are_bounded_in_bytes() -> None:
    name = sanitise("某" * 300)
    assert len(name.encode("utf-8")) <= 180
    assert set(name) == {"某"}


def test_paths_never_leave_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="输出文件夹之外"):
        confined(tmp_path, "../escape.docx")
    assert confined(tmp_path, "a.docx") == (tmp_path / "a.docx").resolve()


def test_atomic_write_refuses_to_replace_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.docx"
    write_atomic(target, b"one")
    with pytest.raises(OutputError):
        write_atomic(target, b"two")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"three", overwrite=True)
    assert target.read_bytes() == b"three"
    assert os.listdir(tmp_path) == ["a.docx"]


def test_an_interrupted_write_leaves_no_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.docx", b"data")
    assert os.listdir(tmp_path) == []


def test_the_template_is_prepared_once_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiancha_docs.render import docx

    prepared = []
    original = docx.PreparedTemplate.__init__

    def counting(self, *args, **kwargs):
        prepared.append(args[0])
        original(self, *args, **kwargs)

    monkeypatch.setattr(docx.PreparedTemplate, "__init__", counting)
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(n) for n in range(1, 21)])
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=tmp_path / "o"))
    assert report.written == 20
    assert len(prepared) == 1


def test_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(1)])
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=blocker))
    assert caught.value.message.startswith(f"无法创建输出文件夹 {blocker}：")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_an_unknown_layout_is_a_usage_error() -> None:
    from jiancha_docs.errors import UsageError
    from jiancha_docs.render.batch import template_for

    with pytest.raises(UsageError) as caught:
        template_for(find_kind("reform_notice"), "公告式", None)
    assert caught.value.message == "版式“公告式”无效，应为：文件式、信函式"


def test_a_write_failure_is_reported_for_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiancha_docs import fileio

    def disk_full(path: Path) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio, "_create", disk_full)
    source = write_gbk_csv(tmp_path / "a.csv", [reform_row(1)])
    report = render_records(find_kind("reform_notice"), [source], RenderOptions(outdir=tmp_path / "o"))
    assert report.failed == 1
    assert report.issues()[0].message == "某纪改〔2024〕1号_某某市第1局党组.docx：无法写入，磁盘空间已满"
