"""How well retrieved text covers a question, and whether a sentence states the kind of figure asked."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.clean import normalize
from ingest.metadata import DISTRICTS
from ingest.split import sentences

from .query import QueryInfo
from .records import Hit

Term = tuple[str, float]

_PLACE_WORDS = frozenset(
    {"上海", "上海市", "全市", "本市", "市级", "区", "市"}
    | set(DISTRICTS)
    | {d[:-2] if d.endswith("新区") else d[:-1] for d in DISTRICTS}
)
_ANY_NUMBER = re.compile(r"\d")
_MONEY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|亿)?\s*元|\d+(?:\.\d+)?\s*(?:万|亿)(?!件|人|个|家|项)|\d+(?:\.\d+)?\s*%"
)
_DATE = re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?|\d{4}[-/.]\d{1,2}")
_DURATION = re.compile(r"每[年月季周天日]|年度|定期|\d+\s*(?:天|日|个月|年|周)|周期")
_FULL_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}")
_YEAR_RANGE = re.compile(r"\d{4}-\d{4}年")
_DOC_NUMBER = re.compile(r"[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d{1,4}\s*号")


def idf(df: int, n: int) -> float:
    """BM25's idf, ln((N − df + 0.5)/(df + 0.5) + 1); an unseen term weighs the most."""
    return math.log((n - df + 0.5) / (df + 0.5) + 1.0)


def content_terms(tokens: Sequence[str], weight: Callable[[str], float]) -> list[Term]:
    """The question's informative terms with their weights (places and single characters left out)."""
    seen: dict[str, float] = {}
    for token in tokens:
        if token in _PLACE_WORDS or (len(token) < 2 and not token.isdigit()):
            continue
        seen.setdefault(normalize(token), weight(token))
    return list(seen.items())


def coverage(terms: Sequence[Term], text: str) -> float:
    """Weighted share of the question's terms that stand in `text` (after normalisation)."""
    total = sum(w for _, w in terms)
    if total <= 0:
        return 0.0
    norm = normalize(text)
    return sum(w for t, w in terms if t in norm) / total


def strength(terms: Sequence[Term], hits: Sequence[Hit], depth: int = 3) -> float:
    """Evidence strength: the best coverage by one sentence (with its clause path) of the top hits."""
    return max(
        (coverage(terms, f"{h.chunk.clause}\n{s}") for h in hits[:depth] for s in sentences(h.chunk.text)),
        default=0.0,
    )


def figure_rank(sentence: str, info: QueryInfo) -> float:
    """How exactly the sentence states the figure asked for: 0 not at all … 1 fully (a full date)."""
    if not states_figure(sentence, info):
        return 0.0
    if info.intent != "date":
        return 1.0
    text = normalize(sentence)
    if _FULL_DATE.search(text):
        return 1.0
    return 0.4 if _YEAR_RANGE.sub("", text) == text or _DATE.search(_YEAR_RANGE.sub("", text)) else 0.2


def states_figure(sentence: str, info: QueryInfo) -> bool:
    """Does the sentence state the kind of figure the question asks for?"""
    text = normalize(sentence)
    if info.intent == "docnum":
        return bool(_DOC_NUMBER.search(text))
    if info.intent == "date":
        return bool(_DATE.search(text))
    if info.intent == "period":
        return bool(_YEAR_RANGE.search(text))
    if info.intent == "duration":
        return bool(_DURATION.search(text))
    if info.intent != "quantity":
        return True
    if info.measure:
        unit = normalize(info.measure)
        return bool(re.search(rf"\d(?:\.\d+)?(?:万|亿)?{re.escape(unit)}", text))
    if info.money:
        return bool(_MONEY.search(text))
    return bool(_ANY_NUMBER.search(text))


@dataclass(frozen=True)
class Thresholds:
    """Refusal thresholds, calibrated on the dev set by `ipbot calibrate` (docs/calibration.md).

    evidence: least share of the question's weighted terms one retrieved sentence must cover;
    sentence: the same for the sentence stating the figure a quantity/date question asks for.
    """

    evidence: float = 0.4
    sentence: float = 0.4


def vague_floor(n: int) -> float:
    """Least total term weight of a question: that of one term found in half the clauses.

    A question whose terms together say less (知识产权是什么？ — 知识产权 is in nearly every clause)
    names no topic the documents could answer specifically.
    """
    return idf(n // 2, n) if n else 0.0
