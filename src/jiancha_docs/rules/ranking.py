"""The scoring model: what is measured about a candidate article, and the learned weights.

An article's score for a query is a weighted sum of features (``FEATURES``): the two engines'
scores and ranks (words and character bigrams), how much of the query the article covers and
where, whether it gives the kind of answer asked for (a length of time, a list, a definition,
the approving body), what kind of law it is beside what kind of law the query is about, how
much the query is like the labelled questions and the question table's questions an article
answers (``Examples``; ``questions``), and its length. The weights are not chosen by hand:
``bench/train_ranker.py`` fits them (listwise softmax regression) on the training and
development parts of ``bench/queries/staff.yaml`` and writes ``weights.json`` beside this
module, with the means and scales it standardised by.
"""

from __future__ import annotations

import heapq
import json
import math
import operator
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bigrams import Doc
from .errors import RulesIndexError

WEIGHTS = Path(__file__).resolve().with_name("weights.json")
LEAD_CHARS = 40
LIST_LEAD_CHARS = 60
TYPICAL_RANKS = 50  # articles ranked by their likeness to the question table's questions
PIECES_SHARE = 0.8  # all the parts of a compound apart count nearly as much as the compound

FEATURES = (
    "word",  # the word engine's BM25F score, as a share of the best candidate's
    "word_rr",  # 1 / rank in the word engine's list
    "bigram",  # character-bigram BM25, as a share of the best candidate's
    "bigram_rr",  # 1 / rank in the bigram list
    "cover",  # share of the query's concepts (by rarity) the article contains
    "lead",  # share of the concepts in the article's first clause
    "near",  # neighbouring query words side by side in the article
    "gram_cover",  # share of the query's bigrams (by rarity) in the text
    "head_cover",  # share of the query's bigrams in the title and chapter heading
    "proximity",  # the concepts found close together
    "log_len",  # article length
    "short",  # a one-line article (施行日期, 解释机关)
    "purpose",  # 为了……制定本法: an article that says why the text exists
    "time_cue",  # asks 多久 / 期限 and the article states a length of time
    "list_cue",  # asks 哪些 / 几种 and the article lists
    "define_cue",  # the article defines what the query asks about (所称……是指, ……的，是……罪)
    "who_cue",  # asks who approves / decides and the article names an approving body
    "crime_list",  # an article listing many crimes by name (jurisdiction lists)
    "party_match",  # a question about party discipline, a party regulation
    "state_match",  # a question about public officials' law, a state law
    "crime_match",  # a question about a crime, the Criminal Law
    "criminal_law",  # the Criminal Law (prior)
    "party_reg",  # a party regulation (prior)
    "superseded",  # an edition no longer in force
    "crime_name_law",  # the query names a crime (……罪) and the article is in the Criminal Law
    "crime_name_list",  # the query names a crime and the article lists crimes by name
    "cover_lead",  # covers the query and names it in the first clause
    "full_cover",  # every concept of the query in the article
    "syn_gram_cover",  # share of the concepts' letters (bigrams, the best of each concept's forms) in the text
    "phrase",  # the longest stretch of the query's own letters found as written in the text
    "time_near",  # asks 多久 and a length of time stands next to a concept of the query
    "cond_cue",  # asks 什么情况下 / 条件 and the article gives conditions (有下列情形之一)
    "enum_cue",  # asks 哪些 and the article enumerates (、……、……等 or (一)(二)(三))
    "who_near",  # asks who approves and an approving body stands next to 批准 / 审批
    "reg_prior",  # how often questions worded like this one were answered by this regulation (learned)
    "reg_prior_top",  # this regulation is the one such questions were answered by most
    "concept_article",  # the concept table names this article as defining what the query names
    "asked_before",  # likeness of the query to labelled questions this article answered (learned)
    "rarest",  # the article has the query's rarest concept (its subject, more than the common words)
    "rare_cover",  # share of the concepts weighted by the square of their rarity
    "statute",  # a law of the NPC (中华人民共和国……法)
    "parent_law",  # a law whose own 实施条例 is among the candidates too: the law comes first
    "asked_define",  # asks what something is (什么是, or names just a crime) and the article defines it
    "asked_typical",  # likeness of the query to a question of the question table (问法表) this article answers
    "typical_rr",  # 1 / rank of the article by that likeness
    "typical_sum",  # the likeness summed over all the article's questions in the table (at most 3)
)


@dataclass(frozen=True)
class Concept:
    """One concept of the query: its surface forms (the word and its synonyms), its weight (the
    rarity of its word) and the parts of a compound, each a sequence of words."""

    forms: tuple[str, ...]
    weight: float
    pieces: tuple[tuple[str, ...], ...] = ()

    def share(self, text: str) -> float:
        """1 if the text has the concept as written, PIECES_SHARE if it has all the parts of a
        compound apart (退回国家监察委员会补充调查 for 退回补充调查), else 0."""
        if any(f in text for f in self.forms):
            return 1.0
        if any(all(p in text for p in parts) for parts in self.pieces):
            return PIECES_SHARE
        return 0.0


PRIOR_SMOOTHING = 0.5


@dataclass(frozen=True)
class QueryPrior:
    """Which regulation answers a question, learned from labelled questions: a multinomial naive
    Bayes over the questions' character bigrams (``bench/train_ranker.py`` counts them; they ship
    in weights.json). Staff asking about 党员 and 处分 are mostly answered by the 纪律处分条例, about
    监委 and 线索 by the 实施条例. A title no labelled question was answered by has no prior."""

    questions: dict[str, int]  # title → labelled questions it answered
    grams: dict[str, dict[str, int]]  # title → {bigram: count over those questions}
    sizes: dict[str, int] = field(init=False, repr=False, compare=False)
    vocabulary: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", {t: sum(c.values()) for t, c in self.grams.items()})
        object.__setattr__(self, "vocabulary", frozenset(g for c in self.grams.values() for g in c))

    @classmethod
    def learn(cls, labelled: list[tuple[str, list[str]]]) -> QueryPrior:
        """``labelled``: (question, titles of its answers)."""
        questions: dict[str, int] = {}
        grams: dict[str, dict[str, int]] = {}
        for query, titles in labelled:
            own = _gram_counts(query)
            for title in set(titles):
                questions[title] = questions.get(title, 0) + 1
                counts = grams.setdefault(title, {})
                for g, n in own.items():
                    counts[g] = counts.get(g, 0) + n
        return cls(questions, grams)

    def posterior(self, query: str, leave_out: list[str] | None = None) -> dict[str, float]:
        """title → probability for the folded ``query``; ``leave_out`` (the titles answering
        ``query``) takes the question itself out of the counts, for training on it."""
        own = _gram_counts(query)
        out_titles = set(leave_out or ())
        vocabulary = self.vocabulary
        known = {g: n for g, n in own.items() if g in vocabulary}
        n_all = sum(self.questions.values()) - len(out_titles)
        logs: dict[str, float] = {}
        for title, n in self.questions.items():
            counts = self.grams[title]
            minus = title in out_titles
            n -= minus
            if n <= 0:
                continue
            size = self.sizes[title] - (sum(own.values()) if minus else 0)
            denominator = math.log(size + PRIOR_SMOOTHING * len(vocabulary))
            value = math.log(n / n_all)
            for g, times in known.items():
                count = counts.get(g, 0) - (own[g] if minus else 0)
                value += times * (math.log(count + PRIOR_SMOOTHING) - denominator)
            logs[title] = value
        if not logs:
            return {}
        top = max(logs.values())
        weights = {t: math.exp(v - top) for t, v in logs.items()}
        total = sum(weights.values())
        return {t: w / total for t, w in weights.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "grams": self.grams}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueryPrior:
        return cls(
            {str(k): int(v) for k, v in data["questions"].items()},
            {str(t): {str(g): int(n) for g, n in c.items()} for t, c in data["grams"].items()},
        )


class LazyPairs(Sequence[tuple[str, tuple[str, ...]]]):
    """(question, answer keys) kept as two strings, one line per question: a fresh search
    splits the lines once (~2 ms for 10,000) and a question's keys only when it matched;
    decoding them as JSON lists cost it ~20 ms."""

    def __init__(self, texts: str, answers: str, count: int) -> None:
        self._texts, self._answers, self._count = texts, answers, count
        self._text_lines: list[str] | None = None
        self._answer_lines: list[str] | None = None
        self._answer_keys: dict[int, tuple[str, ...]] = {}

    def question(self, i: int) -> str:
        if self._text_lines is None:
            self._text_lines = self._texts.split("\n")
        return self._text_lines[i]

    def answers(self, i: int) -> tuple[str, ...]:
        found = self._answer_keys.get(i)
        if found is None:
            if self._answer_lines is None:
                self._answer_lines = self._answers.split("\n")
            found = self._answer_keys[i] = tuple(self._answer_lines[i].split())
        return found

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: Any) -> Any:
        if not -self._count <= i < self._count:
            raise IndexError(i)
        i %= self._count
        return self.question(i), self.answers(i)


class SlicedGrams(Mapping[str, str]):
    """``Examples.grams`` read out of three flat values, nothing parsed when loaded: the bigrams
    in order as one string of two letters each (a one-letter gram padded), where each one's
    postings text ends in ``blob``, and ``blob``. A lookup is a binary search; a fresh search
    that loaded a dict of the 17,000 bigrams spent ~25 ms on it."""

    def __init__(self, keys: str, ends: bytes, blob: str) -> None:
        self._keys, self._blob = keys, blob
        self._ends = array("q")
        self._ends.frombytes(ends)
        if len(keys) != 2 * len(self._ends):
            raise ValueError("keys")

    @staticmethod
    def pack(grams: Mapping[str, str]) -> tuple[str, bytes, str]:
        ordered = sorted(grams, key=_padded)
        ends, parts, at = array("q"), [], 0
        for gram in ordered:
            parts.append(grams[gram])
            at += len(grams[gram])
            ends.append(at)
        return "".join(_padded(g) for g in ordered), ends.tobytes(), "".join(parts)

    def _find(self, gram: str) -> int:
        if not 0 < len(gram) <= 2:
            return -1
        key, keys = _padded(gram), self._keys
        lo, hi = 0, len(self._ends)
        while lo < hi:
            mid = (lo + hi) // 2
            if keys[2 * mid : 2 * mid + 2] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self._ends) and keys[2 * lo : 2 * lo + 2] == key else -1

    def __getitem__(self, gram: str) -> str:
        i = self._find(gram)
        if i < 0:
            raise KeyError(gram)
        return self._blob[self._ends[i - 1] if i else 0 : self._ends[i]]

    def __contains__(self, gram: object) -> bool:
        return isinstance(gram, str) and self._find(gram) >= 0

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self._ends)):
            yield self._keys[2 * i : 2 * i + 2].rstrip("\x00")

    def __len__(self) -> int:
        return len(self._ends)


def _padded(gram: str) -> str:
    if len(gram) > 2:
        raise ValueError(f"not a bigram: {gram}")
    return gram.ljust(2, "\x00")


@dataclass(frozen=True)
class Examples:
    """Labelled staff questions and the articles that answer them (the 训练 and 开发 parts of
    bench/queries/staff.yaml, shipped in weights.json): an article that answered a question
    much like this one is likely to answer it too. Likeness is the cosine of tf-idf weighted
    character bigrams, summed over an inverted index (bigram → the questions that have it, with
    its weight in each), which weights.json carries so that a fresh process does not rebuild it."""

    questions: Sequence[tuple[str, tuple[str, ...]]]  # (folded question, answer keys 标题第N条)
    # bigram → the questions that have it and its weight in each, as text: "i w i w …" (six
    # significant digits). A fresh process parses only its query's bigrams: the 10,000 numbers of
    # the whole index cost a JSON parse more than rebuilding it would.
    grams: Mapping[str, str] = field(default_factory=dict, compare=False)
    _parsed: dict[str, tuple[list[int], list[float]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.grams or not self.questions:
            return
        counted = [_gram_counts(q) for q, _ in self.questions]
        df: dict[str, int] = {}
        for counts in counted:
            for g in counts:
                df[g] = df.get(g, 0) + 1
        n = len(self.questions)
        idf = {g: math.log(1 + n / c) for g, c in df.items()}
        postings: dict[str, list[str]] = {}
        for i, counts in enumerate(counted):
            for g, w in _unit({g: idf[g] * (1 + math.log(c)) for g, c in counts.items()}).items():
                postings.setdefault(g, []).append(f"{i} {w:.6g}")
        object.__setattr__(self, "grams", {g: " ".join(p) for g, p in postings.items()})

    def postings(self, gram: str) -> tuple[list[int], list[float]]:
        """The questions that have ``gram`` and its weight in each, as two lists."""
        found = self._parsed.get(gram)
        if found is None:
            numbers = self.grams.get(gram, "").split()
            found = (list(map(int, numbers[::2])), list(map(float, numbers[1::2])))
            self._parsed[gram] = found
        return found

    def likeness(self, query: str, leave_out: str | None = None) -> dict[str, float]:
        """answer key → the highest likeness of ``query`` to a question it answered;
        ``leave_out`` (a folded question) is not counted (training on that question)."""
        return self.likeness_and_total(query, leave_out)[0]

    def likeness_and_total(
        self, query: str, leave_out: str | None = None
    ) -> tuple[dict[str, float], dict[str, float]]:
        """answer key → the highest likeness of ``query`` to a question it answered, and the sum
        over all of them (several questions of one article much like the query count more)."""
        n = len(self.questions)
        counts = _gram_counts(query)
        found = {g: self.postings(g) for g in counts if g in self.grams}
        vector = _unit(
            {g: math.log(1 + n / len(ids)) * (1 + math.log(counts[g])) for g, (ids, _) in found.items()}
        )
        sums: dict[int, float] = {}
        add = sums.get
        for g, v in vector.items():
            ids, weights = found[g]
            for i, w in zip(ids, weights, strict=True):
                sums[i] = add(i, 0.0) + v * w
        out: dict[str, float] = {}
        total: dict[str, float] = {}
        best, summed = out.get, total.get
        lazy = self.questions if isinstance(self.questions, LazyPairs) else None
        for i, like in sums.items():
            if like <= 0:
                continue
            if lazy is not None:
                if leave_out is not None and lazy.question(i) == leave_out:
                    continue
                answers = lazy.answers(i)
            else:
                question, answers = self.questions[i]
                if question == leave_out:
                    continue
            for key in answers:
                total[key] = summed(key, 0.0) + like
                if like > best(key, 0.0):
                    out[key] = like
        return out, total

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": [[q, list(a)] for q, a in self.questions],
            "grams": self.grams,
        }

    def to_compact(self) -> dict[str, Any]:
        """The form a large set is cached in: questions and answers as lines of text
        (``LazyPairs``), the bigrams' postings as flat values (``SlicedGrams``)."""
        keys, ends, blob = SlicedGrams.pack(self.grams)
        return {
            "count": len(self.questions),
            "texts": "\n".join(q for q, _ in self.questions),
            "answers": "\n".join(" ".join(keys) for _, keys in self.questions),
            "keys": keys,
            "ends": ends,
            "blob": blob,
        }

    @classmethod
    def from_compact(cls, data: dict[str, Any]) -> Examples:
        pairs = LazyPairs(str(data["texts"]), str(data["answers"]), int(data["count"]))
        return cls(pairs, SlicedGrams(str(data["keys"]), bytes(data["ends"]), str(data["blob"])))

    @classmethod
    def from_data(cls, data: Any) -> Examples:
        """From ``to_dict``'s form, or from a bare list of questions (the index is then built)."""
        listed = data["questions"] if isinstance(data, dict) else data
        questions = tuple((str(q), tuple(str(k) for k in a)) for q, a in listed)
        grams = {str(g): str(p) for g, p in data["grams"].items()} if isinstance(data, dict) else {}
        return cls(questions, grams)


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {g: v / norm for g, v in vector.items()}


_RUN = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


def _gram_counts(folded: str) -> dict[str, int]:
    """Character pairs of an already folded text, counted (``bigrams.grams`` without the NFKC)."""
    counts: dict[str, int] = {}
    for run in _RUN.findall(folded):
        for i in range(max(len(run) - 1, 1)):
            g = run[i : i + 2]
            counts[g] = counts.get(g, 0) + 1
    return counts


@dataclass(frozen=True)
class TableLikeness:
    """How much a query is like the question table's questions, per answer key 标题第N条: the
    best question of each article, the sum over its questions, and the first TYPICAL_RANKS
    articles by the best, ranked once for both the search (which brings them in) and ``measure``."""

    best: dict[str, float] = field(default_factory=dict)
    total: dict[str, float] = field(default_factory=dict)
    rank: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Examples, query: str) -> TableLikeness:
        best, total = table.likeness_and_total(query)
        ranked = heapq.nlargest(TYPICAL_RANKS, best, key=best.__getitem__)
        return cls(best, total, {key: r for r, key in enumerate(ranked, 1)})


@dataclass(frozen=True)
class Weights:
    """Learned coefficients over standardised features; the score is their weighted sum."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    source: dict[str, Any] = field(default_factory=dict)
    prior: QueryPrior | None = None
    examples: Examples | None = None
    _slopes: tuple[float, ...] = field(default=(), init=False, repr=False, compare=False)
    _offset: float = field(default=0.0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the score as one weighted sum and a constant: sum(coef * (value - mean) / scale)
        slopes = tuple(c / s for c, s in zip(self.coef, self.scale, strict=True))
        object.__setattr__(self, "_slopes", slopes)
        object.__setattr__(self, "_offset", -sum(a * m for a, m in zip(slopes, self.mean, strict=True)))

    def score(self, values: dict[str, float]) -> float:
        get = values.get
        return self._offset + sum(map(operator.mul, self._slopes, [get(f, 0.0) for f in self.features]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "source": self.source,
            **({"prior": self.prior.to_dict()} if self.prior else {}),
            **({"examples": self.examples.to_dict()} if self.examples else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        names = tuple(data["features"])
        unknown = [n for n in names if n not in FEATURES]
        if unknown:
            raise ValueError(f"unknown features {unknown}")
        return cls(
            features=names,
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) or 1.0 for v in data["scale"]),
            coef=tuple(float(v) for v in data["coef"]),
            source=dict(data.get("source", {})),
            prior=QueryPrior.from_dict(data["prior"]) if data.get("prior") else None,
            examples=Examples.from_data(data["examples"]) if data.get("examples") else None,
        )


_LOADED: dict[Path, Weights] = {}


def load_weights(path: Path = WEIGHTS) -> Weights:
    if path not in _LOADED:
        try:
            _LOADED[path] = Weights.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise RulesIndexError(
                f"检索排序权重文件 {path.name} 缺失或无效",
                hint="重新安装 jiancha，或运行 bench/train_ranker.py",
            ) from e
    return _LOADED[path]


# -- what a question asks for and what an article gives -----------------------------------------
_ASKS_LIST = re.compile(r"哪些|哪几|几种|几类|什么(?:方式|情形|内容|措施|程序|条件|事项|种类|形式)|种类|方式")
_ASKS_WHAT = re.compile(r"什么是|是什么|什么叫|指什么|含义|定义|概念|怎么认定|怎么定义|构成|意思")
_GIVES_LIST = re.compile(r"下列|以下|如下|包括|分为|种类|[:：]\s*[(（]一[)）]")
_DEFINES = re.compile(r"所称[“\"]?([^，,。；;“”\"]{2,14}?)[”\"]?[，,]?(?:一般)?是指")
_ASKS_TIME = re.compile(
    r"多久|多长时间|多少天|几天|几日|几个月|几年|多少年|什么时候|何时|期限|时限|期间|时效|多长|最长|几次"
)
_GIVES_TIME = re.compile(r"[0-9一二三四五六七八九十百两半]+个?(?:工作日|日|天|月|年|小时)")
_ASKS_WHO = re.compile(r"谁|哪个机关|哪一级|哪级|什么机关|批准|审批|决定权|由哪")
_GIVES_WHO = re.compile(r"批准|审批|报请|决定")
_BODIES = re.compile(r"主要负责人|常委会|常务委员会|党委|党组|上一级|领导人员|集体研究|委员会")
_CRIME = re.compile(r"[\u4e00-\u9fff]{1,12}罪")
_Q_PARTY = re.compile(r"党员|党纪|党内|党组织|违纪|党籍|留党|预备党员|纪委|纪律处分|党委|党组")
_Q_STATE = re.compile(r"公职人员|政务处分|监委|监察|公务员|违法|事业单位")
_Q_CRIME = re.compile(r"罪|判刑|刑事|犯罪|刑法|刑期|缓刑|自首|立功|追诉|刑罚")
_PURPOSE = re.compile(r"^为了?[^。]{0,80}制定本")
_ASKS_COND = re.compile(
    r"什么情况|哪些情况|什么情形|哪些情形|何种情形|条件|情况下|什么时候可以|能不能|可不可以|可以.{0,6}吗"
)
_GIVES_COND = re.compile(r"下列情形之一|情形之一的|下列条件|以下情形|符合.{0,10}条件")
_ENUM = re.compile(r"[^、，。；]{1,10}、[^、，。；]{1,10}、[^、，。；]{1,10}|[(（]三[)）]")
_NEAR_CHARS = 25


@dataclass
class QueryCues:
    """What the query asks for, worked out once per query."""

    time: bool
    list: bool
    what: bool
    who: bool
    party: bool
    state: bool
    crime: bool
    crime_name: bool
    cond: bool
    text: str

    @classmethod
    def of(cls, folded_query: str) -> QueryCues:
        q = folded_query
        return cls(
            time=bool(_ASKS_TIME.search(q)),
            list=bool(_ASKS_LIST.search(q)),
            what=bool(_ASKS_WHAT.search(q)),
            who=bool(_ASKS_WHO.search(q)),
            party=bool(_Q_PARTY.search(q)),
            state=bool(_Q_STATE.search(q)),
            crime=bool(_Q_CRIME.search(q)),
            crime_name=bool(re.search(r"[\u4e00-\u9fff]{2}罪", q)),
            cond=bool(_ASKS_COND.search(q)),
            text=q,
        )


@dataclass
class Candidate:
    doc: Doc
    text: str  # the folded body
    word: float = 0.0
    word_rank: int = 0  # 0: not in the word engine's list
    bigram: float = 0.0
    bigram_rank: int = 0
    values: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    defines: bool = False  # the concept table's article for a concept the query names
    asked: bool = False  # found as the answer of a labelled question much like the query
    typical: bool = False  # found as the answer of a question-table question much like the query


def measure(
    candidates: list[Candidate],
    concepts: list[Concept],
    near: list[tuple[str, float]],
    query_grams: dict[str, float],
    cues: QueryCues,
    prior: dict[str, float] | None = None,
    asked: dict[str, float] | None = None,
    typical: TableLikeness | None = None,
    among: list[Candidate] | None = None,
) -> None:
    """Fill every candidate's ``values`` (one entry per name of ``FEATURES``). ``prior``: the
    regulations questions like this one were answered by (title → probability, ``QueryPrior``);
    ``asked``: answer key → likeness to a labelled question it answered (``Examples``);
    ``typical``: the same for the questions of the question table (``questions``). ``among``:
    every candidate found, when only some of them are measured (the best scores and the laws
    with an implementing regulation among them are taken from all)."""
    pool = candidates if among is None else among
    best_word = max((c.word for c in pool), default=0.0) or 1.0
    best_gram = max((c.bigram for c in pool), default=0.0) or 1.0
    total = sum(c.weight for c in concepts) or 1.0
    gram_total = sum(query_grams.values()) or 1.0
    concept_grams = [
        (c, [[(g, query_grams.get(g, 1.0)) for g in _grams(f)] for f in c.forms]) for c in concepts
    ]
    letters = _letters(cues.text)
    prior = prior or {}
    prior_best = max(prior.values(), default=0.0)
    asked = asked or {}
    typical = typical or TableLikeness()
    rarest = max(concepts, key=lambda c: c.weight, default=None)
    implemented = {c.doc.title.removesuffix("实施条例") for c in pool if c.doc.title.endswith("法实施条例")}
    square_total = sum(c.weight * c.weight for c in concepts) or 1.0
    for cand in candidates:
        text, doc = cand.text, cand.doc
        lead = _lead(text)
        head = f"{doc.title} {doc.chapter}"
        shares = [(c, c.share(text)) for c in concepts]
        v = cand.values
        v["word"] = cand.word / best_word
        v["word_rr"] = 1.0 / cand.word_rank if cand.word_rank else 0.0
        v["bigram"] = cand.bigram / best_gram
        v["bigram_rr"] = 1.0 / cand.bigram_rank if cand.bigram_rank else 0.0
        v["cover"] = sum(c.weight * s for c, s in shares) / total
        v["lead"] = sum(c.weight for c in concepts if any(f in lead for f in c.forms)) / total
        v["near"] = sum(w * _saturate(text.count(pair)) for pair, w in near) / total
        v["gram_cover"] = sum(w for g, w in query_grams.items() if g in text) / gram_total
        v["head_cover"] = sum(w for g, w in query_grams.items() if g in head) / gram_total
        v["proximity"] = _proximity(text, [c for c, s in shares if s == 1.0])
        v["log_len"] = math.log1p(len(text)) / 8
        v["short"] = 1.0 if len(text) < 40 else 0.0
        v["purpose"] = 1.0 if _PURPOSE.search(text) else 0.0
        v["time_cue"] = 1.0 if cues.time and _GIVES_TIME.search(text) else 0.0
        v["list_cue"] = 1.0 if cues.list and _GIVES_LIST.search(text, 0, LIST_LEAD_CHARS) else 0.0
        v["define_cue"] = _defines(text, concepts, cues)
        v["who_cue"] = 1.0 if cues.who and _GIVES_WHO.search(text) and _BODIES.search(text) else 0.0
        v["crime_list"] = min(len(_CRIME.findall(text)) / 10, 1.0)
        party = doc.category == "党内法规" or doc.title.startswith(("中国共产党", "党的", "党委", "党组"))
        criminal = doc.title.endswith("刑法")
        state = not party and not criminal
        v["party_match"] = 1.0 if cues.party and party else 0.0
        v["state_match"] = 1.0 if cues.state and state else 0.0
        v["crime_match"] = 1.0 if cues.crime and criminal else 0.0
        v["criminal_law"] = 1.0 if criminal else 0.0
        v["party_reg"] = 1.0 if party else 0.0
        v["superseded"] = 0.0 if doc.status == "现行有效" else 1.0
        v["crime_name_law"] = 1.0 if cues.crime_name and criminal else 0.0
        v["crime_name_list"] = v["crime_list"] if cues.crime_name else 0.0
        v["cover_lead"] = v["cover"] * v["lead"]
        v["full_cover"] = 1.0 if shares and all(s > 0 for _, s in shares) else 0.0
        v["syn_gram_cover"] = _syn_gram_cover(text, concept_grams, total)
        v["phrase"] = _phrase(text, letters)
        found = [c for c, s in shares if s == 1.0]
        v["time_near"] = 1.0 if cues.time and _near(text, found, _GIVES_TIME) else 0.0
        v["cond_cue"] = 1.0 if cues.cond and _GIVES_COND.search(text) else 0.0
        v["enum_cue"] = 1.0 if cues.list and _ENUM.search(text) else 0.0
        v["who_near"] = 1.0 if cues.who and _who_near(text) else 0.0
        share = prior.get(doc.title, 0.0)
        v["reg_prior"] = share
        v["reg_prior_top"] = 1.0 if share and share == prior_best else 0.0
        v["concept_article"] = 1.0 if cand.defines else 0.0
        v["asked_before"] = asked.get(doc.title + doc.label, 0.0)
        v["rarest"] = rarest.share(text) if rarest is not None else 0.0
        v["rare_cover"] = sum(c.weight * c.weight * s for c, s in shares) / square_total
        v["statute"] = 1.0 if doc.title.startswith("中华人民共和国") and doc.title.endswith("法") else 0.0
        v["parent_law"] = 1.0 if doc.title in implemented else 0.0
        v["asked_define"] = v["define_cue"] if cues.what or (cues.crime_name and len(cues.text) <= 8) else 0.0
        v["asked_typical"] = typical.best.get(doc.title + doc.label, 0.0)
        v["typical_sum"] = min(typical.total.get(doc.title + doc.label, 0.0), 3.0)
        rank = typical.rank.get(doc.title + doc.label)
        v["typical_rr"] = 1.0 / rank if rank else 0.0


def _grams(form: str) -> list[str]:
    return [form[i : i + 2] for i in range(len(form) - 1)] or [form]


def _syn_gram_cover(text: str, concept_grams: list[Any], total: float) -> float:
    """Each concept counts by the best of its forms: the share (by rarity) of the form's character
    pairs in the text. 纪律处分种类 answers 党纪处分 through the synonym 纪律处分."""
    covered = 0.0
    for concept, forms in concept_grams:
        best = 0.0
        for grams in forms:
            whole = sum(w for _, w in grams) or 1.0
            best = max(best, sum(w for g, w in grams if g in text) / whole)
            if best == 1.0:
                break
        covered += concept.weight * best
    return covered / total


_QUESTION = re.compile(
    r"什么|怎么|怎样|如何|哪些|哪个|哪几|多久|多长|多少|几天|几个|是否|能不能|可不可以|要不要|吗|呢|谁|的"
)


def _letters(folded_query: str) -> list[str]:
    """The query's runs of letters with question words taken out: what could be found as written."""
    return [r for r in re.split(r"[^\u4e00-\u9fff0-9a-z]+", _QUESTION.sub(" ", folded_query)) if len(r) >= 2]


def _phrase(text: str, runs: list[str]) -> float:
    """The longest stretch of the query found in the text, 0 below three letters, 1 from eight."""
    best = 0
    for run in runs:
        for i in range(len(run) - best):
            j = i + best + 1
            while j <= len(run) and run[i:j] in text:
                best = j - i
                j += 1
    return 0.0 if best < 3 else min(best, 8) / 8


def _near(text: str, found: list[Concept], pattern: re.Pattern[str]) -> bool:
    """A match of ``pattern`` within _NEAR_CHARS of a form of a concept found in the text."""
    spots = [m.start() for m in pattern.finditer(text)]
    if not spots:
        return False
    for concept in found:
        for form in concept.forms:
            start = text.find(form)
            while start != -1:
                if any(abs(spot - start) <= _NEAR_CHARS for spot in spots):
                    return True
                start = text.find(form, start + 1)
    return False


def _who_near(text: str) -> bool:
    for m in _GIVES_WHO.finditer(text):
        if _BODIES.search(text, max(0, m.start() - _NEAR_CHARS), m.end() + _NEAR_CHARS):
            return True
    return False


def _defines(text: str, concepts: list[Concept], cues: QueryCues) -> float:
    match = _DEFINES.search(text, 0, LIST_LEAD_CHARS)
    if match is not None and match.group(1) in cues.text:
        return 1.0
    for concept in concepts:
        for form in concept.forms:
            if len(form) >= 2 and (f"是{form}" in text or f"为{form}" in text or f"{form}是指" in text):
                return 1.0
    return 0.0


def _proximity(text: str, found: list[Concept]) -> float:
    """1 / (1 + span / 40) for the shortest stretch holding one form of each concept found."""
    if len(found) < 2:
        return 0.0
    positions: list[tuple[int, int]] = []
    for i, concept in enumerate(found):
        for form in concept.forms:
            start = text.find(form)
            while start != -1:
                positions.append((start, i))
                start = text.find(form, start + 1)
    positions.sort()
    need, left = len(found), 0
    have: dict[int, int] = {}
    best: int | None = None
    for pos, i in positions:
        have[i] = have.get(i, 0) + 1
        while len(have) == need:
            span = pos - positions[left][0]
            best = span if best is None or span < best else best
            j = positions[left][1]
            have[j] -= 1
            if not have[j]:
                del have[j]
            left += 1
    return 1.0 / (1.0 + best / 40) if best is not None else 0.0


def _saturate(count: int, k: float = 1.2) -> float:
    """BM25's term-frequency curve: 0 for none, 1 for one, approaching 1 + k."""
    return count * (k + 1) / (count + k)


def _lead(text: str) -> str:
    """An article's first clause, where it names its subject."""
    cut = len(text)
    for mark in "。；：\n":
        at = text.find(mark)
        if at != -1:
            cut = min(cut, at)
    return text[: min(cut, LEAD_CHARS)]
