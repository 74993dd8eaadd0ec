"""The question table (问法表): the questions staff ask that an article answers.

An article says 被函询人应当在收到函件后十五个工作日内写出说明材料; staff ask 被函询的人几天内要回信.
Words alone do not join the two. The table lists, under each article, questions in staff's words
(口语, 关键词, 简称, 概念) that it answers, and a query much like one of them brings that article
among the candidates; the ranking feature ``asked_typical`` is the likeness (``ranking``).

The shipped table (questions.txt beside this module) covers the national texts staff use
most; an office adds its own files for its own regulations (``[rules] questions``):

    # comment
    被函询的人几天内要回信 → 中国共产党纪律检查机关监督执纪工作规则第二十九条
    留置最长能关多久 → 中华人民共和国监察法第四十三条 中华人民共和国监察法实施条例第一百条

One question per line, then the articles that answer it (法规全称第N条, several apart by spaces).
The table names articles by title and number, as the edition in force numbers them; an older
edition's article of the same title and number gets the same questions, and the ranking's
``superseded`` feature keeps it behind the current one.
"""

from __future__ import annotations

import marshal
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..errors import JianchaError
from .concepts import parse_citations
from .errors import LexiconError
from .lexicon import file_stamp, table_lines
from .ranking import Examples
from .store import normalize

QUESTIONS = Path(__file__).resolve().with_name("questions.txt")
CACHE = "questions.marshal"  # in the index folder: the table's likeness index, built once
CACHE_VERSION = 3

_LOADED: dict[tuple[Any, ...], Examples] = {}


def _paths(extra: tuple[Path, ...]) -> tuple[Path, ...]:
    return (QUESTIONS, *extra) if QUESTIONS.is_file() else tuple(extra)


def load_questions(extra: tuple[Path, ...] = (), cache_dir: Path | None = None) -> Examples:
    """The shipped table, then the office's files, as one set of examples. Read once per
    process while the files stay as they are: an edited file is read again. Building the
    likeness index of some 10,000 questions costs a fresh search more than it may spend, so
    ``cache_dir`` (the index folder) keeps it, with what the files were when it was built; a
    cache that does not match them is built again and replaced."""
    paths = _paths(extra)
    stamp = file_stamp(paths)
    if stamp is not None and stamp in _LOADED:
        return _LOADED[stamp]
    table = _cached(cache_dir, stamp) if cache_dir is not None and stamp is not None else None
    if table is None:
        rows: dict[str, list[str]] = {}
        for path in paths:
            for question, keys in read_table(path):
                known = rows.setdefault(question, [])
                known.extend(k for k in keys if k not in known)
        table = Examples(tuple((q, tuple(k)) for q, k in rows.items()))
        if cache_dir is not None and stamp is not None:
            _store(cache_dir, stamp, table)
    if stamp is not None:
        _LOADED.clear()
        _LOADED[stamp] = table
    return table


def check_tables(extra: tuple[Path, ...]) -> None:
    """Read the office's tables, so that a malformed line is refused before an index is built
    (the shipped table is checked by the tests)."""
    for path in extra:
        read_table(path)


def prepare_cache(extra: tuple[Path, ...], cache_dir: Path) -> None:
    """Build the cache in the index folder now (``rules index``), so the first search is fast."""
    stamp = file_stamp(_paths(extra))
    if stamp is not None and _cached(cache_dir, stamp) is None:
        _store(cache_dir, stamp, load_questions(extra))


def _cached(cache_dir: Path, stamp: tuple[Any, ...]) -> Examples | None:
    try:
        data = marshal.loads((cache_dir / CACHE).read_bytes())
        if data.get("version") != CACHE_VERSION or data.get("stamp") != stamp:
            return None
        return Examples.from_compact(data)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, unreadable or from another version of Python: built again


def _store(cache_dir: Path, stamp: tuple[Any, ...], table: Examples) -> None:
    """Best effort: an index folder that cannot be written to only makes searches slower.
    marshal, as the bigram index: ~4× faster to load than the same data as JSON."""
    from ..fileio import write_atomic

    if not cache_dir.is_dir():
        return
    data = {"version": CACHE_VERSION, "stamp": stamp, **table.to_compact()}
    with suppress(JianchaError, OSError):
        write_atomic(cache_dir / CACHE, marshal.dumps(data), overwrite=True)


def read_table(path: Path) -> list[tuple[str, list[str]]]:
    """(folded question, answer keys 标题第N条) for every line of one table file."""
    out = []
    for number, line in table_lines(path):
        where = f"{path.name} 第 {number} 行"
        question, _, cited = line.rpartition("→")
        question = question.strip()
        if not question or not cited.strip():
            raise LexiconError(
                f"{where}：应写成“问法 → 法规全称第N条”",
                hint="例如：被函询的人几天内要回信 → 中国共产党纪律检查机关监督执纪工作规则第二十九条",
            )
        targets = parse_citations(cited, where)
        out.append((normalize(question), [t.title + t.label for t in targets]))
    return out
