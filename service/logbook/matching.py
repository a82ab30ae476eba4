"""Which published curated answer a quick question asks for (pure).

A question matches a curated one when they ask the same kind of thing: the character bigrams of their
matching forms (NFKC, simplified characters, no punctuation or filler words) overlap by a Jaccard index of
at least MATCH_THRESHOLD, they name the same kinds of right or procedure (专利/商标/发明/资助/侵权 …) and the
same districts and have the same intent (多少 / 何时 / 谁 …), and no
cited clause belongs to a district other than the one asked about. The threshold and its false-match
measurement on the evaluation questions are in docs/console.md."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.query import QueryInfo
from core.text import normalize, to_simplified

from .curated import Curated

# Measured (docs/console.md): among the 110 evaluation questions taken pairwise (11,990 pairs of different
# questions) the highest similarity is 0.36; rewordings of one question score 0.5–1.0.
MATCH_THRESHOLD = 0.45
_FILLER = re.compile(r"请问|我想问一下|我想问|想问一下|想问|一下|麻烦|你好|您好|呢|吗|啊|呀|吧")
_NOT_WORD = re.compile(r"[^\w]|_")
# Kinds of rights and procedures: a question about 商标 is never the one about 专利, however alike the words.
_KINDS = re.compile(
    r"发明|实用新型|外观设计|商标|著作权|版权|软件|地理标志|集成电路|商业秘密|植物新品种|域名|PCT|海关|"
    r"质押|保险|资助|奖励|补贴|侵权|纠纷|复审|无效|许可|转让|年费|期限|申请|授权|注册|维权|调解|诉讼"
)

Analyse = Callable[[str], QueryInfo]


# One spelling for the ways of asking the same thing (怎样/如何 → 怎么, 是多少/有多少 → 多少).
_SAME = (
    (re.compile(r"如何|怎样|怎么样"), "怎么"),
    (re.compile(r"[是有]多少"), "多少"),
    (re.compile(r"数量"), "量"),
)


def matching_form(text: str) -> str:
    """The question as compared: normalised, simplified, without punctuation or filler words."""
    form = _FILLER.sub("", normalize(to_simplified(text)))
    for pattern, spelling in _SAME:
        form = pattern.sub(spelling, form)
    return _NOT_WORD.sub("", form)


def kinds(text: str) -> frozenset[str]:
    """The kinds of right or procedure a question names (both questions must name the same ones)."""
    return frozenset(_KINDS.findall(matching_form(text).upper()))


def bigrams(text: str) -> frozenset[str]:
    form = matching_form(text)
    if len(form) < 2:
        return frozenset({form}) if form else frozenset()
    return frozenset(form[i : i + 2] for i in range(len(form) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard index of the two questions' bigram sets (0 … 1)."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


@dataclass(frozen=True)
class Match:
    curated: Curated
    similarity: float


def _regions_fit(info: QueryInfo, item: Curated) -> bool:
    """No cited clause is of a district other than the ones the question names."""
    asked = set(info.districts)
    return all(not c.region.endswith("区") or c.region in asked for c in item.citations)


def best_match(
    question: str, info: QueryInfo, published: Sequence[Curated], analyse: Analyse
) -> Match | None:
    """The most similar published answer that fits the question's districts and intent, if one reaches
    MATCH_THRESHOLD. `info` is the question as read (with the asker's region); `analyse` reads the
    curated questions the same way."""
    best: Match | None = None
    for item in published:
        score = similarity(question, item.question)
        if score < MATCH_THRESHOLD or (best is not None and score <= best.similarity):
            continue
        if kinds(question) != kinds(item.question):
            continue
        theirs = analyse(item.question)
        if set(theirs.districts) != set(info.districts) or theirs.intent is not info.intent:
            continue
        if not _regions_fit(info, item):
            continue
        best = Match(item, score)
    return best
