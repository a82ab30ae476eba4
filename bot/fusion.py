"""The fused score of a candidate chunk, and the best candidates by it without scoring every one (pure).

fused = w_d·norm(cos) + w_b·bm25/max(bm25) + w_e·[exact] + w_r·[asked region] + w_c·coverage
        + w_f·[states the kind of figure asked]

The first two terms (the *base*) come with the searches; exact figures, coverage and the figure stated cost
a scan of the clause's text each. `bounded_best` scores only as many candidates as can reach the top: a
candidate's bound is its fused score with every costly term at its most, and floating-point sums and
products by non-negative weights never fall when a term rises, so no score exceeds its bound.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the fused score; tuned on the dev set (see docs/retrieval.md)."""

    dense: float = 1.0
    bm25: float = 1.0
    exact: float = 0.3
    region: float = 0.7
    coverage: float = 0.5
    figure: float = 0.3  # a clause stating the kind of figure asked (几年 → 十五年): docs/retrieval.md
    candidates: int = 50


def bases(
    dense: Mapping[str, float], bm25: Mapping[str, float], weights: FusionWeights, also: Collection[str] = ()
) -> dict[str, float]:
    """w_d·norm(cos) + w_b·bm25/max(bm25) of every candidate (`also`: chunks neither search found).
    The cosines are min-max normalised over the dense candidates (a constant list maps to 1)."""
    low, high = (min(dense.values()), max(dense.values())) if dense else (0.0, 0.0)
    span, top = high - low, max(bm25.values(), default=0.0)
    w_dense, w_bm25 = weights.dense, weights.bm25
    out: dict[str, float] = {}
    for cid in {*dense, *bm25, *also}:
        cos = dense.get(cid)
        score = w_dense * (0.0 if cos is None else (cos - low) / span if span > 0 else 1.0)
        out[cid] = score + w_bm25 * (bm25.get(cid, 0.0) / top if top > 0 else 0.0)
    return out


def fused(
    base: Mapping[str, float],
    weights: FusionWeights,
    ids: Iterable[str],
    exact: Container[str],
    region: Container[str],
    coverage: Mapping[str, float],
    figure: Container[str],
) -> dict[str, float]:
    """The fused scores of `ids` from their bases and their other terms (coverage in [0, 1], else 0)."""
    w_exact, w_region, w_coverage, w_figure = weights.exact, weights.region, weights.coverage, weights.figure
    return {
        cid: base[cid]
        + (w_exact * (cid in exact) + w_region * (cid in region))
        + (w_coverage * coverage.get(cid, 0.0) + w_figure * (cid in figure))
        for cid in ids
    }


def bounds(
    base: Mapping[str, float],
    weights: FusionWeights,
    ids: Iterable[str],
    exact: bool,
    region: Container[str],
    coverage: bool,
    figure: bool,
) -> dict[str, float]:
    """fused() of `ids` with each costly term at its most (an exact figure, full coverage, the figure stated:
    each where the question asks it): the same sums, the two bracketed ones worked out once."""
    w_exact, w_region, w_coverage, w_figure = weights.exact, weights.region, weights.coverage, weights.figure
    lifted, flat = w_exact * exact + w_region * True, w_exact * exact + w_region * False
    most = w_coverage * (1.0 if coverage else 0.0) + w_figure * figure
    return {cid: base[cid] + (lifted if cid in region else flat) + most for cid in ids}


def best_first(scores: Mapping[str, float]) -> list[str]:
    """The ids by score, best first, ties by id: sorted by id, then stably by score (no key tuple per id)."""
    return sorted(sorted(scores), key=scores.__getitem__, reverse=True)


BATCH = 8  # candidates scored at a time: one batch usually holds the top five


def bounded_best(
    bound: Mapping[str, float],
    score: Callable[[Sequence[str]], Mapping[str, float]],
    depth: int,
) -> dict[str, float]:
    """Scores of the candidates, enough of them that best_first() of them begins with the `depth` best of
    all: taken by bound, best first, a batch at a time, until the next bound falls below the depth-th best
    score found. Nothing left can reach it then (a score is at most its bound), nor tie it and win on its id.
    """
    order = sorted(bound, key=bound.__getitem__, reverse=True)
    scored: dict[str, float] = {}
    for start in range(0, len(order), BATCH):
        if len(scored) >= depth and bound[order[start]] < sorted(scored.values(), reverse=True)[depth - 1]:
            break
        scored.update(score(order[start : start + BATCH]))
    return scored
