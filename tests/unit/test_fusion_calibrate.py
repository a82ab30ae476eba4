"""Score fusion and threshold calibration: small pure functions checked by hand."""

import random
from collections.abc import Sequence

import pytest

from bot.fusion import FusionWeights, bases, best_first, bounded_best, fused
from bot.query import analyse
from bot.retrieve import DISTRICT_LEAD_DEPTH, asked_regions_first
from core.records import Chunk, Hit, Scores
from quality.calibrate import best_cut


def test_fusion_adds_normalised_dense_and_bm25_with_bonuses():
    weights = FusionWeights(dense=1.0, bm25=1.0, exact=0.3, region=0.15, coverage=0.5, figure=0.25)
    base = bases(dense={"a": 0.9, "b": 0.8}, bm25={"a": 2.0, "c": 4.0}, weights=weights)
    scores = fused(base, weights, base, exact={"c"}, region={"b"}, coverage={"a": 1.0}, figure={"b"})
    assert set(scores) == {"a", "b", "c"}
    assert scores["a"] == pytest.approx(1.0 + 0.5 + 0.5)
    assert scores["b"] == pytest.approx(0.0 + 0.15 + 0.25)
    assert scores["c"] == pytest.approx(1.0 + 0.3)


def test_the_ranking_is_best_first_with_ties_by_id():
    rng = random.Random(3)
    for _ in range(200):
        ids = rng.sample([f"d{n}-{i}" for n in range(3) for i in range(12)], rng.randint(0, 30))
        scores = {cid: rng.choice([0.0, -0.0, 0.25, 0.5, 1.5, rng.random()]) for cid in ids}
        assert best_first(scores) == sorted(scores, key=lambda cid: (-scores[cid], cid))


def test_bounded_best_begins_as_scoring_every_candidate_would() -> None:
    """Scores at or under their bounds, ties among both: the first `depth` of best_first() are those of
    all the candidates scored, while a candidate whose bound cannot reach them is never scored."""
    rng = random.Random(5)
    skipped = 0
    for _ in range(500):
        ids = [f"c{i:02d}" for i in rng.sample(range(60), rng.randint(0, 40))]
        scores = {
            cid: rng.choice([0.5, 1.0, 1.5, round(rng.random() * 2, 1), rng.random() * 2]) for cid in ids
        }
        bounds = {cid: s + rng.choice([0.0, 0.0, 0.5, rng.random()]) for cid, s in scores.items()}
        depth = rng.randint(1, 8)
        asked: list[str] = []

        def score(batch: Sequence[str], asked: list[str] = asked, scores: dict[str, float] = scores) -> dict:
            asked.extend(batch)
            return {cid: scores[cid] for cid in batch}

        got = bounded_best(bounds, score, depth)
        assert best_first(got)[:depth] == best_first(scores)[:depth]
        assert len(asked) == len(set(asked)) == len(got)
        kth = sorted(got.values(), reverse=True)[depth - 1] if len(got) >= depth else None
        assert all(kth is not None and bounds[cid] < kth for cid in set(ids) - set(asked))
        skipped += len(ids) - len(asked)
    assert skipped > 0  # the bound does leave candidates out


def test_best_cut_is_the_midpoint_of_the_gap():
    cut = best_cut([0.6, 0.8, 1.0], [0.0, 0.1, 0.2])
    assert cut.value == pytest.approx(0.4) and cut.errors == 0
    assert (cut.lowest_answerable, cut.highest_unanswerable) == (0.6, 0.2)


def test_best_cut_prefers_refusing_when_the_sides_overlap():
    cut = best_cut([0.3, 0.9], [0.5])
    assert cut.value > 0.5
    assert cut.errors == 1


def _ranked(*regions: str) -> list[Hit]:
    return [
        Hit(Chunk(f"c{n}", f"d{n}", "t", "t › 一", "text", region), Scores(0.9, 1.0, 3.0 - 0.1 * n))
        for n, region in enumerate(regions)
    ]


def test_a_named_districts_own_clause_leads_when_it_is_near_the_top():
    info = analyse("泗泾这边有没有能挂牌交易的地方？")  # 泗泾 is a town of 松江区
    hits = asked_regions_first(_ranked("上海市", "上海市", "上海市", "上海市", "松江区", "松江区"), info)
    assert [h.chunk.chunk_id for h in hits[:2]] == ["c4", "c0"]
    far = _ranked(*["上海市"] * DISTRICT_LEAD_DEPTH, "松江区")
    assert asked_regions_first(far, info) == far  # too far down: the ranking stands
    plain = _ranked("上海市", "松江区")
    assert asked_regions_first(plain, analyse("有没有能挂牌交易的地方？")) == plain


def test_a_question_comparing_regions_gets_the_best_clause_of_each_first():
    info = analyse("杨浦和松江的贴息比例分别是多少？")
    hits = asked_regions_first(_ranked("上海市", "松江区", "上海市", "杨浦区"), info)
    assert [h.chunk.region for h in hits[:2]] == ["松江区", "杨浦区"]
