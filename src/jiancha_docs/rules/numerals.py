"""Chinese numerals in article numbers: 第二百零三条 ↔ 203 (cn2an, imported only when needed)."""

from __future__ import annotations

from functools import lru_cache

_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=4096)
def to_int(numeral: str) -> int:
    """``二百零三`` → 203, ``203`` or ``２０３`` → 203. ValueError for anything else."""
    text = numeral.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        raise ValueError(numeral)
    if text.isdigit():
        return int(text)
    text = text.replace("〇", "零").replace("两", "二")
    if all(ch in _DIGITS for ch in text) and len(text) > 1:
        # 一〇三 written digit by digit
        return int("".join(str(_DIGITS.index(ch)) for ch in text))
    import cn2an

    try:
        value = cn2an.cn2an(text, "strict")
    except (ValueError, KeyError) as e:
        raise ValueError(numeral) from e
    return int(value)


@lru_cache(maxsize=4096)
def to_chinese(number: int) -> str:
    """203 → ``二百零三`` (the way laws write article numbers: 十, 十一, 一百一十)."""
    import cn2an

    return str(cn2an.an2cn(number))


def article_label(number: int, sub: int = 0) -> str:
    label = f"第{to_chinese(number)}条"
    if sub:
        label += f"之{to_chinese(sub)}"
    return label
