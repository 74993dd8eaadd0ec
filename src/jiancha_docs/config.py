"""Settings: one typed model of jiancha.toml, each value resolved flag → JIANCHA_* → file → default.

Finding the file, as git finds its repository: ``--config``, else JIANCHA_CONFIG, else the first
``jiancha.toml`` in the current folder or one of its parents. A file named by ``--config`` or
JIANCHA_CONFIG must exist. Relative paths in the file are relative to the file's folder (the
workspace); relative paths in the environment or on the command line to the current folder.

The keys (declared once, in the table dataclasses below; unknown tables and keys are errors):

    [defaults]                 # field key or Chinese label → value, for every kind that has the field
    discipline_organ = "中共某某市纪律检查委员会"
    "监委名称" = "某某市监察委员会"          # a Chinese key needs quotes in TOML

    [kinds]
    dirs = ["本单位模板"]        # extra folders of kind folders (schema.yaml + .docx); JIANCHA_KINDS_DIRS
    all_organ_marks = false      # joint 信函式 letters: every organ's mark, not only the 主办机关's (10.1);
                                 # --all-organ-marks, JIANCHA_ALL_ORGAN_MARKS

    [numbering]                # 机关代字 per kind (id or Chinese name), or per sub-type
    reform_notice = "某纪改"
    recommendation = { "纪律检查建议" = "某纪建", "监察建议" = "某监建", "纪检监察建议" = "某纪监建" }

    [columns."以案促改通知书"]   # office header → field label or key, for an office's own spreadsheets
    "被通知单位" = "主送单位"

    [ledger]
    db = ".jiancha/ledger.sqlite3"   # the 文号 ledger; --db, JIANCHA_DB. Named here, it must exist.
    url = "postgresql://jiancha@server/jiancha"   # the office server's ledger instead; JIANCHA_DB=postgresql://…

    [rules]
    index = ".jiancha/rules-index"   # the regulations index; --index, JIANCHA_RULES_INDEX
    dirs = ["本单位制度"]              # extra folders of regulation files
    dictionary = "词典.txt"           # extra domain words, one per line
    synonyms = "同义词.txt"           # extra synonym groups
    concepts = "概念表.txt"           # extra 罪名/概念 → defining article lines (rules/concepts.txt)
    questions = "问法表.txt"          # extra 问法 → answering article lines (rules/questions.txt)
    samples = true                   # include the sample guides shipped with jiancha
    accuser_words = ["爆料人"]        # more words that identify an accuser (kinds/accuser_words.txt)

    [office]
    short_name = "市纪委监委"          # the office in running text: 经市纪委监委主要负责同志批准

    [calendar]                 # 放假 and 调休 days for years chinese-calendar does not know yet
    holidays = ["2027-01-01"]
    workdays = ["2027-02-14"]
    years = [2027]

Environment only: JIANCHA_TODAY (YYYY-MM-DD) stands in for today, for rehearsals and tests.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_NAME = "jiancha.toml"
DEFAULT_LEDGER = Path(".jiancha") / "ledger.sqlite3"
DEFAULT_RULES_INDEX = Path(".jiancha") / "rules-index"

# Where a resolved value came from.
FLAG, ENV, CONFIG, DEFAULT = "flag", "env", "config", "default"


# -- options: how each key is declared and checked (after mkdocs' config_options) --------------
class Invalid(ValueError):
    """A value that does not fit its option; ``where`` is the key path below the option's key."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class Option:
    """One key of jiancha.toml: what it means, what it must be, its variable and its default."""

    expected = ""  # completes "…应为": the form the value must have

    def __init__(self, meaning: str, *, env: str | None = None, default: Any = None) -> None:
        self.meaning = meaning
        self.env = env
        self.default = default

    def check(self, value: Any, base: Path) -> Any:
        """The value as Settings holds it (paths made absolute against ``base``), or Invalid."""
        raise NotImplementedError

    def from_env(self, text: str) -> Any:
        """The value of the option's JIANCHA_* variable; paths stay relative to the current folder."""
        raise NotImplementedError

    def default_for(self, base: Path) -> Any:
        return self.default


class FilePath(Option):
    expected = "文件或文件夹路径（文字）"

    def check(self, value: Any, base: Path) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"应为{self.expected}")
        return (base / value).resolve()

    def from_env(self, text: str) -> Path:
        return Path(text)

    def default_for(self, base: Path) -> Path:
        return base / Path(self.default)


class PathList(Option):
    expected = "路径或路径列表"

    def check(self, value: Any, base: Path) -> tuple[Path, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise Invalid(f"应为{self.expected}")
        return tuple((base / v).resolve() for v in items)

    def from_env(self, text: str) -> tuple[Path, ...]:
        return tuple(Path(p) for p in text.split(os.pathsep) if p)

    def default_for(self, base: Path) -> tuple[Path, ...]:
        return ()


class Words(Option):
    expected = "文字列表"

    def check(self, value: Any, base: Path) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise Invalid(f'应为{self.expected}，如 ["爆料人"]')
        return tuple(v.strip() for v in items)

    def default_for(self, base: Path) -> tuple[str, ...]:
        return ()


class Text(Option):
    expected = "文字"

    def check(self, value: Any, base: Path) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"应为{self.expected}")
        return value.strip()


class Flag(Option):
    expected = " true 或 false"  # a space between Chinese and Latin text

    def check(self, value: Any, base: Path) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"应为{self.expected}")
        return value

    def from_env(self, text: str) -> bool:
        word = text.strip().lower()
        if word in ("1", "true", "yes"):
            return True
        if word in ("0", "false", "no"):
            return False
        raise ConfigError(f"环境变量 {self.env} 的值“{text}”无效，应为 1 或 0（true 或 false）")


class Seconds(Option):
    expected = " 0 至 3600 之间的秒数"

    def check(self, value: Any, base: Path) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600:
            raise Invalid(f"应为{self.expected}")
        return float(value)

    def from_env(self, text: str) -> float:
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 3600:
            raise ConfigError(f"环境变量 {self.env} 的值“{text}”无效，应为{self.expected}")
        return seconds


class ServerUrl(Option):
    expected = "以 postgresql:// 开头的台账服务器地址"

    def check(self, value: Any, base: Path) -> str:
        if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
            raise Invalid(f"应为{self.expected}")
        return value


class Passed(Option):
    """A value another module checks, naming the file (the [calendar] lists: calendar.py)."""

    expected = "列表"

    def check(self, value: Any, base: Path) -> Any:
        if not isinstance(value, list):
            raise Invalid(f"应为{self.expected}")
        return value


class FreeTable(Option):
    """A table whose keys the office chooses; ``value`` says why one value is wrong (or None)."""

    def __init__(self, meaning: str, value: Callable[[Any], str | None]) -> None:
        super().__init__(meaning, default={})
        self.value_problem = value

    def check(self, value: Any, base: Path) -> dict[str, Any]:
        for key, item in value.items():
            problem = self.value_problem(item)
            if problem:
                raise Invalid(problem, toml_key(key))
        return dict(value)


def option(declared: Option) -> Any:
    """A table dataclass field declared by its option; None in the file model means "not set"."""
    return field(default=None, metadata={"option": declared})


def table(declared: type | Option) -> Any:
    """A top-level table of ConfigFile: a dataclass of fixed keys, or a FreeTable."""
    if isinstance(declared, Option):
        return field(default_factory=dict, metadata={"table": declared})
    return field(default_factory=declared, metadata={"table": declared})


# -- value checks of the free tables -----------------------------------------------------------
def _default_problem(value: Any) -> str | None:
    if isinstance(value, dict):
        return "应为字段的值（文字、数字、日期或列表），不能是表；中文键名要加引号"
    return None


def _numbering_problem(value: Any) -> str | None:
    from .gbt9704 import organ_code_problem

    if isinstance(value, str):
        return organ_code_problem(value)
    if isinstance(value, dict) and value:
        for subtype, code in value.items():
            if not isinstance(code, str):
                return f"中“{subtype}”的机关代字应为文字"
            problem = organ_code_problem(code)
            if problem:
                return f"中“{subtype}”：{problem}"
        return None
    return '应为机关代字，或“类型 = 机关代字”的表，如 { "监察建议" = "某监建" }'


def _columns_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "应为“表头 = 字段名”的表"
    wrong = next((header for header, name in value.items() if not isinstance(name, str) or not name), None)
    if wrong is not None:
        return f"中表头“{wrong}”应对应字段的中文列名或英文键（文字）"
    return None


# -- the file model: one dataclass per table ---------------------------------------------------
@dataclass(frozen=True)
class KindsTable:
    dirs: tuple[Path, ...] | None = option(
        PathList("存放本单位文书类型（schema.yaml 与 Word 模板）的文件夹", env="JIANCHA_KINDS_DIRS")
    )
    # GB/T 9704 10.1: a joint 信函式 letter shows only the 主办机关's mark; an office may want all.
    all_organ_marks: bool | None = option(
        Flag(
            "联合行文的信函式文书是否印出全部发文机关标志（默认只印主办机关的）",
            env="JIANCHA_ALL_ORGAN_MARKS",
            default=False,
        )
    )


@dataclass(frozen=True)
class LedgerTable:
    db: Path | None = option(FilePath("文号台账文件", env="JIANCHA_DB", default=DEFAULT_LEDGER))
    # The office server's ledger (PostgreSQL); JIANCHA_DB=postgresql://… names it too.
    url: str | None = option(
        ServerUrl("台账服务器（PostgreSQL）地址，如 postgresql://jiancha@台账服务器/jiancha")
    )
    wait: float | None = option(
        Seconds("台账正被其他程序使用时最多等待的秒数", env="JIANCHA_LEDGER_WAIT", default=30.0)
    )
    approval: bool | None = option(
        Flag("印发前须登记审核、审批（jiancha ledger review/approve）", default=False)
    )
    fonds: str | None = option(Text("立卷归档的全宗号（DA/T 13），如 J012"))
    archive_unit: str | None = option(Text("立卷归档的立档单位名称"))
    archive_code: str | None = option(Text("档号中的机构（问题）代码，如 JJ"))


@dataclass(frozen=True)
class RulesTable:
    index: Path | None = option(
        FilePath("法规索引文件夹", env="JIANCHA_RULES_INDEX", default=DEFAULT_RULES_INDEX)
    )
    dirs: tuple[Path, ...] | None = option(PathList("本单位法规文件夹（含子文件夹）"))
    dictionary: tuple[Path, ...] | None = option(PathList("补充词典，每行一个词"))
    synonyms: tuple[Path, ...] | None = option(PathList("补充同义词组"))
    concepts: tuple[Path, ...] | None = option(PathList("补充概念表：罪名、概念 → 规定它的条文"))
    questions: tuple[Path, ...] | None = option(PathList("补充问法表：工作人员的问法 → 回答它的条文"))
    samples: bool | None = option(Flag("是否编入随 jiancha 提供的示例工作指引", default=True))
    # Extra words that identify an accuser (kinds/accuser_words.txt holds the shipped ones).
    accuser_words: tuple[str, ...] | None = option(Words("另外禁止出现的可识别举报人身份的词语"))


@dataclass(frozen=True)
class OfficeTable:
    # How documents name the office in running text: 经{short_name}主要负责同志批准.
    short_name: str | None = option(Text("本机关简称，如 市纪委监委（用于“经市纪委监委主要负责同志批准”）"))


@dataclass(frozen=True)
class CalendarTable:
    holidays: list[Any] | None = option(Passed("国务院公布的放假日（内置日历没有的年份）"))
    workdays: list[Any] | None = option(Passed("调休上班日"))
    years: list[Any] | None = option(Passed("此表完整覆盖的年份"))


@dataclass(frozen=True)
class ConfigFile:
    """jiancha.toml as read and checked; absent keys are None (absent free tables empty)."""

    defaults: dict[str, Any] = table(
        FreeTable("字段的默认值（键为字段的中文列名或英文键）", _default_problem)
    )
    kinds: KindsTable = table(KindsTable)
    numbering: dict[str, Any] = table(FreeTable("各类文书的机关代字", _numbering_problem))
    columns: dict[str, dict[str, str]] = table(FreeTable("本单位表头与字段的对应", _columns_problem))
    ledger: LedgerTable = table(LedgerTable)
    rules: RulesTable = table(RulesTable)
    calendar: CalendarTable = table(CalendarTable)
    office: OfficeTable = table(OfficeTable)


TABLES: dict[str, Any] = {f.name: f.metadata["table"] for f in fields(ConfigFile)}


def declared(table_name: str, key: str) -> Option:
    """The option declared for ``[table_name] key``."""
    spec = next(f for f in fields(TABLES[table_name]) if f.name == key)
    found: Option = spec.metadata["option"]
    return found


def toml_key(key: str) -> str:
    """A key as it is written in TOML: bare when it can be, quoted otherwise."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace('"', '\\"') + '"'


def _suggestion(name: str, choices: list[str], shown: Callable[[str], str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"，是否应为 {shown(close[0])}？" if close else ""


def parse_config(data: dict[str, Any], path: Path) -> ConfigFile:
    """Check the parsed TOML of ``path`` against the declarations; the first problem is an error
    naming the file, the table and the key."""
    base = path.parent.resolve()
    tables: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in TABLES:
            raise ConfigError(
                f"配置文件 {path} 有未知的表 [{toml_key(name)}]"
                + _suggestion(name, list(TABLES), lambda n: f"[{n}]"),
                hint="可用的表：" + "、".join(f"[{n}]" for n in TABLES),
            )
        if not isinstance(raw, dict):
            raise ConfigError(f"配置文件 {path} 的 [{name}] 应为键值表")
        declaration = TABLES[name]
        try:
            if isinstance(declaration, Option):
                tables[name] = declaration.check(raw, base)
            else:
                tables[name] = _parse_fixed(declaration, name, raw, base, path)
        except Invalid as e:
            where = f"[{name}] {e.where}".rstrip()
            # "… 的 [rules] samples 应为 true 或 false", "… 的 [numbering] 澄清说明：机关代字…"
            joiner = " " if e.message.startswith(("应为", "中")) else "："
            raise ConfigError(f"配置文件 {path} 的 {where}{joiner}{e.message}") from None
    return ConfigFile(**tables)


def _parse_fixed(cls: type, name: str, raw: dict[str, Any], base: Path, path: Path) -> Any:
    options = {f.name: f.metadata["option"] for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in options:
            raise ConfigError(
                f"配置文件 {path} 的 [{name}] 有未知的键 {toml_key(key)}"
                + _suggestion(key, list(options), str),
                hint=f"[{name}] 可用的键：" + "、".join(options),
            )
        try:
            values[key] = options[key].check(value, base)
        except Invalid as e:
            raise Invalid(e.message, key) from None
    return cls(**values)


# -- settings: the resolved values -------------------------------------------------------------
@dataclass(frozen=True)
class Resolved:
    value: Any
    origin: str  # FLAG | ENV | CONFIG | DEFAULT
    env: str | None = None  # the variable, when origin is ENV


@dataclass(frozen=True)
class LedgerLocation:
    path: Path
    origin: str  # "flag" | "env" | "config" | "default"
    # False when jiancha.toml names the ledger ([ledger] db, as `jiancha init` writes): then a
    # missing or empty file is an error, never silently re-created.
    may_create: bool
    url: str | None = None  # the office server's ledger (PostgreSQL), when one is named

    @property
    def target(self) -> Path | str:
        """What open_ledger takes: the server's URL, else the file."""
        return self.url or self.path


@dataclass(frozen=True)
class Settings:
    path: Path | None = None  # the jiancha.toml in use
    file: ConfigFile = field(default_factory=ConfigFile)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    origin: str = DEFAULT  # how the file was chosen: FLAG (--config), ENV (JIANCHA_CONFIG), CONFIG (found)
    searched: tuple[Path, ...] = ()  # the folders looked in, when no file was found

    @property
    def workspace(self) -> Path | None:
        """The folder of jiancha.toml, against which its relative paths count."""
        return self.path.resolve().parent if self.path else None

    def resolve(self, table_name: str, key: str, flag: Any = None, cwd: Path | None = None) -> Resolved:
        """The one resolver: command-line flag → JIANCHA_* variable → jiancha.toml → default.

        Defaults count from the workspace, or without one from ``cwd`` (relative when None).
        """
        declaration = declared(table_name, key)
        if flag is not None:
            return Resolved(flag, FLAG)
        text = os.environ.get(declaration.env) if declaration.env else None
        if text:
            return Resolved(declaration.from_env(text), ENV, declaration.env)
        value = getattr(getattr(self.file, table_name), key)
        if value is not None:
            return Resolved(value, CONFIG)
        return Resolved(declaration.default_for(self.workspace or cwd or Path()), DEFAULT)

    @property
    def defaults(self) -> dict[str, Any]:
        return self.file.defaults

    @property
    def numbering(self) -> dict[str, Any]:
        return self.file.numbering

    @property
    def columns(self) -> dict[str, dict[str, str]]:
        return self.file.columns

    @property
    def rules(self) -> dict[str, Any]:
        """The [rules] table as written; rules/sources.py reads the resolved values instead."""
        table: dict[str, Any] = self.raw.get("rules", {})
        return table

    @property
    def accuser_words(self) -> tuple[str, ...]:
        """[rules] accuser_words: the office's own words refused where the accuser is protected."""
        return self.file.rules.accuser_words or ()

    @property
    def office_short_name(self) -> str | None:
        """[office] short_name: how documents name the office in running text (市纪委监委)."""
        return self.file.office.short_name

    @property
    def kind_dirs(self) -> tuple[Path, ...]:
        dirs: tuple[Path, ...] = self.resolve("kinds", "dirs").value
        return dirs

    def all_organ_marks(self, flag: bool | None = None) -> bool:
        """--all-organ-marks → JIANCHA_ALL_ORGAN_MARKS → [kinds] all_organ_marks → False."""
        value: bool = self.resolve("kinds", "all_organ_marks", flag).value
        return value

    @property
    def ledger_db(self) -> Path | None:
        return self.file.ledger.db

    def ledger_location(self, explicit: Path | None = None) -> LedgerLocation:
        """--db → JIANCHA_DB → [ledger] db → .jiancha/ledger.sqlite3 of the workspace (or ./)."""
        where = self.resolve("ledger", "db", explicit)
        url = None
        if where.origin == ENV and os.environ.get("JIANCHA_DB", "").startswith(
            ("postgresql://", "postgres://")
        ):
            url = os.environ["JIANCHA_DB"]
        elif where.origin in (CONFIG, DEFAULT) and self.file.ledger.url:
            url = self.file.ledger.url
        if url is not None:
            from .ledger.postgres import server_name

            return LedgerLocation(Path(server_name(url)), ENV if where.origin == ENV else CONFIG, False, url)
        return LedgerLocation(where.value, where.origin, may_create=where.origin != CONFIG)

    def ledger_path(self, explicit: Path | None = None) -> Path:
        return self.ledger_location(explicit).path

    @property
    def calendar(self) -> dict[str, Any]:
        """The [calendar] table as written (calendar.calendar_from_table checks its dates)."""
        table = self.file.calendar
        return {
            name: getattr(table, name) for name in ("holidays", "workdays", "years") if getattr(table, name)
        }

    @property
    def ledger_approval(self) -> bool:
        """[ledger] approval: 审核 and 审批 on record before a document is delivered."""
        return bool(self.file.ledger.approval)

    @property
    def archive(self) -> dict[str, str]:
        """The [ledger] archive settings: 全宗号, 立档单位, 机构代码 (archive.py has the defaults)."""
        table = self.file.ledger
        values = {"fonds": table.fonds, "unit": table.archive_unit, "code": table.archive_code}
        return {k: v for k, v in values.items() if v}

    @property
    def ledger_wait(self) -> float:
        """How long a command waits for a ledger another program holds: JIANCHA_LEDGER_WAIT →
        [ledger] wait → 30 seconds."""
        seconds: float = self.resolve("ledger", "wait").value
        return seconds


def find_config(start: Path) -> tuple[Path | None, tuple[Path, ...]]:
    """The first jiancha.toml in ``start`` or a parent folder, and the folders looked in."""
    searched = []
    folder = Path(os.path.abspath(start))  # ".." resolved by name: parents are lexical
    for candidate in (folder, *folder.parents):
        searched.append(candidate)
        if (candidate / CONFIG_NAME).is_file():
            return candidate / CONFIG_NAME, tuple(searched)
    return None, tuple(searched)


def load_settings(explicit: Path | None = None, cwd: Path | None = None) -> Settings:
    """Find, read and check the config file; none found means defaults, a broken one is an error."""
    env_path = os.environ.get("JIANCHA_CONFIG")
    if explicit is not None or env_path:
        path = explicit if explicit is not None else Path(env_path or "")
        origin = FLAG if explicit is not None else ENV
        if not path.is_file():
            named = "由 --config 指定" if origin == FLAG else "由环境变量 JIANCHA_CONFIG 指定"
            raise ConfigError(f"找不到配置文件 {path}（{named}）")
        searched: tuple[Path, ...] = ()
    else:
        found, searched = find_config(cwd or Path.cwd())
        if found is None:
            return Settings(searched=searched)
        path, origin = found, CONFIG
    data = read_toml(path)
    return Settings(path=path, file=parse_config(data, path), raw=data, origin=origin, searched=searched)


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"无法读取配置文件 {path}：{e}") from e
    except tomllib.TOMLDecodeError as e:
        where = re.search(r"line (\d+), column (\d+)", str(e))
        at = f"第 {where.group(1)} 行第 {where.group(2)} 列附近有语法错误" if where else "有语法错误"
        raise ConfigError(
            f"配置文件 {path} 格式有误：{at}",
            hint='中文键名要加引号，例如 "纪委名称" = "中共某某市纪律检查委员会"',
        ) from e


def today() -> dt.date:
    """Today, or JIANCHA_TODAY (YYYY-MM-DD) for rehearsals and tests."""
    value = os.environ.get("JIANCHA_TODAY", "").strip()
    if not value:
        return dt.date.today()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"环境变量 JIANCHA_TODAY 的值“{value}”不是有效日期，应为 YYYY-MM-DD 形式，如 2025-02-01"
        ) from None
