"""新旧对照: alignment of two editions (added, deleted, changed, renumbered), the table, and the
.docx / .xlsx for printing; on small texts and on the corpus's 监察法 beside an older edition built
from it by known edits (``rules_old_edition``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha_docs.rules.diff import Change, compare, write_docx, write_xlsx
from jiancha_docs.rules.parser import parse_file, parse_text

from .rules_old_edition import JIANCHA_2024, LEFT_OUT, REWORDED, old_edition
from .test_rules_support import CORPUS, make_workspace

OLD = """# 乙规则

第一条 为了规范工作，制定本规则。

第二条 问题线索可以采取谈话函询方式处置。

第三条 被函询人应当在收到函件后三十日内写出说明材料。

第四条 =SUM(A1) 本条将被删去，此后不再规定。

第五条 本规则自发布之日起施行。
"""
NEW = """# 乙规则

第一条 为了规范工作，制定本规则。

第二条 监督检查中发现的问题线索，应当按照规定进行登记。

第三条 问题线索可以采取谈话函询方式处置。

第四条 被函询人应当在收到函件后十五个工作日内写出说明材料。

第五条 本规则自发布之日起施行。
"""


def small_diff():  # type: ignore[no-untyped-def]
    return compare(parse_text(OLD).regulation, parse_text(NEW).regulation, "旧版", "新版")


def test_small_editions_align_article_by_article() -> None:
    rows = [(r.change, r.old and r.old.label, r.new and r.new.label) for r in small_diff().rows]
    assert rows == [
        (Change.UNCHANGED, "第一条", "第一条"),
        (Change.ADDED, None, "第二条"),
        (Change.RENUMBERED, "第二条", "第三条"),
        (Change.RENUMBERED_CHANGED, "第三条", "第四条"),
        (Change.DELETED, "第四条", None),
        (Change.UNCHANGED, "第五条", "第五条"),
    ]
    assert small_diff().summary() == "未变 2 条，条号变动 1 条，条号变动并修改 1 条，新增 1 条，删除 1 条"


def test_xlsx_has_one_row_per_article_and_no_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "对照.xlsx"
    write_xlsx(small_diff(), target)
    ws = load_workbook(target).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["变化", "原条号（旧版）", "原条文", "新条号（新版）", "新条文"]
    assert rows[5][:2] == ["删除", "第四条"]
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value is not None)
    assert rows[5][2].startswith("=SUM(A1)")


def test_docx_is_a_two_column_table(tmp_path: Path) -> None:
    from docx import Document

    target = tmp_path / "对照.docx"
    write_docx(small_diff(), target)
    table = Document(str(target)).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert all(len(row) == 2 for row in cells)
    assert cells[0] == ["修改前（旧版）", "修改后（新版）"]
    assert cells[2] == ["（无）", "【新增】第二条　监督检查中发现的问题线索，应当按照规定进行登记。"]
    assert cells[5][1] == "【删除】（删除）"


def test_a_written_document_is_never_overwritten(tmp_path: Path) -> None:
    from jiancha_docs.errors import OutputError

    target = tmp_path / "对照.docx"
    target.write_bytes(b"keep")
    with pytest.raises(OutputError):
        write_docx(small_diff(), target)
    assert target.read_bytes() == b"keep"


# -- the corpus ------------------------------------------------------------------------------
needs_corpus = pytest.mark.skipif(not JIANCHA_2024.is_file(), reason=f"没有真实法规文本 {CORPUS}")


@needs_corpus
def test_the_older_edition_against_2024_finds_exactly_the_edits() -> None:
    built = old_edition()
    diff = compare(parse_text(built.text, "旧.md").regulation, parse_file(JIANCHA_2024).regulation)
    found = {(r.old.number if r.old else None, r.new.number if r.new else None): r.change for r in diff.rows}
    expected: dict[tuple[int | None, int | None], Change] = {(None, n): Change.ADDED for n in LEFT_OUT}
    for old, new in built.new_of_old.items():
        if new is None:
            expected[(old, None)] = Change.DELETED
        elif new in REWORDED:
            expected[(old, new)] = Change.CHANGED if old == new else Change.RENUMBERED_CHANGED
        else:
            expected[(old, new)] = Change.UNCHANGED if old == new else Change.RENUMBERED
    assert found == expected
    assert (
        diff.summary() == "未变 19 条，修改 1 条，条号变动 54 条，条号变动并修改 1 条，新增 3 条，删除 1 条"
    )
    pairs = {r.old.label: r for r in diff.rows if r.old}
    assert pairs["第二十二条"].new.label == "第二十四条"  # 留置, one paragraph more in 2024
    assert pairs["第二十一条"].new.label == "第二十二条"  # 询问证人, word for word
    assert pairs["第七十三条"].new is None


@needs_corpus
def test_cli_diff_table_and_documents(tmp_path: Path) -> None:
    from jiancha_docs.rules.importer import import_file, write_imported

    from .test_rules_cli import run

    config = make_workspace(tmp_path, files=[])
    older = old_edition().write(tmp_path / "来源")
    for source, name in ((older, "a"), (JIANCHA_2024, "b")):
        write_imported(import_file(source), config.workspace / "regulations" / name)
    (config.workspace / "jiancha.toml").write_text("[rules]\nsamples = false\n", encoding="utf-8")
    assert run("rules", "index", cwd=config.workspace).returncode == 0
    result = run("rules", "diff", "《监察法》", "2018", "2024", cwd=config.workspace)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "《中华人民共和国监察法》2018年版 → 2024年修正："
        "未变 19 条，修改 1 条，条号变动 54 条，条号变动并修改 1 条，新增 3 条，删除 1 条"
    )
    assert lines[1].split() == ["变化", "2018年版", "2024年修正", "条文"]
    assert any(line.split()[:3] == ["条号变动并修改", "第二十二条", "第二十四条"] for line in lines)
    assert any(line.split()[:3] == ["新增", "—", "第二十一条"] for line in lines)
    assert any(line.split()[:3] == ["删除", "第七十三条", "—"] for line in lines)
    out = config.workspace / "对照.xlsx"
    assert (
        run("rules", "diff", "监察法", "2018", "2024", "-o", str(out), cwd=config.workspace).returncode == 0
    )
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 79  # the header, then every article of either edition, 未变 included
    assert (
        "删除",
        "第七十三条",
        old_edition().text.split("第七十三条 ")[1].split("\n")[0],
        None,
        None,
    ) in rows
    again = run("rules", "diff", "监察法", "2018", "2024", "-o", str(out), cwd=config.workspace)
    assert again.returncode == 1
    assert again.stderr.splitlines()[0] == f"错误：{out} 已存在；要覆盖请加 --force"
    bad = run("rules", "diff", "监察法", "2018", "2020", cwd=config.workspace)
    assert bad.returncode == 1
    assert bad.stderr.splitlines()[0] == (
        "错误：《中华人民共和国监察法》没有“2020”这个版本（已编入：2018年版、2024年修正）"
    )
    wrong = run("rules", "diff", "监察法", "2018", "2024", "-o", "x.pdf", cwd=config.workspace)
    assert wrong.returncode == 2 and "应为 .docx 或 .xlsx" in wrong.stderr
