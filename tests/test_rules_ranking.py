"""The sample guides never pollute an office's library; the learned ranking and its data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiancha_docs.cli import cli
from jiancha_docs.rules.errors import QuerySyntaxError
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.search import search
from jiancha_docs.rules.sources import RulesConfig, discover_sources, standard_regulations_dir

from .test_rules_support import FIXTURES, build


def _samples() -> set[str]:
    return {p.resolve().as_posix() for p in standard_regulations_dir().glob("*.md")}


def test_samples_are_indexed_only_while_the_office_has_no_regulations(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    config = RulesConfig(workspace=workspace, index_dir=workspace / "index")
    build(config)
    with Library(config.index_dir) as library:
        assert library.entries and all(e.source.startswith("示例/") for e in library.entries)
        assert search(library, "函询 回复 期限").hits[0].title.endswith("（示例）")
    regs = workspace / "regulations"
    regs.mkdir()
    for path in sorted(FIXTURES.glob("*.md")):
        shutil.copy(path, regs / path.name)
    report = build(config)
    assert len(report.removed) == len(_samples())
    with Library(config.index_dir) as library:
        assert library.entries and not any(e.source.startswith("示例/") for e in library.entries)
        for query in ("函询 回复 期限", "谈话函询 工作指引", "澄清 正名", "监察建议书"):
            try:
                hits = search(library, query).hits
            except QuerySyntaxError:  # none of its words left in the office's texts (澄清 正名)
                hits = []
            assert not any(library.by_id[h.reg_id].source.startswith("示例/") for h in hits), query


def test_samples_beside_own_regulations_only_when_asked(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "regulations").mkdir(parents=True)
    shutil.copy(sorted(FIXTURES.glob("*.md"))[0], workspace / "regulations")
    keys = {s.key for s in discover_sources(RulesConfig(workspace=workspace, index_dir=tmp_path / "i"))}
    assert not keys & _samples()
    asked = RulesConfig(workspace=workspace, index_dir=tmp_path / "i", samples_always=True)
    assert _samples() <= {s.key for s in discover_sources(asked)}
    never = RulesConfig(workspace=tmp_path / "empty", index_dir=tmp_path / "i", samples=False)
    assert discover_sources(never) == []


def test_rules_index_samples_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "ws"
    (workspace / "regulations").mkdir(parents=True)
    shutil.copy(sorted(FIXTURES.glob("*.md"))[0], workspace / "regulations")
    runner = CliRunner()
    index = workspace / "index"
    monkeypatch.chdir(workspace)
    plain = runner.invoke(cli, ["rules", "index", "--index", str(index)])
    assert plain.exit_code == 0, plain.output
    assert "1 部法规" in plain.output
    asked = runner.invoke(cli, ["rules", "index", "--samples", "--index", str(index)])
    assert asked.exit_code == 0, asked.output
    assert f"{1 + len(_samples())} 部法规" in asked.output


# -- the scoring model ---------------------------------------------------------------------------
def test_shipped_weights_cover_every_feature_and_say_where_they_came_from() -> None:
    from jiancha_docs.rules.ranking import FEATURES, load_weights

    weights = load_weights()
    assert set(weights.features) == set(FEATURES)
    assert weights.source["script"].startswith("bench/train_ranker.py")
    assert "测试" in weights.source["queries"]  # states that the test third was not used


def test_weights_score_standardised_features(tmp_path: Path) -> None:
    import json

    from jiancha_docs.rules.ranking import Weights, load_weights

    weights = Weights(features=("word", "cover"), mean=(0.5, 0.0), scale=(0.5, 2.0), coef=(1.0, 4.0))
    assert weights.score({"word": 1.0, "cover": 1.0}) == pytest.approx(1.0 + 2.0)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights.to_dict()), encoding="utf-8")
    assert load_weights(path) == weights
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"features": ["no_such_feature"], "mean": [0], "scale": [1], "coef": [1]}', encoding="utf-8"
    )
    from jiancha_docs.rules.errors import RulesIndexError

    with pytest.raises(RulesIndexError, match="检索排序权重文件 bad.json 缺失或无效"):
        load_weights(bad)


def test_a_concept_counts_whole_or_as_its_parts() -> None:
    from jiancha_docs.rules.ranking import PIECES_SHARE, Concept

    concept = Concept(("退回补充调查",), 2.0, (("退回", "补充调查"),))
    assert concept.share("应当退回补充调查") == 1.0
    assert concept.share("退回国家监察委员会补充调查") == PIECES_SHARE
    assert concept.share("补充调查") == 0.0


def test_answer_cues_follow_the_question() -> None:
    from jiancha_docs.rules.bigrams import Doc
    from jiancha_docs.rules.ranking import Candidate, Concept, QueryCues, measure

    def doc(body: str, title: str = "某规定") -> Doc:
        return Doc("u", "r", "现行有效", "党内法规", title, "第一条", "", 1, 0, 0, body)

    timed = Candidate(doc("被函询人应当在收到函询通知之日起十五个工作日内写出说明"), "")
    untimed = Candidate(doc("被函询人应当如实说明情况"), "")
    for cand in (timed, untimed):
        object.__setattr__(cand, "text", cand.doc.body)
    concepts = [Concept(("被函询人",), 3.0)]
    measure([timed, untimed], concepts, [], {"函询": 1.0}, QueryCues.of("被函询人多久要回复"))
    assert (timed.values["time_cue"], untimed.values["time_cue"]) == (1.0, 0.0)
    crime = Candidate(doc("国家工作人员利用职务上的便利……的，是贪污罪。", "中华人民共和国刑法"), "")
    crime.text = crime.doc.body
    measure([crime], [Concept(("贪污罪",), 3.0)], [], {}, QueryCues.of("贪污罪是怎么定义的"))
    assert crime.values["define_cue"] == crime.values["crime_name_law"] == 1.0


def test_the_bigram_index_round_trips(tmp_path: Path) -> None:
    from jiancha_docs.rules.bigrams import BigramIndex, Doc, grams, write

    docs = [
        Doc("a", "r", "现行有效", "法律", "甲法", "第一条", "", 1, 0, 0, "留置时间不得超过三个月"),
        Doc("b", "r", "现行有效", "法律", "甲法", "第二条", "", 2, 0, 1, "被调查人可以申诉"),
    ]
    write(tmp_path / "b.bin", docs)
    index = BigramIndex(tmp_path / "b.bin")
    assert index.docs == docs
    assert index.top(grams("留置期间最长多久"), 5) == [0]
    assert grams("留置 3个月") == ["留置", "3个", "个月"]
    (tmp_path / "b.bin").write_bytes(b"\x00garbage")
    from jiancha_docs.rules.errors import IndexCorrupt

    with pytest.raises(IndexCorrupt, match="法规索引已损坏：无法读取字索引"):
        BigramIndex(tmp_path / "b.bin")


def test_new_cues_find_the_answer_next_to_the_question() -> None:
    from jiancha_docs.rules.bigrams import Doc
    from jiancha_docs.rules.ranking import Candidate, Concept, QueryCues, measure

    def cand(body: str) -> Candidate:
        c = Candidate(Doc("u", "r", "现行有效", "", "某规则", "第一条", "", 1, 0, 0, body), body)
        return c

    near = cand("处置意见应当在收到问题线索之日起1个月内提出。")
    far = cand("对问题线索应当提出处置意见，并报告。" + "其他事项" * 10 + "材料保存5年。")
    measure([near, far], [Concept(("处置意见",), 3.0)], [], {}, QueryCues.of("线索多长时间内提出处置意见"))
    assert (near.values["time_near"], far.values["time_near"]) == (1.0, 0.0)
    assert near.values["phrase"] > 0  # 提出处置意见 is written as the query writes it
    listed = cand("有下列情形之一的，可以留置：（一）涉及案情重大；（二）可能逃跑；（三）可能串供。")
    plain = cand("留置应当报批。")
    measure([listed, plain], [Concept(("留置",), 3.0)], [], {}, QueryCues.of("什么情况下可以留置"))
    assert (listed.values["cond_cue"], plain.values["cond_cue"]) == (1.0, 0.0)
    # a synonym's letters count for the bigram coverage: 纪律处分种类 answers 党纪处分
    kinds = cand("对党员的纪律处分种类：（一）警告；（二）严重警告；（三）撤销党内职务。")
    measure(
        [kinds],
        [Concept(("党纪处分", "纪律处分"), 3.0)],
        [],
        {"党纪": 1.0, "纪处": 1.0, "处分": 1.0},
        QueryCues.of("党纪处分有几种"),
    )
    assert kinds.values["syn_gram_cover"] == 1.0 and kinds.values["enum_cue"] == 1.0


def test_a_law_comes_before_its_own_implementing_regulation() -> None:
    from jiancha_docs.rules.bigrams import Doc
    from jiancha_docs.rules.ranking import Candidate, Concept, QueryCues, measure

    def cand(title: str, body: str) -> Candidate:
        return Candidate(Doc("u", "r", "现行有效", "", title, "第一条", "", 1, 0, 0, body), body)

    law = cand("中华人民共和国监察法", "留置时间不得超过三个月。")
    rule = cand("中华人民共和国监察法实施条例", "留置时间不得超过三个月，自留置之日起算。")
    other = cand("中华人民共和国公务员法", "公务员的留置……")
    measure([law, rule, other], [Concept(("留置",), 3.0)], [], {}, QueryCues.of("留置最长多久"))
    assert [c.values["parent_law"] for c in (law, rule, other)] == [1.0, 0.0, 0.0]
    assert [c.values["statute"] for c in (law, rule, other)] == [1.0, 0.0, 1.0]
    # without the implementing regulation among the candidates, the law is just a law
    measure([law, other], [Concept(("留置",), 3.0)], [], {}, QueryCues.of("留置最长多久"))
    assert law.values["parent_law"] == 0.0


def test_the_regulation_prior_learns_from_questions_and_can_leave_one_out() -> None:
    from jiancha_docs.rules.ranking import QueryPrior, Weights

    labelled = [
        ("党员违纪怎么处分", ["中国共产党纪律处分条例"]),
        ("党员受处分影响期", ["中国共产党纪律处分条例"]),
        ("监委线索处置", ["中华人民共和国监察法实施条例"]),
    ]
    prior = QueryPrior.learn(labelled)
    posterior = prior.posterior("党员处分")
    assert max(posterior, key=posterior.get) == "中国共产党纪律处分条例"
    assert sum(posterior.values()) == pytest.approx(1.0)
    # the only question answered by the 实施条例, left out: nothing is left to learn it from
    alone = prior.posterior("监委线索处置", leave_out=["中华人民共和国监察法实施条例"])
    assert "中华人民共和国监察法实施条例" not in alone
    assert prior.posterior("监委线索处置")["中华人民共和国监察法实施条例"] > 0.5
    weights = Weights(features=("word",), mean=(0.0,), scale=(1.0,), coef=(1.0,), prior=prior)
    assert Weights.from_dict(weights.to_dict()) == weights


def test_the_concept_table_brings_the_defining_article(tmp_path: Path) -> None:
    from jiancha_docs.rules.concepts import load_concepts
    from jiancha_docs.rules.errors import LexiconError
    from jiancha_docs.rules.sources import RulesConfig

    config = RulesConfig(workspace=tmp_path, index_dir=tmp_path / "index", dirs=(FIXTURES,), samples=False)
    build(config)
    table = tmp_path / "概念表.txt"
    with Library(config.index_dir) as library:
        # an article that never uses the words of the query
        target = next(d for d in library.bigrams.docs if "期限" not in d.body and d.number)
        table.write_text(
            f"# 测试\n逾期未复函、逾期不复 → {target.title}第{target.label[1:]}\n", encoding="utf-8"
        )
        concepts = load_concepts((table,))
        assert [name for name, _ in concepts.named("什么叫逾期不复")] == ["逾期不复"]
        found = []
        result = search(library, "什么叫逾期不复", concepts=concepts, collect=found)
        assert any("逾期不复见" in note for note in result.notes)
        mine = [c for c in found if c.doc.uid == target.uid]
        assert mine and mine[0].values["concept_article"] == 1.0
    table.write_text("逾期不复 第十条\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="概念表.txt 第 1 行"):
        load_concepts((table,))
    with pytest.raises(LexiconError, match="不存在"):
        load_concepts((tmp_path / "没有.txt",))


def test_the_examples_index_ships_as_text_and_reads_back_the_same() -> None:
    import json

    from jiancha_docs.rules.ranking import Examples

    built = Examples(
        (
            ("函询以后多长时间内回复", ("中国共产党纪律检查机关监督执纪工作规则第三十条",)),
            ("谈话函询谁批准", ("中国共产党纪律检查机关监督执纪工作规则第二十九条",)),
            ("留置最长多久", ("中华人民共和国监察法第四十三条",)),
        )
    )
    shipped = Examples.from_data(json.loads(json.dumps(built.to_dict())))
    assert shipped == built and shipped.grams == built.grams
    for query in ("函询多长时间回复", "留置期限", "谁批准谈话"):
        assert shipped.likeness(query) == built.likeness(query)
    likeness = built.likeness("函询多长时间回复")
    assert max(likeness, key=likeness.get).endswith("第三十条")
    assert "中华人民共和国监察法第四十三条" not in likeness  # no bigram in common
    # leaving a question out (training on it) drops what only it brought
    assert "中华人民共和国监察法第四十三条" not in built.likeness("留置最长多久", leave_out="留置最长多久")
    # the earlier form, a bare list of questions, still loads: the index is built from it
    old = Examples.from_data([[q, list(a)] for q, a in built.questions])
    assert old.likeness("留置期限") == built.likeness("留置期限")
