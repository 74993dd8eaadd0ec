"""Documents linked to the rules index: --check-citations and the templates' ``article`` filter."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jiancha_docs.errors import JianchaError, TemplateProblem
from jiancha_docs.kinds import find_kind
from jiancha_docs.render.batch import RenderOptions, render_records

from .helpers import docx_text
from .test_rules_support import CORPUS, build, corpus_files, make_workspace

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = make_workspace(tmp_path_factory.mktemp("cite"))
    build(config)
    return config.index_dir


def recommendation(tmp_path: Path, basis: list[str]) -> Path:
    record = yaml.safe_load((FIXTURES / "recommendation.yaml").read_text(encoding="utf-8"))
    record["依据条款"] = basis
    path = tmp_path / "建议书.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    return path


def test_check_citations_refuses_records_citing_missing_articles(tmp_path: Path, index: Path) -> None:
    source = recommendation(tmp_path, ["《测试规则》第三条", "《测试规则》第七条", "《监察法》第五十二条"])
    options = RenderOptions(outdir=tmp_path / "out", rules_index=index, check_citations=True)
    report = render_records(find_kind("recommendation"), [source], options)
    assert report.written == 0
    assert [i.describe() for i in report.issues() if i.severity == "error"] == [
        "建议书.yaml 第 1 条记录「依据条款」：引用的条文不存在：《测试规则》第七条：《测试规则（示例）》没有第七条（共 6 条）",
        "建议书.yaml 第 1 条记录「依据条款」：引用的条文不存在：《监察法》第五十二条：法规索引中没有《监察法》",
    ]


def test_records_whose_citations_exist_render(tmp_path: Path, index: Path) -> None:
    source = recommendation(tmp_path, ["《测试规则》第三条", "《留置办法》第二条"])
    options = RenderOptions(outdir=tmp_path / "out", rules_index=index, check_citations=True)
    assert render_records(find_kind("recommendation"), [source], options).written == 1


def test_check_citations_without_an_index_stops_before_anything_is_written(tmp_path: Path) -> None:
    source = recommendation(tmp_path, ["《测试规则》第三条"])
    options = RenderOptions(outdir=tmp_path / "out", rules_index=tmp_path / "no-index", check_citations=True)
    with pytest.raises(JianchaError):
        render_records(find_kind("recommendation"), [source], options)
    assert not (tmp_path / "out").exists()


def quoting_template(tmp_path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_paragraph("{{ recipient }}：")
    document.add_paragraph("{%p for c in basis %}")
    document.add_paragraph("{{ c }}：{{ c|article }}")
    document.add_paragraph("{%p endfor %}")
    path = tmp_path / "quote.docx"
    document.save(path)
    return path


def test_a_template_can_quote_a_cited_article(tmp_path: Path, index: Path) -> None:
    source = recommendation(tmp_path, ["《测试规则》第三条"])
    options = RenderOptions(outdir=tmp_path / "out", rules_index=index, template=quoting_template(tmp_path))
    report = render_records(find_kind("recommendation"), [source], options)
    assert report.written == 1
    text = docx_text(report.outcomes[0].output)
    assert (
        text[1]
        == "《测试规则》第三条：被函询人应当在收到函件后十五个工作日内写出说明材料。\n逾期未回复的，承办部门应当催告。"
    )


def test_quoting_without_an_index_is_a_clear_error(tmp_path: Path) -> None:
    source = recommendation(tmp_path, ["《测试规则》第三条"])
    options = RenderOptions(outdir=tmp_path / "out", template=quoting_template(tmp_path))
    with pytest.raises(TemplateProblem, match="模板引用了条文“《测试规则》第三条”，但没有可用的法规索引"):
        render_records(find_kind("recommendation"), [source], options)


# -- a real article under a wrong number (issue 12: 实施条例第二百零三条 is about 送达 of 政务处分决定书) --
CORPUS_TEXTS = [
    p for p in corpus_files() if p.name in ("中华人民共和国监察法实施条例.md", "中华人民共和国监察法.md")
]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if len(CORPUS_TEXTS) < 2:
        pytest.skip(f"没有真实法规文本 {CORPUS}")
    config = make_workspace(tmp_path_factory.mktemp("cite-corpus"), CORPUS_TEXTS)
    build(config)
    return config.index_dir


def _supervision(tmp_path: Path, basis: list[str]) -> Path:
    path = recommendation(tmp_path, basis)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["建议类型"] = "监察建议"
    record["主送单位"] = "某某市自然资源和规划局"  # a 监察建议 goes to the unit, not its 党委
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    return path


def test_a_cited_article_that_shares_no_key_term_with_the_citing_sentence_is_warned(
    tmp_path: Path, corpus_index: Path
) -> None:
    options = RenderOptions(outdir=tmp_path / "out", rules_index=corpus_index, check_citations=True)
    wrong = _supervision(tmp_path, ["《中华人民共和国监察法实施条例》第二百零三条"])
    report = render_records(find_kind("recommendation"), [wrong], options)
    warnings = [i.describe() for o in report.outcomes for i in o.issues if i.severity == "warning"]
    assert report.written == 1  # a warning, not a refusal: the clerk checks the number
    assert warnings == [
        "建议书.yaml 第 1 条记录「依据条款」：《中华人民共和国监察法实施条例》第二百零三条的条文中没有"
        "“监察建议”等引用句中的关键词，条文内容可能与所引事项无关，请核对条号"
    ]


def test_the_article_that_defines_the_document_passes_the_key_term_check(
    tmp_path: Path, corpus_index: Path
) -> None:
    options = RenderOptions(outdir=tmp_path / "out", rules_index=corpus_index, check_citations=True)
    right = _supervision(
        tmp_path, ["《中华人民共和国监察法实施条例》第二百零五条", "《中华人民共和国监察法》第五十二条"]
    )
    report = render_records(find_kind("recommendation"), [right], options)
    assert report.written == 1
    assert [i for o in report.outcomes for i in o.issues if i.severity == "warning"] == []
