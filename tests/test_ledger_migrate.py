"""``jiancha ledger migrate --to URL``: a year of an office's SQLite ledger moves onto the server
with its whole history, audit trail and accounts; running it again copies nothing; a target that
numbers the same 代字 and year otherwise is refused untouched; drafts awaiting approval move with
their 审核/审批; and the way back (``ledger backup`` of the server) gives the same ledger again."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from jiancha_docs.accounts import Accounts, Role
from jiancha_docs.ledger import DocumentMeta, LedgerError, open_ledger
from jiancha_docs.ledger.audit import trail
from jiancha_docs.ledger.model import Step, TaskSpec
from jiancha_docs.ledger.postgres import PostgresLedger, server_name
from jiancha_docs.ledger.transfer import copy_ledger

from .helpers import run_jiancha

TODAY = dt.date(2025, 2, 1)


def a_year_of_activity(db: Path, tmp_path: Path) -> None:
    """Two 代字 over 2024: issued, delivered, replied, archived, corrected, undone, voided, a
    number typed by hand, one that failed, a re-issue; two accounts."""
    with open_ledger(db) as ledger:
        for month in range(1, 13):
            for code in ("某纪建", "某纪函"):
                meta = DocumentMeta(
                    kind="recommendation",
                    recipient=f"{month}月{code}单位",
                    doc_date=dt.date(2024, month, 2),
                    reply_deadline=dt.date(2024, month, 2) + dt.timedelta(30),
                    reply_days=30,
                    identity=f"{code}-{month}",
                )
                number = ledger.allocate(code, 2024, meta)
                if month == 5 and code == "某纪函":
                    ledger.void(number, "模板出错，文件未写出")
                    continue
                ledger.issue(number, f"{month:064d}", str(tmp_path / f"{number}.docx"))
                if month <= 10:
                    ledger.mark(number, "已送达", dt.date(2024, month, 5), today=TODAY)
                if month <= 8:
                    ledger.mark(number, "已反馈", dt.date(2024, month, 20), today=TODAY)
                if month <= 3:
                    ledger.mark(number, "已归档", dt.date(2024, month, 28), today=TODAY)
                if month == 6:
                    ledger.mark(number, "已送达", None, "误标为已反馈", today=TODAY, correct=True)
                if month == 7:
                    ledger.undo(number, "误操作")
                if month == 11 and code == "某纪建":
                    ledger.mark(number, "作废", None, "主送单位撤并", today=TODAY)
        closed_loop(ledger)
        drafts_awaiting_approval(ledger)
        ledger.claim(
            "某纪建〔2024〕40号", DocumentMeta(kind="recommendation", doc_date=dt.date(2024, 12, 20))
        )
        ledger.issue("某纪建〔2024〕40号", "f" * 64, str(tmp_path / "40.docx"))
        accounts = Accounts(ledger)
        accounts.add("主任", Role.ADMIN, "correct horse")
        accounts.add("张三", Role.CLERK, "battery staple")
        accounts.set_disabled("张三")


def closed_loop(ledger: Any) -> None:
    """The 建议书 closed loop on some of the year: 承办人, 整改 items added and ticked off, 审核
    and 审批, 立卷归档, a report the ledger wrote (not carried: a file record of this machine)."""
    ledger.assign("某纪建〔2024〕1号", "李承办")
    ledger.add_items(
        "某纪建〔2024〕1号",
        [
            TaskSpec("建立经费报销复核制度", "财务处", dt.date(2024, 3, 1)),
            TaskSpec("开展专项检查", None, None),
        ],
    )
    ledger.complete_item("某纪建〔2024〕1号", 1, "已印发制度", None, dt.date(2024, 2, 20), TODAY)
    ledger.add_items("某纪函〔2024〕2号", [TaskSpec("整改台账", "办公室", dt.date(2024, 4, 1))])
    ledger.record_approval("某纪建〔2024〕4号", Step.REVIEW, "王审核", dt.date(2024, 4, 3), "同意", TODAY)
    ledger.record_approval("某纪建〔2024〕4号", Step.APPROVE, "赵审批", dt.date(2024, 4, 4), None, TODAY)
    ledger.record_archive([("某纪建〔2024〕9号", "J001-2024-Y-0001", 1, "永久", 3)], TODAY)
    ledger.record_export(Path("/tmp/本机的报表.xlsx"), "0" * 64, "report")


def drafts_awaiting_approval(ledger: Any) -> list[str]:
    """Two documents registered before their 文号 ([ledger] approval on): one reviewed and
    approved, one reviewed only; their 草稿号."""
    approved = ledger.register_draft("recommendation:2025-1", "recommendation")
    ledger.record_approval(approved, Step.REVIEW, "王审核", dt.date(2025, 1, 6), "同意", TODAY)
    ledger.record_approval(approved, Step.APPROVE, "赵审批", dt.date(2025, 1, 7), None, TODAY)
    reviewed = ledger.register_draft("recommendation:2025-2", "recommendation")
    ledger.record_approval(reviewed, Step.REVIEW, "王审核", dt.date(2025, 1, 8), "请补充依据", TODAY)
    return [approved, reviewed]


def draft_records(ledger: Any) -> list[tuple]:
    """Every draft: its row, the 审核/审批 on its 草稿号, whether it may be numbered."""
    rows = ledger._sql("SELECT handle, identity, kind, at FROM drafts ORDER BY handle").fetchall()
    return [(tuple(r), ledger.approvals(r[0]), ledger.draft_approved(r[1])) for r in rows]


def loop_records(ledger: Any) -> tuple[list, dict, dict]:
    return (
        [
            (i.doc_number, i.seq, i.task, i.owner, i.deadline, i.state, i.evidence, i.done_on)
            for i in ledger.items()
        ],
        ledger.all_approvals(),
        ledger.archived(),
    )


def snapshot(target: Path | str) -> tuple[list[dict], list[tuple], list[dict]]:
    with open_ledger(target) as ledger:
        entries = [ledger.find(e.doc_number).as_json(TODAY) for e in ledger.entries()]
        entries.append({"closed_loop": loop_records(ledger), "drafts": draft_records(ledger)})
        audit = [
            (a.at, a.actor, a.source, a.action, a.doc_number, a.before, a.after, a.note)
            for a in trail(ledger)
        ]
        accounts = [a.as_json() for a in Accounts(ledger).list()]
        # the next numbers continue the register
        following = ledger._sql("SELECT code, year, last FROM counters ORDER BY code, year").fetchall()
    return entries, audit, [*accounts, *[tuple(r) for r in following]]


def test_a_year_of_activity_round_trips_through_the_server(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "ledger.sqlite3"
    a_year_of_activity(db, tmp_path)
    before = snapshot(db)
    assert len(before[0]) == 25 + 1 and len(before[1]) == 98 + 7  # + the closed loop's 7 changes
    items, approvals, archived = before[0][-1]["closed_loop"]
    assert (
        len(items) == 3
        and len(approvals["某纪建〔2024〕4号"]) == 2
        and archived == {"某纪建〔2024〕9号": "J001-2024-Y-0001"}
    )
    assert sorted(len(steps) for _, steps, _ in before[0][-1]["drafts"]) == [1, 2]

    moved = run_jiancha(tmp_path, "ledger", "migrate", "--to", pg_url, env={"JIANCHA_DB": str(db)})
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith(f"已把 {db} 迁移到台账服务器 {server_name(pg_url)}：25 个文号、")
    assert "6 条闭环记录（整改任务、审核审批、归档）、2 个草稿（含 3 条审核审批）" in moved.stdout
    entries, audit, rest = snapshot(pg_url)
    assert entries == before[0]  # every column, every history line, the closed loop's records
    with open_ledger(pg_url) as server:  # an export record names a file of the office's machine
        assert server.export_digest(Path("/tmp/本机的报表.xlsx")) is None
    assert rest == before[2]
    assert audit[:-1] == before[1] and audit[-1][3] == "transfer"

    again = run_jiancha(tmp_path, "ledger", "migrate", "--to", pg_url, env={"JIANCHA_DB": str(db)})
    assert again.stdout == f"台账服务器 {server_name(pg_url)} 已有本机台账的全部 25 个文号，无需迁移。\n"
    assert snapshot(pg_url) == (entries, audit, rest)

    with open_ledger(pg_url) as server:  # the office goes on numbering on the server
        assert server.allocate("某纪建", 2024, DocumentMeta(kind="recommendation")) == "某纪建〔2024〕41号"
        assert Accounts(server).authenticate("主任", "correct horse", "192.0.2.1").role == Role.ADMIN
        server.backup(tmp_path / "back.sqlite3")
    back = snapshot(tmp_path / "back.sqlite3")
    assert "某纪建〔2024〕41号" in [e.get("doc_number") for e in back[0]]
    assert [e for e in back[0] if e.get("doc_number") != "某纪建〔2024〕41号"] == before[0]


def test_a_target_numbering_the_same_code_and_year_is_refused_untouched(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "ledger.sqlite3"
    meta = DocumentMeta(kind="recommendation", doc_date=dt.date(2024, 3, 1))
    with open_ledger(db) as ledger:
        ledger.allocate("某纪建", 2024, meta)
        ledger.allocate("某纪建", 2024, meta)
    with open_ledger(pg_url) as server:  # another office's register already on the server
        server.allocate("某纪建", 2024, meta)
        server.allocate("某纪建", 2024, meta)
        server.allocate("某纪建", 2024, meta)
    before = snapshot(pg_url)
    result = run_jiancha(tmp_path, "ledger", "migrate", "--to", pg_url, env={"JIANCHA_DB": str(db)})
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"错误：目标台账 {server_name(pg_url)} 已有同一机关代字和年份的其他文号 “某纪建〔2024〕3号”（共 1 个），"
        "迁移会造成重号，已停止，目标台账未作任何改动"
    )
    assert snapshot(pg_url) == before


def test_an_entry_changed_on_both_sides_since_is_refused(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "ledger.sqlite3"
    meta = DocumentMeta(kind="recommendation", doc_date=dt.date(2024, 3, 1))
    with open_ledger(db) as ledger:
        number = ledger.allocate("某纪建", 2024, meta)
        ledger.issue(number)
    with open_ledger(db) as source, PostgresLedger(pg_url) as target:
        copy_ledger(source, target)
    with open_ledger(db) as ledger:  # someone kept using the old file
        ledger.mark(number, "已送达", dt.date(2024, 3, 5), today=TODAY)
    with open_ledger(db) as source, PostgresLedger(pg_url) as target:
        with pytest.raises(LedgerError, match="中的文号“某纪建〔2024〕1号”与 .* 中的记录不一致"):
            copy_ledger(source, target)
        assert target.find(number).status == "已印发"


def test_migrate_wants_a_server_address(tmp_path: Path) -> None:
    result = run_jiancha(tmp_path, "ledger", "migrate", "--to", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("错误：--to 应为以 postgresql:// 开头的台账服务器地址")


def test_a_closed_loop_record_changed_on_one_side_since_is_refused(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "ledger.sqlite3"
    meta = DocumentMeta(kind="recommendation", doc_date=dt.date(2024, 3, 1))
    with open_ledger(db) as ledger:
        number = ledger.allocate("某纪建", 2024, meta)
        ledger.issue(number)
        ledger.add_items(number, [TaskSpec("整改", None, None)])
    with open_ledger(db) as source, PostgresLedger(pg_url) as target:
        assert copy_ledger(source, target).closed_loop == 1
    with open_ledger(db) as ledger:  # a task ticked off in the old file after the move
        ledger.complete_item(number, 1, "已整改", None, dt.date(2024, 3, 5), TODAY)
    with open_ledger(db) as source, PostgresLedger(pg_url) as target:
        with pytest.raises(LedgerError, match="中的文号“某纪建〔2024〕1号”与 .* 中的记录不一致"):
            copy_ledger(source, target)
        assert target.items(number)[0].state.value == "open"


def test_drafts_and_their_approvals_move_with_the_ledger(tmp_path: Path, ledger_target: Path | str) -> None:
    db = tmp_path / "office.sqlite3"
    with open_ledger(db) as ledger:
        approved, reviewed = drafts_awaiting_approval(ledger)
        # a draft numbered once approved: its 审核/审批 show on its 文号 through its identity
        meta = DocumentMeta(
            kind="recommendation", doc_date=dt.date(2025, 1, 10), identity="recommendation:2025-1"
        )
        number = ledger.allocate("某纪建", 2025, meta)
        ledger.issue(number)
        before = draft_records(ledger), ledger.approvals(number)
    assert [a.person for a in before[1]] == ["王审核", "赵审批"]

    with open_ledger(db) as source, open_ledger(ledger_target) as target:
        report = copy_ledger(source, target)
    assert (report.entries, report.drafts, report.draft_approvals) == (1, 2, 3)
    with open_ledger(ledger_target) as target:
        assert (draft_records(target), target.approvals(number)) == before
        line = trail(target)[-1]
        assert line.note == f"自 {db} 迁移" and line.after["drafts"] == 2
        from jiancha_docs.ledger.audit import table_rows

        assert "草稿：2" in table_rows([line])[0][6]  # the 变更后 column a clerk reads

    with open_ledger(db) as source, open_ledger(ledger_target) as target:
        again = copy_ledger(source, target)
        assert (again.changed, again.already, again.drafts, again.draft_approvals) == (False, 1, 0, 0)
        assert (draft_records(target), target.approvals(number)) == before
        # the office goes on on the target: the reviewed draft gets its 审批 there
        target.record_approval(reviewed, Step.APPROVE, "赵审批", dt.date(2025, 1, 20), None, TODAY)
        assert target.draft_approved("recommendation:2025-2")
        with pytest.raises(LedgerError, match=f"草稿号“{approved}”已取得文号“{re.escape(number)}”"):
            target.record_approval(approved, Step.APPROVE, "赵审批", dt.date(2025, 1, 20), None, TODAY)


def test_a_draft_changed_on_one_side_since_is_refused(tmp_path: Path, ledger_target: Path | str) -> None:
    db = tmp_path / "office.sqlite3"
    with open_ledger(db) as ledger:
        _, reviewed = drafts_awaiting_approval(ledger)
    with open_ledger(db) as source, open_ledger(ledger_target) as target:
        copy_ledger(source, target)
    with open_ledger(db) as ledger:  # approved in the old file after the move
        ledger.record_approval(reviewed, Step.APPROVE, "赵审批", dt.date(2025, 1, 20), None, TODAY)
    with open_ledger(db) as source, open_ledger(ledger_target) as target:
        with pytest.raises(LedgerError) as refused:
            copy_ledger(source, target)
        assert str(refused.value) == (
            f"目标台账 {target.path} 中的草稿号“{reviewed}”与 {db} 中的记录不一致（迁移后两边都有变更），"
            "已停止，目标台账未作任何改动"
        )
        assert not target.draft_approved("recommendation:2025-2")
