"""The word index (rules/words.py) against a whoosh index of the same cut, the query cut without jieba, and the caches
that make a search fast: the lexicon read once while its files are unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh.analysis import Token, Tokenizer

from jiancha_docs.rules import lexicon
from jiancha_docs.rules.library import Library
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


class _Cut(Tokenizer):  # type: ignore[misc]
    """whoosh's view of ``Segmenter.analysis`` (the schema pickles it without the segmenter)."""

    def __init__(self, segmenter) -> None:  # type: ignore[no-untyped-def]
        self.segmenter = segmenter

    def __getstate__(self) -> dict:  # type: ignore[type-arg]
        return {}

    def __call__(self, value, positions=False, chars=False, start_pos=0, **kwargs):  # type: ignore[no-untyped-def]
        token = Token(positions, chars, **kwargs)
        for term, position, _, _ in self.segmenter.analysis(value):
            token.text, token.boost, token.stopped = term, 1.0, False
            if positions:
                token.pos = start_pos + position
            yield token


def _whoosh_oracle(index: Path, directory: Path):  # type: ignore[no-untyped-def]
    """A whoosh index of the same articles from the same cut, searched with whoosh's own
    queries: what the word index must agree with (whoosh is the reference, not the engine)."""
    from whoosh import fields, scoring
    from whoosh import index as whoosh_index
    from whoosh import query as q

    from jiancha_docs.rules.indexer import _documents
    from jiancha_docs.rules.manifest import load_regulation, read_manifest
    from jiancha_docs.rules.store import BM25_B, BM25_K1, BODY_WEIGHT, CONTEXT_WEIGHT

    segmenter = index_segmenter(
        {w: lexicon.load_lexicon().words.get(w) for w in lexicon.load_lexicon().all_words()}
    )

    schema = fields.Schema(
        uid=fields.ID(stored=True),
        status=fields.ID(),
        body=fields.TEXT(analyzer=_Cut(segmenter), phrase=True),
        context=fields.TEXT(analyzer=_Cut(segmenter), phrase=False),
    )
    ix = whoosh_index.create_in(str(directory), schema)
    writer = ix.writer()
    with Library(index) as library:
        generation = library.generation
        keys = {s["reg"]: k for k, s in read_manifest(generation)["sources"].items()}
        order = [d.uid for d in library.bigrams.docs]
        docs = {
            d.uid: d
            for entry in read_manifest(generation)["catalogue"]
            for d in _documents(load_regulation(generation, entry["id"]), entry["id"], keys[entry["id"]])
        }
    for uid in order:  # numbered as the word index numbers them, so ties fall alike
        d = docs[uid]
        writer.add_document(uid=d.uid, status=d.status, body=d.body, context=d.context)
    writer.commit()

    def alternative(alt: Alternative, fieldname: str, boost: float):  # type: ignore[no-untyped-def]
        if len(alt.terms) == 1:
            return q.Term(fieldname, alt.terms[0], boost=boost * alt.weight)
        if fieldname == "body":
            return q.Phrase(fieldname, list(alt.terms), boost=boost * alt.weight)
        return q.And([q.Term(fieldname, t) for t in alt.terms], boost=boost * alt.weight)

    def unit(u: Unit):  # type: ignore[no-untyped-def]
        parts = [alternative(a, "body", BODY_WEIGHT * u.boost) for a in u.alternatives]
        body = q.DisjunctionMax(parts, tiebreak=0.0) if len(parts) > 1 else parts[0]
        if not u.headings:
            return body
        parts = [alternative(a, "context", CONTEXT_WEIGHT * u.boost) for a in u.alternatives]
        return q.Or([body, q.DisjunctionMax(parts, tiebreak=0.0) if len(parts) > 1 else parts[0]])

    def search(plan: QueryPlan, limit: int) -> list[tuple[str, float]]:
        should = [unit(u) for u in plan.should]
        if plan.must:
            main = q.And([unit(u) for u in plan.must])
            if should:
                main = q.AndMaybe(main, q.Or(should))
        else:
            main = q.Or(should)
        if plan.must_not:
            main = q.AndNot(main, q.Or([unit(u) for u in plan.must_not]))
        flt = q.Or([q.Term("status", v) for v in plan.statuses]) if plan.statuses else None
        with ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)) as searcher:
            return [
                (hit["uid"], round(hit.score, 9)) for hit in searcher.search(main, limit=limit, filter=flt)
            ]

    return search


@pytest.fixture(scope="module")
def oracle(index: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return _whoosh_oracle(index, tmp_path_factory.mktemp("whoosh"))


@pytest.mark.parametrize(
    "plan",
    [
        QueryPlan(should=[Unit([Alternative(("函询",))])]),
        QueryPlan(should=[Unit([Alternative(("函询",))], headings=False), Unit([Alternative(("回复",))])]),
        QueryPlan(should=[Unit([Alternative(("应当", "在"))], headings=False)]),  # a phrase
        QueryPlan(should=[Unit([Alternative(("留置",))], boost=0.5)], statuses=("现行有效",)),
        # required words (AND), required with optional ones, and excluded ones (NOT)
        QueryPlan(must=[Unit([Alternative(("函询",))]), Unit([Alternative(("回复",))])]),
        QueryPlan(must=[Unit([Alternative(("函询",))])], should=[Unit([Alternative(("期限",))])]),
        QueryPlan(should=[Unit([Alternative(("函询",))])], must_not=[Unit([Alternative(("谈话",))])]),
        QueryPlan(
            must=[Unit([Alternative(("应当", "在"))], headings=False)],
            must_not=[Unit([Alternative(("留置",))])],
        ),
    ],
)
def test_the_word_index_scores_as_whoosh_does(index: Path, oracle, plan: QueryPlan) -> None:  # type: ignore[no-untyped-def]
    with Library(index) as library:
        fast = library.reader.search(plan, 20)
    assert fast
    assert _pairs(fast) == oracle(plan, 20)


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
        "assert search(library, '函询 AND 回复 NOT 线索').hits\n"  # required and excluded words
        "assert search(library, '\"被函询人\"').hits\n"  # a quoted phrase
        "print(sorted(m for m in ('whoosh', 'jieba') if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"


# What a fresh `jiancha rules search` must not pay for: the other commands, the index writer and
# the libraries only the writer needs.
NOT_FOR_A_SEARCH = [
    "jiancha_docs.cli.ledger",
    "jiancha_docs.cli.printing",
    "jiancha_docs.cli.documents",
    "jiancha_docs.cli.serve",
    "jiancha_docs.rules.indexer",
    "jiancha_docs.rules.forked",
    "multiprocessing",
    "whoosh",
    "jieba",
]


def test_the_search_command_in_a_fresh_process_imports_only_what_a_search_needs(index: Path) -> None:
    code = (
        "import sys\n"
        "from jiancha_docs.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        f"print(sorted(m for m in {NOT_FOR_A_SEARCH!r} if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    args = ["rules", "search", "--index", str(index), "函询以后多长时间内回复"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=index.parent
    )
    assert result.returncode == 0, result.stderr
    assert "第" in result.stdout  # an article was shown
    assert result.stdout.splitlines()[-1] == "[]", result.stdout.splitlines()[-1]


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
