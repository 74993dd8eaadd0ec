"""The typed configuration: found upwards, checked at load, each value resolved flag → env → file
→ default; the 机关代字 check and the 文号 normaliser of gbt9704."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiancha_docs.config import (
    CONFIG,
    DEFAULT,
    ENV,
    FLAG,
    TABLES,
    LedgerLocation,
    Settings,
    load_settings,
    today,
)
from jiancha_docs.errors import ConfigError
from jiancha_docs.gbt9704 import DOC_NUMBER, doc_number_problems, normalise_number, organ_code_problem
from jiancha_docs.rules.sources import rules_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: conftest's JIANCHA_DB is removed too, so defaults can be seen."""
    for name in (
        "JIANCHA_CONFIG",
        "JIANCHA_DB",
        "JIANCHA_KINDS_DIRS",
        "JIANCHA_RULES_INDEX",
        "JIANCHA_TODAY",
    ):
        monkeypatch.delenv(name, raising=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None = None, cwd: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, cwd=cwd)
    return caught.value


# -- finding the file --------------------------------------------------------------------------
def test_found_from_a_folder_two_levels_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "jiancha.toml", '[defaults]\n"纪委名称" = "中共某某市纪律检查委员会"\n')
    deep = tmp_path / "2024" / "第一批"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    settings = load_settings()
    assert settings.path == config
    assert settings.origin == CONFIG
    assert settings.defaults == {"纪委名称": "中共某某市纪律检查委员会"}


def test_the_nearest_file_wins(tmp_path: Path) -> None:
    write(tmp_path / "jiancha.toml", "")
    inner = write(tmp_path / "分局" / "jiancha.toml", "")
    assert load_settings(cwd=tmp_path / "分局").path == inner


def test_no_file_means_defaults_and_says_where_it_looked(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path)
    assert settings.path is None
    assert settings.searched[:2] == (tmp_path, tmp_path.parent)
    assert settings.ledger_location() == LedgerLocation(Path(".jiancha/ledger.sqlite3"), DEFAULT, True)


def test_relative_paths_count_from_the_folder_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "jiancha.toml",
        '[kinds]\ndirs = ["本单位模板"]\n[ledger]\ndb = "台账/2024.sqlite3"\n'
        '[rules]\nindex = "索引"\ndirs = "制度"\ndictionary = ["词典.txt"]\n',
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    settings = load_settings()
    assert settings.kind_dirs == (tmp_path / "本单位模板",)
    assert settings.ledger_path() == tmp_path / "台账" / "2024.sqlite3"
    rules = rules_config(settings)
    assert (rules.workspace, rules.index_dir) == (tmp_path, tmp_path / "索引")
    assert rules.dirs == (tmp_path / "制度",)
    assert rules.dictionaries == (tmp_path / "词典.txt",)
    assert rules.samples is True


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "jiancha.toml", "")  # discovery would find this one: a name overrides it
    missing = tmp_path / "没有.toml"
    monkeypatch.setenv("JIANCHA_CONFIG", str(missing))
    assert error_of(cwd=tmp_path).message == f"找不到配置文件 {missing}（由环境变量 JIANCHA_CONFIG 指定）"
    assert error_of(missing, cwd=tmp_path).message == f"找不到配置文件 {missing}（由 --config 指定）"


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = write(tmp_path / "别处" / "配置.toml", "")
    write(tmp_path / "jiancha.toml", "")
    monkeypatch.setenv("JIANCHA_CONFIG", str(named))
    settings = load_settings(cwd=tmp_path)
    assert (settings.path, settings.origin) == (named, ENV)
    assert load_settings(tmp_path / "jiancha.toml", cwd=tmp_path).origin == FLAG


# -- checked at load ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            '[numbring]\n"澄清说明" = "某纪函"\n',
            "有未知的表 [numbring]，是否应为 [numbering]？",
            "可用的表：[defaults]、[kinds]、[numbering]、[columns]、[ledger]、[rules]、[calendar]、[office]",
        ),
        (
            '["模板"]\n',
            '有未知的表 ["模板"]',
            "可用的表：[defaults]、[kinds]、[numbering]、[columns]、[ledger]、[rules]、[calendar]、[office]",
        ),
        (
            "[rules]\nsample = false\n",
            "的 [rules] 有未知的键 sample，是否应为 samples？",
            "[rules] 可用的键：index、dirs、dictionary、synonyms、concepts、questions、samples、accuser_words",
        ),
        (
            '[ledger]\n"台账" = "a.sqlite3"\n',
            '的 [ledger] 有未知的键 "台账"',
            "[ledger] 可用的键：db、url、wait、approval、fonds、archive_unit、archive_code",
        ),
        (
            "[kinds]\nall_organ_mark = true\n",
            "的 [kinds] 有未知的键 all_organ_mark，是否应为 all_organ_marks？",
            "[kinds] 可用的键：dirs、all_organ_marks",
        ),
    ],
)
def test_an_unknown_table_or_key_is_named_with_a_suggestion(
    tmp_path: Path, text: str, message: str, hint: str
) -> None:
    path = write(tmp_path / "jiancha.toml", text)
    error = error_of(cwd=tmp_path)
    assert (error.message, error.hint) == (f"配置文件 {path} {message}", hint)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ledger]\ndb = 1\n", "的 [ledger] db 应为文件或文件夹路径（文字）"),
        ("[kinds]\ndirs = [1]\n", "的 [kinds] dirs 应为路径或路径列表"),
        ('[rules]\nsamples = "否"\n', "的 [rules] samples 应为 true 或 false"),
        ("[kinds]\nall_organ_marks = 1\n", "的 [kinds] all_organ_marks 应为 true 或 false"),
        ('ledger = "a"\n', "的 [ledger] 应为键值表"),
        (
            '[numbering]\n"澄清正名通报" = "某纪[通"\n',
            '的 [numbering] "澄清正名通报"：机关代字“某纪[通”中不能有括号“[”（年份的六角括号由编号自动加上）',
        ),
        (
            '[numbering]\nrecommendation = { "监察建议" = "2024" }\n',
            "的 [numbering] recommendation 中“监察建议”：机关代字“2024”不能只有数字",
        ),
        (
            "[numbering]\nrecommendation = 5\n",
            '的 [numbering] recommendation 应为机关代字，或“类型 = 机关代字”的表，如 { "监察建议" = "某监建" }',
        ),
        (
            '[columns]\n"以案促改通知书" = "主送单位"\n',
            '的 [columns] "以案促改通知书" 应为“表头 = 字段名”的表',
        ),
        (
            '[columns."以案促改通知书"]\n"被通知单位" = 3\n',
            '的 [columns] "以案促改通知书" 中表头“被通知单位”应对应字段的中文列名或英文键（文字）',
        ),
        (
            '[defaults]\n"纪委"."名称" = 1\n',
            '的 [defaults] "纪委" 应为字段的值（文字、数字、日期或列表），不能是表；中文键名要加引号',
        ),
    ],
)
def test_a_value_of_the_wrong_form_names_file_table_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "jiancha.toml", text)
    assert error_of(cwd=tmp_path).message == f"配置文件 {path} {message}"


def test_free_tables_keep_their_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "jiancha.toml",
        '[numbering]\nrecommendation = { "监察建议" = "某监建" }\n"澄清说明" = "某纪函"\n'
        '[columns."以案促改通知书"]\n"被通知单位" = "主送单位"\n"日期" = "date"\n',
    )
    settings = load_settings(cwd=tmp_path)
    assert settings.numbering == {"recommendation": {"监察建议": "某监建"}, "澄清说明": "某纪函"}
    assert settings.columns == {"以案促改通知书": {"被通知单位": "主送单位", "日期": "date"}}


def test_the_example_documents_every_key(tmp_path: Path) -> None:
    """examples/jiancha.toml is valid, and with its commented tables switched on still valid and
    covering every table and key declared."""
    assert load_settings(EXAMPLES / "jiancha.toml").numbering["澄清说明"] == "某纪函"
    text = (EXAMPLES / "jiancha.toml").read_text(encoding="utf-8")
    enabled = re.sub(r"(?m)^# (?=\[|[\w\"]+ *=)", "", text)
    settings = load_settings(write(tmp_path / "jiancha.toml", enabled))
    assert set(settings.raw) == set(TABLES)
    for name, declaration in TABLES.items():
        if isinstance(declaration, type):
            assert set(settings.raw[name]) == set(declaration.__dataclass_fields__), name


# -- one resolver ------------------------------------------------------------------------------
def test_the_ledger_flag_then_environment_then_file_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = load_settings(write(tmp_path / "a" / "jiancha.toml", '[ledger]\ndb = "台账.sqlite3"\n'))
    plain = load_settings(write(tmp_path / "b" / "jiancha.toml", ""))
    assert named.ledger_location() == LedgerLocation(tmp_path / "a" / "台账.sqlite3", CONFIG, False)
    assert plain.ledger_location() == LedgerLocation(
        tmp_path / "b" / ".jiancha" / "ledger.sqlite3", DEFAULT, True
    )
    monkeypatch.setenv("JIANCHA_DB", "环境.sqlite3")
    assert named.ledger_location() == LedgerLocation(Path("环境.sqlite3"), ENV, True)
    assert named.ledger_location(Path("命令行.sqlite3")) == LedgerLocation(Path("命令行.sqlite3"), FLAG, True)
    assert named.ledger_path(Path("命令行.sqlite3")) == Path("命令行.sqlite3")
    assert Settings().ledger_path() == Path("环境.sqlite3")


def test_the_rules_index_flag_then_environment_then_file_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(write(tmp_path / "jiancha.toml", '[rules]\nindex = "索引"\n'))
    assert rules_config(settings).index_dir == tmp_path / "索引"
    assert rules_config(load_settings(cwd=tmp_path / "..")).index_dir.name == "rules-index"
    monkeypatch.setenv("JIANCHA_RULES_INDEX", str(tmp_path / "环境"))
    assert rules_config(settings).index_dir == tmp_path / "环境"
    assert rules_config(settings, tmp_path / "命令行").index_dir == tmp_path / "命令行"


def test_the_environment_replaces_the_kind_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(write(tmp_path / "jiancha.toml", '[kinds]\ndirs = ["模板"]\n'))
    assert settings.resolve("kinds", "dirs").origin == CONFIG
    monkeypatch.setenv("JIANCHA_KINDS_DIRS", f"甲{__import__('os').pathsep}乙")
    assert settings.kind_dirs == (Path("甲"), Path("乙"))


def test_all_organ_marks_flag_then_environment_then_file_then_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = load_settings(write(tmp_path / "a" / "jiancha.toml", "[kinds]\nall_organ_marks = true\n"))
    plain = load_settings(write(tmp_path / "b" / "jiancha.toml", ""))
    assert (on.all_organ_marks(), plain.all_organ_marks(), plain.all_organ_marks(True)) == (True, False, True)
    monkeypatch.setenv("JIANCHA_ALL_ORGAN_MARKS", "0")
    assert (on.all_organ_marks(), on.all_organ_marks(True)) == (False, True)
    monkeypatch.setenv("JIANCHA_ALL_ORGAN_MARKS", "是")
    with pytest.raises(ConfigError) as caught:
        plain.all_organ_marks()
    assert (
        caught.value.message == "环境变量 JIANCHA_ALL_ORGAN_MARKS 的值“是”无效，应为 1 或 0（true 或 false）"
    )


def test_today_or_the_rehearsal_date(monkeypatch: pytest.MonkeyPatch) -> None:
    assert today() == dt.date.today()
    monkeypatch.setenv("JIANCHA_TODAY", "2025-02-01")
    assert today() == dt.date(2025, 2, 1)


@pytest.mark.parametrize("value", ["2024-99-99", "abc", "20250201", "2025-2-1"])
def test_a_wrong_rehearsal_date_is_explained(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JIANCHA_TODAY", value)
    with pytest.raises(ConfigError) as caught:
        today()
    assert caught.value.message == (
        f"环境变量 JIANCHA_TODAY 的值“{value}”不是有效日期，应为 YYYY-MM-DD 形式，如 2025-02-01"
    )


# -- gbt9704: 机关代字 and the 文号 normaliser ----------------------------------------------------
@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("某纪通", None),
        ("许纪建2", None),
        ("", "机关代字不能为空"),
        ("某纪[通", "机关代字“某纪[通”中不能有括号“[”（年份的六角括号由编号自动加上）"),
        ("某纪〔通", "机关代字“某纪〔通”中不能有括号“〔”（年份的六角括号由编号自动加上）"),
        ("某纪（通）", "机关代字“某纪（通）”中不能有括号“（”（年份的六角括号由编号自动加上）"),
        ("某纪 通", "机关代字“某纪 通”中不能有空格"),
        ("2024", "机关代字“2024”不能只有数字"),
        ("某" * 17, f"机关代字“{'某' * 17}”过长（17 个字），不应超过 16 个字"),
    ],
)
def test_organ_code_problem(code: str, problem: str | None) -> None:
    assert organ_code_problem(code) == problem


@given(st.text(max_size=20))
def test_an_accepted_organ_code_makes_numbers_doc_number_accepts(code: str) -> None:
    if organ_code_problem(code) is None:
        assert DOC_NUMBER.match(f"{code}〔2024〕12号")


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("某纪通 〔2024〕 8号", "某纪通〔2024〕8号"),
        ("某纪通[2024]8号", "某纪通〔2024〕8号"),
        ("某纪通(2024)8号", "某纪通〔2024〕8号"),
        ("某纪通（2024）8号", "某纪通〔2024〕8号"),
        ("某纪通【 2024 】8 号", "某纪通〔2024〕8号"),
        ("某纪通〔2024〕8号", "某纪通〔2024〕8号"),
        ("某纪通[24]8号", "某纪通[24]8号"),  # a short year is not guessed: doc_number_problems says why
    ],
)
def test_normalise_number(typed: str, normal: str) -> None:
    assert normalise_number(typed) == normal


def test_a_normalised_number_is_standard_when_only_spaces_and_brackets_were_wrong() -> None:
    assert doc_number_problems(normalise_number("某纪通 [2024] 8号")) == []
    assert doc_number_problems(normalise_number("某纪通[24]8号")) == [
        "年份应用六角括号“〔〕”括入，不能用“[]”",
        "年份应标全称（如 2024），不能写作“24”",
    ]
