"""An older edition of the corpus's 监察法, built from its 2024 text by known edits (no tests here).

The edition tests need two editions of one real law whose differences are known exactly. The older
one is made here, never copied from anywhere: the 2024 text with its 强制到案, 责令候查 and 管护
articles left out, two articles worded differently, one article of its own that 2024 no longer has,
the articles renumbered to match, and 2018 dates and 版本 in its front matter.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from jiancha_docs.rules.numerals import article_label, to_int

from .test_rules_support import CORPUS, build, make_workspace

JIANCHA_2024 = CORPUS / "中华人民共和国监察法.md"

# 2024 articles the older edition does not have: 强制到案, 责令候查, 管护
LEFT_OUT = (21, 23, 25)
# 2024 article → (2024 words, older words); each 2024 phrase occurs once in the law
REWORDED = {
    2: ("权威高效的中国特色国家监察体制", "权威高效的国家监察体制"),
    24: ("对涉嫌行贿犯罪或者共同职务犯罪的涉案人员，监察机关可以依照前款规定采取留置措施。\n\n", ""),
}
# an article of the older edition that 2024 deleted, placed before 2024's 第七十六条
DELETED_BEFORE = 76
DELETED_TEXT = "监察机关办理监察事项的情况，应当每年汇总，报上一级监察机关备案。"

FRONT_MATTER = """---
标题: 中华人民共和国监察法
发布日期: 2018-03-20
施行日期: 2018-03-20
版本: 2018年版
---
# 中华人民共和国监察法

（2018年3月20日第十三届全国人民代表大会第一次会议通过）

"""
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零]+)条([ \u3000])")


@dataclass
class OldEdition:
    text: str
    new_of_old: dict[int, int | None] = field(default_factory=dict)  # None: deleted in 2024

    @property
    def old_of_new(self) -> dict[int, int]:
        return {new: old for old, new in self.new_of_old.items() if new is not None}

    def write(self, folder: Path, name: str = "中华人民共和国监察法（2018年）.md") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(self.text, encoding="utf-8")
        return path


def old_edition(source: Path = JIANCHA_2024) -> OldEdition:
    """The older edition, from the 2024 text at ``source``."""
    text = source.read_text(encoding="utf-8")
    for new_words, old_words in REWORDED.values():
        if text.count(new_words) != 1:
            raise AssertionError(f"{source.name} 中“{new_words.strip()}”不是恰好一处；请更新 REWORDED")
        text = text.replace(new_words, old_words)
    body = text[text.index("\n## ") + 1 :]  # from the first chapter: the 2024 title and preamble go
    out: list[str] = []
    mapping: dict[int, int | None] = {}
    skipping = False
    old = 0
    for line in body.splitlines(keepends=True):
        match = _ARTICLE.match(line)
        if line.startswith("#"):
            skipping = False
        elif match:
            new = to_int(match.group(1))
            skipping = new in LEFT_OUT
            if skipping:
                continue
            if new == DELETED_BEFORE:
                old += 1
                mapping[old] = None
                out.append(f"{article_label(old)} {DELETED_TEXT}\n\n")
            old += 1
            mapping[old] = new
            line = article_label(old) + line[match.end() - 1 :]
        if not skipping:
            out.append(line)
    return OldEdition(FRONT_MATTER + "".join(out), mapping)


def index_with_editions(tmp: Path) -> Path:
    """An index of the older edition and the 2024 监察法 (both through the importer) and the 2021
    监察法实施条例; its folder. The caller skips when the corpus is absent."""
    from jiancha_docs.rules.importer import import_file, write_imported

    config = make_workspace(tmp, files=[])
    regs = config.workspace / "regulations"
    for source, name in ((old_edition().write(tmp / "来源"), "监察法2018"), (JIANCHA_2024, "监察法2024")):
        write_imported(import_file(source), regs / name)
    shutil.copy(CORPUS / "中华人民共和国监察法实施条例.md", regs / "实施条例.md")
    build(config)
    return config.index_dir
