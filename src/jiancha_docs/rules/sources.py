"""Where regulations come from and where the index goes: the ``[rules]`` table of jiancha.toml.

    [rules]
    index = ".jiancha/rules-index"     # default; relative to the folder of jiancha.toml
    dirs = ["本单位制度", "上级文件"]     # extra folders of regulation files (searched recursively)
    dictionary = "词典.txt"            # extra domain words, one per line
    synonyms = "同义词.txt"            # extra synonym groups
    concepts = "概念表.txt"            # extra 罪名/概念 → defining article lines
    questions = "问法表.txt"           # extra 问法 → answering article lines
    samples = true                     # always include the sample guides shipped with jiancha

Sources, in order: the shipped sample guides, ./regulations of the workspace (the folder of
jiancha.toml, or the current folder) when present, the configured ``dirs``, and any paths given
on the command line. JIANCHA_RULES_INDEX overrides ``index``.

The sample guides are made-up 示例 texts: they are indexed only while the office has no
regulation files of its own, or when asked for (``samples = true`` or ``rules index
--samples``); ``samples = false`` leaves them out even from an empty workspace. Once an office
adds its own files the next index drops the samples, so its results never show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

SKIPPED_NAMES = {"readme.md", "说明.md"}


def standard_regulations_dir() -> Path:
    """The shipped sample guides: inside the package when installed from a wheel, at the top of
    the repository when running from a checkout or an editable install."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "regulations"
    if installed.is_dir():
        return installed
    return package_dir.parent.parent / "regulations"


@dataclass(frozen=True)
class RulesConfig:
    workspace: Path
    index_dir: Path
    dirs: tuple[Path, ...] = ()
    dictionaries: tuple[Path, ...] = ()
    synonyms: tuple[Path, ...] = ()
    concepts: tuple[Path, ...] = ()
    questions: tuple[Path, ...] = ()
    samples: bool = True  # False: never; True: while the office has no files of its own
    samples_always: bool = False  # asked for explicitly: beside the office's own files too


@dataclass(frozen=True)
class SourceFile:
    key: str  # the resolved path: identity across runs
    path: Path
    display: str  # how messages name it


def rules_config(
    settings: Any, index: Path | None = None, cwd: Path | None = None, samples_flag: bool | None = None
) -> RulesConfig:
    """The ``[rules]`` values of the settings ``load_settings`` read, resolved by config's one
    resolver (``index``: the --index flag, ``samples_flag``: --samples). Anything with a ``path`` stands in for Settings."""
    from ..config import Settings

    if not isinstance(settings, Settings):
        settings = Settings(path=getattr(settings, "path", None))
    cwd = (cwd or Path.cwd()).resolve()

    def value(key: str, flag: Any = None) -> Any:
        return settings.resolve("rules", key, flag, cwd).value

    from ..config import DEFAULT

    samples = settings.resolve("rules", "samples", samples_flag, cwd)
    return RulesConfig(
        workspace=settings.workspace or cwd,
        index_dir=value("index", index).resolve(),
        dirs=value("dirs"),
        dictionaries=value("dictionary"),
        synonyms=value("synonyms"),
        concepts=value("concepts"),
        questions=value("questions"),
        samples=samples.value,
        samples_always=samples.value and samples.origin != DEFAULT,
    )


def discover_sources(config: RulesConfig, extra: tuple[Path, ...] = ()) -> list[SourceFile]:
    """Every regulation file, each once, in a stable order."""
    roots: list[Path] = []
    local = config.workspace / "regulations"
    if local.is_dir():
        roots.append(local)
    roots.extend(config.dirs)
    roots.extend(extra)
    own = _collect(roots, config.workspace)
    if config.samples and (config.samples_always or not own):
        samples = _collect([standard_regulations_dir()], config.workspace)
        return list({**samples, **own}.values())
    return list(own.values())


def _collect(roots: list[Path], workspace: Path) -> dict[str, SourceFile]:
    seen: dict[str, SourceFile] = {}
    for root in roots:
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(
                p
                for p in root.rglob("*.md")
                if p.is_file()
                and p.name.lower() not in SKIPPED_NAMES
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
        else:
            raise ConfigError(f"找不到法规文件夹 {root}", hint="检查 jiancha.toml 中 [rules] dirs 的路径")
        for path in files:
            key = path.resolve().as_posix()
            if key not in seen:
                seen[key] = SourceFile(key=key, path=path, display=_display(path, workspace))
    return seen


def _display(path: Path, workspace: Path) -> str:
    resolved = path.resolve()
    samples = standard_regulations_dir().resolve()
    for base, prefix in ((workspace, ""), (samples, "示例/")):
        try:
            return prefix + resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)
