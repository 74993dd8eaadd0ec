"""The ledger commands as a clerk uses them: render without numbers, list what is late, mark,
export, back up — exit codes and the exact messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jiancha_docs.ledger import Ledger

from .helpers import run_jiancha

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG = """
[numbering]
"以案促改通知书" = "某纪改"
recommendation = { "纪律检查建议" = "某纪建", "监察建议" = "某监建", "纪检监察建议" = "某纪监建" }
"""


def jiancha(cwd: Path, *args: str, today: str = "2025-02-01") -> subprocess.CompletedProcess[str]:
    return run_jiancha(cwd, *args, today=today)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    text = (
        (FIXTURES / "recommendation.yaml")
        .read_text(encoding="utf-8")
        .replace("文号: 某纪监建〔2024〕3号\n", "")
    )
    (tmp_path / "建议书.yaml").write_text(text, encoding="utf-8")
    result = jiancha(tmp_path, "render", "建议书", "建议书.yaml", "-o", "out")
    assert result.returncode == 0, result.stderr
    assert "自动编号 1 个。" in result.stderr
    return tmp_path


def test_render_fills_the_number_and_list_shows_it_overdue(workspace: Path) -> None:
    assert (workspace / ".jiancha" / "ledger.sqlite3").is_file()
    assert (workspace / "out" / "某纪监建〔2024〕1号_某某市R&D中心党委.docx").is_file()
    result = jiancha(workspace, "ledger", "list", "--overdue")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["文号", "文书类型", "主送单位", "成文日期", "反馈期限", "状态", "逾期"]
    assert lines[2].split() == [
        "某纪监建〔2024〕1号",
        "纪检监察建议书",
        "某某市R&D中心党委",
        "2024年12月1日",
        "2024年12月31日",
        "已印发",
        "逾期",
        "32",
        "天",
    ]
    assert result.stderr == "共 1 份，其中 1 份已逾期未反馈。\n"
    not_yet = jiancha(workspace, "ledger", "list", "--overdue", today="2024-12-15")
    assert not_yet.stdout == "" and not_yet.stderr == "台账中没有符合条件的文书。\n"


def test_mark_show_and_json(workspace: Path) -> None:
    marked = jiancha(
        workspace,
        "ledger",
        "mark",
        "某纪监建〔2024〕1号",
        "已送达",
        "--date",
        "2024/12/5",
        "--note",
        "专人送达",
    )
    assert marked.returncode == 0
    assert (
        marked.stdout
        == "文号“某纪监建〔2024〕1号”已标记为“已送达”（2024年12月5日），反馈期限 2025年1月4日。\n"
    )
    shown = jiancha(workspace, "ledger", "show", "某纪监建〔2024〕1号")
    assert "状态：已送达" in shown.stdout and "专人送达" in shown.stdout
    data = json.loads(jiancha(workspace, "ledger", "list", "--json").stdout)
    assert data[0]["doc_number"] == "某纪监建〔2024〕1号" and data[0]["overdue_days"] == 28


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["mark", "某纪监建〔2024〕9号", "已送达"],
            "错误：台账中没有文号“某纪监建〔2024〕9号”\n提示：是否应为：“某纪监建〔2024〕1号”？可用 jiancha ledger list 查看台账\n",
        ),
        (
            ["mark", "某纪监建〔2024〕1号", "已完成"],
            "错误：状态“已完成”无效，应为：已印发、已送达、已反馈、已回访、已归档、作废\n提示：是否应为“已送达”？\n",
        ),
        (
            ["mark", "某纪监建〔2024〕1号", "已送达", "--date", "2024-02-30"],
            "错误：日期有误：日期“2024-02-30”不存在：2024年2月没有30日\n",
        ),
        (
            ["list", "--status", "办结"],
            "错误：状态“办结”无效，应为：已印发、已送达、已反馈、已回访、已归档、作废\n",
        ),
    ],
)
def test_bad_commands_say_why_and_change_nothing(workspace: Path, args: list[str], message: str) -> None:
    before = jiancha(workspace, "ledger", "show", "某纪监建〔2024〕1号", "--json").stdout
    result = jiancha(workspace, "ledger", *args)
    assert result.returncode == (2 if "状态“" in message else 1)  # a wrong word typed is a usage error
    assert result.stderr == message
    assert jiancha(workspace, "ledger", "show", "某纪监建〔2024〕1号", "--json").stdout == before


def test_export_and_backup(workspace: Path) -> None:
    exported = jiancha(workspace, "ledger", "export", "台账.xlsx")
    assert exported.returncode == 0
    assert exported.stdout == "已导出 1 条到 台账.xlsx，其中 1 条逾期（标红）。\n"
    again = jiancha(workspace, "ledger", "export", "台账.xlsx")  # its own export: refreshed
    assert again.returncode == 0, again.stderr
    (workspace / "别人的.xlsx").write_bytes(b"foreign")
    foreign = jiancha(workspace, "ledger", "export", "别人的.xlsx")
    assert foreign.returncode == 1 and "已存在，未覆盖" in foreign.stderr
    wrong = jiancha(workspace, "ledger", "export", "台账.csv")
    assert wrong.returncode == 2 and wrong.stderr == "错误：导出文件应以 .xlsx 结尾：台账.csv\n"
    backup = jiancha(workspace, "ledger", "backup", "备份.sqlite3")
    assert backup.returncode == 0 and (workspace / "备份.sqlite3").is_file()
    from_backup = jiancha(workspace, "ledger", "--db", "备份.sqlite3", "list")
    assert "某纪监建〔2024〕1号" in from_backup.stdout


def test_a_missing_ledger_is_explained(tmp_path: Path) -> None:
    result = jiancha(tmp_path, "ledger", "list")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"错误：找不到台账 {Path('.jiancha') / 'ledger.sqlite3'}",
        "提示：台账应当在这里却不见了：请从备份恢复（jiancha ledger backup 生成的文件复制回这个位置）；新的工作文件夹请先运行 jiancha init",
    ]


def test_an_explicit_number_reused_is_refused_on_the_command_line(workspace: Path) -> None:
    # Another document (its date differs) given the number the ledger already issued.
    text = (
        (workspace / "建议书.yaml")
        .read_text(encoding="utf-8")
        .replace("成文日期: 2024-12-01", "成文日期: 2024-12-03")
    )
    (workspace / "again.yaml").write_text(text + "文号: 某纪监建〔2024〕1号\n", encoding="utf-8")
    result = jiancha(workspace, "render", "建议书", "again.yaml", "-o", "out2")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "错误：again.yaml 第 1 条记录「文号」：文号“某纪监建〔2024〕1号”已在台账中（状态：已印发），不能重复使用；"
        "确需重新生成请加 --force-number"
    )
    forced = jiancha(workspace, "render", "建议书", "again.yaml", "-o", "out2", "--force-number")
    assert forced.returncode == 0


def test_the_config_file_chooses_the_ledger(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(
        CONFIG + '\n[ledger]\ndb = "台账/2024.sqlite3"\n', encoding="utf-8"
    )
    text = (
        (FIXTURES / "reform_notice.yaml").read_text(encoding="utf-8").replace("文号: 某纪改〔2024〕5号\n", "")
    )
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    # A ledger the config names is never created behind the office's back: it must be there.
    missing = jiancha(tmp_path, "render", "以案促改通知书", "a.yaml", "-o", "out")
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"错误：找不到台账 {tmp_path / '台账' / '2024.sqlite3'}\n")
    assert not (tmp_path / "out").exists() and not (tmp_path / "台账").exists()
    Ledger(tmp_path / "台账" / "2024.sqlite3").close()  # as jiancha init makes it
    result = jiancha(tmp_path, "render", "以案促改通知书", "a.yaml", "-o", "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "台账" / "2024.sqlite3").is_file()
    assert not (tmp_path / ".jiancha" / "ledger.sqlite3").exists()
    listed = jiancha(tmp_path, "ledger", "list", "--json")
    assert [e["doc_number"] for e in json.loads(listed.stdout)] == ["某纪改〔2024〕1号"]


def test_four_render_commands_at_once_number_without_gaps_or_repeats(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text(CONFIG, encoding="utf-8")
    text = (
        (FIXTURES / "reform_notice.yaml").read_text(encoding="utf-8").replace("文号: 某纪改〔2024〕5号\n", "")
    )
    import yaml

    record = yaml.safe_load(text)
    for batch in range(4):
        records = [dict(record, 主送单位=f"第{batch}批第{i}局") for i in range(15)]
        (tmp_path / f"b{batch}.yaml").write_text(
            yaml.safe_dump(records, allow_unicode=True), encoding="utf-8"
        )
    import os

    env = dict(os.environ, JIANCHA_TODAY="2025-02-01")
    env.pop("JIANCHA_DB", None)
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from jiancha_docs.cli import main; main()",
                "render",
                "以案促改通知书",
                f"b{batch}.yaml",
                "-o",
                f"out{batch}",
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for batch in range(4)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    listed = json.loads(jiancha(tmp_path, "ledger", "list", "--json").stdout)
    numbers = sorted(int(e["doc_number"][len("某纪改〔2024〕") : -1]) for e in listed)
    assert numbers == list(range(1, 61))
    files = [p.name.split("_")[0] for p in tmp_path.glob("out*/*.docx")]
    assert sorted(files) == sorted(e["doc_number"] for e in listed)
