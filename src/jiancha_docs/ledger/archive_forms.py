"""The printed forms of an archive (archive.py): 卷内目录, 备考表, 封皮 per 卷 and the 移交目录 in
two copies, each as a .docx laid out for A4 printing, the tables also as .xlsx."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .interface import LedgerBase

if TYPE_CHECKING:
    from .archive import ArchiveSettings, Volume

CONTENTS = [
    ("顺序号", 1.3),
    ("文号", 3.6),
    ("责任者", 3.2),
    ("题名", 5.2),
    ("日期", 2.4),
    ("页数", 1.3),
    ("备注", 1.8),
]
TRANSFER = [
    ("序号", 1.2),
    ("档号", 4.6),
    ("案卷题名", 5.0),
    ("起止日期", 3.2),
    ("件数", 1.2),
    ("页数", 1.2),
    ("保管期限", 1.6),
]
COPIES = ("第一份：随卷移交档案部门", "第二份：立卷部门留存备查")


def contents_rows(volume: Volume, settings: ArchiveSettings, kind_names: dict[str, str]) -> list[list[Any]]:
    from ..kinds.fields import CnDate

    rows = []
    for filed in volume.documents:
        e = filed.entry
        title = e.subject or kind_names.get(e.kind, e.kind)
        note = kind_names.get(e.kind, e.kind)
        rows.append(
            [
                filed.piece,
                e.doc_number,
                settings.unit,
                title,
                CnDate.of(e.doc_date) if e.doc_date else "",
                filed.pages,
                note,
            ]
        )
    return rows


def write_volume(
    volume: Volume,
    settings: ArchiveSettings,
    year: int,
    kind_names: dict[str, str],
    ledger: LedgerBase,
    force: bool,
) -> list[Path]:
    from ..kinds.fields import CnDate

    assert volume.folder is not None
    rows = contents_rows(volume, settings, kind_names)
    written = []
    doc = _document()
    _heading(doc, "卷内目录")
    _line(doc, f"档号：{volume.code}")
    _table(doc, CONTENTS, rows)
    written.append(_save_docx(doc, volume.folder / "卷内目录.docx", ledger, force))
    written.append(
        _save_xlsx(
            {"卷内目录": ([h for h, _ in CONTENTS], rows)},
            volume.folder / "卷内目录.xlsx",
            f"卷内目录　档号：{volume.code}",
            ledger,
            force,
        )
    )

    doc = _document()
    _heading(doc, "备考表")
    _line(doc, f"档号：{volume.code}")
    _line(doc, f"本卷共有文件 {len(volume.documents)} 件，{volume.pages} 页。")
    _line(
        doc, "其中：" + "；".join(f"{kind_names.get(k, k)} {n} 件" for k, n in _kinds(volume).items()) + "。"
    )
    _line(doc, f"建议保管期限：{volume.retention}（{volume.basis}）。")
    for label in (
        "说明：",
        "",
        "",
        "立卷人：　　　　　　　　　　年　　月　　日",
        "检查人：　　　　　　　　　　年　　月　　日",
    ):
        _line(doc, label)
    written.append(_save_docx(doc, volume.folder / "备考表.docx", ledger, force))

    doc = _document()
    for _ in range(3):
        _line(doc, "")
    _heading(doc, "纪检监察机关案件档案")
    start = CnDate.of(volume.start) if volume.start else ""
    end = CnDate.of(volume.end) if volume.end else ""
    cover = [
        ("全宗名称", settings.unit),
        ("案卷题名", volume.title),
        ("起止日期", f"{start}至{end}"),
        ("件数、页数", f"{len(volume.documents)} 件，{volume.pages} 页"),
        ("保管期限", volume.retention),
        ("全宗号", settings.fonds),
        ("年度", str(year)),
        ("案卷号", f"{volume.number:03d}"),
        ("档号", volume.code),
    ]
    _table(doc, [("项目", 3.5), ("内容", 11.0)], [list(pair) for pair in cover], header=False)
    written.append(_save_docx(doc, volume.folder / "封皮.docx", ledger, force))
    return written


def transfer_rows(volumes: list[Volume]) -> list[list[Any]]:
    from ..kinds.fields import CnDate

    return [
        [
            v.number,
            v.code,
            v.title,
            f"{CnDate.of(v.start) if v.start else ''}至{CnDate.of(v.end) if v.end else ''}",
            len(v.documents),
            v.pages,
            v.retention,
        ]
        for v in volumes
    ]


def write_transfer(
    volumes: list[Volume], settings: ArchiveSettings, year: int, outdir: Path, ledger: LedgerBase, force: bool
) -> list[Path]:
    """The 移交目录 in two copies (第十三条), for the hand-over in Q2 of the next year (第十一条)."""
    from docx.enum.text import WD_BREAK

    rows = transfer_rows(volumes)
    doc = _document()
    for index, copy in enumerate(COPIES):
        if index:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _heading(doc, f"{year}年度案件档案移交目录")
        _line(doc, f"（{copy}）")
        _line(doc, f"立档单位：{settings.unit}　　全宗号：{settings.fonds}　　移交时间：{year + 1}年第二季度")
        _table(doc, TRANSFER, rows)
        _line(
            doc,
            f"共 {len(volumes)} 卷，{sum(len(v.documents) for v in volumes)} 件，{sum(v.pages for v in volumes)} 页。",
        )
        _line(doc, "移交人：　　　　　　　接收人：　　　　　　　　年　　月　　日")
    headers = [h for h, _ in TRANSFER]
    return [
        _save_docx(doc, outdir / "移交目录.docx", ledger, force),
        _save_xlsx(
            {copy.split("：")[0]: (headers, rows) for copy in COPIES},
            outdir / "移交目录.xlsx",
            f"{year}年度案件档案移交目录",
            ledger,
            force,
        ),
    ]


def _kinds(volume: Volume) -> dict[str, int]:
    counts: dict[str, int] = {}
    for filed in volume.documents:
        counts[filed.entry.kind] = counts.get(filed.entry.kind, 0) + 1
    return counts


# -- docx -----------------------------------------------------------------------------------------
def _document() -> Any:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = "FangSong"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    return doc


def _heading(doc: Any, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size = Pt(22)
    run.font.bold = True
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")


def _line(doc: Any, text: str) -> None:
    doc.add_paragraph(text)


def _table(doc: Any, columns: list[tuple[str, float]], rows: list[list[Any]], header: bool = True) -> None:
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=0, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    lines = ([[h for h, _ in columns]] if header else []) + rows
    for index, values in enumerate(lines):
        cells = table.add_row().cells
        for column, value in enumerate(values):
            cells[column].width = Cm(columns[column][1])
            cells[column].text = "" if value is None else str(value)
            for paragraph in cells[column].paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)
                    run.font.bold = header and index == 0


def _save_docx(doc: Any, path: Path, ledger: LedgerBase, force: bool) -> Path:
    from .export import save_export

    buffer = io.BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()
    save_export(path, lambda stream: stream.write(data), "归档表单", ledger, force)
    return path


def _save_xlsx(
    sheets: dict[str, tuple[list[str], list[list[Any]]]],
    path: Path,
    title: str,
    ledger: LedgerBase,
    force: bool,
) -> Path:
    from openpyxl import Workbook

    from .export import save_export
    from .report import print_setup, sheet_table, sheet_title, sheet_widths

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (headers, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet_title(sheet, title, name if len(sheets) > 1 else "", len(headers))
        sheet_table(sheet, 4, headers, rows)
        sheet_widths(sheet, [max(8, 6 * len(h)) if h not in ("题名", "案卷题名") else 40 for h in headers])
        print_setup(sheet)
    save_export(path, workbook.save, "归档表单", ledger, force)
    return path
