"""Checker profiles: the GB/T 9704 numbers a document is held to, with their tolerances.

Built in: 文件式 and 信函式 (the standard, ± 1 mm), 地方 (common local practice: a 27 mm bottom
margin, 20-line pages with lines up to 32.5 pt), and 自动 (文件式 or 信函式, whichever the document
is). An office describes its own practice in a small TOML file and passes its path:

    name = "某市纪委"                # shown in the report
    base = "文件式"                  # 文件式、信函式、地方 or 自动: the values not set here
    bottom_margin_mm = [26, 28]      # [lowest, highest]
    line_pitch_pt = [28, 30]
    page_number_sides = false        # accept a centred page number
    [fonts]                          # more accepted names per standard font
    "仿宋" = ["方正仿宋_GBK"]          # a Chinese key needs quotes in TOML
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .. import layout as std
from ..errors import UsageError

OFFICIAL = "文件式"
LETTER = "信函式"
AUTO = "自动"
LOCAL = "地方"

Range = tuple[float, float]

# Names (lower case substrings) accepted as each standard font family.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "仿宋": ("仿宋", "fangsong"),
    "黑体": ("黑体", "simhei", "heiti"),
    "楷体": ("楷体", "kaiti", "楷"),
    "小标宋": ("小标宋", "xiaobiaosong"),
    "宋体": ("宋体", "simsun", "songti"),
}


# GB/T 9704 5.2.1: each margin ± 1 mm.
_STANDARD_MARGINS: dict[str, Range] = {
    side: (mm - std.MARGIN_TOLERANCE_MM, mm + std.MARGIN_TOLERANCE_MM) for side, mm in std.MARGINS_MM.items()
}


@dataclass(frozen=True)
class Profile:
    name: str
    layout: str | None  # 文件式 / 信函式, or None: detected from the document
    description: str
    paper_mm: tuple[float, float] = (std.PAGE_WIDTH_MM, std.PAGE_HEIGHT_MM)
    paper_tolerance_mm: float = std.PAPER_TOLERANCE_MM
    margins_mm: dict[str, Range] = field(default_factory=lambda: dict(_STANDARD_MARGINS))
    line_pitch_pt: Range = std.LINE_PITCH_RANGE_PT
    first_line_chars: Range = (1.85, 2.15)  # 2 characters, first line of a body paragraph
    body_pt: float = std.BODY_PT  # 3号
    title_pt: float = std.TITLE_PT  # 2号
    imprint_pt: float = std.IMPRINT_PT  # 4号: 抄送, 印发, page numbers
    page_number_sides: bool = True  # odd pages right, even pages left
    fonts: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(FONT_FAMILIES))

    def with_layout(self, layout: str) -> Profile:
        return dataclasses.replace(self, layout=layout)

    def accepts_font(self, family: str, font_name: str | None) -> bool:
        if not font_name:
            return False
        folded = font_name.casefold()
        return any(keyword.casefold() in folded for keyword in self.fonts.get(family, (family,)))


_STANDARD = "GB/T 9704-2012：页边 ± 1 mm，行距 28–30 磅"
PROFILES: dict[str, Profile] = {
    AUTO: Profile(AUTO, None, f"按文件自动判断文件式或信函式；{_STANDARD}"),
    OFFICIAL: Profile(OFFICIAL, OFFICIAL, f"文件式；{_STANDARD}"),
    LETTER: Profile(LETTER, LETTER, f"信函式（首页无页码、无版记分隔线）；{_STANDARD}"),
    LOCAL: Profile(
        LOCAL,
        None,
        "地方常见做法：下白边 26–36 mm（如 27 mm），行距 28–32.5 磅（每页 20–22 行），其余同国标",
        margins_mm={**_STANDARD_MARGINS, "bottom": (26, std.MARGIN_BOTTOM_MM + std.MARGIN_TOLERANCE_MM)},
        line_pitch_pt=(28, 32.5),
    ),
}
ALIASES = {"auto": AUTO, "official": OFFICIAL, "letter": LETTER, "local": LOCAL}

_RANGE_KEYS = {
    "top_margin_mm": "top",
    "bottom_margin_mm": "bottom",
    "left_margin_mm": "left",
    "right_margin_mm": "right",
}
_KEYS = {
    "name",
    "base",
    "description",
    "line_pitch_pt",
    "first_line_chars",
    "page_number_sides",
    "fonts",
} | set(_RANGE_KEYS)


def load_profile(spec: str | None) -> Profile:
    """A built-in profile by name (Chinese or English), or a TOML file's."""
    if spec is None:
        return PROFILES[AUTO]
    name = ALIASES.get(spec.casefold(), spec)
    if name in PROFILES:
        return PROFILES[name]
    path = Path(spec)
    if path.suffix.lower() == ".toml" or path.is_file():
        return _from_toml(path)
    raise UsageError(
        f"没有名为“{spec}”的检查规则",
        hint=f"可用：{'、'.join(PROFILES)}，或本单位规则文件（.toml）的路径",
    )


def _from_toml(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise UsageError(f"找不到检查规则文件 {path}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"无法读取检查规则文件 {path}：{e}") from e
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"检查规则文件 {path} 格式有误：{e}") from e
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise UsageError(
            f"检查规则文件 {path} 中有无法识别的设置：{'、'.join(unknown)}",
            hint=f"可用的设置：{'、'.join(sorted(_KEYS))}",
        )
    base_name = data.get("base", AUTO)
    base_name = ALIASES.get(str(base_name).casefold(), base_name)
    if base_name not in PROFILES:
        raise UsageError(f"检查规则文件 {path}：base 应为 {'、'.join(PROFILES)} 之一，而不是“{base_name}”")
    profile = PROFILES[base_name]
    margins = dict(profile.margins_mm)
    for key, side in _RANGE_KEYS.items():
        if key in data:
            margins[side] = _range(data[key], key, path)
    changes: dict = {
        "name": str(data.get("name", path.stem)),
        "description": str(data.get("description", f"{path.name}（基于{base_name}）")),
        "margins_mm": margins,
    }
    for key in ("line_pitch_pt", "first_line_chars"):
        if key in data:
            changes[key] = _range(data[key], key, path)
    if "page_number_sides" in data:
        if not isinstance(data["page_number_sides"], bool):
            raise UsageError(f"检查规则文件 {path}：page_number_sides 应为 true 或 false")
        changes["page_number_sides"] = data["page_number_sides"]
    if "fonts" in data:
        fonts = dict(profile.fonts)
        table = data["fonts"]
        if not isinstance(table, dict):
            raise UsageError(f"检查规则文件 {path}：[fonts] 应为“字体 = [名称, …]”的表")
        for family, names in table.items():
            if (
                family not in fonts
                or not isinstance(names, list)
                or not all(isinstance(n, str) for n in names)
            ):
                raise UsageError(
                    f"检查规则文件 {path}：[fonts] 中的“{family}”无效",
                    hint=f'可用的字体：{"、".join(fonts)}；值为名称列表，如 "仿宋" = ["方正仿宋_GBK"]（中文键名要加引号）',
                )
            fonts[family] = (*fonts[family], *names)
        changes["fonts"] = fonts
    return dataclasses.replace(profile, **changes)


def _range(value: object, key: str, path: Path) -> Range:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return (float(value[0]), float(value[1]))
    raise UsageError(f"检查规则文件 {path}：{key} 应为 [最小值, 最大值]，例如 [26, 28]")
