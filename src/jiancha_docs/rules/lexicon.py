"""The domain dictionary and the synonym table: the shipped files plus an office's own.

Plain text files users can read and extend (formats in docs/regulation-format.md). Loading them
needs no tokenizer; ``store`` feeds the words to it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import os_reason
from .errors import LexiconError

PACKAGE_DIR = Path(__file__).resolve().parent
DOMAIN_DICT = PACKAGE_DIR / "domain_dict.txt"
SYNONYMS = PACKAGE_DIR / "synonyms.txt"
THESAURUS = PACKAGE_DIR / "thesaurus.txt"  # generated from the corpus by bench/build_thesaurus.py

EQUAL_WEIGHT = 1.0
RELATED_WEIGHT = 0.5
ONE_WAY_WEIGHT = 0.5  # 多久 → 期限: a hint at what the answer says, weaker than a word the user typed

# Question words and fillers a clerk types around the words that matter; they never narrow a search.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "或者",
        "并",
        "就",
        "都",
        "也",
        "还",
        "又",
        "被",
        "把",
        "对",
        "对于",
        "从",
        "向",
        "将",
        "由",
        "于",
        "以",
        "之",
        "其",
        "该",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "哪",
        "哪些",
        "哪个",
        "哪里",
        "什么",
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "为什么",
        "为何",
        "是否",
        "是不是",
        "能否",
        "能不能",
        "可不可以",
        "有没有",
        "要不要",
        "需不需要",
        "需要",
        "要",
        "得",
        "应该",
        "请问",
        "请",
        "一下",
        "一般",
        "相关",
        "有关",
        "关于",
        "规定",
        "方面",
        "问题",
        "情况",
        "时候",
        "时",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "他们",
        "它",
        "谁",
        "几",
        "多少",
        "个",
        "下",
        "上",
        "中",
        "里",
        "后",
        "前",
        "们",
        "吗",
        "嘛",
        "呗",
        "等",
        "等等",
        "啥",
        "咋",
        "怎",
        "办",
        "做",
        "搞",
        "弄",
        "给",
        "让",
        "有",
        "没有",
        "没",
        "不",
        "会",
        "能",
        "可以",
        "可",
        "必须",
        "一定",
        "所",
        "所有",
        "哪些人",
        "由谁",
        "谁来",
        "要求",
        # measure words and prepositions left over from 哪几种、同一个、按什么 (never the subject)
        "种",
        "几种",
        "类",
        "几类",
        "一个",
        "两个",
        "几个",
        "同",
        "按",
        "按照",
    ]
)


@dataclass
class Lexicon:
    words: dict[str, int | None] = field(default_factory=dict)  # word → frequency (None: let jieba choose)
    synonyms: dict[str, dict[str, float]] = field(default_factory=dict)  # word → {expansion: weight}
    files: list[Path] = field(default_factory=list)
    _fingerprint: tuple[Any, str] | None = field(default=None, repr=False, compare=False)

    def fingerprint(self) -> str:
        """Changes when any dictionary or synonym file changes (the index must then be rebuilt);
        the files are read again only when their size or modification time changed."""
        stamp = file_stamp(tuple(self.files))
        if stamp is not None and self._fingerprint is not None and self._fingerprint[0] == stamp:
            return self._fingerprint[1]
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(str(path).encode())
            digest.update(path.read_bytes() if path.is_file() else b"")
        value = digest.hexdigest()[:16]
        self._fingerprint = (stamp, value)
        return value

    def expansions(self, word: str) -> dict[str, float]:
        return self.synonyms.get(word, {})

    def all_words(self) -> set[str]:
        out = set(self.words)
        for word, targets in self.synonyms.items():
            out.add(word)
            out.update(targets)
        return {w for w in out if not re.fullmatch(r"\s*", w)}


_LOADED: dict[tuple[Any, ...], Lexicon] = {}
_LOADED_MAX = 8


def load_lexicon(dictionaries: tuple[Path, ...] = (), synonyms: tuple[Path, ...] = ()) -> Lexicon:
    """The shipped dictionary, synonym table and corpus thesaurus, then the office's files in
    the order given.

    Read once per process while the files stay as they are (same size and modification time):
    a search asks for it every time, an edited synonym file is read again. Callers only read
    the lexicon they get."""
    dictionaries, synonyms = tuple(dictionaries), tuple(synonyms)
    key = file_stamp((DOMAIN_DICT, *dictionaries, SYNONYMS, THESAURUS, *synonyms))
    if key is not None and key in _LOADED:
        return _LOADED[key]
    lexicon = Lexicon()
    for path in (DOMAIN_DICT, *dictionaries):
        _read_dictionary(path, lexicon)
    for path in (SYNONYMS, THESAURUS, *synonyms):
        _read_synonyms(path, lexicon)
    if key is not None:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()
        _LOADED[key] = lexicon
    return lexicon


def file_stamp(paths: tuple[Path, ...]) -> tuple[Any, ...] | None:
    """What tells whether the files changed; None when one cannot be read (then the reading
    itself says why)."""
    out = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            return None
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def table_lines(path: Path) -> list[tuple[int, str]]:
    """The numbered lines of a word table (dictionary, synonyms, concepts), comments and blank
    lines left out; a file that cannot be read is a LexiconError saying why."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise LexiconError(f"词表文件 {path} 不存在", hint="检查 jiancha.toml 中 [rules] 的路径") from e
    except UnicodeDecodeError as e:
        raise LexiconError(f"词表文件 {path} 不是 UTF-8 编码", hint="用记事本另存为 UTF-8") from e
    except OSError as e:
        raise LexiconError(f"无法读取词表文件 {path}：{os_reason(e)}") from e
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append((number, line))
    return out


def _read_dictionary(path: Path, lexicon: Lexicon) -> None:
    lexicon.files.append(path)
    for number, line in table_lines(path):
        parts = line.split()
        freq: int | None = None
        if len(parts) >= 2:
            if not parts[1].isdigit():
                raise LexiconError(f"{path.name} 第 {number} 行：词频“{parts[1]}”应为正整数")
            freq = int(parts[1])
        lexicon.words[parts[0]] = freq


_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")


def _read_synonyms(path: Path, lexicon: Lexicon) -> None:
    lexicon.files.append(path)
    for number, line in table_lines(path):
        where = f"{path.name} 第 {number} 行"
        if _ARROW.search(line):
            left, right = _ARROW.split(line, maxsplit=1)
            sources, targets = _words(left), _words(right)
            if not sources or not targets:
                raise LexiconError(f"{where}：“→”两边都要有词", hint="例如：多久 → 期限 时限")
            for source in sources:
                for target in targets:
                    _link(lexicon, source, target, ONE_WAY_WEIGHT)
            continue
        has_equal, has_related = "=" in line, "≈" in line
        if has_equal and has_related:
            raise LexiconError(f"{where}：同一行不能同时使用“=”和“≈”", hint="同义词和近义词分两行写")
        if not (has_equal or has_related):
            raise LexiconError(f"{where}：没有“=”“≈”或“→”", hint="例如：初核 = 初步核实")
        weight = EQUAL_WEIGHT if has_equal else RELATED_WEIGHT
        groups = [_words(part) for part in line.split("=" if has_equal else "≈")]
        if any(not g for g in groups) or len(groups) < 2:
            raise LexiconError(f"{where}：分隔符两边都要有词")
        # a side may hold several words (党纪政务处分 = 纪律处分 政务处分): link across sides only
        for i, group in enumerate(groups):
            for j, other in enumerate(groups):
                if i != j:
                    for a in group:
                        for b in other:
                            if a != b:
                                _link(lexicon, a, b, weight)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s、，,]+", text.strip()) if w]


def _link(lexicon: Lexicon, source: str, target: str, weight: float) -> None:
    current = lexicon.synonyms.setdefault(source, {})
    current[target] = max(weight, current.get(target, 0.0))
