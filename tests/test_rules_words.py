"""The word index (rules/words.py) against whoosh, the query cut without jieba, and the caches
that make a search fast: the lexicon read once while its files are unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jiancha_docs.rules import lexicon
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.search import search
from jiancha_docs.rules.store import Alternative, QueryPlan, Unit, index_segmenter

from .test_rules_support import build, make_workspace

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = make_workspace(tmp_path_factory.mktemp("words"))
    build(config)
    return config.index_dir


def _pairs(hits: list) -> list[tuple[str, float]]:  # type: ignore[type-arg]
    return [(h.uid, round(h.score, 9)) for h in hits]


@pytest.mark.parametrize(
    "plan",
    [
        QueryPlan(should=[Unit([Alternative(("函询",))])]),
        QueryPlan(should=[Unit([Alternative(("函询",))], headings=False), Unit([Alternative(("回复",))])]),
        QueryPlan(should=[Unit([Alternative(("应当", "在"))], headings=False)]),  # a phrase
        QueryPlan(should=[Unit([Alternative(("留置",))], boost=0.5)], statuses=("现行有效",)),
    ],
)
def test_the_word_index_scores_as_whoosh_does(index: Path, plan: QueryPlan) -> None:
    with Library(index) as library:
        reader = library.reader
        fast = reader.search(plan, 20)
        assert fast
        assert _pairs(fast) == _pairs(reader._search_whoosh(plan, 20))


def test_the_best_alternative_counts_at_the_same_article(index: Path) -> None:
    plan = QueryPlan(should=[Unit([Alternative(("函询",)), Alternative(("谈话",), 0.5)], headings=False)])
    with Library(index) as library:
        words = library.reader.words
        expected = {}
        for term, weight in (("函询", 1.0), ("谈话", 0.5)):
            for doc, score in words.scores("body", term).items():
                expected[doc] = max(expected.get(doc, 0.0), score * weight)
        docs = library.bigrams.docs
        got = {library.bigrams.by_uid[h.uid]: h.score for h in library.reader.search(plan, len(docs))}
    assert got == pytest.approx(expected)


def test_the_query_cut_without_jieba_is_the_index_cut(index: Path) -> None:
    with Library(index) as library:
        query_side = library.reader.segmenter
        index_side = index_segmenter(
            {w: lexicon.load_lexicon().words.get(w) for w in lexicon.load_lexicon().all_words()}
        )
        for doc in library.bigrams.docs:
            assert query_side.terms(doc.body) == index_side.terms(doc.body), doc.uid


def test_a_question_in_a_fresh_process_imports_neither_whoosh_nor_jieba(index: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from jiancha_docs.rules.library import Library\n"
        "from jiancha_docs.rules.search import search\n"
        f"library = Library(Path({str(index)!r}))\n"
        "assert search(library, '函询以后多长时间内回复').hits\n"
        "print(sorted(m for m in ('whoosh', 'jieba') if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"


def test_required_words_still_go_through_whoosh(index: Path) -> None:
    with Library(index) as library:
        assert search(library, "函询 AND 回复").hits
        assert library.reader._searcher is not None


def test_the_lexicon_is_read_once_while_its_files_are_unchanged(tmp_path: Path) -> None:
    synonyms = tmp_path / "同义词.txt"
    synonyms.write_text("甲事 = 谈话\n", encoding="utf-8")
    first = lexicon.load_lexicon(synonyms=(synonyms,))
    assert lexicon.load_lexicon(synonyms=(synonyms,)) is first
    assert first.expansions("甲事") == {"谈话": 1.0}
    fingerprint = first.fingerprint()
    # an office edits its synonym file: the next search reads it again
    synonyms.write_text("甲事 = 谈话\n乙事 ≈ 谈话\n", encoding="utf-8")
    stat = synonyms.stat()
    os.utime(synonyms, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = lexicon.load_lexicon(synonyms=(synonyms,))
    assert second is not first
    assert second.expansions("乙事") == {"谈话": 0.5}
    assert second.fingerprint() != fingerprint
    assert first.fingerprint() == second.fingerprint()  # a fingerprint is of the files as they are now
