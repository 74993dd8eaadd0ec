"""The legal basis of a kind's content rules, and how ``kinds show`` states each rule.

A rule in schema.yaml names its basis either as one string, 《标题》第N条（what it says）, or as
a mapping with the law, the article and a short quote of the words the rule relies on:

    basis: {law: 中华人民共和国监察法实施条例, article: 第二百零五条,
            quote: 监察建议书一般应当包括……调查中发现的主要问题及其产生的原因}

The quote is a short citation, not the article: tests check it against the regulation text
(tests/test_content_rules.py) when the corpus is at hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import SchemaError

if TYPE_CHECKING:
    from .schema import KindSchema, Rule

_WRITTEN = re.compile(
    r"^《(?P<law>[^》]+)》(?P<article>第[^（(、]+?条(?:第[^（(、]+?[款项])*)?(?:[（(](?P<quote>.*)[）)])?$"
)


@dataclass(frozen=True)
class Basis:
    """Where a rule comes from: 《law》article, and the words of it the rule relies on."""

    law: str = ""
    article: str = ""
    quote: str = ""
    written: str = ""  # a basis written as one string in schema.yaml, cited as written

    def __bool__(self) -> bool:
        return bool(self.law or self.written)

    @property
    def citation(self) -> str:
        return f"《{self.law}》{self.article}" if self.law else ""

    def __str__(self) -> str:
        """As the validator's messages cite it: as written, or 《…》第N条：“quote”."""
        if self.written:
            return self.written
        return self.citation + (f"：“{self.quote}”" if self.quote else "")


def load_basis(item: Any, where: str) -> Basis:
    """A rule's ``basis``: a string or a {law, article, quote} mapping; SchemaError otherwise."""
    if item is None or item == "":
        return Basis()
    if isinstance(item, str):
        text = item.strip()
        match = _WRITTEN.match(text)
        if match is not None:
            return Basis(match["law"], match["article"] or "", match["quote"] or "", written=text)
        if not text.startswith("《"):
            raise SchemaError(f"文书类型定义 {where} 的 basis“{item}”应写作《法规名称》第N条（引文）")
        return Basis(written=text)
    if isinstance(item, dict) and item.get("law") and set(item) <= {"law", "article", "quote"}:
        return Basis(str(item["law"]).strip("《》"), str(item.get("article", "")), str(item.get("quote", "")))
    raise SchemaError(
        f"文书类型定义 {where} 的 basis 应为《法规名称》第N条，或含 law、article、quote 的键值表"
    )


def describe_rule(kind: KindSchema, rule: Rule) -> str:
    """The rule in one Chinese sentence, for ``jiancha kinds show``."""

    def label(key: str) -> str:
        return f"「{kind.field(key).label}」"

    def words(items: tuple[str, ...], joiner: str = "或") -> str:
        return joiner.join(f"“{w}”" for w in items)

    if rule.term:
        key, term = rule.term
        return f"{label(key)}以天数计的应为“{term}”"
    if rule.not_before:
        later, earlier = rule.not_before
        return f"{label(later)}不得早于{label(earlier)}"
    condition = "，".join(f"{label(k)}为{words(v)}" for k, v in rule.when.items())
    prefix = f"{condition}时，" if condition else ""
    if rule.contains:
        key, required = rule.contains
        return f"{prefix}{label(key)}应含有{words(required)}"
    if rule.excludes:
        parts = [f"{label(key)}不得含有{words(refused, '、')}" for key, refused in rule.excludes]
        return prefix + "；".join(parts)
    return f"{prefix}{''.join(label(k) for k in rule.require)}必须填写"


def rule_lines(kind: KindSchema) -> list[str]:
    """Every rule of ``kind``, numbered, each with its basis and the words it relies on."""
    lines = []
    for number, rule in enumerate(kind.rules, 1):
        lines.append(f"{number}. {describe_rule(kind, rule)}")
        basis = rule.basis
        if basis:
            lines.append(f"   依据{basis}")
    return lines
