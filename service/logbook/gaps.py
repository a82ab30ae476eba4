"""The gap list: questions the bot refused or users rated 👎, grouped by similar wording (pure).

Grouping uses the character-bigram Jaccard similarity that matches curated answers (matching.py): it
needs no model, gives the same groups every time, and separates 贴息 from 资助 questions, which the
embedding puts close together (they share a topic but need different answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.query import analyse

from .matching import similarity
from .records import Logbook, LoggedAnswer, LogQuery, Rating

GROUP_THRESHOLD = 0.5


@dataclass
class Gap:
    """Similar questions (the first one asked most recently names the group)."""

    question: str
    districts: frozenset[str] = frozenset()
    items: list[LoggedAnswer] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def refused(self) -> int:
        return sum(1 for i in self.items if i.entry.refused)

    @property
    def rated_down(self) -> int:
        return sum(1 for i in self.items if i.feedback is not None and i.feedback.rating.value == "down")


def _districts(question: str) -> frozenset[str]:
    return frozenset(analyse(question).districts)


def gap_list(
    items: Iterable[LoggedAnswer],
    *,
    threshold: float = GROUP_THRESHOLD,
    districts: Callable[[str], frozenset[str]] = _districts,
) -> list[Gap]:
    """Each answer joins the first group of the same districts whose lead question is similar enough (a
    宝山区 gap is not a 杨浦区 one); most frequent first."""
    groups: list[Gap] = []
    seen: set[str] = set()
    for item in items:
        if item.entry.answer_id in seen:
            continue
        seen.add(item.entry.answer_id)
        question = item.entry.question
        named = districts(question)
        home = next(
            (g for g in groups if g.districts == named and similarity(g.question, question) >= threshold),
            None,
        )
        if home is None:
            home = Gap(question, named)
            groups.append(home)
        home.items.append(item)
    return sorted(groups, key=lambda g: -g.count)


GAP_SOURCE = 500  # the latest refused and 👎 answers the gap list groups


def open_gaps(logbook: Logbook, *, leave_out_channel: str) -> list[Gap]:
    """The gap list now: refused or 👎 answers (not those of `leave_out_channel`: staff's hit tests),
    grouped by similar wording, most frequent first."""
    refused = logbook.query(LogQuery(refused=True, limit=GAP_SOURCE))
    down = logbook.feedback(rating=Rating.DOWN, limit=GAP_SOURCE)
    return gap_list(i for i in [*down, *refused] if i.entry.channel != leave_out_channel)
