"""The question table (问法表): staff's questions that an article answers, shipped and the office's own."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from jiancha_docs.rules.errors import LexiconError
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.questions import CACHE, QUESTIONS, load_questions, read_table
from jiancha_docs.rules.search import search

from .helpers import jiancha_in_process
from .test_rules_support import FIXTURES, corpus_files, make_workspace


def _silent_article(library: Library, words: str) -> object:
    """A numbered article that has none of the letters of ``words``."""
    return next(
        d
        for d in library.bigrams.docs
        if d.number and d.status == "现行有效" and not set(words) & set(d.body)
    )


def test_a_question_in_the_table_brings_the_article_that_answers_it(tmp_path: Path) -> None:
    from .test_rules_support import build

    config = make_workspace(tmp_path)
    build(config)
    table = tmp_path / "问法表.txt"
    query = "办完以后多久交账"
    with Library(config.index_dir) as library:
        target = _silent_article(library, query)
        table.write_text(
            f"# 本单位常见问法\n办完以后多久交账呀 → {target.title}{target.label}\n", encoding="utf-8"
        )
        questions = load_questions((table,), config.index_dir)
        found: list = []
        search(library, query, questions=questions, collect=found)
        mine = [c for c in found if c.doc.uid == target.uid]
        assert mine, "the table's article is among the candidates though it shares no word with the query"
        assert mine[0].typical and mine[0].values["asked_typical"] > 0.5
        assert mine[0].values["typical_rr"] == 1.0
        # without the office's line the article is not found at all
        found = []
        search(library, query, questions=load_questions(()), collect=found)
        assert all(c.doc.uid != target.uid for c in found)


def test_a_malformed_table_is_refused_by_file_and_line(tmp_path: Path) -> None:
    table = tmp_path / "问法表.txt"
    table.write_text("# 说明\n留置最长多久\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="问法表.txt 第 2 行"):
        load_questions((table,))
    table.write_text("留置最长多久 → 监察法四十三\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="不是条文引用"):
        load_questions((table,))
    with pytest.raises(LexiconError, match="不存在"):
        load_questions((tmp_path / "没有.txt",))


def test_rules_index_refuses_a_malformed_table_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    (ws / "regulations").mkdir(parents=True)
    for path in FIXTURES.glob("*.md"):
        (ws / "regulations" / path.name).write_bytes(path.read_bytes())
    (ws / "jiancha.toml").write_text('[rules]\nquestions = "问法表.txt"\n', encoding="utf-8")
    (ws / "问法表.txt").write_text("留置最长多久\n", encoding="utf-8")
    code, err = jiancha_in_process(capsys, "rules", "index", cwd=ws)
    assert code != 0
    assert "问法表.txt 第 1 行" in err and "Traceback" not in err
    assert not (ws / ".jiancha" / "rules-index" / "CURRENT").exists()
    (ws / "问法表.txt").write_text("留置最长能关多久 → 测试规则第三条\n", encoding="utf-8")
    code, err = jiancha_in_process(capsys, "rules", "index", cwd=ws)
    assert code == 0, err
    cache = ws / ".jiancha" / "rules-index" / CACHE
    assert cache.is_file(), "rules index builds the table's cache so the first search is fast"
    assert "留置最长能关多久" in marshal.loads(cache.read_bytes())["texts"]


def test_the_cache_follows_the_files_and_survives_damage(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    table = tmp_path / "问法表.txt"
    table.write_text("留置最长能关多久 → 测试规则第三条\n", encoding="utf-8")
    first = load_questions((table,), index_dir)
    assert (index_dir / CACHE).is_file()
    assert "测试规则第三条" in first.likeness("留置最长能关多久")
    # an edited table is read again and the cache replaced
    table.write_text("被函询的人几天内要回信 → 测试规则第五条\n", encoding="utf-8")
    os.utime(table, ns=(1, 1))
    edited = load_questions((table,), index_dir)
    assert "测试规则第五条" in edited.likeness("函询几天回信")
    assert "被函询的人几天内要回信" in marshal.loads((index_dir / CACHE).read_bytes())["texts"]
    # a damaged cache is built again, never trusted and never an error
    (index_dir / CACHE).write_bytes(b"\x00not marshal")
    from jiancha_docs.rules import questions as module

    module._LOADED.clear()
    again = load_questions((table,), index_dir)
    assert again.likeness("函询几天回信") == edited.likeness("函询几天回信")
    marshal.loads((index_dir / CACHE).read_bytes())  # replaced by a whole cache
    # read back from the cache in a new process: the same likeness as built from the table
    module._LOADED.clear()
    cached = load_questions((table,), index_dir)
    assert cached.likeness("函询几天回信") == edited.likeness("函询几天回信")
    assert dict(cached.grams) == dict(edited.grams) and list(cached.questions) == list(edited.questions)


def test_the_shipped_table_cites_only_articles_the_corpus_has() -> None:
    """Every line of the shipped table names a real article of the national texts."""
    rows = read_table(QUESTIONS)
    assert len(rows) > 10000
    files = corpus_files()
    if not files:
        pytest.skip("../shared/corpus 不在")
    from jiancha_docs.rules.parser import parse_file

    keys = set()
    for path in files:
        reg = parse_file(path).regulation
        keys.update(reg.title + a.label for a in reg.numbered())
    cited = {k for _, ks in rows for k in ks}
    assert cited <= keys, sorted(cited - keys)[:5]
    assert len(cited) == len(keys), "every article has its questions"
