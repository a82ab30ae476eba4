"""How well retrieved text covers a question, and whether a sentence states the kind of figure asked."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.figures import AMOUNT, DATE, DOC_NUMBER, DURATION, FULL_DATE, MONEY, PERIOD
from core.numerals import arabic, same_unit
from core.places import PLACE_WORDS, strip_places
from core.records import Hit, Intent
from core.text import addresses, normalize, normalize_word, sentences

from .query import QueryInfo

Term = tuple[str, float]

_ANY_NUMBER = re.compile(r"\d")
_TERM = re.compile(r"(?:期限|有效期)[为是]?\s*\d+\s*(?:个?月|年|日|天)")
_ACTIONS = "次|项|场|轮"  # 几次专项行动 is answered by 不少于10项 as well as by 4次
_CALENDAR = ("月", "日")  # units a date also writes after a number
_COUNT_WORDS = "个|件|家|项|所|名|人|条|种|类|批|座|起"


EVIDENCE_DEPTH = 3  # the evidence strength and the quotes come from this many best hits
ASKED_REGION_BONUS = 0.6  # added to a sentence of a region the question asks about: docs/retrieval.md
FIGURE_DEPTH = 5  # … and the sentences stating the asked figure from this many


def idf(df: int, n: int) -> float:
    """BM25's idf, ln((N − df + 0.5)/(df + 0.5) + 1); an unseen term weighs the most."""
    return math.log((n - df + 0.5) / (df + 0.5) + 1.0)


# 两个, 三项, 几家: how many of something, never what the question is about (四条 stays: 第四条 is an article)
_COUNTED = re.compile(r"[两一二三四五六七八九十几]+(?:个|家|项|种|类|批|位|份|次)")


def content_terms(tokens: Sequence[str], weight: Callable[[str], float]) -> list[Term]:
    """The question's informative terms with their weights (places, counts and single characters left out)."""
    seen: dict[str, float] = {}
    for token in tokens:
        if token in PLACE_WORDS or (len(token) < 2 and not token.isdigit()) or _COUNTED.fullmatch(token):
            continue
        seen.setdefault(normalize_word(token), weight(token))
    return _families(seen)


def concepts(words: Sequence[str]) -> dict[str, str]:
    """Each word with the concept it belongs to: the longest word containing it (惩罚 → 惩罚性赔偿)."""
    return {word: max((whole for whole in words if word in whole), key=len) for word in words}


def _families(weights: dict[str, float]) -> list[Term]:
    """One concept counted once: a compound and the parts the tokenizer also gives (惩罚性赔偿, 惩罚性, 惩罚,
    赔偿) share the compound's weight, so a text holding the compound gets it whole and one holding a part
    gets that part's share, and a sentence repeating one concept does not outweigh one answering the rest."""
    owner = concepts(list(weights))
    size = {whole: sum(1 for o in owner.values() if o == whole) for whole in set(owner.values())}
    return [(term, weights[owner[term]] / size[owner[term]]) for term in weights]


def coverage(terms: Sequence[Term], text: str) -> float:
    """Weighted share of the question's terms that stand in `text` (after normalisation)."""
    return coverage_normalized(terms, normalize(text)) if terms else 0.0


def coverage_normalized(terms: Sequence[Term], norm: str) -> float:
    """coverage() of a text already passed through normalize()."""
    total = sum(w for _, w in terms)
    if total <= 0:
        return 0.0
    return sum(w for t, w in terms if t in norm) / total


def composed(whole: str, parts: Sequence[str]) -> bool:
    """Is every character of `whole` inside one of the parts it contains (银行贷款: 银行 + 贷款)?"""
    covered = [False] * len(whole)
    for part in parts:
        at = whole.find(part) if part != whole else -1
        while at >= 0:
            covered[at : at + len(part)] = [True] * len(part)
            at = whole.find(part, at + 1)
    return all(covered)


def whole_coverage(terms: Sequence[Term], text: str) -> float:
    """coverage() counting a concept only where it stands whole, or as all of its parts (贷款利率…的贴息 holds
    贷款贴息); a part alone says nothing of it (商标 of 商标拥有量 is not 商标品牌指导站)."""
    total = sum(w for _, w in terms)
    if total <= 0:
        return 0.0
    norm = normalize(text)
    owner = concepts([t for t, _ in terms])
    present = {t for t in owner if t in norm}
    whole = {o for o in set(owner.values()) if o in present or composed(o, [p for p in present if p in o])}
    return sum(w for t, w in terms if owner[t] in whole) / total


def coverages_normalized(terms: Sequence[Term], norms: Mapping[str, str]) -> dict[str, float]:
    """coverage_normalized() of each text by key, equal to the float: the same sums in the same order."""
    total = sum(w for _, w in terms)
    if total <= 0:
        return dict.fromkeys(norms, 0.0)
    found: dict[str, float] = dict.fromkeys(norms, 0)
    items = norms.items()
    for term, weight in terms:
        for key in [key for key, norm in items if term in norm]:  # most texts hold few of the terms
            found[key] += weight
    return {key: value / total for key, value in found.items()}


def strength(terms: Sequence[Term], hits: Sequence[Hit], depth: int = EVIDENCE_DEPTH) -> float:
    """Evidence strength: the best coverage by one sentence (with its clause path) of the top hits."""
    return max(
        (coverage(terms, f"{h.chunk.clause}\n{s}") for h in hits[:depth] for s in sentences(h.chunk.text)),
        default=0.0,
    )


# characters that carry no topic (question words, pronouns, particles): pairs with them are not wording
FUNCTION_CHARS = frozenset(
    "的了吗呢么吧啊呀嘛哦什哪几多少是有在我们你您他她它这那个些怎样如何能可以会要想还就都也又和与或及"
)
WORDING_WEIGHT = 0.5


def _bigrams(text: str) -> set[str]:
    return {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if all("\u4e00" <= c <= "\u9fff" and c not in FUNCTION_CHARS for c in text[i : i + 2])
    }


@lru_cache(maxsize=256)  # one question's pairs, for every sentence and window weighed against it
def _asked_pairs(read: str) -> frozenset[str]:
    return frozenset(_bigrams(normalize(strip_places(read))))


def wording(info: QueryInfo, text: str) -> float:
    """A small score for the question's own two-character pieces standing in `text` (全市第一, 万人): the
    words a tokenizer splits differently from the documents still tell which part of a sentence answers."""
    asked = _asked_pairs(info.read)
    if not asked:
        return 0.0
    return WORDING_WEIGHT * len(asked & _bigrams(normalize(text))) / len(asked)


_CITED_TITLE = re.compile(r"《([^《》]*)》")


def _others_period(sentence: str, title: str) -> bool:
    """Does every period the sentence states belong to another document's title (《纲要（2021-2035年）》)?"""
    text, own = _figures_read(sentence), _figures_read(title)
    spans = [m.span() for m in _CITED_TITLE.finditer(text) if m.group(1) not in own]
    periods = [p.start() for p in PERIOD.finditer(text)]
    return bool(periods) and all(any(a <= p < b for a, b in spans) for p in periods)


def figure_rank(sentence: str, info: QueryInfo, title: str = "") -> float:
    """How exactly the sentence states the figure asked for: 0 not at all … 1 fully (a full date, an amount
    in 元 when money is asked; a multiple or a share of something stands below an amount; a period of a
    plan the sentence only names, below the document's own)."""
    if not states_figure(sentence, info):
        return 0.0
    if info.intent == Intent.PERIOD and title and _others_period(sentence, title):
        return 0.3
    if info.intent == Intent.PERIOD and not PERIOD.search(_figures_read(sentence)):
        return 0.6  # a term of years answers 期限 when no plan's period does
    if info.intent == Intent.QUANTITY and info.money and not info.measure:
        return 1.0 if AMOUNT.search(arabic(normalize(sentence))) else 0.6
    if info.intent != Intent.DATE:
        return 1.0
    text = normalize(sentence)
    if FULL_DATE.search(text):
        return 1.0
    without_periods = PERIOD.sub("", text)
    return 0.4 if without_periods == text or DATE.search(without_periods) else 0.2


@lru_cache(maxsize=8192)
def _figures_read(text: str) -> str:
    """The text normalised, its numerals as Arabic figures (a clause is read once, not per question)."""
    return arabic(normalize(text))


def states_figure(sentence: str, info: QueryInfo) -> bool:
    """Does the sentence (or clause) state the kind of figure the question asks for (五倍 as well as 5倍)?"""
    return _states_figure(sentence, info.addressees, info.intent, info.measure, info.money)


@lru_cache(maxsize=16384)  # the same clauses are weighed for every question asking the same kind of figure
def _states_figure(sentence: str, addressees: bool, intent: Intent, measure: str, money: bool) -> bool:
    if addressees:
        return any(addresses(line) for line in sentence.splitlines())
    text = _figures_read(sentence)
    if intent == Intent.DOCNUM:
        return bool(DOC_NUMBER.search(text))
    if intent == Intent.DATE:
        return bool(DATE.search(text))
    if intent == Intent.PERIOD:  # a plan's years, or a right's term (外观设计专利权的期限为十五年)
        return bool(PERIOD.search(text) or _TERM.search(text))
    if intent == Intent.DURATION:
        return bool(DURATION.search(text))
    if intent != Intent.QUANTITY:
        return True
    if measure:
        unit = same_unit(normalize(measure))
        # 个 is the everyday classifier: 几个商标 is answered by 2.93件, 几个单位 by 5家
        units = _COUNT_WORDS if unit == "个" else _ACTIONS if unit in _ACTIONS else re.escape(unit)
        if unit in _CALENDAR:  # 几个月 is a number of months, not the month of a date (今年10月, 2024年3月)
            return bool(re.search(rf"(?<![年月\d.])\d+\s*(?:{units})", text))
        return bool(re.search(rf"\d(?:\.\d+)?(?:万|亿)?(?:{units})", text))
    if money:
        return bool(MONEY.search(text))
    return bool(_ANY_NUMBER.search(text))


@dataclass(frozen=True)
class Quote:
    """A candidate sentence of a retrieved clause, scored for how well it answers the question."""

    hit: Hit
    text: str
    score: float


def _sentence_score(terms: Sequence[Term], sentence: str, hit: Hit, info: QueryInfo, prior: float) -> float:
    """Coverage of the question by the sentence in its clause's context, the hit's rank, the figure asked."""
    score = coverage(terms, f"{hit.chunk.clause}\n{sentence}") + 0.3 * prior
    if info.districts and hit.chunk.region in info.regions:
        score += ASKED_REGION_BONUS  # the asker's own district (and the city when compared with it) first
    if info.wants_figure:
        # the figure is what was asked: it outweighs the sentence's own share of the topic words (and the
        # wording, which a document's title shares with a question about the document)
        return score + 0.5 * coverage(terms, sentence) + figure_rank(sentence, info, hit.chunk.title)
    return score + coverage(terms, sentence) + wording(info, sentence)


def candidates(
    info: QueryInfo, hits: Sequence[Hit], terms: Sequence[Term], depth: int = EVIDENCE_DEPTH
) -> list[Quote]:
    """Every sentence of the top hits, best answer first."""
    top = (hits[0].scores.fused if hits else 0.0) or 1.0
    found = [
        Quote(hit, sentence, _sentence_score(terms, sentence, hit, info, hit.scores.fused / top))
        for hit in hits[:depth]
        for sentence in sentences(hit.chunk.text)
    ]
    if info.wants_figure:  # the asked figure, stated a little further down the ranking, is the answer
        found += [
            Quote(hit, sentence, _sentence_score(terms, sentence, hit, info, hit.scores.fused / top))
            for hit in hits[depth:FIGURE_DEPTH]
            for sentence in sentences(hit.chunk.text)
            if states_figure(sentence, info)
        ]
    return sorted(found, key=lambda q: -q.score)
