"""Calibrate the refusal thresholds on question sets and keep them as data (a calibration.json file)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from hashlib import sha1
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


Measured = tuple[Item, Measures]


def measure_all(items: Sequence[Item], measure: Callable[[str], Measures]) -> list[Measured]:
    """Each question with the refusal rule's measures (computed once; fitting reuses them)."""
    return [(item, measure(item.question)) for item in items]


def calibrate(rows: Sequence[Measured]) -> Calibration:
    """Thresholds from the measures of answerable vs unanswerable questions that no rule refuses."""
    pending = [(i, m) for i, m in rows if not m.rule]
    evidence = best_cut(
        [m.strength for i, m in pending if i.answerable], [m.strength for i, m in pending if not i.answerable]
    )
    past = [(i, m) for i, m in pending if m.asks_figure and (m.strength >= evidence.value or i.answerable)]
    sentence = best_cut(
        [m.figure for i, m in past if i.answerable], [m.figure for i, m in past if not i.answerable]
    )
    return Calibration(evidence, sentence, len(rows))


def _errors(rows: Sequence[Measured], thresholds: Thresholds) -> tuple[int, int]:
    """(answerable refused, unanswerable answered) by the thresholds, among questions no rule refuses."""
    refused_ok = answered_bad = 0
    for item, m in rows:
        if m.rule:
            continue
        refused = m.strength < thresholds.evidence or m.figure < thresholds.sentence
        refused_ok += item.answerable and refused
        answered_bad += (not item.answerable) and not refused
    return refused_ok, answered_bad


@dataclass(frozen=True)
class Fold:
    """One fold of cross-validation: the thresholds fitted without it, and its errors under them."""

    fold: int
    evidence: float
    sentence: float
    questions: int
    false_refusals: int
    wrong_answers: int


def cross_validate(rows: Sequence[Measured], folds: int = 5) -> list[Fold]:
    """k-fold: fit on the other folds, count the held-out fold's errors (folds fixed by question id)."""
    assigned: dict[int, list[Measured]] = {}
    for row in rows:
        assigned.setdefault(int(sha1(row[0].id.encode()).hexdigest(), 16) % folds, []).append(row)
    out = []
    for k in sorted(assigned):
        fitted = calibrate([r for j, part in assigned.items() if j != k for r in part]).thresholds()
        refused, answered = _errors(assigned[k], fitted)
        out.append(Fold(k, fitted.evidence, fitted.sentence, len(assigned[k]), refused, answered))
    return out


def per_persona(rows: Sequence[Measured]) -> dict[str, Calibration]:
    """The thresholds each persona's questions alone would give (how far they move between personas)."""
    personas = sorted({i.persona for i, _ in rows} - {""})
    return {p: calibrate([r for r in rows if r[0].persona == p]) for p in personas}


def save(calibration: Calibration, path: Path, source: str) -> None:
    path.write_text(
        json.dumps({"source": source, **asdict(calibration)}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
