"""立卷归档 (``jiancha ledger archive``) after 《纪检监察机关案件档案管理办法》第八至十三条:
one 卷 per document group (a root document and what follows it up: 督办函, 回访记录…), each
with its 卷内目录 (顺序号, 文号, 责任者, 题名, 日期, 页数, 备注), 备考表 and 封皮, the documents' PDFs
in order; for the year a 移交目录 in two copies (第十三条) for the hand-over in the second quarter
of the next year (第十一条). Retention is suggested per 附件二 (retention.yaml, beside this
module); 档号 strings follow DA/T 13 (全宗号-门类代码·年度-保管期限-机构代码-卷号).

Nothing is written unless every document of every group is there with the digest the ledger
recorded; the ledger records what was filed (status 已归档) only after every file is written."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .db import LedgerError
from .interface import LedgerBase
from .loop import live
from .model import AWAITING_REPLY, Entry, has_digest

RETENTION = Path(__file__).with_name("retention.yaml")
CATEGORY = "WS"  # 门类代码: 文书 (DA/T 22)


class ArchiveRefused(LedgerError):
    """A group cannot be filed: a document is missing or is not the file the ledger recorded."""


@dataclass
class Filed:
    entry: Entry
    pdf: Path
    pages: int
    piece: int  # 件号 within the 卷
    first_page: int = 1


@dataclass
class Volume:
    """One 卷: a root document and its follow-ups, in order."""

    number: int  # 卷号
    title: str
    documents: list[Filed]
    retention: str
    basis: str
    code: str  # 档号
    folder: Path | None = None

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)

    @property
    def start(self) -> dt.date | None:
        dates = [d.entry.doc_date for d in self.documents if d.entry.doc_date]
        return min(dates) if dates else None

    @property
    def end(self) -> dt.date | None:
        dates = [d.entry.doc_date for d in self.documents if d.entry.doc_date]
        return max(dates) if dates else None


@dataclass
class ArchiveSettings:
    fonds: str = "全宗号"
    unit: str = ""  # 立档单位
    code: str = "JJ"  # 机构（问题）代码

    @classmethod
    def of(cls, table: dict[str, str]) -> ArchiveSettings:
        return cls(**{k: v for k, v in table.items() if k in ("fonds", "unit", "code")})


@dataclass
class ArchiveResult:
    volumes: list[Volume] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@cache
def retention_rules() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(RETENTION.read_text(encoding="utf-8"))
    return data


def suggested_retention(kinds: list[str]) -> tuple[str, str]:
    """The longest term among the kinds of a group, and why."""
    rules = retention_rules()
    picks = [rules["kinds"].get(kind, rules["default"]) for kind in kinds] or [rules["default"]]
    best = max(picks, key=lambda p: rules["terms"][p["term"]]["rank"])
    return best["term"], best["basis"]


def groups_of(entries: list[Entry], year: int) -> list[list[Entry]]:
    """Document groups of ``year``: each live document not following up another of the ledger
    starts a group; what follows it up (transitively) joins it, in date order."""
    alive = live(entries)
    by_number = {e.doc_number: e for e in alive}
    children: dict[str, list[Entry]] = {}
    for entry in alive:
        if entry.related_number and entry.related_number in by_number:
            children.setdefault(entry.related_number, []).append(entry)
    groups = []
    for root in alive:
        if root.related_number in by_number or not root.doc_date or root.doc_date.year != year:
            continue
        group, queue = [root], [root]
        while queue:
            for child in sorted(
                children.get(queue.pop(0).doc_number, []),
                key=lambda e: (e.doc_date or dt.date.min, e.doc_number),
            ):
                group.append(child)
                queue.append(child)
        groups.append(group)
    return groups


def archive_year(
    ledger: LedgerBase,
    year: int,
    outdir: Path,
    settings: ArchiveSettings,
    kind_names: dict[str, str],
    today: dt.date,
    force: bool = False,
) -> ArchiveResult:
    entries = [ledger.find(e.doc_number) for e in ledger.entries()]
    every = groups_of(entries, year)
    if not every:
        raise ArchiveRefused(f"台账中没有 {year} 年成文的文书，无可归档")
    # A group whose first document still awaits its reply is not closed: it is filed next time.
    groups = [g for g in every if g[0].status not in AWAITING_REPLY]
    waiting = [g[0].doc_number for g in every if g[0].status in AWAITING_REPLY]
    if not groups:
        raise ArchiveRefused(
            f"{year} 年的 {len(every)} 组文书都还在等待反馈，没有可以立卷的",
            hint="被建议单位反馈后（jiancha ledger mark 文号 已反馈）再归档",
        )
    problems = [problem for group in groups for entry in group if (problem := _missing(entry))]
    if problems:
        raise ArchiveRefused(
            f"有 {len(problems)} 份文书不能归档，未生成任何归档材料："
            + "；".join(problems[:10])
            + ("……" if len(problems) > 10 else ""),
            hint="找回原文件（或用 jiancha render 按原文号重新生成）后再归档",
        )
    result = ArchiveResult()
    if waiting:
        result.notes.append(
            f"{len(waiting)} 组文书尚未反馈，本次未立卷：{'、'.join(waiting[:5])}"
            + ("等" if len(waiting) > 5 else "")
        )
    if settings.fonds == ArchiveSettings.fonds:
        result.notes.append("jiancha.toml 的 [ledger] 没有设置 fonds（全宗号），档号中暂写“全宗号”")
    if today < dt.date(year + 1, 1, 1):
        result.notes.append(
            f"{year} 年尚未结束：案件材料应在结案年度归档（第十一条），年底前归档的卷内材料可能不全"
        )
    if today > dt.date(year + 1, 6, 30):
        result.notes.append(f"已过 {year + 1} 年第二季度：按第十一条应在次年第二季度移交档案部门")
    outdir.mkdir(parents=True, exist_ok=True)
    pdfs = _pdfs([e for g in groups for e in g], outdir / ".pdf")
    for number, group in enumerate(groups, start=1):
        term, basis = suggested_retention([e.kind for e in group])
        code = f"{settings.fonds}-{CATEGORY}·{year}-{retention_rules()['terms'][term]['code']}-{settings.code}-{number:03d}"
        filed = []
        page = 1
        for piece, entry in enumerate(group, start=1):
            pdf = pdfs[entry.doc_number]
            pages = _page_count(pdf)
            filed.append(Filed(entry, pdf, pages, piece, page))
            page += pages
        root = group[0]
        title = f"关于{root.recipient or ''}{root.subject or kind_names.get(root.kind, root.kind)}的材料"
        result.volumes.append(Volume(number, title, filed, term, basis, code))
    from .archive_forms import write_transfer, write_volume

    for volume in result.volumes:
        volume.folder = outdir / f"卷{volume.number:03d}_{_safe(volume.documents[0].entry.doc_number)}"
        volume.folder.mkdir(exist_ok=True)
        for filed_doc in volume.documents:
            target = volume.folder / f"{filed_doc.piece:02d}_{_safe(filed_doc.entry.doc_number)}.pdf"
            _copy(ledger, filed_doc.pdf, target, force)
            result.written.append(target)
        result.written += write_volume(volume, settings, year, kind_names, ledger, force)
    result.written += write_transfer(result.volumes, settings, year, outdir, ledger, force)
    shutil.rmtree(outdir / ".pdf", ignore_errors=True)
    ledger.record_archive(
        [
            (d.entry.doc_number, f"{v.code}-{d.piece:03d}", d.piece, v.retention, d.pages)
            for v in result.volumes
            for d in v.documents
        ],
        today,
    )
    return result


def _missing(entry: Entry) -> str | None:
    if not entry.output_file:
        return f"{entry.doc_number} 台账中没有文件"
    path = Path(entry.output_file)
    if not path.is_file():
        return f"{entry.doc_number} 的文件 {path.name} 不存在"
    if entry.sha256 and not has_digest(path, entry.sha256):
        return f"{entry.doc_number} 的文件 {path.name} 与台账记录的摘要不符（生成后被改动过）"
    return None


def _pdfs(entries: list[Entry], staging: Path) -> dict[str, Path]:
    """Each document's PDF: the one beside it when it is newer than the document, else made now."""
    found: dict[str, Path] = {}
    wanted = []
    for entry in entries:
        source = Path(entry.output_file or "")
        beside = source.with_suffix(".pdf")
        if beside.is_file() and beside.stat().st_mtime >= source.stat().st_mtime:
            found[entry.doc_number] = beside
        else:
            wanted.append(entry)
    if wanted:
        from ..printing.convert import convert_to_pdf

        report = convert_to_pdf([Path(e.output_file or "") for e in wanted], staging)
        failed = [f"{o.source.name}：{o.error}" for o in report.outcomes if not o.ok]
        if failed:
            raise ArchiveRefused("转换 PDF 失败，未归档：" + "；".join(failed[:5]))
        for entry, outcome in zip(wanted, report.outcomes, strict=True):
            assert outcome.pdf is not None
            found[entry.doc_number] = outcome.pdf
    return found


def _page_count(pdf: Path) -> int:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()
    except (pypdfium2.PdfiumError, OSError, ValueError) as e:
        raise ArchiveRefused(f"无法读取 PDF {pdf.name}，数不出页数：{e}") from e


def _copy(ledger: LedgerBase, source: Path, target: Path, force: bool) -> None:
    from .export import save_export

    data = source.read_bytes()
    save_export(target, lambda stream: stream.write(data), "归档PDF", ledger, force)


def _safe(text: str) -> str:
    return "".join(c for c in text if c not in '\\/:*?"<>|')
