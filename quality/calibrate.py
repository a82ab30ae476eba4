"""Calibrate the refusal thresholds on question sets and keep them as data (a calibration.json file)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

from bot.refusal import Measures, Thresholds
from quality.evaluate import Item


@dataclass(frozen=True)
class Cut:
    """One threshold with the evidence behind it."""

    value: float
    lowest_answerable: float
    highest_unanswerable: float
    errors: int


def best_cut(answerable: Sequence[float], unanswerable: Sequence[float]) -> Cut:
    """The midpoint of the widest gap that separates the two sides with the fewest errors.

    An unanswerable question answered costs twice a refused answerable one: a wrong answer is
    worse than a refusal.
    """
    points = sorted({0.0, *answerable, *unanswerable, 1.0})
    best: tuple[float, float, float] | None = None  # (cost, -gap, value)
    for low, high in pairwise(points):
        value = (low + high) / 2
        cost = sum(a < value for a in answerable) + 2 * sum(u >= value for u in unanswerable)
        key = (cost, -(high - low), value)
        if best is None or key < best:
            best = key
    assert best is not None
    return Cut(
        value=round(best[2], 4),
        lowest_answerable=round(min(answerable, default=1.0), 4),
        highest_unanswerable=round(max(unanswerable, default=0.0), 4),
        errors=int(best[0]),
    )


@dataclass(frozen=True)
class Calibration:
    evidence: Cut
    sentence: Cut
    questions: int

    def thresholds(self) -> Thresholds:
        return Thresholds(evidence=self.evidence.value, sentence=self.sentence.value)


def calibrate(items: Sequence[Item], measure: Callable[[str], Measures]) -> Calibration:
    """Thresholds from the measures of answerable vs unanswerable questions that no rule refuses."""
    rows = [(item, measure(item.question)) for item in items]
    pending = [(i, m) for i, m in rows if not m.rule]
    evidence = best_cut(
        [m.strength for i, m in pending if i.answerable], [m.strength for i, m in pending if not i.answerable]
    )
    past = [(i, m) for i, m in pending if m.asks_figure and (m.strength >= evidence.value or i.answerable)]
    sentence = best_cut(
        [m.figure for i, m in past if i.answerable], [m.figure for i, m in past if not i.answerable]
    )
    return Calibration(evidence, sentence, len(items))


def save(calibration: Calibration, path: Path, source: str) -> None:
    path.write_text(
        json.dumps({"source": source, **asdict(calibration)}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
