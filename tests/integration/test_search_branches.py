"""A search's keyword side on a thread of its own, beside the question's embedding: the same reading,
terms, clauses and scores as one thread doing it all in turn."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import Settings
from app.wiring import build_assistant, open_index
from bot.query import analyse, read_of
from bot.retrieve import HybridRetriever, Understood
from core.records import Hit
from vectorstore.index import Index

# kinds of question: plain, traditional characters, a sound-alike misspelling, a town for a district, an
# article number, two regions compared, a greeting, outside IP policy
QUESTIONS = [
    "杨浦区知识产权质押融资贴息比例是多少？",
    "專利開放許可有什麼優惠政策",
    "帖息要怎么申请",
    "顾村的企业能申请什么资助",
    "第十一条讲的是什么",
    "市里和浦东各有什么支持",
    "你好",
    "今天天气怎么样",
]


@pytest.fixture(scope="module")
def index(built_data_dir: Path) -> Iterator[Index]:
    opened = open_index(Settings(data_dir=built_data_dir))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-keyword") as branches:
        yield branches


def seen(hits: list[Hit]) -> list[tuple[str, float, float, float]]:
    return [(h.chunk.chunk_id, h.scores.dense, h.scores.bm25, h.scores.fused) for h in hits]


def in_turn(retriever: HybridRetriever, question: str, k: int) -> Understood:
    """Reading, weighing and searching one after the other, as the stages are called on their own."""
    info = retriever.meant(analyse(question))
    terms = retriever.terms(info)
    return Understood(info, terms, retriever.search(info, k, terms))


@pytest.mark.parametrize("question", QUESTIONS)
def test_understanding_a_question_is_reading_weighing_and_searching_it(index: Index, question: str) -> None:
    retriever = HybridRetriever(index=index)
    with index.one_question():
        got = retriever.understand(question, 5)
    with index.one_question():
        expected = in_turn(retriever, question, 5)
    assert (got.info, got.terms, seen(got.hits)) == (expected.info, expected.terms, seen(expected.hits))
    assert read_of(question) == analyse(question).read


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_keyword_side_beside_the_embedding_changes_nothing(
    index: Index, pool: ThreadPoolExecutor, question: str
) -> None:
    alone, beside = HybridRetriever(index=index), HybridRetriever(index=index, branches=pool)
    with index.one_question():
        expected = alone.understand(question, 5)
        info = expected.info
        searched = alone.search(info, 5)
    with index.one_question():
        got = beside.understand(question, 5)
        assert seen(beside.search(info, 5)) == seen(searched)
    assert (got.info, got.terms, seen(got.hits)) == (expected.info, expected.terms, seen(expected.hits))
    assert any(t.name.startswith("test-keyword") for t in threading.enumerate())


def test_a_failure_on_the_branch_reaches_the_caller(
    index: Index, pool: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> list[str]:
        raise RuntimeError("tokenizer broke")

    monkeypatch.setattr(index.tokenizer, "tokens", broken)
    beside = HybridRetriever(index=index, branches=pool)
    with index.one_question(), pytest.raises(RuntimeError, match="tokenizer broke"):
        beside.understand(QUESTIONS[0], 5)


def test_the_assistant_answers_alike_with_a_branch(built_data_dir: Path, index: Index) -> None:
    settings = Settings(data_dir=built_data_dir)
    alone, beside = (
        build_assistant(settings, index),
        build_assistant(replace(settings, search_branches=1), index),
    )
    for question in QUESTIONS:
        a, b = alone.answer(question), beside.answer(question)
        assert replace(a, latency_ms=0) == replace(b, latency_ms=0)
    assert any(t.name.startswith("ipbot-keyword") for t in threading.enumerate())
