"""Regulation commands: ``jiancha rules index | search | show | import | list``.

Every library is imported inside its command so that ``jiancha --help`` stays instant and a
search in a fresh process loads only what a search needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .app import Env, cli, emit_json, format_table

INDEX_OPTION = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="索引所在文件夹，默认为 ./.jiancha/rules-index（可在 jiancha.toml 的 [rules] index 中设置）。",
)


def _config(env: Env, index_dir: Path | None, samples: bool = False) -> Any:
    from ..rules.sources import rules_config

    return rules_config(env.settings, index_dir, samples_flag=True if samples else None)


@cli.group()
def rules() -> None:
    """法规知识库：把法规、工作指引逐条编入索引，用中文检索、引用条文。

    \b
    常用命令：
      jiancha rules index                     编入（或更新）索引
      jiancha rules search 函询 回复 期限       检索条文
      jiancha rules show 监督执纪工作规则第二十九条  显示一条、一章或一部法规
      jiancha rules import 收到的文件.docx      把 Word / 文本格式的法规转换为知识库格式
    """


# -- index -------------------------------------------------------------------------------------
@rules.command("index")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--rebuild", is_flag=True, help="丢弃原索引，全部重新编入。")
@click.option(
    "--samples", is_flag=True, help="同时编入随 jiancha 提供的示例工作指引（已有本单位法规时默认不编入）。"
)
@INDEX_OPTION
@click.pass_obj
def rules_index(
    env: Env, paths: tuple[Path, ...], rebuild: bool, samples: bool, index_dir: Path | None
) -> None:
    """把法规编入索引；只重新处理内容有变化的文件。

    法规来源：当前文件夹的 regulations/、jiancha.toml 中 [rules] dirs 列出的文件夹，以及 PATHS
    指定的文件或文件夹。随 jiancha 提供的示例工作指引只在还没有本单位法规时编入，或用 --samples
    要求编入。
    """
    from ..rules.indexer import build_index

    config = _config(env, index_dir, samples)
    report = build_index(config, tuple(paths), rebuild=rebuild)
    for warning in report.warnings:
        click.echo(f"警告：{warning}", err=True)
    for error in report.errors:
        click.echo(f"错误：{error}", err=True)
    if report.reason and report.rebuilt and report.reason != "新建索引":
        click.echo(f"{report.reason}。", err=True)
    if report.changed or report.rebuilt:
        parts = [
            f"新增 {len(report.added)}",
            f"更新 {len(report.updated)}",
            f"删除 {len(report.removed)}",
            f"未变 {len(report.unchanged)}",
        ]
        click.echo(
            f"法规索引已更新：{report.regulations} 部法规，{report.articles} 条"
            f"（{'、'.join(parts)} 个文件），用时 {report.seconds:.1f} 秒。"
        )
    else:
        click.echo(f"法规索引已是最新：{report.regulations} 部法规，{report.articles} 条，没有文件变化。")
    click.echo(f"索引位置：{report.index_dir}")
    if report.errors:
        click.echo(f"有 {len(report.errors)} 个文件未能编入，请按上面的提示修改后重新运行。", err=True)
        sys.exit(1)


# -- search ------------------------------------------------------------------------------------
@rules.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "-n", "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="最多显示几条。"
)
@click.option(
    "--status", "statuses", multiple=True, help="只看某种状态：现行有效、已修订、已废止（可重复）。"
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    help="只看某类：法律、法规、党内法规、规范性文件、本机关制度、工作指引（可重复）。",
)
@click.option("--in", "within", metavar="标题", help="只在这部法规中检索（可用简称）。")
@click.option("--as-of", "as_of", metavar="日期", help="按某日的有效版本检索，例如 2023-06-01。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@click.option(
    "--server",
    metavar="地址",
    help="用办公室服务器的法规库检索（jiancha serve 的地址，如 http://台账服务器:8000）。",
)
@INDEX_OPTION
@click.pass_obj
def rules_search(
    env: Env,
    query: tuple[str, ...],
    limit: int,
    statuses: tuple[str, ...],
    categories: tuple[str, ...],
    within: str | None,
    as_of: str | None,
    as_json: bool,
    server: str | None,
    index_dir: Path | None,
) -> None:
    """检索条文。QUERY 可以是问句、几个关键词或条文引用。

    \b
    函询以后多长时间内要回复          问句：不要求每个词都出现
    函询 回复 期限                    关键词
    "谈话函询" 了结                   引号内的短语必须原样出现
    留置 AND 延长 / 处分 NOT 刑法      AND 必须同时出现，NOT 排除，OR 任一即可
    监督执纪工作规则第二十九条          条文引用：直接显示该条
    """
    from ..rules.library import Library
    from ..rules.search import SearchOptions, search

    text = " ".join(query)
    options = SearchOptions(limit=limit, statuses=statuses, categories=categories, within=within)
    day = _as_of_day(as_of) if as_of else None
    if server:
        from ..rules.remote import search_remote

        if day:
            raise click.UsageError("--as-of 只用于本机的法规索引，不能与 --server 同时使用")
        result = search_remote(server, text, options)
    else:
        config = _config(env, index_dir)
        with Library(config.index_dir) as library:
            _warn_if_stale(config, library)
            if day:
                from ..rules.editions import search_as_of

                result = search_as_of(
                    library, text, options, _lexicon(config), day, _concepts(config), _questions(config)
                )
            else:
                result = search(
                    library,
                    text,
                    options,
                    _lexicon(config),
                    concepts=_concepts(config),
                    questions=_questions(config),
                )
    if as_json:
        emit_json({"query": text, "notes": result.notes, "results": [h.to_dict() for h in result.hits]})
        return
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
    if not result.hits:
        click.echo(f"没有找到与“{text}”相关的条文。", err=True)
        return
    color = sys.stdout.isatty()
    for hit in result.hits:
        status = (
            hit.status
            if hit.status == "现行有效"
            else click.style(hit.status, fg="yellow")
            if color
            else hit.status
        )
        click.echo(f"{hit.rank}. {hit.citation}［{status}］")
        if hit.chapter:
            click.echo(f"   {hit.chapter}")
        click.echo(f"   {_highlight(hit.snippet, color)}")
        click.echo()


def _as_of_day(text: str) -> str:
    from ..errors import UsageError
    from ..rules.parser import iso_date

    day = iso_date(text)
    if day is None:
        raise UsageError(f"--as-of：无法识别的日期“{text}”", hint="写成 2023-06-01")
    return day


def _lexicon(config: Any) -> Any:
    from ..rules.lexicon import load_lexicon

    return load_lexicon(config.dictionaries, config.synonyms)


def _concepts(config: Any) -> Any:
    from ..rules.concepts import load_concepts

    return load_concepts(config.concepts)


def _questions(config: Any) -> Any:
    from ..rules.questions import load_questions

    return load_questions(config.questions, config.index_dir)


def _highlight(snippet: str, color: bool) -> str:
    if not color:
        return snippet
    import re

    return re.sub(r"【(.+?)】", lambda m: click.style(m.group(1), fg="red", bold=True), snippet)


def _warn_if_stale(config: Any, library: Any) -> None:
    from ..rules.manifest import stale_sources

    problems = stale_sources(config, library.manifest)
    if problems:
        shown = "、".join(problems[:3]) + (f" 等 {len(problems)} 项" if len(problems) > 3 else "")
        click.echo(f"警告：法规索引已过期（{shown}），请运行 jiancha rules index 更新。", err=True)


# -- show --------------------------------------------------------------------------------------
@rules.command("show")
@click.argument("ref", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@INDEX_OPTION
@click.pass_obj
def rules_show(env: Env, ref: tuple[str, ...], as_json: bool, index_dir: Path | None) -> None:
    """显示一条、一章或一部法规。

    \b
    jiancha rules show 《监察法》第45条
    jiancha rules show 监督执纪工作规则 第五章
    jiancha rules show 监察法
    """
    from ..rules.library import Library
    from ..rules.refs import Ref, parse_ref, resolve_ref

    config = _config(env, index_dir)
    text = " ".join(ref)
    parsed = parse_ref(text) or Ref(title=text)
    from ..rules.links import links_of

    with Library(config.index_dir) as library:
        resolved = resolve_ref(library, parsed)
        links = {id(a): links_of(a, resolved.regulation, library) for a in resolved.articles}
    entry, reg = resolved.entry, resolved.regulation
    if as_json:
        emit_json(
            {
                "citation": resolved.citation,
                "title": entry.title,
                "status": entry.status,
                "category": entry.category,
                "articles": [
                    {
                        "label": a.label,
                        "number": a.number,
                        "chapter": a.chapter,
                        "paragraphs": a.paragraphs,
                        "links": [link.to_dict() for link in links[id(a)]],
                    }
                    for a in resolved.articles
                ],
            }
        )
        return
    click.echo(f"{resolved.citation}［{entry.status}］")
    if parsed.kind == "regulation":
        for label, value in (
            ("发文机关", reg.organ),
            ("文号", reg.doc_number),
            ("发布日期", reg.issued),
            ("施行日期", reg.effective),
            ("类别", reg.category),
            ("被替代", reg.superseded_by),
        ):
            if value:
                click.echo(f"{label}：{value}")
        for line in reg.preamble:
            click.echo(line)
    heading: list[str] = []
    for article in resolved.articles:
        if article.chapter != heading:
            for level, title in enumerate(article.chapter):
                if level >= len(heading) or heading[level] != title:
                    click.echo()
                    click.echo(title)
            heading = article.chapter
        click.echo()
        first, *rest = article.paragraphs or [""]
        lead = f"{article.label}　" if article.number else ""
        click.echo(f"{lead}{first}")
        for paragraph in rest:
            click.echo(f"　　{paragraph}")
        if links[id(article)]:
            click.echo(f"　　〔关联〕{_describe_links(links[id(article)])}")


def _describe_links(links: list[Any]) -> str:
    """前款 → 本条第一款；本法第十五条 → 第十五条；a target the index lacks says so."""
    parts: list[str] = []
    for link in links:
        shown = link.target if link.text == link.target else f"{link.text}（{link.target}）"
        parts.append(f"{shown}〔{link.caution}〕" if link.caution else shown)
    return "；".join(dict.fromkeys(parts))


# -- import ------------------------------------------------------------------------------------
@rules.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="只显示转换结果，不写文件。")
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="写到哪个文件夹，默认为当前文件夹的 regulations/。",
)
@click.option("--force", is_flag=True, help="覆盖已有的同名文件。")
@click.pass_obj
def rules_import(env: Env, files: tuple[Path, ...], dry_run: bool, outdir: Path | None, force: bool) -> None:
    """把收到的法规文本（.docx、.txt、.md）转换为知识库格式，写入 regulations/。

    识别居中标题、目录、第一章等标题、全角缩进和发布/施行日期，尽量填好文件开头的信息
    （发文机关、文号、日期、类别），条文文字原样保留。
    """
    from ..errors import JianchaError
    from ..rules.importer import import_file, write_imported

    config = _config(env, None)
    target_dir = outdir or config.workspace / "regulations"
    failures = 0
    written = 0
    for path in files:
        try:
            result = import_file(path)
        except JianchaError as e:
            click.echo(f"错误：{e.message}", err=True)
            if e.hint:
                click.echo(f"提示：{e.hint}", err=True)
            failures += 1
            continue
        reg = result.regulation
        for warning in result.warnings:
            click.echo(f"警告：{path.name}：{warning.message}", err=True)
        target = target_dir / result.filename
        facts = [f"{len(reg.numbered())} 条"]
        facts += [v for v in (reg.organ, reg.doc_number, reg.issued and f"{reg.issued} 发布") if v]
        if dry_run:
            click.echo(f"{path} → {target}（试运行，未写入）：《{reg.title}》，{'，'.join(facts)}")
            click.echo(result.markdown.split("\n# ", 1)[0].rstrip())
            continue
        try:
            target = write_imported(result, target_dir, force=force)
        except JianchaError as e:
            click.echo(f"错误：{e.message}", err=True)
            if e.hint:
                click.echo(f"提示：{e.hint}", err=True)
            failures += 1
            continue
        written += 1
        click.echo(f"{path} → {target}：《{reg.title}》，{'，'.join(facts)}")
    if written:
        click.echo("运行 jiancha rules index 把新文件编入索引。", err=True)
    if failures:
        sys.exit(1)


# -- list --------------------------------------------------------------------------------------
@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@INDEX_OPTION
@click.pass_obj
def rules_list(env: Env, as_json: bool, index_dir: Path | None) -> None:
    """列出已编入索引的法规。"""
    from ..rules.library import Library

    config = _config(env, index_dir)
    with Library(config.index_dir) as library:
        entries = library.entries
    if as_json:
        emit_json([e.data for e in entries])
        return
    rows = [
        [e.title, e.category or "未分类", e.status, str(e.articles), e.source]
        for e in sorted(entries, key=lambda e: (e.category, e.title))
    ]
    click.echo(format_table(["标题", "类别", "状态", "条数", "文件"], rows))


from . import rules_editions  # noqa: E402, F401  (registers rules diff)
