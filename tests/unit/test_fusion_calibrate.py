"""Score fusion and threshold calibration: small pure functions checked by hand."""

import pytest

from bot.retrieve import FusionWeights, fuse
from quality.calibrate import best_cut


def test_fusion_adds_normalised_dense_and_bm25_with_bonuses():
    weights = FusionWeights(dense=1.0, bm25=1.0, exact=0.3, region=0.15, coverage=0.5, figure=0.25)
    fused = fuse(
        dense={"a": 0.9, "b": 0.8},
        bm25={"a": 2.0, "c": 4.0},
        exact={"c"},
        boosted={"b"},
        covered={"a": 1.0},
        stating={"b"},
        weights=weights,
    )
    assert fused["a"] == pytest.approx(1.0 + 0.5 + 0.5)
    assert fused["b"] == pytest.approx(0.0 + 0.15 + 0.25)
    assert fused["c"] == pytest.approx(1.0 + 0.3)


def test_best_cut_is_the_midpoint_of_the_gap():
    cut = best_cut([0.6, 0.8, 1.0], [0.0, 0.1, 0.2])
    assert cut.value == pytest.approx(0.4) and cut.errors == 0
    assert (cut.lowest_answerable, cut.highest_unanswerable) == (0.6, 0.2)


def test_best_cut_prefers_refusing_when_the_sides_overlap():
    cut = best_cut([0.3, 0.9], [0.5])
    assert cut.value > 0.5
    assert cut.errors == 1
