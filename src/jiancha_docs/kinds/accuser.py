"""Accuser protection: find what identifies whoever made an accusation (检举控告人) in a text.

《纪检监察机关处理检举控告工作规则》第四十七条: the accuser's name, unit, address and the like
must be kept strictly confidential. A kind with ``protect_accuser: true`` (the 澄清, 函询, 提醒 and
诫勉 kinds) refuses any column name and any free-text value in which this module finds

* an accuser word (``accuser_words.txt``, plus ``[rules] accuser_words`` in jiancha.toml), or
* a name in an accuser-like phrase: 王某某举报, 据李某反映, 举报人为张某.

Text is compared after normalisation: NFKC (full-width letters, compatibility forms), traditional
→ simplified (zhconv), spaces, zero-width characters and joiners removed, Latin lower-cased. So
举 报 人, 举\\u200b报人, 舉報人, ＲＥＰＯＲＴＥＲ and "ju bao ren" are all found. The accused
(被举报人, 被检举控告人, 被反映人 …) is not the accuser and is masked first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("accuser_words.txt")

# The legal basis every refusal names.
BASIS = "《纪检监察机关处理检举控告工作规则》第四十七条"
# What that article requires, as the messages say it (the article's own words, shortened).
REQUIREMENT = "检举控告人的姓名、工作单位、住址等有关情况必须严格保密"

# Removed before matching: whitespace (NFKC has made U+3000 a space), zero-width characters,
# the soft hyphen, and joiners a clerk might slip between characters.
_INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff·・•‧_*\-]")
# The accused, not the accuser: masked before the words are looked for.
_ACCUSED = re.compile(r"被(?:检举控告|检举|举报|控告|揭发|投诉|反映|告发|信访)(?:人|者|对象|单位)")
_VERB = r"(?:举报|检举|控告|揭发|投诉|告发)"
_MOU_NAME = r"[\u4e00-\u9fff]{1,2}某{1,2}"  # 王某某, 欧阳某: how documents write a name
# The hundred commonest surnames, for real names after 据/由/经/系 (据王强反映).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
_REAL_NAME = rf"[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}"
_TITLE = r"(?:同志|先生|女士)?"
_NAME_PHRASES = re.compile(
    "|".join(
        (
            # 王某某举报 / 王某某实名举报 / 王某某来信反映称
            rf"{_MOU_NAME}{_TITLE}(?:实名)?(?:来信|来电|来访)?(?:{_VERB}|反映称|来信反映)",
            # 据王强反映 / 由李某来信举报 / 经张某检举
            rf"(?:据|由|经|系){_REAL_NAME}{_TITLE}(?:实名)?(?:来信|来电|来访|向\S{{1,6}}?)?(?:{_VERB}|反映)",
            rf"(?:据|由|经|系){_MOU_NAME}{_TITLE}(?:实名)?(?:来信|来电|来访|向\S{{1,6}}?)?(?:{_VERB}|反映)",
            # 举报者为王某某 / 投诉方是李某
            rf"{_VERB}(?:者|方|一方)?(?:为|系|是){_MOU_NAME}",
            rf"{_VERB}(?:者|方|一方)?(?:为|系|是){_REAL_NAME}",
        )
    )
)


@dataclass(frozen=True)
class AccuserHit:
    """What was found: the word (as the list has it, or the phrase), and the text as written."""

    word: str
    written: str

    def describe(self) -> str:
        if self.written and self.written != self.word:
            shown = "".join(
                f"<U+{ord(c):04X}>" if _INVISIBLE.match(c) and not c.isspace() else c for c in self.written
            )
            return f"“{self.word}”（原文“{shown}”）"
        return f"“{self.word}”"


def normalise(text: str) -> str:
    """The form texts are compared in: NFKC, simplified, lower-case, nothing invisible."""
    return _normalise_mapped(text)[0]


def _normalise_mapped(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, for each of its characters, the index of the original character
    it came from (None when conversion changed the length, so the map would be wrong)."""
    import zhconv

    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        for out in folded:
            pieces.append(out)
            origin.append(index)
    folded_text = "".join(pieces)
    simplified = zhconv.convert(folded_text, "zh-hans") if _has_han(folded_text) else folded_text
    mapping: list[int] | None = origin if len(simplified) == len(folded_text) else None
    kept: list[str] = []
    kept_origin: list[int] = []
    for position, char in enumerate(simplified):
        if _INVISIBLE.match(char):
            continue
        kept.append(char)
        if mapping is not None:
            kept_origin.append(mapping[position])
    return "".join(kept), (kept_origin if mapping is not None else None)


def _has_han(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


@cache
def default_words() -> tuple[str, ...]:
    words = []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line)
    return tuple(words)


@cache
def _matcher(extra: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of every word, longest first, each normalised as the texts are."""
    words = {normalise(w) for w in (*default_words(), *extra)}
    words.discard("")
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered))


def find_accuser(text: str, extra_words: Iterable[str] = ()) -> AccuserHit | None:
    """The first accuser word or accuser-like name phrase in ``text``, or None."""
    if not text:
        return None
    normalised, origin = _normalise_mapped(str(text))
    masked = _ACCUSED.sub(lambda m: "□" * len(m.group(0)), normalised)
    extra = tuple(sorted({str(w) for w in extra_words if str(w).strip()}))
    for pattern in (_matcher(extra), _NAME_PHRASES):
        match = pattern.search(masked)
        if match is not None:
            written = ""
            if origin is not None:
                written = str(text)[origin[match.start()] : origin[match.end() - 1] + 1]
            return AccuserHit(match.group(0), written)
    return None


def refusal(hit: AccuserHit) -> str:
    """The Chinese message for a value or column refused for ``hit``."""
    return (
        f"含有可识别检举控告人身份的内容{hit.describe()}，请删去后重新生成"
        f"（依据{BASIS}，{REQUIREMENT}）；本条记录未生成文书"
    )
