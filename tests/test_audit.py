"""The audit trail on both backends: every change is a line with who, when, from where, before
and after; ``ledger show`` and ``ledger audit`` show it; the Excel export keeps text as text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jiancha_docs.ledger import DocumentMeta, open_ledger
from jiancha_docs.ledger.audit import Actor, trail

from .helpers import run_jiancha

META = DocumentMeta(kind="recommendation", recipient="某局", doc_date=dt.date(2024, 12, 1))
TODAY = dt.date(2025, 2, 1)


def test_every_change_is_attributed_with_before_and_after(ledger_target: Path | str) -> None:
    clerk = Actor("张三", "192.0.2.10")
    with open_ledger(ledger_target, actor=clerk) as ledger:
        number = ledger.allocate("某纪建", 2024, META)
        ledger.issue(number, "0" * 64, "/tmp/a.docx")
        ledger.mark(number, "已送达", dt.date(2024, 12, 5), "专人送达", today=TODAY)
        ledger.mark(number, "已反馈", dt.date(2024, 12, 20), today=TODAY)
        ledger.mark(number, "已送达", None, "误标", today=TODAY, correct=True)
        ledger.undo(number, "更正有误")
        ledger.mark(number, "作废", None, "主送单位撤并", today=TODAY)
        other = ledger.allocate("某纪建", 2024, META)
        ledger.void(other, "模板出错")
        lines = trail(ledger, number)
        assert {a.doc_number for a in trail(ledger)} == {number, other}
    assert [(a.action, (a.before or {}).get("status"), a.after["status"], a.note) for a in lines] == [
        ("entry", None, "生成中", "自动编号"),
        ("issue", "生成中", "已印发", None),
        ("mark", "已印发", "已送达", "专人送达"),
        ("mark", "已送达", "已反馈", None),
        ("correct", "已反馈", "已送达", "更正：已反馈 → 已送达（误标）"),
        ("undo", "已送达", "已反馈", "撤销“已送达”（更正有误）"),
        ("void", "已反馈", "作废", "主送单位撤并"),
    ]
    assert {(a.actor, a.source) for a in lines} == {("张三", "192.0.2.10")}
    assert lines[2].after["event_date"] == "2024-12-05"
    assert all(dt.datetime.fromisoformat(a.at) for a in lines)


def test_the_command_line_is_the_default_actor(tmp_path: Path) -> None:
    import getpass

    with open_ledger(tmp_path / "l.db") as ledger:
        ledger.allocate("某纪建", 2024, META)
        (line,) = trail(ledger)
    assert line.actor == getpass.getuser() and line.source.startswith("命令行@")


def test_ledger_show_and_audit_commands(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with open_ledger(db, actor=Actor("=cmd|' /C calc'!A0", "10.0.0.1")) as ledger:
        number = ledger.allocate("某纪建", 2024, META)
        ledger.issue(number)
        ledger.mark(number, "已送达", dt.date(2024, 12, 5), "+专人送达", today=TODAY)
    env = {"JIANCHA_DB": str(db)}
    shown = run_jiancha(tmp_path, "ledger", "show", number, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "审计记录：" in shown.stdout and "（10.0.0.1）  变更状态  +专人送达" in shown.stdout
    data = json.loads(run_jiancha(tmp_path, "ledger", "show", number, "--json", env=env).stdout)
    assert [a["action"] for a in data["audit"]] == ["entry", "issue", "mark"]
    listed = json.loads(run_jiancha(tmp_path, "ledger", "audit", "--json", env=env).stdout)
    assert [a["after"]["status"] for a in listed] == ["生成中", "已印发", "已送达"]
    table = run_jiancha(tmp_path, "ledger", "audit", number, env=env).stdout
    assert table.splitlines()[0].split() == [
        "时间",
        "操作人",
        "来源",
        "操作",
        "文号",
        "变更前",
        "变更后",
        "说明",
    ]
    assert "状态：已印发" in table and "日期：2024-12-05；状态：已送达" in table
    none = run_jiancha(tmp_path, "ledger", "audit", "--user", "李四", env=env)
    assert (none.returncode, none.stderr) == (0, "没有符合条件的审计记录。\n")
    exported = run_jiancha(tmp_path, "ledger", "audit", "-o", str(tmp_path / "审计.xlsx"), env=env)
    assert exported.stdout == f"已导出 3 条审计记录到 {tmp_path / '审计.xlsx'}。\n"
    again = run_jiancha(tmp_path, "ledger", "audit", "-o", str(tmp_path / "审计.xlsx"), env=env)
    assert again.returncode == 1 and "已存在，未覆盖" in again.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "审计.xlsx").active
    assert [c.value for c in sheet[1]][:4] == ["时间", "操作人", "来源", "操作"]
    assert sheet["B2"].value == "=cmd|' /C calc'!A0" and sheet["B2"].data_type == "s"  # text, not a formula
    assert sheet["H4"].value == "+专人送达" and sheet["H4"].data_type == "s"
    bad = run_jiancha(tmp_path, "ledger", "audit", "--since", "2025-13-01", env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("错误：日期有误")


def test_the_closed_loop_changes_are_audit_lines_of_their_own(ledger_target: Path | str) -> None:
    from jiancha_docs.ledger.model import Step, TaskSpec

    reviewer = Actor("李四", "网页@192.0.2.11")
    with open_ledger(ledger_target, actor=reviewer) as ledger:
        number = ledger.allocate("某纪建", 2024, META)
        ledger.issue(number, "0" * 64, "/tmp/a.docx")
        ledger.assign(number, "王承办")
        ledger.assign(number, "赵承办")
        ledger.add_items(number, [TaskSpec("建立复核制度", "财务处", dt.date(2025, 1, 31))])
        ledger.complete_item(number, 1, "已印发制度", None, dt.date(2025, 1, 20), TODAY)
        ledger.record_approval(number, Step.REVIEW, "李四", dt.date(2025, 1, 21), "同意", TODAY)
        ledger.record_archive([(number, "J001-2024-Y-0001", 1, "永久", 2)], TODAY)
        lines = trail(ledger, number)[2:]
    assert [(a.actor, a.source) for a in lines] == [("李四", "网页@192.0.2.11")] * 6
    assert [(a.action, a.before, a.after) for a in lines] == [
        ("assign", {"handler": None}, {"handler": "王承办"}),
        ("assign", {"handler": "王承办"}, {"handler": "赵承办"}),
        (
            "task_add",
            None,
            {"tasks": [{"task": "建立复核制度", "owner": "财务处", "deadline": "2025-01-31"}]},
        ),
        (
            "task_done",
            {"seq": 1, "state": "open"},
            {
                "seq": 1,
                "state": "done",
                "evidence": "已印发制度",
                "evidence_file": None,
                "done_on": "2025-01-20",
            },
        ),
        ("approval", None, {"step": "审核", "person": "李四", "on_date": "2025-01-21", "opinion": "同意"}),
        (
            "archive",
            {"status": "已印发"},
            {"status": "已归档", "archive_code": "J001-2024-Y-0001", "piece": 1, "retention": "永久"},
        ),
    ]
    from jiancha_docs.ledger.audit import table_rows

    shown = table_rows(lines)
    assert shown[0][3:7] == ["指定承办人", number, "", "承办人：王承办"]
    assert shown[-1][3] == "立卷归档" and "档号：J001-2024-Y-0001" in shown[-1][6]
