"""``jiancha rules …``: wiring, exit codes and the exact Chinese a clerk reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .test_rules_support import FIXTURES, make_workspace


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from jiancha_docs.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    config = make_workspace(tmp)
    (config.workspace / "jiancha.toml").write_text("[rules]\nsamples = false\n", encoding="utf-8")
    result = run("rules", "index", cwd=config.workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        result.stdout.splitlines()[0],
        f"索引位置：{(config.workspace / '.jiancha' / 'rules-index').resolve()}",
    ]
    assert result.stdout.startswith(
        "法规索引已更新：3 部法规，13 条（新增 3、更新 0、删除 0、未变 0 个文件），用时 "
    )
    return config.workspace


def test_index_again_reports_nothing_changed(workspace: Path) -> None:
    result = run("rules", "index", cwd=workspace)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "法规索引已是最新：3 部法规，13 条，没有文件变化。"


def test_search_prints_citation_status_chapter_and_snippet(workspace: Path) -> None:
    result = run("rules", "search", "被函询人", "说明材料", "-n", "2", cwd=workspace)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1. 《测试规则（示例）》第三条［现行有效］"
    assert lines[1] == "   第二章 谈话函询 / 第一节 函询"
    assert (
        lines[2]
        == "   【被函询人】应当在收到函件后十五个工作日内写出【说明材料】。 逾期未回复的，承办部门应当催告。"
    )
    assert "［已修订］" in result.stdout


def test_search_json(workspace: Path) -> None:
    result = run("rules", "search", "测试规则第三条", "--json", cwd=workspace)
    data = json.loads(result.stdout)
    assert data["notes"] == ["查询是条文引用，直接显示该条"]
    hit = data["results"][0]
    assert (hit["citation"], hit["status"], hit["superseded"], hit["direct"]) == (
        "《测试规则（示例）》第三条",
        "现行有效",
        False,
        True,
    )


def test_show_an_article_a_chapter_and_a_regulation(workspace: Path) -> None:
    article = run("rules", "show", "《测试规则》第4条", cwd=workspace)
    assert article.stdout.splitlines() == [
        "《测试规则（示例）》第四条［现行有效］",
        "",
        "第二章 谈话函询",
        "",
        "第一节 函询",
        "",
        "第四条　函询回复应当包括以下内容：",
        "　　（一）对反映问题的说明；",
        "　　（二）本人签名。",
    ]
    chapter = run("rules", "show", "测试规则", "第二章", "第二节", cwd=workspace)
    assert chapter.stdout.splitlines()[0] == "《测试规则（示例）》第二章第二节［现行有效］"
    assert chapter.stdout.splitlines()[-1] == "第五条　谈话应当由两名以上工作人员进行，并制作谈话笔录。"
    whole = run("rules", "show", "留置办法", cwd=workspace)
    assert whole.stdout.splitlines()[0] == "《留置措施测试办法》［现行有效］"
    assert whole.stdout.splitlines()[-1] == "第三条之一　留置场所应当符合安全要求。"


def test_list(workspace: Path) -> None:
    result = run("rules", "list", cwd=workspace)
    assert result.stdout.splitlines()[0].split() == ["标题", "类别", "状态", "条数", "文件"]
    assert len(result.stdout.splitlines()) == 5


def test_show_an_unknown_article_exits_1(workspace: Path) -> None:
    result = run("rules", "show", "测试规则第九十九条", cwd=workspace)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "错误：《测试规则（示例）》没有第九十九条（共 6 条）",
        "提示：用 jiancha rules show 测试规则（示例） 查看全文",
    ]


def test_a_bad_status_is_a_usage_error(workspace: Path) -> None:
    result = run("rules", "search", "函询", "--status", "有效", cwd=workspace)
    assert result.returncode == 2
    assert result.stderr == "错误：状态只能是 现行有效、已修订、已废止、尚未生效，不能是“有效”\n"


def test_a_stale_index_is_reported_on_search(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    (config.workspace / "jiancha.toml").write_text("[rules]\nsamples = false\n", encoding="utf-8")
    assert run("rules", "index", cwd=config.workspace).returncode == 0
    (config.workspace / "regulations" / "留置办法.md").write_text(
        "# 留置措施测试办法\n\n第一条 改了。\n", encoding="utf-8"
    )
    result = run("rules", "search", "留置", cwd=config.workspace)
    assert result.returncode == 0
    assert (
        result.stderr.splitlines()[0]
        == "警告：法规索引已过期（已修改 regulations/留置办法.md），请运行 jiancha rules index 更新。"
    )


def test_search_without_an_index_says_how_to_build_it(tmp_path: Path) -> None:
    result = run("rules", "search", "函询", cwd=tmp_path)
    index = (tmp_path / ".jiancha" / "rules-index").resolve()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"错误：尚未建立法规索引（{index} 中没有索引）",
        f"提示：运行 jiancha rules index 建立索引（索引位置：{index}）",
    ]


def test_a_broken_file_fails_the_index_run_after_indexing_the_rest(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    (config.workspace / "jiancha.toml").write_text("[rules]\nsamples = false\n", encoding="utf-8")
    (config.workspace / "regulations" / "坏.md").write_text("# 坏\n", encoding="utf-8")
    result = run("rules", "index", cwd=config.workspace)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "错误：regulations/坏.md：没有找到任何条文或正文",
        "有 1 个文件未能编入，请按上面的提示修改后重新运行。",
    ]
    assert result.stdout.startswith("法规索引已更新：3 部法规")


def test_a_bad_rules_table_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "jiancha.toml").write_text('[rules]\ndirs = "甲"\nsamples = "否"\n', encoding="utf-8")
    result = run("rules", "index", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"错误：配置文件 {tmp_path / 'jiancha.toml'} 的 [rules] samples 应为 true 或 false"
    )
    (tmp_path / "jiancha.toml").write_text('[rules]\ndirs = ["不存在"]\n', encoding="utf-8")
    result = run("rules", "index", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        f"错误：找不到法规文件夹 {(tmp_path / '不存在').resolve()}",
        "提示：检查 jiancha.toml 中 [rules] dirs 的路径",
    ]


# -- import ------------------------------------------------------------------------------------
RAW = "\n".join(
    [
        "某某局公务接待管理办法",
        "（2023年5月8日某某局印发　某某发〔2023〕12号）",
        "目　录",
        "第一章　总　则",
        "第二章　接待标准",
        "第一章　总　则",
        "　　第一条　为规范公务接待，制定本办法。",
        "　　第二条　公务接待应当简化礼仪。",
        "第二章　接待标准",
        "　　第三条　接待对象应当按照规定用餐。",
        "　　第四条　本办法自2023年6月1日起施行。",
    ]
)


def test_import_writes_the_regulation_format(tmp_path: Path) -> None:
    source = tmp_path / "办法.txt"
    source.write_bytes(RAW.encode("gbk"))
    result = run("rules", "import", str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    target = tmp_path / "regulations" / "某某局公务接待管理办法.md"
    assert (
        result.stdout
        == f"{source} → {target}：《某某局公务接待管理办法》，4 条，某某发〔2023〕12号，2023-05-08 发布\n"
    )
    assert result.stderr == "运行 jiancha rules index 把新文件编入索引。\n"
    assert target.read_text(encoding="utf-8") == "\n".join(
        [
            "---",
            '标题: "某某局公务接待管理办法"',
            '文号: "某某发〔2023〕12号"',
            "发布日期: 2023-05-08",
            "施行日期: 2023-06-01",
            '版本: "2023年版"',
            "状态: 现行有效",
            "---",
            "",
            "# 某某局公务接待管理办法",
            "",
            "（2023年5月8日某某局印发\u3000某某发〔2023〕12号）",
            "",
            "## 第一章 总\u3000则",
            "",
            "第一条 为规范公务接待，制定本办法。",
            "",
            "第二条 公务接待应当简化礼仪。",
            "",
            "## 第二章 接待标准",
            "",
            "第三条 接待对象应当按照规定用餐。",
            "",
            "第四条 本办法自2023年6月1日起施行。",
            "",
        ]
    )
    again = run("rules", "import", str(source), cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr == f"错误：{target} 已存在；要覆盖请加 --force\n"
    assert run("rules", "import", str(source), "--force", cwd=tmp_path).returncode == 0


def test_import_dry_run_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "办法.txt"
    source.write_text(RAW, encoding="utf-8")
    result = run("rules", "import", str(source), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].endswith(
        "（试运行，未写入）：《某某局公务接待管理办法》，4 条，某某发〔2023〕12号，2023-05-08 发布"
    )
    assert result.stdout.splitlines()[1] == "---"
    assert not (tmp_path / "regulations").exists()


def test_import_errors_are_listed_and_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf")
    (tmp_path / "扫描件.pdf").write_bytes(b"%PDF")
    (tmp_path / "坏.docx").write_bytes(b"not a zip")
    result = run("rules", "import", "旧.doc", "扫描件.pdf", "坏.docx", "没有.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "错误：旧.doc：不支持旧版 Word 格式（.doc）",
        "提示：请在 Word 中另存为 .docx 后再导入",
        "错误：扫描件.pdf：只能导入 .docx、.txt 或 .md 文件",
        "错误：坏.docx：无法打开 Word 文件（PackageNotFoundError）",
        "错误：找不到文件 没有.txt",
    ]


def test_fixture_files_are_already_in_the_format(tmp_path: Path) -> None:
    result = run("rules", "import", str(FIXTURES / "测试规则.md"), "--dry-run", cwd=tmp_path)
    assert "《测试规则（示例）》，6 条" in result.stdout
