"""The 建议书 closed loop on a year of activity: the Monday report's figures against counts made
from the plan that built the year; batch marks; 整改 items; reminders; 审核/审批."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from jiancha_docs.cli import main
from jiancha_docs.ledger import LedgerError, open_ledger
from jiancha_docs.ledger.postgres import is_url

from .closed_loop_year import TODAY, Plan, build_year


@pytest.fixture(scope="module")
def year_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return build_year(tmp_path_factory.mktemp("year") / "year.sqlite3")


@pytest.fixture(params=["sqlite", "postgresql"])
def year(year_plan: Plan, tmp_path: Path, request: pytest.FixtureRequest) -> Plan:
    """The year's ledger, copied so a test may change it: a SQLite file, or moved onto a fresh
    server database by ``ledger migrate``'s copy (so the closed loop runs on PostgreSQL too)."""
    db = tmp_path / "ledger.sqlite3"
    shutil.copy(year_plan.db, db)
    if request.param == "sqlite":
        return Plan(db, year_plan.documents, year_plan.urging)
    from jiancha_docs.ledger.transfer import copy_ledger

    url = request.getfixturevalue("pg_url")
    with open_ledger(db) as source, open_ledger(url) as target:
        copy_ledger(source, target)
    return Plan(url, year_plan.documents, year_plan.urging)  # type: ignore[arg-type]


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("JIANCHA_TODAY", TODAY.isoformat())
    if "--db" in args and is_url(args[args.index("--db") + 1]):  # a server: named as JIANCHA_DB
        at = args.index("--db")
        monkeypatch.setenv("JIANCHA_DB", args[at + 1])
        args = args[:at] + args[at + 2 :]
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def expected_figures(plan: Plan) -> dict[str, object]:
    """The report's figures counted from the plan alone."""
    with open_ledger(plan.db) as ledger:  # the 督办函 deadlines: as registered by the fixture
        urging = [ledger.find(n) for n in plan.urging]
    undelivered = [p.number for p in plan.live() if p.delivered is None and p.deadline < TODAY]
    undelivered += [u.doc_number for u in urging if u.reply_deadline < TODAY]
    no_reply = [p.number for p in plan.live() if p.delivered and not p.replied and p.deadline < TODAY]
    on_time = [p for p in plan.live() if p.replied and p.replied <= p.deadline]
    late = [p for p in plan.live() if p.replied and p.replied > p.deadline]
    months: Counter[str] = Counter(f"{p.doc_date:%Y-%m}" for p in plan.live())
    months.update(f"{u.doc_date:%Y-%m}" for u in urging)
    on_time_months = Counter(f"{p.doc_date:%Y-%m}" for p in on_time)
    overdue_units: Counter[str] = Counter(
        p.recipient for p in plan.live() if p.number in set(undelivered) | set(no_reply)
    )
    overdue_units.update(u.recipient for u in urging if u.doc_number in undelivered)
    items = sum(p.items for p in plan.live())
    done = sum(len(p.items_done) for p in plan.live())
    items_late = sum(p.items - len(p.items_done) for p in plan.live() if p.item_deadline < TODAY)
    return {
        "issued": len(plan.live()) + len(urging),
        "undelivered": sorted(undelivered),
        "no_reply": sorted(no_reply),
        "on_time": len(on_time),
        "late": len(late),
        "months": dict(months),
        "on_time_months": dict(on_time_months),
        "overdue_units": {k: v for k, v in overdue_units.items() if v},
        "items": items,
        "done": done,
        "items_late": items_late,
        "rectified": sum(1 for p in plan.live() if p.items and len(p.items_done) == p.items),
    }


def test_the_year_is_realistic(year_plan: Plan) -> None:
    live = year_plan.live()
    assert len(year_plan.documents) >= 300 and len(year_plan.urging) >= 10
    assert sum(1 for p in live if p.replied and p.replied > p.deadline) >= 20  # late replies
    assert sum(1 for p in live if p.delivered and not p.replied) >= 20  # missing replies
    assert sum(1 for p in live if p.delivered is None) >= 20  # never delivered
    assert 0 < sum(len(p.items_done) for p in live) < sum(p.items for p in live)


def test_report_json_equals_counts_from_the_plan(
    year: Plan, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "report", "--json")
    assert code == 0, err
    data = json.loads(out)
    want = expected_figures(year)
    assert data["as_of"] == "2026-01-20"
    total = data["total"]
    assert total["issued"] == want["issued"]
    assert total["on_time"] == want["on_time"] and total["late"] == want["late"]
    assert total["replied"] == want["on_time"] + want["late"]
    assert sorted(r["doc_number"] for r in data["overdue"]["undelivered"]) == want["undelivered"]
    assert sorted(r["doc_number"] for r in data["overdue"]["no_reply"]) == want["no_reply"]
    for rows in data["overdue"].values():  # longest overdue first
        days = [r["overdue_days"] for r in rows]
        assert days == sorted(days, reverse=True) and all(d > 0 for d in days)
    assert {m["key"]: m["issued"] for m in data["by_month"]} == want["months"]
    assert {m["key"]: m["on_time"] for m in data["by_month"] if m["on_time"]} == want["on_time_months"]
    assert {u["key"]: u["overdue"] for u in data["by_unit"] if u["overdue"]} == want["overdue_units"]
    assert {k["key"]: k["issued"] for k in data["by_kind"]} == {
        "recommendation": len(year.live()),
        "urging_letter": len(year.urging),
    }
    items = data["items"]
    assert items["total"] == want["items"] and items["done"] == want["done"]
    assert items["overdue"] == want["items_late"]
    assert items["open"] == want["items"] - want["done"] - want["items_late"]
    assert items["documents_rectified"] == want["rectified"]


def test_report_workbook_title_split_columns_and_charts(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "报表.xlsx"
    code, _, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "report", "-o", str(target))
    assert code == 0, err
    want = expected_figures(year)
    assert f"逾期未送达 {len(want['undelivered'])} 份，逾期未反馈 {len(want['no_reply'])} 份" in err
    book = load_workbook(target)
    assert book.sheetnames == ["报表", "统计", "明细"]
    sheet = book["报表"]
    assert sheet["A1"].value == "建议书督办情况报表" and sheet["A2"].value == "截至 2026年1月20日"
    column_a = [c.value for c in sheet["A"]]
    first = next(i for i, v in enumerate(column_a) if str(v).startswith("一、逾期未送达"))
    second = next(i for i, v in enumerate(column_a) if str(v).startswith("二、逾期未反馈"))
    assert f"（{len(want['undelivered'])} 份" in column_a[first]
    header = [c.value for c in sheet[first + 2]]
    assert header[:9] == [
        "序号",
        "文号",
        "文书类型",
        "主送单位",
        "承办人",
        "成文日期",
        "送达日期",
        "反馈期限",
        "逾期天数",
    ]
    listed = [sheet.cell(row=r, column=2).value for r in range(first + 3, second)]
    assert sorted(n for n in listed if n) == want["undelivered"]
    days = [
        sheet.cell(row=r, column=9).value
        for r in range(first + 3, second)
        if sheet.cell(row=r, column=2).value
    ]
    assert days == sorted(days, reverse=True)
    charts = book["统计"]._charts
    assert len(charts) == 2  # native charts: issued vs on time per month, overdue per unit
    detail = book["明细"]
    headers = [c.value for c in detail[1]]
    for column in ("送达日期", "反馈日期", "按期", "承办人", "逾期天数", "文件名"):
        assert column in headers
    assert "输出文件" not in headers
    late_reply = next(p for p in year.live() if p.replied and p.replied > p.deadline)
    row = next(r for r in detail.iter_rows(min_row=2, values_only=True) if r[1] == late_reply.number)
    assert row[headers.index("按期")] == "逾期反馈"
    assert row[headers.index("逾期天数")] == (late_reply.replied - late_reply.deadline).days
    assert row[headers.index("反馈日期")].date() == late_reply.replied
    assert row[headers.index("送达日期")].date() == late_reply.delivered


def test_report_refreshes_its_own_file_but_never_a_foreign_one(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "报表.xlsx"
    args = ("ledger", "--db", str(year.db), "report", "-o", str(target))
    assert run(capsys, monkeypatch, *args)[0] == 0
    assert run(capsys, monkeypatch, *args)[0] == 0  # next Monday: no --force needed
    target.write_bytes(target.read_bytes() + b"edited")
    code, _, err = run(capsys, monkeypatch, *args)
    assert code == 1
    assert (
        err.splitlines()[0] == f"错误：文件“{target}”已存在，未覆盖（它导出后被修改过）；如需覆盖请加 --force"
    )
    foreign = tmp_path / "同事的表.xlsx"
    foreign.write_bytes(b"not ours")
    code, _, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "report", "-o", str(foreign))
    assert code == 1 and "它不是 jiancha 导出的" in err and foreign.read_bytes() == b"not ours"
    assert (
        run(capsys, monkeypatch, "ledger", "--db", str(year.db), "report", "-o", str(foreign), "--force")[0]
        == 0
    )
    # the plain export too
    export = tmp_path / "台账.xlsx"
    for _ in range(2):
        code, _, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "export", str(export))
        assert code == 0, err


def test_report_usage_errors(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "report")
    assert code == 2 and err.startswith("错误：请用 -o 指定报表文件（.xlsx），或加 --json 输出数字")
    code, _, err = run(
        capsys, monkeypatch, "ledger", "--db", str(year.db), "report", "-o", str(tmp_path / "a.csv")
    )
    assert code == 2 and "导出文件应以 .xlsx 结尾" in err
    code, _, err = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "report",
        "-o",
        str(tmp_path / "无此文件夹" / "a.xlsx"),
    )
    assert code == 1 and "文件夹" in err and "不存在" in err


def test_list_overdue_longest_first(
    year: Plan, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "list", "--overdue", "--json")
    assert code == 0
    days = [e["overdue_days"] for e in json.loads(out)]
    want = expected_figures(year)
    assert len(days) == len(want["undelivered"]) + len(want["no_reply"])
    assert days == sorted(days, reverse=True)


# -- batch mark ----------------------------------------------------------------------------------------
def _undelivered(plan: Plan, n: int) -> list[str]:
    return [p.number for p in plan.live() if p.delivered is None][:n]


def test_batch_mark_is_all_or_nothing(
    year: Plan, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = _undelivered(year, 3)
    replied = next(p.number for p in year.live() if p.replied)
    args = [
        "ledger",
        "--db",
        str(year.db),
        "mark",
        *numbers,
        replied,
        "某监建〔2025〕9999号",
        numbers[0],
        "已送达",
    ]
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert (
        lines[0] == f"错误：命令行第 4 个文号（{replied}）：文号“{replied}”已是“已反馈”，不能退回到“已送达”"
    )
    assert lines[1].startswith(
        "错误：命令行第 5 个文号（某监建〔2025〕9999号）：台账中没有文号“某监建〔2025〕9999号”"
    )
    assert lines[2] == f"错误：命令行第 6 个文号（{numbers[0]}）：与命令行第 1 个文号重复"
    assert lines[3] == "错误：6 个文号中有 3 个不能标记为“已送达”，整批未变更"
    with open_ledger(year.db) as ledger:
        assert [ledger.find(n).status for n in numbers] == ["已印发"] * 3  # nothing changed
    code, out, _ = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "mark",
        *numbers,
        "已送达",
        "--date",
        "2026-01-19",
    )
    assert code == 0 and out == "已将 3 个文号标记为“已送达”。\n"
    with open_ledger(year.db) as ledger:
        assert {ledger.find(n).delivered_on() for n in numbers} == {dt.date(2026, 1, 19)}


def test_batch_mark_from_a_receipt_sheet(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    numbers = _undelivered(year, 4)
    book = Workbook()
    book.active.append(["回执编号", "文号", "送达日期"])
    for index, number in enumerate(numbers):
        book.active.append([index + 1, number, dt.date(2026, 1, 10 + index)])
    sheet = tmp_path / "回执.xlsx"
    book.save(sheet)
    code, out, err = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "mark",
        "已送达",
        "--from",
        str(sheet),
        "--date-column",
        "送达日期",
    )
    assert code == 0, err
    assert out == "已将 4 个文号标记为“已送达”。\n"
    with open_ledger(year.db) as ledger:
        assert [ledger.find(n).delivered_on() for n in numbers] == [
            dt.date(2026, 1, 10 + i) for i in range(4)
        ]
    code, _, err = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "mark",
        "已送达",
        "--from",
        str(sheet),
        "--column",
        "编号",
    )
    assert code == 1 and err.splitlines()[0] == "错误：回执.xlsx 中没有“编号”列"
    code, _, err = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "mark",
        "已反馈",
        "--from",
        str(sheet),
        "--date-column",
        "送达日期",
    )
    assert code == 0, err  # the reply dates are not before the delivery dates
    code, _, err = run(
        capsys, monkeypatch, "ledger", "--db", str(year.db), "mark", "已送达", "--from", str(sheet)
    )
    assert code == 1 and "回执.xlsx 第 2 行" in err and "整批未变更" in err
    code, _, err = run(capsys, monkeypatch, "ledger", "--db", str(year.db), "mark", "已送达")
    assert code == 2 and err.startswith("错误：缺少参数“状态”")


# -- 整改 items -----------------------------------------------------------------------------------------
def test_tasks_listed_ticked_and_rectified(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ("ledger", "--db", str(year.db))
    code, out, err = run(capsys, monkeypatch, *db, "tasks", "--status", "逾期", "--json")
    assert code == 0
    want = expected_figures(year)
    assert len(json.loads(out)) == want["items_late"]
    target = next(p for p in year.live() if p.replied and p.items > len(p.items_done))
    open_items = [s for s in range(1, target.items + 1) if s not in target.items_done]
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(b"%PDF-1.4")
    for index, seq in enumerate(open_items):
        code, out, err = run(
            capsys,
            monkeypatch,
            *db,
            "task",
            "done",
            target.number,
            str(seq),
            "--file",
            str(proof),
            "--date",
            "2026-01-15",
        )
        assert code == 0, err
        if index < len(open_items) - 1:
            assert out.endswith(f"该文书还有 {len(open_items) - index - 1} 项未完成。\n")
    assert (
        out
        == f"文号“{target.number}”第 {open_items[-1]} 项整改任务已完成（2026年1月15日）。该文书整改任务已全部完成（整改到位）。\n"
    )
    code, out, _ = run(capsys, monkeypatch, *db, "report", "--json")
    assert json.loads(out)["items"]["documents_rectified"] == want["rectified"] + 1
    # errors
    code, _, err = run(capsys, monkeypatch, *db, "task", "done", target.number, "1", "--evidence", "x")
    assert code == 1 and err.startswith(f"错误：文号“{target.number}”第 1 项整改任务已于")
    code, _, err = run(capsys, monkeypatch, *db, "task", "done", target.number, "9")
    assert code == 1 and err.startswith("错误：完成整改任务须写明佐证")
    code, _, err = run(capsys, monkeypatch, *db, "task", "done", target.number, "9", "--evidence", "x")
    assert (
        code == 1
        and err.splitlines()[0] == f"错误：文号“{target.number}”没有第 9 项整改任务（共 {target.items} 项）"
    )
    code, _, err = run(capsys, monkeypatch, *db, "tasks", "--status", "完成")
    assert code == 2 and err.startswith("错误：整改任务状态“完成”无效，应为：未完成、已完成、逾期")
    code, _, err = run(
        capsys,
        monkeypatch,
        *db,
        "task",
        "done",
        target.number,
        "1",
        "--evidence",
        "x",
        "--date",
        "2027-01-01",
    )
    assert code == 1
    code, out, _ = run(capsys, monkeypatch, *db, "task", "add", target.number, "--task", "建立长效机制")
    assert out == f"文号“{target.number}”已登记第 {target.items + 1} 项整改任务。\n"


def test_remind_groups_by_handler(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "提醒.xlsx"
    code, out, err = run(
        capsys,
        monkeypatch,
        "ledger",
        "--db",
        str(year.db),
        "remind",
        "--within",
        "10",
        "--json",
        "-o",
        str(target),
    )
    assert code == 0, err
    groups = json.loads(out)
    limit = TODAY + dt.timedelta(days=10)
    awaiting = [p for p in year.live() if not p.replied and p.deadline <= limit]
    by_handler = Counter(p.handler for p in awaiting)
    with open_ledger(year.db) as ledger:
        for number in year.urging:
            if ledger.find(number).reply_deadline <= limit:
                by_handler[None] += 1
    assert {g["handler"]: len(g["documents"]) for g in groups} == dict(by_handler)
    assert groups[-1]["handler"] is None  # the unassigned last
    sheet = load_workbook(target).active
    assert sheet["A1"].value == "反馈期限提醒" and str(sheet["A4"].value).startswith("承办人：")


def test_review_and_approve_on_record(
    year: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "jiancha.toml").write_text("[ledger]\napproval = true\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    db = ("ledger", "--db", str(year.db))
    number, other = _undelivered(year, 2)
    code, _, err = run(capsys, monkeypatch, *db, "mark", number, "已送达")
    assert (
        code == 1
        and err.splitlines()[0]
        == f"错误：文号“{number}”尚未登记审批，不能标记为已送达（本单位配置了 [ledger] approval）"
    )
    code, _, err = run(capsys, monkeypatch, *db, "approve", number, "--by", "李某")
    assert code == 1 and err.startswith(f"错误：文号“{number}”尚未登记审核，不能先审批")
    code, out, _ = run(
        capsys,
        monkeypatch,
        *db,
        "review",
        number,
        "--by",
        "张某",
        "--opinion",
        "同意",
        "--date",
        "2026-01-05",
    )
    assert out == f"文号“{number}”已登记审核：张某（2026年1月5日），同意。\n"
    code, _, err = run(capsys, monkeypatch, *db, "review", number, "--by", "张某")
    assert code == 1 and err.startswith(f"错误：文号“{number}”已登记过审核")
    assert run(capsys, monkeypatch, *db, "approve", number, "--by", "李某", "--opinion", "同意印发")[0] == 0
    code, _, err = run(capsys, monkeypatch, *db, "mark", number, other, "已送达")
    assert code == 1 and f"命令行第 2 个文号（{other}）：文号“{other}”尚未登记审批" in err
    assert run(capsys, monkeypatch, *db, "mark", number, "已送达")[0] == 0
    code, _, err = run(capsys, monkeypatch, *db, "review", "某监建〔2025〕9999号", "--by", "张某")
    assert code == 1 and err.startswith("错误：台账中没有文号“某监建〔2025〕9999号”")
    code, _, err = run(capsys, monkeypatch, *db, "approve", number, "--by", "李某")
    assert code == 1 and err.startswith(f"错误：文号“{number}”已登记过审批")
    # The exported 备案 register lists both steps (who, date, opinion); blank where none is on record.
    from openpyxl import load_workbook

    out_file = tmp_path / "台账.xlsx"
    assert run(capsys, monkeypatch, *db, "export", str(out_file))[0] == 0
    sheet = load_workbook(out_file).active
    headers = [c.value for c in sheet[1]]
    steps = ["审核人", "审核日期", "审核意见", "审批人", "审批日期", "审批意见"]
    assert headers[-6:] == steps
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    reviewed = rows[number][-6:]
    assert reviewed[0] == "张某" and reviewed[1].date() == dt.date(2026, 1, 5) and reviewed[2] == "同意"
    assert reviewed[3] == "李某" and reviewed[4].date() == TODAY and reviewed[5] == "同意印发"
    assert rows[other][-6:] == (None,) * 6


def test_items_come_from_the_kinds_task_fields() -> None:
    from jiancha_docs.ledger.tasks import tasks_of

    due = dt.date(2025, 3, 1)
    listed = tasks_of("recommendation", {"recommendations": ["梳理权力清单", "建立台账"]}, "某局", due)
    assert [(t.task, t.owner, t.deadline) for t in listed] == [
        ("梳理权力清单", "某局", due),
        ("建立台账", "某局", due),
    ]
    table = tasks_of(
        "reform_notice",
        {"tasks": [{"task": "专项整治", "owner": "监管科", "deadline": dt.date(2025, 3, 31)}]},
        "某局",
        due,
    )
    assert [(t.task, t.owner, t.deadline) for t in table] == [("专项整治", "监管科", dt.date(2025, 3, 31))]
    assert tasks_of("admonition", {}, "某局", due) is None


def test_a_ledger_error_for_unknown_documents(year: Plan) -> None:
    with open_ledger(year.db) as ledger, pytest.raises(LedgerError, match="台账中没有文号"):
        ledger.items("某监建〔2025〕9999号") or ledger.find("某监建〔2025〕9999号")
