"""Write src/jiancha_docs/rules/thesaurus.txt from the texts themselves.

    python bench/build_thesaurus.py [--check]

What the corpus says about its own words, in the synonym table's format (lexicon.py), so that an
office can read, correct and extend it:
  - 简称 ↔ 全称: every "全称（以下简称简称）" the texts define (中央纪律检查委员会国家监察委员会
    派驻纪检监察组（以下简称派驻纪检监察组）), as 简称 = 全称;
  - 《title》 short names the texts use for each other (《中华人民共和国监察法》→ 监察法 is handled
    by the title look-up, so titles are left out here).
--check exits non-zero when the shipped file differs from what the corpus gives.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "src" / "jiancha_docs" / "rules" / "thesaurus.txt"
_SHORT = re.compile(r"([\u4e00-\u9fff（）()、]{2,40})[（(]以下简称[“\"]?([\u4e00-\u9fff]{2,12})[”\"]?[）)]")
_CUT = re.compile(r"[，。；：、“”《》\s]")
HEADER = """# 语料词表（由 bench/build_thesaurus.py 从 ../shared/corpus 的法规原文生成，可以手工修改）。
# 格式与 synonyms.txt 相同：甲 = 乙 同义。本表与 synonyms.txt、单位自己的同义词表合并使用。
# -- 简称 = 全称（原文“……（以下简称……）”）
"""


def pairs() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for path in sorted(CORPUS.glob("*.md")):
        if path.name == "SOURCES.md":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in _SHORT.finditer(line):
                phrase = _CUT.split(match.group(1))[-1].strip("（）()")
                short = match.group(2)
                # the full name: the shortest end of the phrase before it that begins as the
                # short name begins (……中央或者地方纪律检查委员会 → 地方纪律检查委员会)
                starts = [i for i, ch in enumerate(phrase) if ch == short[0]]
                fulls = [phrase[i:] for i in reversed(starts) if len(phrase) - i > len(short)]
                if fulls and fulls[0] != short:
                    found.setdefault(short, fulls[0])
    return sorted(found.items())


def render() -> str:
    lines = [HEADER.rstrip("\n")]
    lines += [f"{short} = {full}" for short, full in pairs()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"没有真实法规文本：{CORPUS}")
    text = render()
    if args.check:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else "thesaurus.txt 与语料不一致，请重新生成")
    OUT.write_text(text, encoding="utf-8")
    print(f"已写入 {OUT}：{text.count(' = ')} 组")


if __name__ == "__main__":
    main()
