"""Building and opening the index: which files changed, parsing them, writing a generation.

A generation holds, beside the engine files written by ``store``:

    manifest.json     format, lexicon fingerprint, every source (hash, size, mtime) and the
                      catalogue of regulations (titles and short titles, status, category …)
    regs/<id>.json    each parsed regulation, for ``rules show``, citations and re-use
    vocab/<id>.txt    the dictionary words met in each regulation (for the query dictionary)
    words/<id>.bin    each regulation's articles as cut (merged into words.bin, ``words``)

Re-indexing reads only files whose content hash changed; the rest is copied from the
previous generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import JianchaError, os_reason
from . import forked, generations
from .errors import IndexCorrupt, IndexOutdated, RulesIndexError
from .forked import Forked
from .lexicon import Lexicon, load_lexicon
from .manifest import FORMAT, MANIFEST, load_regulation, read_manifest, sha256
from .model import Regulation
from .questions import check_tables, prepare_cache
from .sources import RulesConfig, SourceFile, discover_sources

# below this many articles a build is quick enough in one process (a fork costs ~20 ms)
PARALLEL_MIN_ARTICLES = 300


@dataclass
class BuildReport:
    index_dir: Path
    generation: Path | None = None
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    regulations: int = 0
    articles: int = 0
    rebuilt: bool = False
    reason: str = ""
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def reg_id(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


# -- building ----------------------------------------------------------------------------------
def build_index(config: RulesConfig, extra: tuple[Path, ...] = (), rebuild: bool = False) -> BuildReport:
    """Bring the index up to date with the sources; only changed files are parsed again.

    A file that cannot be parsed is reported in ``errors`` and left out; the rest is indexed."""
    from .parser import parse_file

    started = time.perf_counter()
    index_dir = config.index_dir
    lexicon = load_lexicon(config.dictionaries, config.synonyms)
    check_tables(config.questions)  # a malformed question table stops here, before anything is written
    fingerprint = lexicon.fingerprint()
    report = BuildReport(index_dir=index_dir, rebuilt=True)
    with generations.build_lock(index_dir):
        base, old = _previous(index_dir, rebuild, fingerprint, report)
        # paths once given on the command line stay sources until --rebuild
        remembered = [Path(p) for p in (old or {}).get("extra", []) if Path(p).exists()]
        extra = tuple(dict.fromkeys([*(p.resolve() for p in extra), *remembered]))
        sources = discover_sources(config, extra)
        old_sources: dict[str, Any] = old["sources"] if old else {}
        current: dict[str, tuple[SourceFile, bytes, str]] = {}
        for source in sources:
            try:
                data = source.path.read_bytes()
            except OSError as e:
                report.errors.append(f"{source.display}：无法读取文件（{os_reason(e)}）")
                continue
            current[source.key] = (source, data, sha256(data))
        changed = [
            k for k, (_, _, digest) in current.items() if old_sources.get(k, {}).get("sha256") != digest
        ]
        removed = [k for k in old_sources if k not in current]
        report.unchanged = [current[k][0].display for k in current if k not in changed]
        for key in removed:
            report.removed.append(old_sources[key].get("display", key))
        if base is not None and not changed and not removed:
            prepare_cache(config.questions, index_dir)
            report.generation = base
            report.rebuilt = False
            _count(report, old)
            report.seconds = time.perf_counter() - started
            return report
        parsed: dict[str, Regulation] = {}
        for key in changed:
            source, _, _ = current[key]
            try:
                result = parse_file(source.path, source.display)
            except JianchaError as e:
                report.errors.append(e.message)
                continue
            parsed[key] = result.regulation
            report.warnings.extend(w.describe() for w in result.warnings)
            (report.updated if key in old_sources else report.added).append(source.display)
        _settle(current, old, parsed, changed, report)
        changes = Changes(base, old, current, parsed, changed)
        # the question table's cache (~0.6 s of work) is built on the other core meanwhile
        table = Forked(prepare_cache, config.questions, index_dir)
        try:
            report.generation = _write_generation(index_dir, changes, lexicon, fingerprint, report, extra)
        except BaseException:
            table.kill()
            raise
        table.join()
    report.seconds = time.perf_counter() - started
    return report


def _settle(
    current: dict[str, tuple[SourceFile, bytes, str]],
    old: dict[str, Any] | None,
    parsed: dict[str, Regulation],
    changed: list[str],
    report: BuildReport,
) -> None:
    """Give each parsed regulation its status as of today from its editions' dates (editions.py),
    and parse again an unchanged file whose status changed that way (a newer edition arrived,
    or its 施行日期 came), so that the engine's status field agrees with the catalogue."""
    from .editions import settle
    from .parser import parse_file

    old_by_id = {entry["id"]: entry for entry in (old or {}).get("catalogue", [])}
    records: dict[str, dict[str, Any]] = {}
    for key in current:
        rid = reg_id(key)
        if key in parsed:
            reg = parsed[key]
            records[key] = {
                "id": rid,
                "title": reg.title,
                "edition": reg.edition,
                "issued": reg.issued,
                "effective": reg.effective,
                "repealed": reg.repealed,
                "status": reg.declared_status or reg.status,
                "supersedes": reg.supersedes,
                "superseded_by": reg.superseded_by,
            }
        elif key not in changed and rid in old_by_id:
            records[key] = dict(old_by_id[rid])
    settle(list(records.values()))
    for key, record in records.items():
        if key in parsed:
            reg = parsed[key]
        elif record["status"] != old_by_id[record["id"]].get("status"):
            source = current[key][0]
            try:
                reg = parse_file(source.path, source.display).regulation
            except JianchaError as e:  # pragma: no cover - it parsed last time
                report.errors.append(e.message)
                continue
            parsed[key] = reg
            changed.append(key)
        else:
            continue
        reg.declared_status = reg.declared_status or reg.status
        reg.status = record["status"]


def _previous(
    index_dir: Path, rebuild: bool, fingerprint: str, report: BuildReport
) -> tuple[Path | None, dict[str, Any] | None]:
    if rebuild or not (index_dir / generations.POINTER).exists():
        report.reason = "按要求重建" if rebuild else "新建索引"
        return None, None
    try:
        base = generations.current_generation(index_dir)
        manifest = read_manifest(base)
    except IndexOutdated:
        report.reason = "索引由旧版本建立，已重建"
        return None, None
    except RulesIndexError:
        report.reason = "原索引已损坏，已重建"
        return None, None
    if manifest.get("lexicon") != fingerprint:
        report.reason = "词典或同义词表有改动，已重建"
        return None, None
    from .store import ENGINE

    if manifest.get("engine") != ENGINE:
        report.reason = "检索引擎版本不同，已重建"
        return None, None
    report.rebuilt = False
    return base, manifest


@dataclass
class Changes:
    """What a build starts from: the previous generation and its manifest (none on a first
    build or a rebuild), every source now (with its bytes and hash), the regulations parsed
    this time and the keys of the sources that changed."""

    base: Path | None
    old: dict[str, Any] | None
    current: dict[str, tuple[SourceFile, bytes, str]]
    parsed: dict[str, Regulation]
    changed: list[str]


def _write_generation(
    index_dir: Path,
    changes: Changes,
    lexicon: Lexicon,
    fingerprint: str,
    report: BuildReport,
    extra: tuple[Path, ...] = (),
) -> Path:
    """The new generation, on both cores where there are two: while a child writes the
    character-bigram index, this process loads jieba's dictionary; then a second child cuts
    half of the regulations beside this one (the editions of one law in the same process, so
    the cut of a sentence they share is reused)."""
    from . import store
    from .words import WORDS_DIR

    tmp = generations.new_generation(index_dir)
    children: list[Forked] = []
    try:
        for sub in ("regs", "vocab", WORDS_DIR):
            (tmp / sub).mkdir()
        sources, catalogue = _catalogue(tmp, changes)
        current, parsed = changes.current, changes.parsed
        from .editions import settle

        settle(catalogue)  # statuses as of today, from the editions' dates
        _check_titles(catalogue, report)
        keys = {reg_id(key): key for key in current}
        docs = {}
        for entry in catalogue:
            rid, key = entry["id"], keys.get(entry["id"], "")
            reg = parsed[key] if key in parsed else load_regulation(tmp, rid)
            docs[rid] = _documents(reg, rid, key)
        ordered = [doc for entry in catalogue for doc in docs[entry["id"]]]
        fork = forked.available() and len(ordered) >= PARALLEL_MIN_ARTICLES
        from . import bigrams

        children.append(Forked(bigrams.write, tmp / bigrams.BIGRAMS, ordered, fork=fork))
        segmenter = store.index_segmenter({w: lexicon.words.get(w) for w in lexicon.all_words()})
        theirs, ours = _halves(parsed, docs) if fork else ([], list(parsed))
        children.append(Forked(_cut, tmp, segmenter, theirs, docs, fork=fork))
        records = _cut(tmp, segmenter, ours, docs)
        for child in children:
            child.join()
        _write_words(tmp, catalogue, docs, records)
        words: set[str] = set(lexicon.all_words())
        for vocab_file in (tmp / "vocab").glob("*.txt"):
            words.update(vocab_file.read_text(encoding="utf-8").split("\n"))
        store.write_query_dictionary(tmp / store.QUERY_DICT, segmenter, words)
        manifest = {
            "format": FORMAT,
            "engine": store.ENGINE,
            "lexicon": fingerprint,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "sources": sources,
            "extra": [str(p) for p in extra],
            "catalogue": catalogue,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _count(report, manifest)
        return generations.publish(index_dir, tmp)
    except BaseException:
        for child in children:
            child.kill()
        generations.discard(tmp)
        raise


def _catalogue(tmp: Path, changes: Changes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest's sources and catalogue; each parsed regulation written to regs/, the files
    of an unchanged one copied from the previous generation."""
    from .words import WORDS_DIR

    base, old, parsed, changed = changes.base, changes.old, changes.parsed, changes.changed

    sources: dict[str, Any] = {}
    catalogue: list[dict[str, Any]] = []
    old_by_id = {entry["id"]: entry for entry in (old or {}).get("catalogue", [])}
    for key, (source, data, digest) in changes.current.items():
        rid = reg_id(key)
        if key in parsed:
            reg = parsed[key]
            (tmp / "regs" / f"{rid}.json").write_text(
                json.dumps(reg.to_dict(), ensure_ascii=False), encoding="utf-8"
            )
            entry = _catalogue_entry(reg, rid, source)
        elif key not in changed and key in (old or {}).get("sources", {}) and base is not None:
            for sub, name in (("regs", f"{rid}.json"), ("vocab", f"{rid}.txt"), (WORDS_DIR, f"{rid}.bin")):
                shutil.copy2(base / sub / name, tmp / sub / name)
            entry = old_by_id[rid]
            entry["source"] = source.display
        else:
            continue  # could not be parsed: reported, left out
        stat = source.path.stat()
        sources[key] = {
            "display": source.display,
            "sha256": digest,
            "size": len(data),
            "mtime_ns": stat.st_mtime_ns,
            "reg": rid,
        }
        catalogue.append(entry)
    return sources, catalogue


def _halves(parsed: dict[str, Regulation], docs: dict[str, list[Any]]) -> tuple[list[str], list[str]]:
    """The parsed regulations in two shares of about equal text, the editions of one title in
    the same share."""
    families: dict[str, list[str]] = {}
    for key, reg in parsed.items():
        families.setdefault(reg.title, []).append(key)
    size = {
        title: sum(len(d.body) for k in keys for d in docs.get(reg_id(k), ()))
        for title, keys in families.items()
    }
    shares: tuple[list[str], list[str]] = ([], [])
    totals = [0, 0]
    for title in sorted(families, key=lambda t: -size[t]):
        i = 0 if totals[0] <= totals[1] else 1
        shares[i].extend(families[title])
        totals[i] += size[title]
    return shares


def _cut(tmp: Path, segmenter: Any, keys: list[str], docs: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Cut the articles of these regulations into words; write words/<id>.bin and vocab/<id>.txt."""
    from . import store
    from .words import WORDS_DIR, write_records

    out = {}
    for key in keys:
        rid = reg_id(key)
        vocabulary: set[str] = set()
        records = [store.cut_article(segmenter, doc, vocabulary) for doc in docs[rid]]
        write_records(tmp / WORDS_DIR / f"{rid}.bin", records)
        (tmp / "vocab" / f"{rid}.txt").write_text("\n".join(sorted(vocabulary)), encoding="utf-8")
        out[rid] = records
    return out


def _write_words(
    tmp: Path, catalogue: list[dict[str, Any]], docs: dict[str, list[Any]], cut: dict[str, list[Any]]
) -> None:
    """The word index of every article of the generation, numbered as the bigram index numbers
    them; the cuts this process did not make are read from words/<id>.bin."""
    from . import store
    from .words import WORDS, WORDS_DIR, read_records

    records = []
    for entry in catalogue:
        rid = entry["id"]
        found = cut.get(rid)
        if found is None:
            found = read_records(tmp / WORDS_DIR / f"{rid}.bin")
        if len(found) != len(docs[rid]):
            raise IndexCorrupt(f"法规索引已损坏：{rid}.bin 与法规的条文数不一致")
        records.extend(found)
    store.write_words(tmp / WORDS, records)


def _catalogue_entry(reg: Regulation, rid: str, source: SourceFile) -> dict[str, Any]:
    return {
        "id": rid,
        "title": reg.title,
        "names": reg.names(),
        "status": reg.status,
        "category": reg.category,
        "issued": reg.issued,
        "effective": reg.effective,
        "edition": reg.edition,
        "repealed": reg.repealed,
        "declared_status": reg.declared_status or reg.status,
        "doc_number": reg.doc_number,
        "supersedes": reg.supersedes,
        "superseded_by": reg.superseded_by,
        "sample": reg.sample,
        "source": source.display,
        "articles": len(reg.numbered()),
        "units": len(reg.articles),
    }


def _documents(reg: Regulation, rid: str, key: str) -> list[Any]:
    from .store import ArticleDoc

    docs = []
    seen: set[str] = set()
    for order, article in enumerate(reg.articles):
        uid = f"{rid}:{article.key}"
        if uid in seen:  # a repeated article number (reported as a warning): keep both
            uid = f"{uid}#{order}"
        seen.add(uid)
        chapter = " / ".join(article.chapter)
        docs.append(
            ArticleDoc(
                uid=uid,
                source=key,
                reg=rid,
                status=reg.status,
                category=reg.category or "未分类",
                title=reg.title,
                label=article.label,
                chapter=chapter,
                number=article.number,
                sub=article.sub,
                order=order,
                body=article.text,
                context=" ".join([reg.title, *(_squeeze(h) for h in article.chapter)]),
            )
        )
    return docs


def _squeeze(heading: str) -> str:
    """第八章 审 理 → 第八章 审理: headings spaced out for looks would cut into single characters."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])", "", heading)


def _check_titles(catalogue: list[dict[str, Any]], report: BuildReport) -> None:
    seen: dict[tuple[str, str], str] = {}
    for entry in catalogue:
        key = (entry["title"], entry["status"])
        if entry["status"] == "现行有效" and key in seen:
            report.warnings.append(
                f"{entry['source']}：与 {seen[key]} 标题相同且都是现行有效，引用《{entry['title']}》时无法区分"
            )
        seen.setdefault(key, entry["source"])


def _count(report: BuildReport, manifest: dict[str, Any] | None) -> None:
    catalogue = (manifest or {}).get("catalogue", [])
    report.regulations = len(catalogue)
    report.articles = sum(entry.get("articles", 0) for entry in catalogue)
