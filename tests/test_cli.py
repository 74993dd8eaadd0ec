"""The command line: wiring, exit codes and the exact text a clerk reads."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli, main

FIXTURES = Path(__file__).parent / "fixtures"
STANDARD_KINDS = sorted(
    path.parent.name for path in (FIXTURES.parent.parent / "templates").glob("*/schema.yaml")
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-c", "from jiancha_docs.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_help_is_chinese() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("用法： jiancha [选项] 命令 [参数]...")
    assert "显示本帮助并退出。" in result.stdout
    assert "render  用输入文件" in result.stdout


HEAVY = [
    "docxtpl",
    "docx",
    "lxml",
    "jinja2",
    "openpyxl",
    "whoosh",
    "jieba",
    "yaml",
    "cn2an",
    "tqdm",
    "charset_normalizer",
    "markdown_it",
    "sqlite3",
    "multiprocessing",
    "concurrent",
]


@pytest.mark.parametrize(
    "args", [["--help"], ["render", "--help"], ["ledger", "--help"], ["rules", "--help"]]
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    """`jiancha --help` stays instant (the bench measures it: bench/batch_throughput.py) because
    the commands import the libraries that do the work only when they run."""
    script = (
        "import sys\n"
        "from jiancha_docs.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "[]", result.stdout.splitlines()[-1]


def test_unknown_option_is_a_usage_error_in_chinese() -> None:
    result = run("render", "--bogus")
    assert result.returncode == 2
    assert "错误：没有选项 '--bogus'。" in result.stderr.splitlines()[-1]


def test_unknown_kind_exits_2_with_a_hint() -> None:
    result = run("render", "通知", "x.csv")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "错误：没有名为“通知”的文书类型。可用的类型：admonition（诫勉书）、clarification_letter（澄清说明）、"
        "clarification_notice（澄清正名通报）、closure_letter（了结反馈函）、follow_up_record（回访记录）、"
        "inquiry_letter（函询通知书）、integrity_opinion（党风廉政意见回复）、recommendation（纪检监察建议书）、"
        "reform_notice（以案促改通知书）、reminder_letter（提醒函）、urging_letter（督办函）",
        "提示：用 jiancha kinds 查看全部类型",
    ]


def test_kinds_lists_the_eleven_kinds() -> None:
    result = run("kinds")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["类型", "名称", "别名", "默认版式", "说明"]
    assert {line.split()[1] for line in lines[2:]} == {
        "澄清说明",
        "澄清正名通报",
        "纪检监察建议书",
        "以案促改通知书",
        "函询通知书",
        "了结反馈函",
        "提醒函",
        "诫勉书",
        "督办函",
        "党风廉政意见回复",
        "回访记录",
    }


def test_kinds_show_prints_every_field() -> None:
    result = run("kinds", "show", "以案促改通知书")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "以案促改通知书（reform_notice），默认版式：信函式"
    assert "整改任务" in result.stdout and "表格：任务|责任单位|完成时限" in result.stdout


def test_render_success(tmp_path: Path, private_ledger: Path) -> None:
    out = tmp_path / "out"
    result = run("render", "recommendation", str(FIXTURES / "recommendation.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    manifest = next(out.glob("生成清单_纪检监察建议书_*.csv"))
    assert result.stderr == (
        f"已新建台账 {private_ledger}（以后的文号都登记在这里）。\n"
        f"共 1 条记录：新生成 1 份，沿用已有文号 0 份，失败 0 条。清单：{manifest.resolve()}\n"
    )
    assert (out / "某纪监建〔2024〕3号_某某市R&D中心党委.docx").is_file()


def test_render_with_bad_rows_reports_them_and_exits_1(tmp_path: Path, private_ledger: Path) -> None:
    source = tmp_path / "建议.csv"
    with open(source, "w", encoding="gbk", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "建议类型",
                "监委名称",
                "主送单位",
                "问题来源",
                "存在问题",
                "整改建议",
                "成文日期",
                "备注",
                "原因分析",
                "依据条款",
            ]
        )
        basis = "《中华人民共和国监察法》第五十二条"
        writer.writerow(
            ["监察建议", "某监委", "甲局", "办案发现", "问题", "建议", "2024-12-01", "", "原因", basis]
        )
        writer.writerow(
            ["监察建议", "某监委", "乙局", "办案发现", "问题", "建议", "2024年2月30日", "", "原因", basis]
        )
    out = tmp_path / "out"
    result = run("render", "建议书", str(source), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"已新建台账 {private_ledger}（以后的文号都登记在这里）。",
        "提示：建议.csv：「备注」列不是文书的字段，已忽略",
        "错误：建议.csv 第 3 行「成文日期」：日期“2024年2月30日”不存在：2024年2月没有30日",
        "共 2 条记录：新生成 1 份，沿用已有文号 0 份，失败 1 条。1 份没有文号，未登记台账（可在 jiancha.toml 的 [numbering] 配置机关代字）。"
        f"清单：{next(out.glob('生成清单_*.csv')).resolve()}",
    ]
    assert [p.name for p in out.glob("*.docx")] == ["甲局.docx"]


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", "reform_notice", str(FIXTURES / "reform_notice.yaml"), "-o", str(out), "--check")
    assert result.returncode == 0
    assert result.stderr == "共校验 1 条记录：通过 1 条，有错误 0 条。\n"
    assert not out.exists()


def test_missing_input_file(tmp_path: Path) -> None:
    result = run("render", "reform_notice", str(tmp_path / "无.csv"), "-o", str(tmp_path / "o"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"错误：找不到输入文件：{tmp_path / '无.csv'}",
        "提示：请检查文件名和所在文件夹；没有生成任何文书",
    ]
    assert not (tmp_path / "o").exists(), "a run that read nothing makes no folder and no manifest"


def test_a_broken_office_template_is_one_clear_error(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ 主送 }")
    bad = tmp_path / "我们的模板.docx"
    doc.save(bad)
    result = run(
        "render",
        "recommendation",
        str(FIXTURES / "recommendation.yaml"),
        "--template",
        str(bad),
        "-o",
        str(tmp_path / "o"),
    )
    assert result.returncode == 1
    assert result.stderr.startswith("错误：模板 我们的模板.docx 的 word/document.xml 中有模板语法错误：")
    assert "Traceback" not in result.stderr


def test_check_template_reports_unknown_variables_and_unshown_required_fields(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ recipient }}：{{ reporter_name }}")
    path = tmp_path / "office.docx"
    doc.save(path)
    result = run("kinds", "check-template", "clarification_notice", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "错误：模板使用了字段表中没有的变量“reporter_name”，生成时会失败"
    assert "警告：必填字段「姓名」在模板中没有出现" in lines


@pytest.mark.parametrize("kind", STANDARD_KINDS)
def test_standard_templates_pass_check_template(kind: str) -> None:
    from jiancha_docs.kinds import find_kind

    schema = find_kind(kind)
    for layout in ("文件式", "信函式"):
        result = run("kinds", "check-template", kind, str(schema.template_path(layout)))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_new_writes_a_starter_that_renders(tmp_path: Path, fmt: str) -> None:
    for kind in STANDARD_KINDS:
        starter = tmp_path / f"{kind}.{fmt}"
        result = run("new", kind, "--format", fmt, "-o", str(starter))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"已写入 {starter}：")
        rendered = run("render", kind, str(starter), "-o", str(tmp_path / f"out-{fmt}-{kind}"))
        assert rendered.returncode == 0, rendered.stderr
        assert "新生成 1 份" in rendered.stderr


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    starter = tmp_path / "a.csv"
    starter.write_text("mine", encoding="utf-8")
    result = run("new", "recommendation", "--format", "csv", "-o", str(starter))
    assert result.returncode == 1
    assert result.stderr == f"错误：文件“{starter}”已存在，未覆盖；如需覆盖请加 --force\n"
    assert starter.read_text(encoding="utf-8") == "mine"


def test_config_file_supplies_organ_names(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(
        '[defaults]\n"纪委名称" = "中共某某市纪律检查委员会"\nsupervision_organ = "某某市监察委员会"\n',
        encoding="utf-8",
    )
    source = tmp_path / "a.yaml"
    source.write_text(
        "建议类型: 纪检监察建议\n主送单位: 某局\n问题来源: 发现问题\n存在问题: [甲]\n整改建议: [乙]\n"
        "原因分析: 原因\n依据条款: 《中华人民共和国监察法》第五十二条\n成文日期: 2024-12-01\n",
        encoding="utf-8",
    )
    result = run("render", "recommendation", "a.yaml", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_broken_config_file_is_explained(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text("[defaults\n", encoding="utf-8")
    result = run("kinds", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"错误：配置文件 {tmp_path / 'jiancha.toml'} 格式有误：")
    assert (
        result.stderr.splitlines()[-1]
        == '提示：中文键名要加引号，例如 "纪委名称" = "中共某某市纪律检查委员会"'
    )


def test_chinese_keys_without_quotes_get_a_hint(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text('[defaults]\n纪委名称 = "x"\n', encoding="utf-8")
    result = run("kinds", cwd=tmp_path)
    assert result.returncode == 1
    assert "中文键名要加引号" in result.stderr


def test_unexpected_errors_never_show_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import jiancha_docs.kinds.registry as registry

    def explode(*args: object) -> None:
        raise RuntimeError("磁盘故障")

    monkeypatch.setattr(registry, "all_kinds", explode)
    with pytest.raises(SystemExit) as caught:
        main(["kinds", "show", "x"])
    assert caught.value.code == 3
    err = capsys.readouterr().err
    assert err == "内部错误：RuntimeError: 磁盘故障。请加 --debug 重新运行并把输出发给维护人员。\n"


def test_jiancha_console_script_is_installed() -> None:
    exe = shutil.which("jiancha")
    if exe is None:
        pytest.skip("jiancha is not on PATH (package not installed)")
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("jiancha 版本 ")


def test_cli_runner_wiring() -> None:
    result = CliRunner().invoke(cli, ["kinds", "show", "澄清说明"])
    assert result.exit_code == 0
    assert "澄清说明（clarification_letter）" in result.output


def test_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal the batch shows a progress bar; redirected (every other test), it stays quiet."""
    import os
    import pty

    source = tmp_path / "a.yaml"
    source.write_text((FIXTURES / "reform_notice.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal, 80 columns wide
        import termios

        termios.tcsetwinsize(0, (24, 80))
        os.chdir(tmp_path)
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-c",
                "from jiancha_docs.cli import main; main()",
                "render",
                "reform_notice",
                "a.yaml",
                "-o",
                "out",
            ],
        )
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = output.decode("utf-8", errors="replace")
    assert "生成: " in text and "份" in text  # tqdm's bar with our description and unit
    assert "新生成 1 份" in text


def test_sheet_and_layout_options(tmp_path: Path) -> None:
    import yaml

    from jiancha_docs.sources import write_xlsx

    record = yaml.safe_load((FIXTURES / "clarification_notice.yaml").read_text(encoding="utf-8"))
    record["反映问题及核查结论"] = "\n".join("|".join(row.values()) for row in record["反映问题及核查结论"])
    record["成文日期"] = str(record["成文日期"])
    book = tmp_path / "book.xlsx"
    write_xlsx(book, list(record), [list(record.values())], sheet_title="澄清")
    missing = run("render", "澄清正名通报", str(book), "--sheet", "第二页", "-o", str(tmp_path / "o"))
    assert missing.returncode == 1
    assert "第二页" in missing.stderr and "澄清" in missing.stderr
    ok = run(
        "render",
        "澄清正名通报",
        str(book),
        "--sheet",
        "澄清",
        "--layout",
        "信函式",
        "-o",
        str(tmp_path / "o"),
    )
    assert ok.returncode == 0, ok.stderr
    from docx import Document

    document = Document(next((tmp_path / "o").glob("*.docx")))
    assert document.sections[0].different_first_page_header_footer  # the 信函式 letterhead


def test_a_rules_entry_that_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text('rules = "法规"\n', encoding="utf-8")
    result = run("kinds", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"错误：配置文件 {tmp_path / 'jiancha.toml'} 的 [rules] 应为键值表\n"
