"""The search syntax, parsed without the engine.

函询 回复 期限            words: ranked by how many match and how well (not all must match)
"谈话函询" 了结           a quoted phrase (also “…” or 「…」) must occur exactly
留置 AND 延长             AND: both sides must match
"诬告" OR "错告"          OR: either side (makes a quoted phrase optional)
处分 NOT 刑法, 处分 -刑法  NOT or a leading minus: must not match; a leading plus: must match
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QuerySyntaxError

MUST, SHOULD, NOT = "must", "should", "not"
OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "＆": "AND", "&&": "AND", "||": "OR"}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_TOKEN = re.compile(r'[+\-－]?(?:"[^"]*"?|“[^”]*”?|「[^」]*」?|『[^』]*』?)|\S+')


@dataclass(frozen=True)
class Item:
    text: str
    phrase: bool
    occur: str


def parse_query(text: str) -> list[Item]:
    """Items in the order typed; raises QuerySyntaxError with a Chinese message."""
    _check_quotes(text)
    raw = _TOKEN.findall(text.replace("\u3000", " "))
    items: list[Item] = []
    occurs: list[str | None] = []  # explicit occur per item (None: default)
    pending_not = False
    pending_and = False
    pending_or = False
    for token in raw:
        op = OPERATORS.get(token)
        if op == "NOT":
            pending_not = True
            continue
        if op == "AND":
            if not items or pending_and or pending_or:
                raise QuerySyntaxError("AND 两边都要有检索词", hint="例如：留置 AND 延长")
            pending_and = True
            if occurs[-1] is None:
                occurs[-1] = MUST
            continue
        if op == "OR":
            if not items or pending_and or pending_or:
                raise QuerySyntaxError("OR 两边都要有检索词", hint='例如："诬告" OR "错告"')
            pending_or = True
            if occurs[-1] is None:
                occurs[-1] = SHOULD
            continue
        sign = ""
        if token[0] in "+-－" and len(token) > 1:
            sign, token = token[0], token[1:]
        phrase = token[0] in _QUOTES
        body = token[1:-1] if phrase and len(token) > 1 and token[-1] in _QUOTES.values() else token
        body = body.strip(_QUOTE_CHARS) if phrase else body
        if not body.strip():
            continue
        occur: str | None = None
        if pending_not or sign in ("-", "－"):
            occur = NOT
        elif sign == "+" or pending_and:
            occur = MUST
        elif pending_or:
            occur = SHOULD
        items.append(Item(body.strip(), phrase, ""))
        occurs.append(occur)
        pending_not = pending_and = pending_or = False
    if pending_and or pending_or:
        raise QuerySyntaxError("AND / OR 后面缺少检索词")
    if pending_not:
        raise QuerySyntaxError("NOT 后面缺少要排除的词", hint="例如：处分 NOT 刑法")
    result = []
    for item, occur in zip(items, occurs, strict=True):
        if occur is None:
            occur = MUST if item.phrase else SHOULD
        result.append(Item(item.text, item.phrase, occur))
    if result and all(i.occur == NOT for i in result):
        raise QuerySyntaxError("查询不能只有排除条件", hint="例如：处分 NOT 刑法")
    return result


_QUOTE_CHARS = "".join(set(_QUOTES) | set(_QUOTES.values()))


def _check_quotes(text: str) -> None:
    if text.count('"') % 2:
        raise QuerySyntaxError("引号不成对：短语要用一对引号括起来", hint='例如："谈话函询"')
    for left, right in (("“", "”"), ("「", "」"), ("『", "』")):
        if text.count(left) != text.count(right):
            raise QuerySyntaxError(f"引号不成对：{left}和{right}的数目不同", hint="例如：“谈话函询”")
