"""Each input from issue 11 that gave 内部错误 (or a silent wrong result) now gives a Chinese error
naming what to do, with exit 1 (2 for usage) and no traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from jiancha_docs.errors import os_reason

from .helpers import jiancha_in_process

FIXTURES = Path(__file__).parent / "fixtures"


def jiancha(capsys: pytest.CaptureFixture[str], *args: str, cwd: Path | None = None) -> tuple[int, str]:
    return jiancha_in_process(capsys, *args, cwd=cwd)


def good_record(**changes: object) -> dict:
    import yaml

    record = yaml.safe_load((FIXTURES / "recommendation.yaml").read_text(encoding="utf-8"))
    record["成文日期"] = "2024-12-01"
    record.update(changes)
    return record


def test_a_lone_surrogate_in_a_choice_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.json"
    text = json.dumps([good_record(建议类型="X")], ensure_ascii=True).replace('"X"', '"\\ud800"')
    path.write_text(text, encoding="utf-8")
    code, err = jiancha(capsys, "render", "建议书", str(path), "-o", str(tmp_path / "o"))
    assert code == 1
    assert (
        "错误：in.json 第 1 条记录「建议类型」：含有 Word 文档无法保存的控制字符（U+D800），请删除后重试"
        in err
    )


def test_an_input_file_name_in_gbk_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = os.fsdecode("建议".encode("gbk") + b".yaml")
    path = tmp_path / name
    shutil.copy(FIXTURES / "recommendation.yaml", path)
    code, err = jiancha(capsys, "render", "建议书", str(path), "-o", str(tmp_path / "o"))
    assert code == 0, err
    manifest = next((tmp_path / "o").glob("生成清单_*.csv")).read_text(encoding="utf-8-sig")
    assert "建议.yaml" in manifest


def test_an_output_folder_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Tests may run as root, for whom a read-only folder is writable: the refusal is simulated
    # where the operating system would give it.)
    from jiancha_docs.render import output

    def refuse(self, path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(output.ManifestWriter, "__init__", refuse)
    out = tmp_path / "只读"
    code, err = jiancha(capsys, "render", "建议书", str(FIXTURES / "recommendation.yaml"), "-o", str(out))
    assert code == 1
    assert err.startswith("错误：无法读写文件：")
    assert "没有权限（文件可能正被 Word、WPS 或 Excel 打开，或文件夹是只读的）" in err


@pytest.mark.parametrize(
    ("errno_name", "reason"),
    [("EACCES", "没有权限"), ("EPERM", "可能正被 Word、WPS 或 Excel 打开"), ("ENOSPC", "磁盘空间不足")],
)
def test_os_errors_are_said_in_chinese_with_the_cause(errno_name: str, reason: str) -> None:
    import errno

    assert reason in os_reason(OSError(getattr(errno, errno_name), "English"))


def office_template(tmp_path: Path, text: str = "主送：{{ recipient }}", header: str | None = None) -> Path:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    path = tmp_path / "本单位模板.docx"
    doc.save(path)
    return path


def rewrite_part(path: Path, part: str, change) -> None:
    target = path.with_suffix(".new")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data = change(data)
                if data is None:
                    continue
            dst.writestr(item, data)
    target.replace(path)


def render_with(capsys: pytest.CaptureFixture[str], tmp_path: Path, template: Path) -> tuple[int, str]:
    source = str(FIXTURES / "recommendation.yaml")
    return jiancha(capsys, "render", "建议书", source, "--template", str(template), "-o", str(tmp_path / "o"))


def test_a_template_with_an_undefined_xml_entity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = office_template(tmp_path)
    rewrite_part(
        template, "word/document.xml", lambda d: d.replace("主送：".encode(), "主送&nbsp;：".encode())
    )
    code, err = render_with(capsys, tmp_path, template)
    assert code == 1
    assert err.splitlines()[:2] == [
        "错误：模板文件 本单位模板.docx 已损坏：部件 word/document.xml 不是合法的 XML（第 2 行，使用了未定义的实体“&nbsp;”）",
        "提示：请用 Word 或 WPS 打开模板，另存为 .docx 后再试",
    ]


def test_a_template_relationship_to_a_missing_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = office_template(tmp_path, header="{{ doc_number }}")
    with zipfile.ZipFile(template) as archive:
        header = next(n for n in archive.namelist() if re.match(r"word/header\d*\.xml$", n))
    rewrite_part(template, header, lambda d: None)
    code, err = render_with(capsys, tmp_path, template)
    assert code == 1
    assert err.splitlines()[0] == f"错误：模板文件 本单位模板.docx 已损坏：其中引用的部件 {header} 不存在"


def test_a_runaway_loop_in_a_template_is_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiancha_docs.render import environment

    monkeypatch.setattr(environment, "TIME_BUDGET", 0.5)
    loops = "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}"
    template = office_template(tmp_path, "主送：{{ recipient }}" + loops)
    code, err = render_with(capsys, tmp_path, template)
    assert code == 1
    assert "错误：模板 本单位模板.docx 生成一份文书用时超过 0.5 秒，已停止（word/document.xml）" in err
    assert "{% for %}" in err


def test_a_runaway_loop_over_a_list_is_stopped_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from jiancha_docs.errors import TemplateProblem
    from jiancha_docs.render import environment
    from jiancha_docs.render.docx import PreparedTemplate

    monkeypatch.setattr(environment, "TIME_BUDGET", 0.3)
    loops = (
        "{% for a in items %}{% for b in items %}{% for c in items %}x{% endfor %}{% endfor %}{% endfor %}"
    )
    prepared = PreparedTemplate(office_template(tmp_path, loops), environment.make_environment())
    with pytest.raises(TemplateProblem, match="用时超过"):
        prepared.render_bytes({"items": list(range(3000))})


def test_a_huge_repetition_in_a_template_is_refused(tmp_path: Path) -> None:
    from jiancha_docs.errors import TemplateProblem
    from jiancha_docs.render.docx import PreparedTemplate
    from jiancha_docs.render.environment import make_environment

    prepared = PreparedTemplate(office_template(tmp_path, "{{ 'x' * 999999999 }}"), make_environment())
    with pytest.raises(TemplateProblem, match="会产生超过 100000 个字符"):
        prepared.render_bytes({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ recipient }", "出现了多余的“}”（变量应写作 {{ 键 }}，两边各两个花括号）"),
        ("{% for x in problems %}", "到模板结尾 {% for %} 还没有结束，缺少 {% endfor %}"),
        (
            "{% if a %}{% endfor %}",
            "{% endfor %} 与前面的标签不配对：最内层尚未结束的是 {% if %}，应先写 {% endif %}",
        ),
        ("{% endif %}", "多出了 {% endif %}，前面没有与之配对的开始标签"),
        ("{{ 主送 单位 }}", "此处应为“}}”，却是“单位”（变量名中不能有空格或标点）"),
    ],
)
def test_template_syntax_errors_in_chinese(tmp_path: Path, text: str, expected: str) -> None:
    from jiancha_docs.errors import TemplateProblem
    from jiancha_docs.render.docx import PreparedTemplate
    from jiancha_docs.render.environment import make_environment

    with pytest.raises(TemplateProblem) as info:
        PreparedTemplate(office_template(tmp_path, text), make_environment())
    assert info.value.message.startswith(
        f"模板 本单位模板.docx 的 word/document.xml 中有模板语法错误：第 2 段{expected}；出错位置附近的文字："
    )


def test_chinese_labels_in_a_template_are_answered_with_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = office_template(tmp_path, "{{ 主送单位 }}：{{ 被建议单位 }}")
    code, err = jiancha(capsys, "kinds", "check-template", "建议书", str(template))
    assert code == 1
    lines = err.splitlines()
    assert "错误：模板中的 {{ 主送单位 }} 写的是字段的中文名称，请改写为 {{ recipient }}" in lines
    assert "错误：模板中的 {{ 被建议单位 }} 写的是字段的中文名称，请改写为 {{ recipient }}" in lines
    assert not any("「主送单位」在模板中没有出现" in line for line in lines)


def test_a_doc_template_gets_a_save_as_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "旧模板.doc"
    template.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    code, err = render_with(capsys, tmp_path, template)
    assert code == 1
    assert err.splitlines()[:2] == [
        "错误：模板文件 旧模板.doc 是旧版 Word 文件（.doc），无法作为模板",
        "提示：请在 Word 或 WPS 中打开它，“另存为”Word 文档（.docx）后再试",
    ]


@pytest.mark.parametrize("typed", ["建议数", "检察建议书"])
def test_misspelt_kind_names_get_a_suggestion(capsys: pytest.CaptureFixture[str], typed: str) -> None:
    code, err = jiancha(capsys, "kinds", "show", typed)
    assert code == 2
    assert err.startswith(f"错误：没有名为“{typed}”的文书类型。是否应为“纪检监察建议书”？")


def test_garbage_read_as_utf16_is_an_error_not_zero_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import random

    path = tmp_path / "乱码.csv"
    rng = random.Random(7)
    path.write_bytes(b"\xff\xfe" + bytes(rng.randrange(256) for _ in range(4000)))
    code, err = jiancha(capsys, "render", "建议书", str(path), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "错误：乱码.csv：文件开头标明是 UTF-16 文本，但内容无法识别，文件可能已损坏" in err
    assert "共 0 条记录" in err and "另有 1 个文件无法处理" in err


def test_a_missing_input_makes_no_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    code, err = jiancha(
        capsys,
        "render",
        "建议书",
        str(FIXTURES / "recommendation.yaml"),
        str(tmp_path / "无.xlsx"),
        "-o",
        str(out),
    )
    assert code == 1
    assert err.splitlines()[0] == f"错误：找不到输入文件：{tmp_path / '无.xlsx'}"
    assert not out.exists()


def test_an_invalid_date_in_a_regulation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "regulations"
    folder.mkdir()
    (folder / "办法.md").write_text(
        "---\n标题: 某办法\n发布日期: 2024-13-01\n---\n第一条 内容。\n", encoding="utf-8"
    )
    code, err = jiancha(capsys, "rules", "index", cwd=tmp_path)
    assert code == 1
    assert "办法.md 第 3 行：「发布日期」无法识别的日期“2024-13-01”" in err


def test_rules_import_never_writes_through_a_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "办法.txt"
    source.write_text(
        "某某单位容错纠错办法\n第一条 为了规范工作，制定本办法。\n第二条 本办法自发布之日起施行。\n",
        encoding="utf-8",
    )
    outside = tmp_path / "外面的文件.txt"
    outside.write_text("不能被改写", encoding="utf-8")
    folder = tmp_path / "regulations"
    folder.mkdir()
    code, err = jiancha(capsys, "rules", "import", str(source), "--dry-run", cwd=tmp_path)
    name = re.search(r"regulations/(\S+?\.md)", err + capsys.readouterr().out)
    target_name = name.group(1) if name else "某某单位容错纠错办法.md"
    (folder / target_name).symlink_to(outside)

    code, err = jiancha(capsys, "rules", "import", str(source), "--force", cwd=tmp_path)
    assert code == 1
    assert "是一个符号链接（快捷方式），为安全起见不写入" in err
    assert outside.read_text(encoding="utf-8") == "不能被改写"
    assert not list(folder.glob(".导入-*")), "no temporary file is left"


def test_rules_import_writes_by_replacing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "办法.txt"
    source.write_text(
        "某某单位容错纠错办法\n第一条 为了规范工作，制定本办法。\n第二条 本办法自发布之日起施行。\n",
        encoding="utf-8",
    )
    code, _ = jiancha(capsys, "rules", "import", str(source), cwd=tmp_path)
    assert code == 0
    (written,) = (tmp_path / "regulations").glob("*.md")
    assert "第一条" in written.read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "regulations").iterdir()] == [written.name]
