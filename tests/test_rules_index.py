"""The index: incremental by content hash, --rebuild, clear errors when missing, outdated or
damaged, and searching while another process re-indexes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jiancha_docs.rules import forked, generations, indexer
from jiancha_docs.rules.errors import IndexBusy, IndexCorrupt, IndexMissing, IndexOutdated, RulesIndexError
from jiancha_docs.rules.indexer import build_index
from jiancha_docs.rules.library import Library
from jiancha_docs.rules.manifest import stale_sources
from jiancha_docs.rules.search import search

from .test_rules_support import build, make_workspace


def test_first_build_then_nothing_to_do(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    first = build(config)
    assert (first.rebuilt, first.reason) == (True, "新建索引")
    assert sorted(first.added) == [
        "regulations/测试规则.md",
        "regulations/测试规则旧版.md",
        "regulations/留置办法.md",
    ]
    assert (first.regulations, first.articles) == (3, 13)
    second = build(config)
    assert not second.changed and not second.rebuilt
    assert second.generation == first.generation
    assert len(second.unchanged) == 3


def test_only_changed_files_are_reindexed(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    build(config)
    regs = config.workspace / "regulations"
    path = regs / "留置办法.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n第四条 新增的条文：讯问应当全程录音录像。\n", encoding="utf-8"
    )
    (regs / "测试规则旧版.md").unlink()
    (regs / "新规则.md").write_text("# 新规则\n\n第一条 巡察整改情况应当公开。\n", encoding="utf-8")
    os.utime(regs / "测试规则.md")  # touched but unchanged: the hash decides
    report = build(config)
    assert (report.added, report.updated, report.removed) == (
        ["regulations/新规则.md"],
        ["regulations/留置办法.md"],
        ["regulations/测试规则旧版.md"],
    )
    assert report.unchanged == ["regulations/测试规则.md"]
    with Library(config.index_dir) as library:
        titles = sorted(e.title for e in library.entries)
        assert titles == ["新规则", "测试规则（示例）", "留置措施测试办法"]
        assert search(library, "录音录像").hits[0].citation == "《留置措施测试办法》第四条"
        assert search(library, "巡察整改").hits[0].citation == "《新规则》第一条"
        assert [h.title for h in search(library, "被函询人").hits] == ["测试规则（示例）"]


def test_rebuild_starts_over(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    first = build(config)
    again = build(config, rebuild=True)
    assert (again.rebuilt, again.reason) == (True, "按要求重建")
    assert again.generation != first.generation
    assert sorted(again.added) == sorted(first.added)


def test_a_changed_dictionary_rebuilds(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    build(config)
    words = tmp_path / "词典.txt"
    words.write_text("函件回复\n", encoding="utf-8")
    from dataclasses import replace

    changed = replace(config, dictionaries=(words,))
    with Library(config.index_dir) as library:
        assert stale_sources(changed, library.manifest) == ["词典或同义词表有改动"]
    report = build(changed)
    assert (report.rebuilt, report.reason) == (True, "词典或同义词表有改动，已重建")


def test_a_broken_file_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    (config.workspace / "regulations" / "坏.md").write_text(
        "---\n标题: 坏\n状态: 有效\n---\n第一条 甲。\n", encoding="utf-8"
    )
    report = build_index(config)
    assert report.errors == [
        "regulations/坏.md 第 3 行：「状态」只能是 现行有效、已修订、已废止、尚未生效，不能是“有效”"
    ]
    assert report.regulations == 3


def test_stale_sources_lists_changes_since_the_build(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    build(config)
    regs = config.workspace / "regulations"
    (regs / "留置办法.md").write_text("# 留置措施测试办法\n\n第一条 改了。\n", encoding="utf-8")
    (regs / "测试规则旧版.md").unlink()
    (regs / "另一个.md").write_text("# 另一个\n\n第一条 甲。\n", encoding="utf-8")
    with Library(config.index_dir) as library:
        assert sorted(stale_sources(config, library.manifest)) == [
            "已修改 regulations/留置办法.md",
            "已删除 regulations/测试规则旧版.md",
            "新文件 regulations/另一个.md",
        ]


# -- missing, outdated, damaged ----------------------------------------------------------------
def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing) as info:
        Library(tmp_path / "index")
    assert info.value.message == f"尚未建立法规索引（{tmp_path / 'index'} 中没有索引）"
    assert info.value.hint == f"运行 jiancha rules index 建立索引（索引位置：{tmp_path / 'index'}）"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda ix, gen: (ix / "CURRENT").write_text("../../etc", encoding="utf-8"),
            "法规索引已损坏：{ix}/CURRENT 的内容无效",
        ),
        (
            lambda ix, gen: (ix / "CURRENT").write_text("gen-不存在", encoding="utf-8"),
            "法规索引已损坏：找不到 {ix}/gen-不存在",
        ),
        (
            lambda ix, gen: (gen / "manifest.json").write_text("{", encoding="utf-8"),
            "法规索引已损坏：{gen} 缺少或无法读取 manifest.json",
        ),
        (
            lambda ix, gen: (gen / "query.dict").write_bytes(b"garbage"),
            "法规索引已损坏：无法读取查询词典 {gen}/query.dict",
        ),
        (
            lambda ix, gen: (gen / "words.bin").write_bytes(b"garbage"),
            "法规索引已损坏：无法读取词索引 {gen}/words.bin",
        ),
    ],
)
def test_a_damaged_index_says_how_to_rebuild(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    config = make_workspace(tmp_path)
    report = build(config)
    gen = report.generation
    assert gen is not None
    damage(config.index_dir, gen)
    with pytest.raises(IndexCorrupt) as info, Library(config.index_dir) as library:
        search(library, "函询 AND 回复")
    expected = message.format(ix=config.index_dir, gen=gen.name if "manifest" in message else gen)
    assert info.value.message.startswith(expected)
    # every damage names the repair command
    assert (info.value.hint or "").startswith("运行 jiancha rules index --rebuild 建立索引")
    # and the fix works
    assert build(config, rebuild=True).regulations == 3
    with Library(config.index_dir) as library:
        assert search(library, "函询").hits


def test_an_index_from_an_older_format_is_outdated(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    gen = build(config).generation
    assert gen is not None
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 0
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexOutdated) as info:
        Library(config.index_dir)
    assert info.value.message == "法规索引由旧版本的 jiancha 建立，需要重建"
    assert info.value.hint == f"运行 jiancha rules index --rebuild 建立索引（索引位置：{config.index_dir}）"
    assert build(config).reason == "索引由旧版本建立，已重建"


def test_a_second_build_waits_for_the_lock_and_gives_up_clearly(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    second = generations.build_lock(index_dir, timeout=0.3)
    with generations.build_lock(index_dir), pytest.raises(IndexBusy) as info, second:
        pass
    assert info.value.message == f"另一个进程正在更新法规索引（{index_dir}），等待超时"
    assert info.value.hint == "等它完成后再运行 jiancha rules index"


def test_old_generations_are_collected(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    for _ in range(4):
        build(config, rebuild=True)
    assert len(list(config.index_dir.glob("gen-*"))) == generations.KEEP


# -- concurrency -------------------------------------------------------------------------------
def test_searching_while_another_process_reindexes(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    build(config)
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from jiancha_docs.rules.library import Library
        from jiancha_docs.rules.search import search
        deadline = time.time() + 60
        ok = 0
        while time.time() < deadline and not Path({str(tmp_path / "stop")!r}).exists():
            with Library(Path({str(config.index_dir)!r})) as library:
                hits = search(library, "函询 期限").hits
                assert hits and hits[0].title == "测试规则（示例）", hits
            ok += 1
        print(ok)
        """
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        path = config.workspace / "regulations" / "留置办法.md"
        original = path.read_text(encoding="utf-8")
        for i in range(6):
            path.write_text(original + f"\n第四条 第{i}次修改。\n", encoding="utf-8")
            build(config, rebuild=i % 2 == 0)
            time.sleep(0.05)
    finally:
        (tmp_path / "stop").write_text("", encoding="utf-8")
        out, err = reader.communicate(timeout=90)
    assert reader.returncode == 0, err
    assert int(out.strip()) > 0


def _files(generation: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(generation)): p.read_bytes()
        for p in sorted(generation.rglob("*"))
        if p.is_file() and p.name != "manifest.json"  # the manifest has the build time
    }


@pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")
def test_a_build_on_two_cores_writes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_workspace(tmp_path)
    monkeypatch.setattr(indexer, "PARALLEL_MIN_ARTICLES", 10**9)
    one = build(config).generation
    assert one is not None
    files = _files(one)
    monkeypatch.setattr(indexer, "PARALLEL_MIN_ARTICLES", 0)
    two = build(config, rebuild=True).generation
    assert two is not None and two != one
    assert _files(two) == files


@pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")
def test_a_child_that_fails_leaves_the_index_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_workspace(tmp_path)
    first = build(config).generation
    assert first is not None
    monkeypatch.setattr(indexer, "PARALLEL_MIN_ARTICLES", 0)

    def dies(*args: object) -> None:
        os._exit(9)  # killed, out of memory: no word of why

    monkeypatch.setattr("jiancha_docs.rules.bigrams.write", dies)
    with pytest.raises(RulesIndexError) as info:
        build_index(config, rebuild=True)
    assert info.value.message == "建立法规索引的子进程意外退出（退出码 9），索引未更新"
    assert generations.current_generation(config.index_dir) == first
    assert sorted(p.name for p in config.index_dir.iterdir() if p.is_dir()) == [first.name]
    with Library(config.index_dir) as library:
        assert search(library, "函询").hits


def test_an_error_in_a_child_reaches_the_parent_as_it_was_raised() -> None:
    def fails() -> None:
        raise IndexCorrupt("法规索引已损坏：测试", hint="提示")

    child = forked.Forked(fails, fork=forked.available())
    with pytest.raises(IndexCorrupt) as info:
        child.join()
    assert (info.value.message, info.value.hint) == ("法规索引已损坏：测试", "提示")
