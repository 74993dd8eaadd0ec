"""PDF output: one LibreOffice per batch, the watchdog (timeout, retry once, process group), the
font pre-flight and substitution rules, and `render --pdf` / `pdf` on the command line.

The watchdog tests use a stand-in soffice (a small script) so they are fast and need no
LibreOffice; the real conversion test converts a handful of documents in one soffice call and
is skipped when LibreOffice is not installed (.ci/run installs it).
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.kinds import find_kind
from jiancha_docs.printing import convert, fonts
from jiancha_docs.printing.convert import (
    ChineseFontsMissing,
    LibreOfficeFailed,
    LibreOfficeMissing,
    convert_to_pdf,
    find_soffice,
    pdf_destinations,
)
from jiancha_docs.printing.fonts import STANDARD_FONTS, FontReport, FontStatus, render_fontconfig
from jiancha_docs.render.batch import RenderOptions, render_records

FIXTURES = Path(__file__).parent / "fixtures"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)"
)
needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")

FAKE_SOFFICE = """\
#!{python}
# A stand-in for soffice --convert-to pdf: behaviour chosen by each input file's content.
import os, pathlib, sys, time
args = sys.argv[1:]
with open(os.environ["FAKE_SOFFICE_LOG"], "a") as log:
    log.write("start\\n")
outdir = pathlib.Path(args[args.index("--outdir") + 1])
for name in args[args.index("--outdir") + 2 :]:
    source = pathlib.Path(name)
    content = source.read_text(errors="ignore")
    marker = pathlib.Path(str(source.resolve()) + ".seen")
    if "HANG-ONCE" in content and not marker.exists():
        marker.touch()
        time.sleep(60)
    if "HANG-ALWAYS" in content:
        time.sleep(60)
    if "CRASH" in content:
        sys.exit(134)
    if "UNREADABLE" in content:
        print("Error: source file could not be loaded", flush=True)
        continue
    (outdir / (source.stem + ".pdf")).write_bytes(b"%PDF-1.4\\n" + content.encode() + b"\\n" * 80 + b"%%EOF\\n")
"""


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "bin" / "soffice"
    script.parent.mkdir()
    script.write_text(FAKE_SOFFICE.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(tmp_path / "starts.log"))
    monkeypatch.setattr(convert, "STARTUP_ALLOWANCE", 0.0)
    return script


def starts(tmp_path: Path) -> int:
    log = tmp_path / "starts.log"
    return log.read_text().count("start") if log.exists() else 0


OK_FONTS = FontReport(fontconfig=False)  # the pre-flight is tested on its own below


def documents(folder: Path, *contents: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, content in enumerate(contents, 1):
        path = folder / f"文书{index}.docx"
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths


# -- the watchdog, with a stand-in soffice -----------------------------------------------------
def test_one_process_converts_the_whole_batch(tmp_path: Path, fake_soffice: Path) -> None:
    sources = documents(tmp_path / "docs", *[f"doc {i}" for i in range(6)])
    done = []
    report = convert_to_pdf(sources, soffice=fake_soffice, fonts=OK_FONTS, on_done=done.append)
    assert report.ok and report.converted == 6 and report.processes == 1 == starts(tmp_path)
    assert [o.pdf for o in report.outcomes] == [s.with_suffix(".pdf") for s in sources]
    assert all(s.with_suffix(".pdf").read_bytes().startswith(b"%PDF") for s in sources)
    assert len(done) == 6
    # Nothing left behind: no temporary files beside the documents.
    assert sorted(p.suffix for p in (tmp_path / "docs").iterdir()) == [".docx"] * 6 + [".pdf"] * 6


def test_a_hung_conversion_is_killed_and_retried_once(tmp_path: Path, fake_soffice: Path) -> None:
    sources = documents(tmp_path / "docs", "first", "HANG-ONCE", "third")
    report = convert_to_pdf(sources, soffice=fake_soffice, fonts=OK_FONTS, timeout=1)
    assert report.ok, [o.error for o in report.outcomes]
    assert report.processes == 2 == starts(tmp_path)
    assert [o.attempts for o in report.outcomes] == [1, 2, 1]


def test_a_conversion_that_hangs_twice_fails_and_the_rest_go_on(tmp_path: Path, fake_soffice: Path) -> None:
    sources = documents(tmp_path / "docs", "first", "HANG-ALWAYS", "third", "fourth")
    report = convert_to_pdf(sources, soffice=fake_soffice, fonts=OK_FONTS, timeout=1)
    assert [o.ok for o in report.outcomes] == [True, False, True, True]
    assert report.outcomes[1].error == "转换超时：LibreOffice 处理此文件超过 1 秒，已重试一次仍未完成"
    assert report.processes == 3  # the batch, the retry, the rest after the hung document
    assert not sources[1].with_suffix(".pdf").exists()


def test_a_crash_is_retried_and_unreadable_files_are_reported(tmp_path: Path, fake_soffice: Path) -> None:
    sources = documents(tmp_path / "docs", "UNREADABLE", "second", "CRASH", "fourth")
    sources.append(tmp_path / "docs" / "没有这个文件.docx")
    text = tmp_path / "docs" / "说明.txt"
    text.write_text("x", encoding="utf-8")
    sources.append(text)
    report = convert_to_pdf(sources, soffice=fake_soffice, fonts=OK_FONTS, timeout=5)
    errors = [o.error for o in report.outcomes]
    assert errors[0] == "LibreOffice 无法打开此文件（文件可能已损坏，或不是 Word 文档）"
    assert errors[1] is None and errors[3] is None
    assert errors[2] == "LibreOffice 转换此文件时异常退出（退出码 134），已重试一次仍失败"
    assert errors[4] == "文件不存在" and errors[5] == "不是 Word 文档（.docx），未转换"


def test_a_libreoffice_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    sources = documents(tmp_path / "docs", "a", "b", "c", "d")
    with pytest.raises(LibreOfficeFailed, match="LibreOffice 无法启动或反复异常退出.*cannot open display"):
        convert_to_pdf(sources, soffice=broken, fonts=OK_FONTS)


def test_pdfs_into_one_folder_do_not_collide(tmp_path: Path, fake_soffice: Path) -> None:
    first = documents(tmp_path / "a", "one")[0]
    second = documents(tmp_path / "b", "two")[0]
    assert first.name == second.name
    report = convert_to_pdf([first, second], tmp_path / "pdf", soffice=fake_soffice, fonts=OK_FONTS)
    assert [o.pdf.name for o in report.outcomes] == ["文书1.pdf", "文书1_2.pdf"]
    assert b"two" in (tmp_path / "pdf" / "文书1_2.pdf").read_bytes()
    assert pdf_destinations([Path("x/A.docx"), Path("y/a.docx")], Path("o")) == [
        Path("o/A.pdf"),
        Path("o/a_2.pdf"),
    ]


def test_without_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JIANCHA_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    assert find_soffice() is None  # a wrong JIANCHA_SOFFICE is not replaced by another soffice
    with pytest.raises(LibreOfficeMissing) as caught:
        convert_to_pdf(documents(tmp_path / "docs", "a"))
    assert "apt-get install libreoffice-writer-nogui" in caught.value.hint


def test_no_chinese_font_stops_before_printing_boxes(tmp_path: Path, fake_soffice: Path) -> None:
    fangsong = next(f for f in STANDARD_FONTS if f.name == "仿宋_GB2312")
    report = FontReport(
        fontconfig=True, fonts=[FontStatus(fangsong, used="DejaVu Sans", covers_chinese=False)]
    )
    assert not report.ok
    with pytest.raises(ChineseFontsMissing, match="没有可用的中文字体（仿宋_GB2312）"):
        convert_to_pdf(documents(tmp_path / "docs", "a"), soffice=fake_soffice, fonts=report)
    assert starts(tmp_path) == 0


# -- fonts -------------------------------------------------------------------------------------
def test_the_shipped_fontconfig_file_is_generated_from_the_font_table() -> None:
    shipped = fonts.FONTCONFIG_FILE.read_text(encoding="utf-8")
    assert shipped == render_fontconfig(), "run: python -m jiancha_docs.printing.fonts"
    assert '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' in shipped
    for name in (
        "仿宋_GB2312",
        "仿宋",
        "FangSong",
        "方正小标宋简体",
        "黑体",
        "SimHei",
        "楷体_GB2312",
        "楷体",
        "KaiTi",
        "宋体",
        "SimSun",
    ):
        assert f'<test name="family"><string>{name}</string></test>' in shipped, name


@pytest.mark.skipif(not fonts.fontconfig_available(), reason="fontconfig is not installed")
def test_preflight_finds_a_chinese_stand_in_for_every_standard_font() -> None:
    report = fonts.preflight()
    if not report.chinese_families:
        pytest.skip("no Chinese font installed (.ci/run installs fonts-noto-cjk)")
    assert report.ok, [f.describe() for f in report.fonts]
    for status in report.fonts:
        if status.font.chinese:
            assert status.status in ("ok", "substituted"), status.describe()
            assert status.covers_chinese or status.installed
    # Our rules, not fontconfig's default sans-serif fallback, decide: 仿宋 gets a serif (Song) face
    # when one is installed, and 小标宋 a bold one.
    fangsong = next(f for f in report.fonts if f.font.name == "仿宋_GB2312")
    xiaobiaosong = next(f for f in report.fonts if f.font.name == "方正小标宋简体")
    if not fangsong.installed and any("Serif CJK" in family for family in report.chinese_families):
        assert "Serif" in (fangsong.used or ""), fangsong.describe()
        assert xiaobiaosong.used_style.lower() == "bold", xiaobiaosong.describe()
    assert report.summary().startswith(("字体替代：", "标准字体均已安装"))


# -- the real LibreOffice ------------------------------------------------------------------------
def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type… encoding emb sub uni object-id generation
        rows.append({"name": parts[0], "emb": parts[-5], "uni": parts[-3]})
    return rows


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory):
    """Four documents (both layouts, two kinds) and a damaged one, in one LibreOffice call."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (.ci/run installs it)")
    out = tmp_path_factory.mktemp("pdf")
    sources = []
    for kind_id in ("reform_notice", "clarification_notice"):
        for layout in ("文件式", "信函式"):
            report = render_records(
                find_kind(kind_id),
                [FIXTURES / f"{kind_id}.yaml"],
                RenderOptions(outdir=out / layout, layout=layout),
            )
            sources.append(report.outcomes[-1].output)
    damaged = out / "损坏.docx"
    damaged.write_bytes(sources[0].read_bytes()[:2000])
    return sources, convert_to_pdf([*sources, damaged])


@needs_soffice
def test_libreoffice_converts_a_batch_in_one_process(converted) -> None:
    sources, report = converted
    assert report.processes == 1
    assert [o.ok for o in report.outcomes] == [True] * 4 + [False]
    assert "无法打开此文件" in report.outcomes[-1].error
    for source in sources:
        pdf = source.with_suffix(".pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-"


@needs_soffice
@needs_poppler
def test_the_pdfs_embed_the_substituted_chinese_fonts(converted) -> None:
    sources, report = converted
    fangsong = next(f for f in report.fonts.fonts if f.font.name == "仿宋_GB2312")
    # "NotoSerifCJK-Regular.ttc" → "notoserifcjk": the embedded PostScript name starts like the file.
    stand_in = re.sub(r"[^a-z]", "", Path(fangsong.used_file).stem.split("-")[0].lower())
    for source in sources:
        embedded = pdf_fonts(source.with_suffix(".pdf"))
        assert embedded and all(row["emb"] == "yes" for row in embedded), embedded
        names = [re.sub(r"[^a-z]", "", row["name"].split("+")[-1].lower()) for row in embedded]
        if fangsong.installed is None and stand_in:
            assert any(name.startswith(stand_in[:10]) for name in names), (stand_in, names)
        text = subprocess.run(
            ["pdftotext", "-l", "1", str(source.with_suffix(".pdf")), "-"], capture_output=True, text=True
        ).stdout
        compact = re.sub(r"\s+", "", text)
        assert "委员会" in compact and "〔2024〕" in compact, compact[:200]


# -- the command line --------------------------------------------------------------------------
def test_pdf_command_with_a_stand_in(
    tmp_path: Path, fake_soffice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SOFFICE", str(fake_soffice))
    monkeypatch.setattr(fonts, "preflight", lambda: OK_FONTS)
    monkeypatch.setattr(convert, "preflight", lambda: OK_FONTS)
    folder = tmp_path / "docs"
    documents(folder, "one", "UNREADABLE")
    result = CliRunner().invoke(cli, ["pdf", str(folder)])
    assert result.exit_code == 1
    assert result.stdout == f"{folder / '文书1.pdf'}\n"
    lines = result.stderr.splitlines()
    assert lines[0] == "错误：文书2.docx：LibreOffice 无法打开此文件（文件可能已损坏，或不是 Word 文档）"
    assert re.fullmatch(r"已生成 1 份 PDF，失败 1 份（用时 \d+\.\d 秒）。", lines[1])
    assert lines[2] == "未找到 fontconfig（fc-match），无法确认字体替代情况，由系统决定。"


def test_render_pdf_without_libreoffice_still_writes_the_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["render", "澄清说明", str(FIXTURES / "clarification_letter.yaml"), "-o", "out", "--pdf"]
    )
    assert result.exit_code == 1
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert (
        "错误：未找到 LibreOffice（soffice），无法生成 PDF；Word 文书不受影响。\n提示：安装 LibreOffice 后重试"
        in result.stderr
    )


@needs_soffice
def test_render_pdf_writes_a_pdf_beside_each_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["render", "澄清说明", str(FIXTURES / "clarification_letter.yaml"), "-o", "out", "--pdf"]
    )
    assert result.exit_code == 0, result.stderr
    documents_ = sorted((tmp_path / "out").glob("*.docx"))
    assert [p.with_suffix(".pdf").is_file() for p in documents_] == [True]
    assert "已生成 1 份 PDF" in result.stderr


def test_a_killed_group_leaves_no_process(tmp_path: Path, fake_soffice: Path) -> None:
    """The watchdog kills soffice's children too (soffice.bin is a child of the soffice script)."""
    wrapper = tmp_path / "bin" / "soffice-wrapper"
    wrapper.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            "{fake_soffice}" "$@" &
            echo $! > "{tmp_path}/child.pid"
            wait
            """
        ),
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    sources = documents(tmp_path / "docs", "HANG-ALWAYS")
    report = convert_to_pdf(sources, soffice=wrapper, fonts=OK_FONTS, timeout=1)
    assert not report.ok
    child = int((tmp_path / "child.pid").read_text())
    status = Path(f"/proc/{child}/stat")
    # A SIGKILLed process may take a moment to die on a loaded machine: gone, or a zombie
    # waiting for init to reap it, within a few seconds.
    state = "?"
    for _ in range(50):
        try:
            state = status.read_text().split(") ")[-1][0]
        except (FileNotFoundError, ProcessLookupError):
            state = "gone"
        if state in ("gone", "Z"):
            break
        time.sleep(0.1)
    assert state in ("gone", "Z")


def test_pdf_command_json(tmp_path: Path, fake_soffice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("JIANCHA_SOFFICE", str(fake_soffice))
    monkeypatch.setattr(convert, "preflight", lambda: OK_FONTS)
    sources = documents(tmp_path / "docs", "one", "two")
    result = CliRunner().invoke(cli, ["pdf", "--json", "-o", str(tmp_path / "pdf"), *map(str, sources)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["processes"] == 1
    assert [f["pdf"] for f in data["files"]] == [
        str(tmp_path / "pdf" / "文书1.pdf"),
        str(tmp_path / "pdf" / "文书2.pdf"),
    ]


def test_pdf_command_needs_documents(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["pdf", str(tmp_path)])
    assert result.exit_code == 2 and "没有找到要转换的 .docx 文件" in result.stderr
