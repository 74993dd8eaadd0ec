"""templates/build.py: the committed templates are what it builds, and a kind can be added as data
alone (schema.yaml + wording.yaml), with no Python."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from jiancha_docs.kinds import find_kind
from jiancha_docs.printing.checker import check_document
from jiancha_docs.render.batch import RenderOptions, render_records

from .helpers import docx_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture(scope="module")
def build() -> ModuleType:
    pytest.importorskip("docx")
    spec = importlib.util.spec_from_file_location("jiancha_template_build", TEMPLATES / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_every_kind_folder_has_its_wording(build: ModuleType) -> None:
    with_schema = {p.parent.name for p in TEMPLATES.glob("*/schema.yaml")}
    assert {kind.kind_id for kind in build.all_kinds()} == with_schema
    assert len(with_schema) == 11


def parts_of(data: bytes) -> dict[str, str]:
    """Every part of a .docx: XML parts canonicalised (C14N) and indented, for a readable diff;
    other parts (none today) as a digest."""
    import hashlib
    import io
    import zipfile

    from lxml import etree

    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            blob = archive.read(name)
            if name.endswith((".xml", ".rels")):
                tree = etree.fromstring(etree.tostring(etree.fromstring(blob), method="c14n"))
                etree.indent(tree)
                parts[name] = etree.tostring(tree, encoding="unicode")
            else:
                parts[name] = hashlib.sha256(blob).hexdigest()
    return parts


KIND_IDS = sorted(p.parent.name for p in TEMPLATES.glob("*/wording.yaml"))


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_committed_templates_are_what_build_py_makes(build: ModuleType, kind_id: str) -> None:
    """Every committed template, part by part (XML compared, not bytes): an edit to build.py or a
    wording.yaml without `python templates/build.py`, or a template edited by hand, fails here."""
    import difflib
    import io

    kind = build.load_kind(TEMPLATES / kind_id)
    for layout, filename in build.LAYOUT_FILES.items():
        buffer = io.BytesIO()
        build.build(kind, layout).save(buffer)
        built = parts_of(buffer.getvalue())
        committed = parts_of((TEMPLATES / kind_id / filename).read_bytes())
        stale = f"{kind_id}/{filename} 与 build.py 的输出不一致：请运行 python templates/build.py"
        assert sorted(built) == sorted(committed), stale
        for name in built:
            if built[name] != committed[name]:
                diff = "\n".join(
                    difflib.unified_diff(
                        committed[name].splitlines(),
                        built[name].splitlines(),
                        "committed",
                        "built",
                        lineterm="",
                        n=2,
                    )
                )
                pytest.fail(f"{stale}\n{name}:\n{diff[:4000]}")


def test_every_style_id_is_built(build: ModuleType) -> None:
    """layout.StyleId and build.py's style sheet name the same styles."""
    from jiancha_docs.layout import StyleId

    assert {spec.style_id for spec in build.STYLES} == set(StyleId)


def test_the_drift_test_sees_a_changed_template(build: ModuleType, tmp_path: Path) -> None:
    """parts_of tells a template with one changed attribute from the built one."""
    import io
    import zipfile

    path = TEMPLATES / "inquiry_letter" / "official.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b'w:val="DocTitle"', b'w:val="BodyText"', 1)
            target.writestr(item, data)
    assert parts_of(buffer.getvalue()) != parts_of(path.read_bytes())


WORDING = """
organs: organ.split()
body:
  - title: 工作提示单
  - recipient: "{{ recipient }}"
  - text: ["近期", "{{ topic }}", "方面的问题易发多发，现提示如下："]
  - items: points
  - if: "deadline.date"
    then:
      - text: ["请于", "{{ deadline.date }}", "前报送自查情况。"]
"""
SCHEMA = """
id: work_tip
name: 工作提示单
fields:
  - {key: organ, label: 发文机关, required: true}
  - {key: doc_number, label: 文号, format: doc_number}
  - {key: recipient, label: 主送单位, required: true}
  - {key: topic, label: 提示事项, required: true}
  - {key: points, label: 提示内容, type: list, required: true}
  - {key: deadline, label: 报送期限, type: deadline, from: date, default: 5个工作日}
  - {key: date, label: 成文日期, type: date, required: true}
  - {key: cc, label: 抄送, type: list}
  - {key: print_organ, label: 印发机关}
  - {key: print_date, label: 印发日期, type: date}
"""


def test_a_kind_made_of_data_only_builds_renders_and_passes_check(build: ModuleType, tmp_path: Path) -> None:
    folder = tmp_path / "kinds" / "work_tip"
    folder.mkdir(parents=True)
    (folder / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    (folder / "wording.yaml").write_text(WORDING, encoding="utf-8")
    kind = build.load_kind(folder)
    for layout, filename in build.LAYOUT_FILES.items():
        build.save_deterministic(build.build(kind, layout), folder / filename)

    schema = find_kind("工作提示单", (tmp_path / "kinds",))
    record = {
        "发文机关": "中共某某县纪律检查委员会",
        "文号": "某纪提示〔2026〕1号",
        "主送单位": "各乡镇纪委",
        "提示事项": "节日期间",
        "提示内容": ["严禁公款吃喝", "严禁违规收送礼品礼金"],
        "成文日期": "2026-09-28",
    }
    source = tmp_path / "tip.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    for layout in ("文件式", "信函式"):
        report = render_records(
            schema, [source], RenderOptions(outdir=tmp_path / layout, layout=layout, ledger_path=None)
        )
        assert report.ok, [i.describe() for i in report.issues()]
        output = report.outcomes[0].output
        text = docx_text(output)
        assert "近期节日期间方面的问题易发多发，现提示如下：" in text
        assert "（二）严禁违规收送礼品礼金。" in text
        # 5 working days: 29 and 30 September, 8, 9 and (调休) Saturday 10 October.
        assert "请于2026年10月10日前报送自查情况。" in text
        assert check_document(output, layout).ok
