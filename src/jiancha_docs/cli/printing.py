"""Print-ready output commands: ``jiancha pdf``, ``jiancha check``, ``jiancha doctor``.

``convert_written`` is also what ``jiancha render --pdf`` calls after writing the documents.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ..errors import JianchaError
from .app import Env, cli, display_width, emit_json, format_table, progress_bar

DETAILS_SHOWN = 8  # problems listed per clause without --verbose


def _expand(paths: Iterable[Path], suffix: str = ".docx") -> list[Path]:
    """Files as given; a folder stands for the Word documents directly inside it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() == suffix and not p.name.startswith(("~$", "."))
                )
            )
        else:
            found.append(path)
    return found


# -- pdf ---------------------------------------------------------------------------------------
def convert_written(
    paths: list[Path], outdir: Path | None = None, timeout: float | None = None
) -> tuple[bool, Any]:
    """Convert documents to PDF and report on stderr; (everything converted, the report or None).

    Used by ``pdf`` and by ``render --pdf``: without LibreOffice the documents stay as they are
    and the message says how to install it.
    """
    from ..printing.convert import DEFAULT_TIMEOUT, convert_to_pdf

    if not paths:
        return True, None
    try:
        with progress_bar("转换 PDF") as tick:
            report = convert_to_pdf(
                paths, outdir, timeout=timeout or DEFAULT_TIMEOUT, on_done=lambda _outcome: tick()
            )
    except JianchaError as e:
        click.echo(f"错误：{e.message}；Word 文书不受影响。", err=True)
        if e.hint:
            click.echo(f"提示：{e.hint}", err=True)
        return False, None
    for outcome in report.outcomes:
        if not outcome.ok:
            click.echo(f"错误：{outcome.source.name}：{outcome.error}", err=True)
    restarts = f"，LibreOffice 重启 {report.processes - 1} 次" if report.processes > 1 else ""
    summary = f"已生成 {report.converted} 份 PDF"
    if report.failed:
        summary += f"，失败 {report.failed} 份"
    click.echo(f"{summary}（用时 {report.seconds:.1f} 秒{restarts}）。", err=True)
    if report.fonts is not None:
        click.echo(report.fonts.summary(), err=True)
    return report.ok, report


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="PDF 写到哪个文件夹；默认写在各 Word 文书旁边。",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    help="单份文书最长转换秒数，超时即终止 LibreOffice 并重试一次。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每份文书的结果。")
def pdf(files: tuple[Path, ...], outdir: Path | None, timeout: float, as_json: bool) -> None:
    """把 Word 文书 FILE（.docx，可多个，或一个文件夹）转换为 PDF。

    只启动一次 LibreOffice 转换全部文书；未安装的标准字体（方正小标宋简体、仿宋_GB2312、黑体、
    楷体_GB2312）以已安装的中文字体代替，并列出替代情况。同名 PDF 会被覆盖。
    """
    paths = _expand(files)
    if not paths:
        raise click.UsageError("没有找到要转换的 .docx 文件")
    ok, report = convert_written(paths, outdir, timeout)
    if report is not None:
        if as_json:
            emit_json(
                {
                    "ok": report.ok,
                    "seconds": round(report.seconds, 2),
                    "processes": report.processes,
                    "substitutions": {
                        f.font.name: f.used for f in (report.fonts.substitutions() if report.fonts else [])
                    },
                    "files": [
                        {"source": str(o.source), "pdf": str(o.pdf) if o.pdf else None, "error": o.error}
                        for o in report.outcomes
                    ],
                }
            )
        else:
            for outcome in report.outcomes:
                if outcome.pdf:
                    click.echo(str(outcome.pdf))
    if not ok:
        sys.exit(1)


# -- check -------------------------------------------------------------------------------------
def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_check(report: Any, verbose: bool = False) -> str:
    """The clause-by-clause report of one file, as the terminal shows it."""
    from ..printing.checker import FAIL, SKIP, STATUS_LABELS

    layout = f"{report.layout}（自动识别）" if report.layout_detected else report.layout
    notes = [f"版式：{layout}", f"规则：{report.profile.name}"]
    if report.template:
        notes.append("模板（变量处的格式在生成后检查）")
    lines = [f"{report.path}", "  " + "；".join(notes)]
    title_width = max(display_width(c.title) for c in report.clauses)
    for result in report.clauses:
        if result.status == SKIP and not verbose:
            continue
        problems = result.problems()
        head = f"  {_pad(STATUS_LABELS[result.status], 6)}  {_pad(result.clause, 6)} {_pad(result.title, title_width)}  "
        lines.append(head + result.summary)
        if len(problems) > 1:
            shown = problems if verbose else problems[:DETAILS_SHOWN]
            same = len({f.message for f in problems}) == 1  # the message is on the clause's line
            lines.extend(f"          - {f.where() if same and f.paragraph else f.describe()}" for f in shown)
            if len(problems) > len(shown):
                lines.append(f"          …… 另有 {len(problems) - len(shown)} 处，加 --verbose 查看全部")
    counts = report.counts()
    failed = report.failed_clauses()
    verdict = f"不通过（{'、'.join(failed)}）" if failed else "通过"
    lines.append(
        f"  结论：{verdict}。通过 {counts.get('pass', 0)} 项，不通过 {counts.get(FAIL, 0)} 项，"
        f"注意 {counts.get('warn', 0)} 项，不适用 {counts.get(SKIP, 0)} 项。"
    )
    return "\n".join(lines)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(path_type=Path))
@click.option(
    "--profile",
    metavar="规则",
    default="自动",
    show_default=True,
    help="检查规则：自动、文件式、信函式、地方（下白边可 27 mm、行距可到 32.5 磅），或本单位规则文件（.toml）。",
)
@click.option("--strict", is_flag=True, help="“注意”项也算不通过。")
@click.option("-v", "--verbose", is_flag=True, help="列出“不适用”的条款和每一处问题。")
@click.option(
    "--json", "as_json", is_flag=True, help="以 JSON 输出逐条结果；无法读取的文件也列出，附错误信息。"
)
@click.option(
    "--pdf",
    "with_pdf",
    is_flag=True,
    help="同时用 PDF 实测位置（版记在末页最下方、页码一字线距版心 7 mm、署名不单独成页）："
    "用文书旁边的同名 .pdf，没有则用 LibreOffice 转换。",
)
def check(
    files: tuple[Path, ...], profile: str, strict: bool, verbose: bool, as_json: bool, with_pdf: bool
) -> None:
    """按 GB/T 9704-2012 逐条检查 Word 文书或模板 FILE（.docx，可多个，或一个文件夹）。

    检查幅面、页边（± 1 mm）、各要素字体字号、行距、颜色、发文字号和日期格式、页码、版记，
    指出不合格的段落；有任何一项不通过，退出码为 1。
    """
    from ..printing.checker import check_document
    from ..printing.ooxml import DocumentUnreadable
    from ..printing.profiles import load_profile

    rules = load_profile(profile)
    paths = _expand(files)
    if not paths:
        raise click.UsageError("没有找到要检查的 .docx 文件")
    reports = []
    entries: list[dict] = []
    unreadable = 0
    pdfs = _pdfs_for(paths) if with_pdf else {}
    for index, path in enumerate(paths):
        try:
            report = check_document(path, rules, pdf=pdfs.get(path))
        except DocumentUnreadable as e:
            unreadable += 1
            click.echo(f"错误：{e.message}", err=True)
            entries.append({"file": str(path), "ok": False, "error": e.message, "clauses": []})
            continue
        entries.append(report.as_json())
        reports.append(report)
        if not as_json:
            if index:
                click.echo()
            click.echo(format_check(report, verbose))
    failed = [r for r in reports if not r.ok or (strict and r.warnings)]
    if as_json:
        emit_json(entries)
    if len(paths) > 1:
        summary = f"共检查 {len(paths)} 个文件：通过 {len(reports) - len(failed)} 个，不通过 {len(failed)} 个"
        if unreadable:
            summary += f"，无法读取 {unreadable} 个"
        click.echo(summary + "。", err=True)
    if failed or unreadable:
        sys.exit(1)


def _pdfs_for(paths: list[Path]) -> dict[Path, Path]:
    """Each document's PDF: the one beside it, else converted by LibreOffice into a temp folder."""
    import tempfile

    found = {p: p.with_suffix(".pdf") for p in paths if p.with_suffix(".pdf").is_file()}
    missing = [p for p in paths if p not in found and p.is_file()]
    if missing:
        outdir = Path(tempfile.mkdtemp(prefix="jiancha-check-"))
        ok, report = convert_written(missing, outdir)
        if report is not None:
            found.update({o.source: o.pdf for o in report.outcomes if o.pdf})
    return found


# -- doctor ------------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def doctor(env: Env, as_json: bool) -> None:
    """检查运行环境：Python、配置、模板、LibreOffice、中文字体及替代情况、法规索引、文号台账。"""
    from ..printing.doctor import FAIL, STATUS_LABELS, diagnose

    settings, error = None, None
    try:
        settings = env.settings
    except JianchaError as e:
        error = e.message
    facts = diagnose(settings, error)
    if as_json:
        emit_json([fact.as_json() for fact in facts])
    else:
        rows = [[fact.label, STATUS_LABELS[fact.status], fact.detail] for fact in facts]
        click.echo(format_table(["项目", "状态", "说明"], rows))
    if any(fact.status == FAIL for fact in facts):
        sys.exit(1)
