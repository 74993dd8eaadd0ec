"""The registry of document kinds: the standard ones shipped with jiancha plus an office's own."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..errors import UsageError
from .schema import KindSchema, load_schema


def standard_templates_dir() -> Path:
    """Where the shipped templates are: inside the package when installed from a wheel,
    at the top of the repository when running from a checkout or an editable install."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "templates"
    if installed.is_dir():
        return installed
    return package_dir.parent.parent / "templates"


@cache
def _load_dir(folder: Path) -> tuple[KindSchema, ...]:
    if not folder.is_dir():
        return ()
    return tuple(load_schema(p) for p in sorted(folder.glob("*/schema.yaml")))


def all_kinds(extra_dirs: tuple[Path, ...] = ()) -> list[KindSchema]:
    """Every kind, standard first; an office folder may replace a standard kind by id."""
    by_id: dict[str, KindSchema] = {}
    for folder in (standard_templates_dir(), *extra_dirs):
        for kind in _load_dir(folder.resolve()):
            by_id[kind.id] = kind
    return list(by_id.values())


def find_kind(name: str, extra_dirs: tuple[Path, ...] = ()) -> KindSchema:
    """A kind by id, Chinese name or alias."""
    kinds = all_kinds(extra_dirs)
    wanted = name.strip()
    for kind in kinds:
        if wanted in kind.names():
            return kind
    available = "、".join(f"{k.id}（{k.name}）" for k in kinds)
    guess = _closest_kind(wanted, kinds)
    question = f"是否应为“{guess.name}”？" if guess is not None else ""
    raise UsageError(
        f"没有名为“{name}”的文书类型。{question}可用的类型：{available}", hint="用 jiancha kinds 查看全部类型"
    )


def _closest_kind(wanted: str, kinds: list[KindSchema]) -> KindSchema | None:
    """The kind whose id, name or alias is spelt most like ``wanted`` (as click does for
    commands) — only when it is clearly closer than every other kind, so that “通知”, which many
    kinds end with, gets the list and no guess."""
    import difflib

    best: dict[str, tuple[float, KindSchema]] = {}
    for kind in kinds:
        for name in kind.names():
            score = difflib.SequenceMatcher(None, wanted, name).ratio()
            if score > best.get(kind.id, (0.0, kind))[0]:
                best[kind.id] = (score, kind)
    ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
    if not ranked or ranked[0][0] < 0.6:
        return None
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < 0.0999:
        return None
    return ranked[0][1]


def config_name_problems(numbering: dict, defaults: dict, kinds: list[KindSchema]) -> list[str]:
    """Names in jiancha.toml that no kind knows: a [numbering] entry for a kind that does not
    exist would silently number nothing, a [defaults] entry for no field would fill nothing."""
    import difflib

    kind_names = [name for kind in kinds for name in kind.names()]
    problems = []
    for name in numbering:
        if name not in kind_names:
            close = difflib.get_close_matches(name, kind_names, n=1, cutoff=0.5)
            guess = (
                f"，是否应为“{close[0]}”？" if close else f"；文书类型有：{'、'.join(k.name for k in kinds)}"
            )
            problems.append(f"[numbering] 中的“{name}”不是文书类型{guess}")
    field_names = {name for kind in kinds for spec in kind.fields for name in (spec.key, spec.label)}
    for name in defaults:
        if name not in field_names:
            close = difflib.get_close_matches(name, sorted(field_names), n=1, cutoff=0.5)
            guess = f"，是否应为“{close[0]}”？" if close else "（应为字段的中文列名或英文键）"
            problems.append(f"[defaults] 中的“{name}”不是任何文书的字段{guess}")
    return problems
