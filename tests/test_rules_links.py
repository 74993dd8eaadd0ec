"""Links between articles: 第X条, 前款, 本规则第X条, 《…》第X条, 第X条第Y款 resolve to what they
name; ``rules show`` lists them (JSON: ``links``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiancha_docs.rules.library import Library
from jiancha_docs.rules.links import LinkKind, links_of
from jiancha_docs.rules.parser import parse_file, parse_text

from .test_rules_support import CORPUS, build, corpus_files, make_workspace

TEXT = """# 戊规则

第一条 为了规范工作，根据《中华人民共和国监察法》（以下简称监察法），制定本规则。

第二条 问题线索应当登记。

前款规定的登记，应当在三日内完成。

第三条 本规则第二条第二款规定的期限，可以延长一次。依照前条办理。

被函询人对本条第一款有异议的，可以申请复核。

前两款规定的期限不含节假日。

第四条 适用监察法第十九条、第二十条的，依照《中华人民共和国刑法》第三百八十二条办理，参照第九十九条。
"""


def reg():  # type: ignore[no-untyped-def]
    return parse_text(TEXT, "戊规则.md").regulation


def targets(number: int, library: object = None) -> list[tuple[str, str, bool]]:
    r = reg()
    article = next(a for a in r.numbered() if a.number == number)
    return [(link.text, link.target, link.resolved) for link in links_of(article, r, library)]


def test_links_inside_the_regulation() -> None:
    assert targets(2) == [("前款", "本条第一款", True)]
    assert targets(3) == [
        ("本规则第二条第二款", "第二条第二款", True),
        ("前条", "第二条", True),
        ("本条第一款", "本条第一款", True),
        ("前两款", "本条第一款至第二款", True),
    ]


def test_links_to_other_regulations_and_an_article_that_does_not_exist() -> None:
    links = links_of(reg().numbered()[3], reg())
    assert [(link.kind, link.target, link.resolved) for link in links] == [
        (LinkKind.EXTERNAL, "《中华人民共和国监察法》第十九条", False),
        (LinkKind.EXTERNAL, "《中华人民共和国监察法》第二十条", False),
        (LinkKind.EXTERNAL, "《中华人民共和国刑法》第三百八十二条", False),
        (LinkKind.ARTICLE, "第九十九条", False),
    ]
    assert links[0].to_dict()["kind"] == "external"


def test_links_of_an_article_alone() -> None:
    article = parse_text("# 己\n\n第一条 依照第二条第一款第三项办理。\n").regulation.numbered()[0]
    (link,) = links_of(article)
    assert (link.number, link.paragraphs, link.item, link.resolved) == (2, (1,), 3, False)


# -- with an index -------------------------------------------------------------------------------
@pytest.fixture
def index(tmp_path: Path) -> Path:
    config = make_workspace(tmp_path, files=[])
    regs = config.workspace / "regulations"
    (regs / "戊规则.md").write_text(TEXT, encoding="utf-8")
    (regs / "监察法.md").write_text(
        "# 中华人民共和国监察法\n\n"
        + "".join(f"第{n}条 内容{n}。\n\n" for n in ["十八", "十九", "二十"]).replace("第十八条", "第十八条"),
        encoding="utf-8",
    )
    build(config)
    return config.index_dir


def test_other_regulations_resolve_against_the_index(index: Path) -> None:
    with Library(index) as library:
        found = targets(4, library)
        rid = library.resolve_one("监察法").id
        first = links_of(reg().numbered()[3], reg(), library)[0]
    assert found[:2] == [
        ("监察法第十九条", "《中华人民共和国监察法》第十九条", True),
        ("第二十条", "《中华人民共和国监察法》第二十条", True),
    ]
    assert found[2][2] is False  # 刑法 is not indexed
    assert first.reg_id == rid


def test_rules_show_lists_the_links(index: Path) -> None:
    from .test_rules_cli import run

    shown = run("rules", "show", "--index", str(index), "戊规则第三条", cwd=index)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1] == (
        "　　〔关联〕本规则第二条第二款（第二条第二款）；前条（第二条）；本条第一款；前两款（本条第一款至第二款）"
    )
    data = json.loads(run("rules", "show", "--json", "--index", str(index), "戊规则第四条", cwd=index).stdout)
    links = data["articles"][0]["links"]
    assert [(x["text"], x["kind"], x["resolved"]) for x in links] == [
        ("监察法第十九条", "external", True),
        ("第二十条", "external", True),
        ("《中华人民共和国刑法》第三百八十二条", "external", False),
        ("第九十九条", "article", False),
    ]


# -- the corpus ------------------------------------------------------------------------------
@pytest.mark.skipif(not corpus_files(), reason=f"没有真实法规文本 {CORPUS}")
def test_every_link_inside_a_corpus_text_resolves() -> None:
    total = 0
    for path in corpus_files():
        r = parse_file(path).regulation
        for article in r.articles:
            for link in links_of(article, r):
                if link.kind != LinkKind.EXTERNAL:
                    total += 1
                    assert link.resolved, (path.name, article.label, link.text)
    assert total > 500


@pytest.mark.skipif(not corpus_files(), reason=f"没有真实法规文本 {CORPUS}")
def test_corpus_paragraph_after_an_article_belongs_to_it() -> None:
    path = CORPUS / "中国共产党处分违纪党员批准权限和程序规定.md"
    r = parse_file(path).regulation
    article = next(a for a in r.numbered() if a.label == "第二十条")
    found = [(link.text, link.target) for link in links_of(article, r)]
    assert ("第三款", "第三十七条第三款") in found
    assert found[-1] == ("前款", "本条第一款")


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus's 监察法 (2024), an older edition built from it, and the 2021 实施条例."""
    from .rules_old_edition import JIANCHA_2024, index_with_editions

    if not JIANCHA_2024.is_file():
        pytest.skip(f"没有真实法规文本 {CORPUS}")
    return index_with_editions(tmp_path_factory.mktemp("links"))


def test_a_link_names_the_edition_in_force_when_the_citing_text_took_effect(two_editions: Path) -> None:
    later = parse_text(
        "---\n标题: 壬规则\n施行日期: 2025-06-01\n---\n第一条 依照《中华人民共和国监察法》第二十二条办理。\n",
        "壬.md",
    ).regulation
    with Library(two_editions) as library:
        older = next(e.id for e in library.entries if e.issued == "2018-03-20")
        newer = next(e.id for e in library.entries if e.issued == "2024-12-25")
        rules = library.regulation(library.resolve_one("监察法实施条例").id)
        cited = {
            (link.reg_id, link.text, link.resolved)
            for article in rules.numbered()
            for link in links_of(article, rules, library)
            if link.title == "中华人民共和国监察法" and link.label == "第二十二条"
        }
        (from_later,) = links_of(later.numbered()[0], later, library)
    # the 2021 实施条例 cites the edition then in force: its 第二十二条 is 留置 there, not 询问证人
    assert {(reg, text[:11], resolved) for reg, text, resolved in cited} == {
        (older, "监察法第二十二条第一款", True)
    }
    assert (from_later.reg_id, from_later.label, from_later.resolved) == (newer, "第二十二条", True)


@pytest.mark.skipif(not corpus_files(), reason=f"没有真实法规文本 {CORPUS}")
def test_a_link_to_a_later_edition_than_the_citing_text_says_so(tmp_path: Path) -> None:
    """Only the 2024 监察法 indexed: the 2021 实施条例's 监察法第五十八条 (the 2018 numbering, 回避)
    resolves to that edition's 第五十八条, and says the edition came later."""
    files = [CORPUS / "中华人民共和国监察法.md", CORPUS / "中华人民共和国监察法实施条例.md"]
    config = make_workspace(tmp_path, files)
    build(config)
    with Library(config.index_dir) as library:
        rules = library.regulation(library.resolve_one("监察法实施条例").id)
        article = next(a for a in rules.numbered() if a.label == "第二百六十三条")
        (link,) = [k for k in links_of(article, rules, library) if k.title == "中华人民共和国监察法"]
        cited = library.regulation(link.reg_id)
        assert link.newer_edition == (cited.effective or cited.issued) > (rules.effective or rules.issued)
        here = library.regulation(library.resolve_one("监察法").id)
        own = [k for a in here.numbered() for k in links_of(a, here, library)]
        assert own and not any(k.newer_edition for k in own)  # a law citing itself
    from .test_rules_cli import run

    shown = run(
        "rules", "show", "--index", str(config.index_dir), "监察法实施条例第二百六十三条", cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    assert (
        f"〔索引中的版本 {link.newer_edition} 起施行，晚于本法规；本条引的可能是旧版本的条号〕"
        in shown.stdout
    )
