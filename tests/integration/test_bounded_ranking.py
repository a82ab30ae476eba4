"""The ranking that scans only the candidates able to reach the top (bot.fusion.bounded_best) gives the
hits that scanning every candidate gives, on the corpus, and no candidate's score exceeds its bound."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

import bot.retrieve
from app.settings import Settings
from app.wiring import open_index
from bot.fusion import FusionWeights
from bot.retrieve import HybridRetriever
from vectorstore.index import Index

pytestmark = pytest.mark.integration

# kinds: a figure asked (rate, amount, years), an exact figure or article, a district or a town, a
# traditional or misspelt wording, a document asked for, a vague or outside question
QUESTIONS = [
    "杨浦区知识产权质押融资贴息比例是多少？",
    "单个企业最多能拿多少万元资助",
    "专利开放许可有什么优惠政策",
    "顾村的企业能申请什么资助",
    "第十一条讲的是什么",
    "沪知局〔2024〕号文件说了什么",
    "專利質押融資怎麼申請",
    "帖息要怎么申请",
    "哪些文件提到了维权援助",
    "商标品牌指导站有几个",
    "实施期限是哪几年",
    "有什么政策",
    "今天天气怎么样",
]

Scorer = Callable[[Sequence[str]], Mapping[str, float]]


@pytest.fixture(scope="module")
def index(built_data_dir: Path) -> Iterator[Index]:
    opened = open_index(Settings(data_dir=built_data_dir))
    yield opened
    opened.close()


def _every(bounds: Mapping[str, float], score: Scorer, depth: int) -> dict[str, float]:
    """Every candidate scored, each checked against its bound."""
    scores = dict(score(list(bounds)))
    assert all(scores[cid] <= bounds[cid] for cid in bounds), "a score above its bound"
    return scores


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("k", [1, 5, 10])
def test_bounded_ranking_gives_the_hits_of_scoring_every_candidate(
    index: Index, monkeypatch: pytest.MonkeyPatch, question: str, k: int
) -> None:
    retriever = HybridRetriever(index=index)
    with index.one_question():
        bounded = retriever.understand(question, k).hits
    monkeypatch.setattr(bot.retrieve, "bounded_best", _every)
    with index.one_question():
        every = retriever.understand(question, k).hits
    assert [(h.chunk.chunk_id, h.scores) for h in bounded] == [(h.chunk.chunk_id, h.scores) for h in every]


def test_most_candidates_are_never_scanned(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[tuple[int, int]] = []
    real = bot.retrieve.bounded_best

    def counting(bounds: Mapping[str, float], score: Scorer, depth: int) -> dict[str, float]:
        scanned = real(bounds, score, depth)
        counted.append((len(bounds), len(scanned)))
        return scanned

    monkeypatch.setattr(bot.retrieve, "bounded_best", counting)
    retriever = HybridRetriever(index=index)
    for question in QUESTIONS:
        with index.one_question():
            retriever.understand(question, 5)
    assert counted and sum(s for _, s in counted) < sum(c for c, _ in counted) / 2


def test_a_negative_weight_scores_every_candidate(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound assumes costly terms only add; with a negative weight every candidate is scored instead."""
    calls: list[int] = []

    def bounded(bounds: Mapping[str, float], score: Scorer, depth: int) -> dict[str, float]:
        calls.append(depth)
        return {}

    monkeypatch.setattr(bot.retrieve, "bounded_best", bounded)
    retriever = HybridRetriever(index=index, weights=FusionWeights(coverage=-0.5))
    with index.one_question():
        hits = retriever.understand("杨浦区知识产权质押融资贴息比例是多少？", 5).hits
    assert hits and not calls
