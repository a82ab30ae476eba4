"""Per-search work: top-k selection without a full sort, coverage of pre-normalised text, the
normalised-text memo of the index, and vector queries without a count."""

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

import vectorstore.index
from app.settings import Settings
from app.wiring import open_index
from bot.evidence import coverage, coverage_normalized
from core.records import Chunk, DocumentMeta
from core.text import normalize
from tests.chunk_support import chunks_of
from vectorstore import keyword
from vectorstore.embed import DIM, Vectors
from vectorstore.index import Index
from vectorstore.keyword import KeywordIndex, top_positions
from vectorstore.tokenize import KeywordTokenizer


def _by_full_sort(scores: np.ndarray, k: int) -> list[int]:
    """The reference: a stable sort of every score (ties: lower position first)."""
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


@pytest.mark.parametrize("k", [0, 1, 5, 50, 99, 100, 500])
def test_top_positions_match_a_full_sort(k: int) -> None:
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 8, size=100).astype(np.float32)  # many ties, also at the k-th place
    assert top_positions(scores, k) == _by_full_sort(scores, k)


def test_top_positions_of_nothing() -> None:
    assert top_positions(np.zeros(0, dtype=np.float32), 5) == []


@pytest.mark.parametrize("small", [4096, 0])  # every score sorted; the positive ones selected first
@pytest.mark.parametrize("k", [0, 1, 3, 7, 50])
def test_keyword_top_is_the_positive_scores_by_a_full_sort(
    k: int, small: int, jieba_tokenizer: KeywordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyword, "_SMALL", small)
    texts = ["贴息比例为50%。", "质押融资贴息。", "专利开放许可。", "质押融资贴息。", "调解纠纷。"] * 3
    index = KeywordIndex.build(chunks_of("d", texts), jieba_tokenizer, generation=1)
    tokens = jieba_tokenizer.tokens("质押贴息")
    scores = index.scores(tokens)
    expected = [(index.ids[i], float(scores[i])) for i in _by_full_sort(scores, k) if scores[i] > 0]
    assert index.top(tokens, k) == expected
    assert len(expected) == min(k, 9)  # the three texts with 质押 or 贴息, three times over
    assert not k or expected[0] == ("d-1", pytest.approx(float(scores.max())))


def test_coverage_of_normalised_text_is_coverage() -> None:
    text = "对符合条件的企业，按贷款利息的５０％给予贴息（ＰＣＴ专利）"
    terms = [("贴息", 2.0), ("50%", 1.5), ("pct", 1.0), ("补助", 3.0)]
    assert coverage_normalized(terms, normalize(text)) == coverage(terms, text) == pytest.approx(4.5 / 7.5)
    assert coverage([], text) == coverage_normalized([], normalize(text)) == 0.0


class _NoModel:
    """An embedder that must not be asked: these tests only read text."""

    model_id = "none"

    def passages(self, texts: Sequence[str]) -> Vectors:
        raise AssertionError("not embedded in this test")

    def query(self, text: str) -> Vectors:
        raise AssertionError("not embedded in this test")


def _doc(text: str) -> tuple[DocumentMeta, list[Chunk]]:
    meta = DocumentMeta("d1", "文件", "/d1.txt", "h")
    return meta, [Chunk("d1-0", "d1", "文件", "文件 › 一、", text, "上海市", "", 0)]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    index = open_index(Settings(data_dir=tmp_path), embedder=_NoModel())
    yield index
    index.close()


def test_normalised_text_follows_the_catalog(index: Index) -> None:
    index.catalog.apply([_doc("贴息比例为５０％。")], [])
    chunk = index.chunks()["d1-0"]
    assert index.normalized(chunk) == normalize(chunk.search_text())
    index.catalog.apply([_doc("资助金额为１０万元。")], [])  # same chunk id, new text
    changed = index.chunks()["d1-0"]
    assert "10万元" in index.normalized(changed)
    assert index.normalized(changed) == normalize(changed.search_text())


def test_normalised_text_is_read_from_the_joined_corpus_text_of_its_generation(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.catalog.apply([_doc("贴息比例为５０％。")], [])
    chunk = index.chunks()["d1-0"]
    expected = normalize(chunk.search_text())
    assert index.corpus_text().text == expected  # loaded for this generation
    monkeypatch.setattr(vectorstore.index, "normalize", _not_called)
    assert index.normalized(chunk) == expected
    index.catalog.apply(
        [_doc("资助金额为１０万元。")], []
    )  # a new generation: its corpus text not loaded yet
    changed = index.chunks()["d1-0"]
    monkeypatch.undo()
    assert index.normalized(changed) == normalize(changed.search_text())


def _not_called(text: str) -> str:
    raise AssertionError(f"normalize({text!r}) worked out again")


def test_vector_query_asks_for_k_even_when_fewer_are_stored(index: Index) -> None:
    assert index.vectors.query(np.ones(DIM, dtype=np.float32) / DIM**0.5, 50) == []
    vectors = np.eye(3, DIM, dtype=np.float32)
    index.vectors.upsert(["a", "b", "c"], vectors, ["d", "d", "d"])
    found = index.vectors.query(vectors[1], 50)
    assert found[0][0] == "b"
    assert sorted(cid for cid, _ in found) == ["a", "b", "c"]


class _CountingModel:
    """One-hot vectors by text length; counts the questions it embeds."""

    model_id = "counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self.query(t) for t in texts])

    def query(self, text: str) -> Vectors:
        self.asked.append(text)
        return np.eye(DIM, dtype=np.float32)[len(text) % DIM]


def test_the_noise_levels_questions_are_embedded_once_per_embedder(tmp_path: Path) -> None:
    model = _CountingModel()
    first = open_index(Settings(data_dir=tmp_path), embedder=model)
    vectors = first.embed_known_queries(["今天天气", "附近有什么好吃的"])
    first.close()
    again = open_index(Settings(data_dir=tmp_path), embedder=model)  # another process, after an index change
    assert np.array_equal(again.embed_known_queries(["今天天气", "附近有什么好吃的"]), vectors)
    again.close()
    assert model.asked == ["今天天气", "附近有什么好吃的"]
    assert [int(np.argmax(v)) for v in vectors] == [4, 8]
