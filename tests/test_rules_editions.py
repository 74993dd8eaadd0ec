"""Editions: dates and 版本 from front matter or the preamble, statuses settled from the dates
(尚未生效 included), ``rules search --as-of`` and citations of a superseded edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha_docs.rules.editions import Edition, base_title, pick, status_on, works
from jiancha_docs.rules.errors import ReferenceNotFound, RegulationFormatError
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.model import Status
from jiancha_docs.rules.parser import parse_text
from jiancha_docs.rules.search import SearchOptions

from .rules_old_edition import JIANCHA_2024, index_with_editions
from .test_rules_support import CORPUS, build, make_workspace

needs_corpus = pytest.mark.skipif(not JIANCHA_2024.is_file(), reason=f"没有真实法规文本 {CORPUS}")


def edition(id: str, title: str = "甲规则", **fields: object) -> Edition:
    return Edition(id=id, title=title, **fields)  # type: ignore[arg-type]


# -- the status of an edition on a day ---------------------------------------------------------
def test_status_on_follows_the_dates() -> None:
    old = edition("a", issued="2018-03-20")
    new = edition("b", issued="2024-12-25", effective="2025-06-01")
    assert status_on([old, new], "2017-01-01") == {"a": None, "b": None}
    assert status_on([old, new], "2020-01-01") == {"a": Status.CURRENT, "b": None}
    assert status_on([old, new], "2025-01-01") == {"a": Status.CURRENT, "b": Status.PENDING}
    assert status_on([old, new], "2025-06-01") == {"a": Status.AMENDED, "b": Status.CURRENT}


def test_a_repeal_date_counts_and_a_file_without_one_is_believed() -> None:
    dated = edition("a", issued="2010-01-01", declared=Status.REPEALED, repealed="2020-01-01")
    undated = edition("b", title="乙规则", issued="2010-01-01", declared=Status.REPEALED)
    assert status_on([dated, undated], "2015-01-01") == {"a": Status.CURRENT, "b": Status.REPEALED}
    assert status_on([dated, undated], "2021-01-01") == {"a": Status.REPEALED, "b": Status.REPEALED}


def test_editions_group_by_title_without_edition_mark_and_by_supersedes() -> None:
    assert base_title("《测试规则（2018年版）》") == "测试规则"
    assert base_title("测试规则（示例，旧版）") == "测试规则"
    assert base_title("组织处理规定（试行）") == "组织处理规定（试行）"
    a = edition("a", "测试规则（示例，旧版）", superseded_by="测试规则（示例）", issued="2019-01-01")
    b = edition("b", "测试规则（示例）", issued="2024-01-01")
    c = edition("c", "别的规则", issued="2020-01-01")
    groups = sorted([[e.id for e in g] for g in works([b, c, a])])
    assert groups == [["a", "b"], ["c"]]


def test_pick_an_edition_by_year_date_or_label() -> None:
    group = [
        edition("a", issued="2018-03-20", edition="2018年版"),
        edition("b", issued="2024-12-25", edition="2024年修正"),
    ]
    assert pick(group, "2018").id == "a"
    assert pick(group, "2024年修正").id == "b"
    assert pick(group, "2018-03-20").id == "a"
    with pytest.raises(ReferenceNotFound, match="没有“2020”这个版本（已编入：2018年版、2024年修正）"):
        pick(group, "2020")


# -- where the dates come from -----------------------------------------------------------------
def test_front_matter_edition_and_repeal_date() -> None:
    text = "---\n标题: 甲\n版本: 2020年修订\n状态: 已废止\n废止日期: 2023年5月1日\n---\n第一条 内容。\n"
    reg = parse_text(text, "甲.md").regulation
    assert (reg.edition, reg.status, reg.repealed) == ("2020年修订", "已废止", "2023-05-01")
    pending = parse_text("---\n标题: 乙\n状态: 尚未生效\n---\n第一条 内容。\n").regulation
    assert pending.status == Status.PENDING.value


def test_a_bad_repeal_date_names_file_line_and_field() -> None:
    with pytest.raises(RegulationFormatError) as info:
        parse_text("---\n标题: 甲\n废止日期: 2023-13-01\n---\n第一条 内容。\n", "甲.md")
    assert info.value.message == "甲.md 第 3 行：「废止日期」无法识别的日期“2023-13-01”"


def test_a_file_without_front_matter_takes_dates_and_edition_from_its_preamble() -> None:
    text = (
        "# 某规定\n\n（2003年12月31日中共中央发布 2023年12月8日中共中央政治局会议第三次修订"
        " 2023年12月19日中共中央发布）\n\n第一条 内容。\n\n第二条 本规定自2024年1月1日起施行。\n"
    )
    reg = parse_text(text).regulation
    assert (reg.issued, reg.effective, reg.edition) == ("2023-12-19", "2024-01-01", "2023年修订")


# -- the index settles statuses ----------------------------------------------------------------
def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    config = make_workspace(tmp_path, files=[])
    regs = config.workspace / "regulations"
    write(regs, "旧.md", "---\n标题: 丙规则\n发布日期: 2010-01-01\n---\n第一条 函询回复期限为三十日。\n")
    write(regs, "新.md", "---\n标题: 丙规则\n发布日期: 2020-01-01\n---\n第一条 函询回复期限为十五日。\n")
    write(regs, "未来.md", "---\n标题: 丁规则\n施行日期: 2999-01-01\n---\n第一条 函询另有规定。\n")
    build(config)
    return config.index_dir


def test_the_index_settles_statuses_from_the_dates(small: Path) -> None:
    with Library(small) as library:
        statuses = {(e.title, e.issued or e.data["effective"]): e.status for e in library.entries}
        old = next(e for e in library.entries if e.issued == "2010-01-01")
        assert old.data["declared_status"] == "现行有效"
        assert old.data["successor"] == next(e.id for e in library.entries if e.issued == "2020-01-01")
    assert statuses == {
        ("丙规则", "2010-01-01"): "已修订",
        ("丙规则", "2020-01-01"): "现行有效",
        ("丁规则", "2999-01-01"): "尚未生效",
    }


def test_search_as_of_answers_with_the_edition_then_in_force(small: Path) -> None:
    from jiancha_docs.rules.editions import search_as_of

    with Library(small) as library:
        then = search_as_of(library, "函询 回复 期限", SearchOptions(limit=5), None, "2015-06-01")
        now = search_as_of(library, "函询 回复 期限", SearchOptions(limit=5), None, "2021-06-01")
        future = search_as_of(library, "函询", SearchOptions(limit=5), None, "2999-06-01")
    # 丁规则 gives no 发布日期: before its 施行日期 it shows as 尚未生效
    assert [(h.text, h.status) for h in then.hits] == [
        ("函询回复期限为三十日。", "现行有效"),
        ("函询另有规定。", "尚未生效"),
    ]
    assert [(h.text, h.status) for h in now.hits][0] == ("函询回复期限为十五日。", "现行有效")
    assert "函询回复期限为三十日。" not in [h.text for h in now.hits]
    assert "按 2015-06-01 时的有效版本检索" in then.notes
    assert ("函询另有规定。", "现行有效") in [(h.text, h.status) for h in future.hits]


def test_cli_as_of_rejects_a_bad_date(small: Path) -> None:
    from .test_rules_cli import run

    result = run("rules", "search", "--index", str(small), "--as-of", "2023-02-30", "函询", cwd=small)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "错误：--as-of：无法识别的日期“2023-02-30”"


def test_as_of_undoes_the_models_superseded_weight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a scoring model that puts editions not in force far down, an edition that was in force
    on the day asked about ranks as the model ranks a current one."""
    from dataclasses import replace as change

    from jiancha_docs.rules import ranking, search
    from jiancha_docs.rules.editions import search_as_of, superseded_shift

    config = make_workspace(tmp_path, files=[])
    regs = config.workspace / "regulations"
    write(regs, "旧.md", "---\n标题: 庚规则\n发布日期: 2010-01-01\n---\n第一条 函询回复期限为三十日。\n")
    write(regs, "新.md", "---\n标题: 庚规则\n发布日期: 2020-01-01\n---\n第一条 本规则自发布之日起施行。\n")
    write(regs, "辛.md", "---\n标题: 辛规则\n发布日期: 2010-01-01\n---\n第一条 函询工作另有期限规定。\n")
    build(config)
    real = ranking.load_weights()
    at = real.features.index("superseded")
    harsh = change(real, coef=tuple(-10.0 if i == at else c for i, c in enumerate(real.coef)))
    monkeypatch.setattr(ranking, "load_weights", lambda: harsh)
    monkeypatch.setattr(search, "load_weights", lambda: harsh)
    assert superseded_shift() == pytest.approx(-10.0 / real.scale[at])
    query = "函询 回复 期限"
    with Library(config.index_dir) as library:
        today = search.search(library, query, SearchOptions(limit=5))
        then = search_as_of(library, query, SearchOptions(limit=5), None, "2015-06-01")
    assert [(h.title, h.status) for h in today.hits] == [("辛规则", "现行有效"), ("庚规则", "已修订")]
    assert [(h.title, h.status) for h in then.hits] == [("庚规则", "现行有效"), ("辛规则", "现行有效")]
    assert then.hits[0].score == pytest.approx(today.hits[1].score + 10.0 / real.scale[at], abs=0.002)


def test_as_of_filters_statuses_as_they_stood_that_day(small: Path) -> None:
    from jiancha_docs.rules.editions import search_as_of

    with Library(small) as library:
        current = search_as_of(library, "函询", SearchOptions(statuses=("现行有效",)), None, "2015-06-01")
        amended = search_as_of(library, "函询", SearchOptions(statuses=("已修订",)), None, "2015-06-01")
        direct = search_as_of(
            library, "丙规则第一条", SearchOptions(statuses=("已修订",)), None, "2015-06-01"
        )
    # in 2015 the 2010 丙规则 was in force; nothing stood 已修订 then
    assert [h.text for h in current.hits] == ["函询回复期限为三十日。"]
    assert amended.hits == [] and direct.hits == []


# -- the corpus: 监察法 2024 and an older edition built from it (rules_old_edition) ---------------
@pytest.fixture(scope="module")
def jiancha_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not JIANCHA_2024.is_file():
        pytest.skip(f"没有真实法规文本 {CORPUS}")
    return index_with_editions(tmp_path_factory.mktemp("editions"))


needs_corpus = pytest.mark.skipif(not JIANCHA_2024.is_file(), reason=f"没有真实法规文本 {CORPUS}")


@needs_corpus
def test_corpus_editions_are_dated_and_settled(jiancha_index: Path) -> None:
    with Library(jiancha_index) as library:
        found = sorted(
            (e.issued, e.data["edition"], e.status)
            for e in library.entries
            if e.title == "中华人民共和国监察法"
        )
    assert found == [("2018-03-20", "2018年版", "已修订"), ("2024-12-25", "2024年修正", "现行有效")]


@needs_corpus
def test_corpus_as_of_an_article_reference_takes_the_edition_of_the_day(jiancha_index: Path) -> None:
    from jiancha_docs.rules.editions import search_as_of

    def cited(day: str) -> list[tuple[str, str, str]]:
        result = search_as_of(library, "监察法第二十二条", SearchOptions(), None, day)
        return [(h.text.split("，")[0], h.label, h.status) for h in result.hits]

    with Library(jiancha_index) as library:
        then, before_2024, now = cited("2020-01-01"), cited("2024-12-24"), cited("2025-06-01")
        old = library.regulation(next(e.id for e in library.entries if e.issued == "2018-03-20"))
    # the older edition's 第二十二条 is 留置, without 2024's paragraph on 行贿犯罪
    assert (
        then
        == before_2024
        == [("被调查人涉嫌贪污贿赂、失职渎职等严重职务违法或者职务犯罪", "第二十二条", "现行有效")]
    )
    assert "行贿犯罪" not in next(a.text for a in old.numbered() if a.number == 22)
    assert now == [("在调查过程中", "第二十二条", "现行有效")]


@needs_corpus
def test_corpus_as_of_a_search_shows_the_edition_then_in_force(jiancha_index: Path) -> None:
    from jiancha_docs.rules.editions import search_as_of

    with Library(jiancha_index) as library:
        old_id = next(e.id for e in library.entries if e.issued == "2018-03-20")
        topic = search_as_of(library, "留置 时间 延长", SearchOptions(limit=5), None, "2020-01-01")
        today = search_as_of(library, "留置 时间 延长", SearchOptions(limit=5), None, "2025-06-01")
        forced_then = search_as_of(library, "强制 到案", SearchOptions(limit=20), None, "2020-01-01")
        forced_now = search_as_of(library, "强制 到案", SearchOptions(limit=20), None, "2025-06-01")
        before = search_as_of(library, "留置", SearchOptions(), None, "2018-03-19")
    # 2020: neither the 2024 text nor the 2021 实施条例 existed; 留置时间 was the older 第四十五条
    assert {(h.reg_id, h.status) for h in topic.hits} == {(old_id, "现行有效")}
    assert (topic.hits[0].label, topic.hits[0].text[:8]) == ("第四十五条", "留置时间不得超过")
    assert old_id not in {h.reg_id for h in today.hits}
    assert ("第四十八条", "留置时间不得超过") in [(h.label, h.text[:8]) for h in today.hits]
    # 强制到案 has an article of its own only in 2024; in 2020 only the mentions in other articles
    own = "监察机关根据案件情况，经依法审批，可以强制"
    assert any(h.text.startswith(own) for h in forced_now.hits)
    assert forced_then.hits and not any(h.text.startswith(own) for h in forced_then.hits)
    assert before.hits == []


@needs_corpus
def test_corpus_citation_of_the_older_edition_names_what_replaced_it(jiancha_index: Path) -> None:
    from jiancha_docs.rules.editions import superseded_note
    from jiancha_docs.rules.refs import find_article

    with Library(jiancha_index) as library:
        old = next(e for e in library.entries if e.issued == "2018-03-20")
        reg = library.regulation(old.id)
        notes = {
            n: superseded_note(library, old, find_article(reg, n)) for n in ("二十二", "二十一", "七十三")
        }
        current = next(e for e in library.entries if e.issued == "2024-12-25")
        none = superseded_note(library, current, find_article(library.regulation(current.id), "二十二"))
    head = "引用的是《中华人民共和国监察法》2018年版（已修订）；《中华人民共和国监察法》2024年修正"
    assert notes == {
        "二十二": f"{head}中对应第二十四条（内容有修改）",
        "二十一": f"{head}中对应第二十二条（内容未变）",
        "七十三": f"{head}已删去该条内容",
    }
    assert none is None


@needs_corpus
def test_corpus_search_today_puts_the_current_edition_before_the_same_words_renumbered(
    jiancha_index: Path,
) -> None:
    from jiancha_docs.rules.search import search

    with Library(jiancha_index) as library:
        hits = [(h.label, h.status) for h in search(library, "留置 时间 延长", SearchOptions(limit=5)).hits]
    # 2024's 第四十八条 is the older edition's 第四十五条 word for word
    assert hits.index(("第四十八条", "现行有效")) < hits.index(("第四十五条", "已修订"))
