"""Reading an index generation: its manifest, its parsed regulations, and whether the sources
changed since it was built. The read side of ``indexer``, without what building needs (the
word cutter, forked processes), so that a search loads only this."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import JianchaError
from . import generations
from .errors import IndexCorrupt, IndexOutdated
from .lexicon import load_lexicon
from .model import Regulation
from .sources import RulesConfig, discover_sources

# 2: with the character-bigram index (bigrams.bin); 3: with the word index (words.bin);
# 4: postings keys sorted (bigrams.flat_postings); 5: the names staff use in the catalogue (党章,
# 巡视条例: model.derived_short_titles)
FORMAT = 5
MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- reading a generation ----------------------------------------------------------------------
def read_manifest(generation: Path) -> dict[str, Any]:
    index_dir = generation.parent
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or "catalogue" not in manifest or "sources" not in manifest:
            raise ValueError("manifest")
    except (OSError, ValueError) as e:
        raise IndexCorrupt(
            f"法规索引已损坏：{generation.name} 缺少或无法读取 {MANIFEST}",
            hint=generations.fix_hint(index_dir, True),
        ) from e
    if manifest.get("format") != FORMAT:
        raise IndexOutdated(
            "法规索引由旧版本的 jiancha 建立，需要重建", hint=generations.fix_hint(index_dir, True)
        )
    return manifest


def load_regulation(generation: Path, rid: str) -> Regulation:
    path = generation / "regs" / f"{rid}.json"
    try:
        return Regulation.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as e:
        raise IndexCorrupt(
            f"法规索引已损坏：无法读取 {path.name}", hint=generations.fix_hint(generation.parent, True)
        ) from e


# -- freshness ---------------------------------------------------------------------------------
def stale_sources(config: RulesConfig, manifest: dict[str, Any]) -> list[str]:
    """Files added, changed or removed since the index was built (size and mtime first, the hash
    only for files whose stat differs), and a changed dictionary. Empty when up to date."""
    problems: list[str] = []
    known = manifest.get("sources", {})
    for key, entry in known.items():
        path = Path(key)
        try:
            stat = path.stat()
        except OSError:
            problems.append(f"已删除 {entry.get('display', key)}")
            continue
        if stat.st_size == entry.get("size") and stat.st_mtime_ns == entry.get("mtime_ns"):
            continue
        try:
            if sha256(path.read_bytes()) != entry.get("sha256"):
                problems.append(f"已修改 {entry.get('display', key)}")
        except OSError:
            problems.append(f"无法读取 {entry.get('display', key)}")
    try:
        extra = tuple(Path(p) for p in manifest.get("extra", []) if Path(p).exists())
        sources = discover_sources(config, extra)
    except JianchaError:
        sources = []
    for source in sources:
        if source.key not in known:
            problems.append(f"新文件 {source.display}")
    try:
        if load_lexicon(config.dictionaries, config.synonyms).fingerprint() != manifest.get("lexicon"):
            problems.append("词典或同义词表有改动")
    except JianchaError:
        pass
    return problems
