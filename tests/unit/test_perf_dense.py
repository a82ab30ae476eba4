"""Dense search in memory: exact cosine ranking, used for a small index whose vectors the cache holds,
following the catalog; Chroma answers otherwise."""

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from app.settings import Settings
from app.wiring import open_index
from core.records import Chunk, DocumentMeta
from vectorstore.dense import SORT_ALL, DenseMatrix
from vectorstore.embed import DIM, Vectors, content_key
from vectorstore.index import Index


def _reference(ids: Sequence[str], vectors: Vectors, query: Vectors, k: int) -> list[tuple[str, float]]:
    """Every cosine worked out one by one, sorted best first, ties by id."""
    scored = [(ids[i], float(np.dot(vectors[i], query))) for i in range(len(ids))]
    return sorted(scored, key=lambda p: (-p[1], p[0]))[: max(k, 0)]


@pytest.mark.parametrize("n", [60, SORT_ALL + 41])  # every score sorted; a partition first
@pytest.mark.parametrize("k", [0, 1, 5, 50, 60, 100])
def test_nearest_is_the_exact_cosine_ranking(k: int, n: int) -> None:
    rng = np.random.default_rng(k)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors[10:20] = vectors[3]  # ten duplicates of one vector: ties, also at the k-th place
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"c{(i * 37) % n:03d}" for i in range(n)]  # ids not in row order (37 is prime to n)
    query = vectors[3] + 0.5 * vectors[40]
    found = DenseMatrix(ids, vectors).nearest(query, k)
    expected = _reference(ids, vectors, query, k)
    assert [cid for cid, _ in found] == [cid for cid, _ in expected]
    assert [cos for _, cos in found] == pytest.approx([cos for _, cos in expected], abs=1e-6)


def test_an_empty_matrix_finds_nothing() -> None:
    assert DenseMatrix([], np.zeros((0, DIM), dtype=np.float32)).nearest(np.ones(DIM, np.float32), 5) == []
    with pytest.raises(ValueError, match="2 ids for 1 vectors"):
        DenseMatrix(["a", "b"], np.zeros((1, DIM), dtype=np.float32))


class _OneHot:
    """Passage i of a test is the i-th unit vector (by its last character); never asked for questions."""

    model_id = "one-hot"

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.stack([np.eye(DIM, dtype=np.float32)[int(t[-1])] for t in texts])

    def query(self, text: str) -> Vectors:
        raise AssertionError("not embedded in this test")


def _chunks(n: int) -> tuple[DocumentMeta, list[Chunk]]:
    meta = DocumentMeta("d", "文件", "/d.txt", "h")
    return meta, [Chunk(f"d-{i}", "d", "文件", f"文件 › {i}", f"第{i}", "上海市", "", i) for i in range(n)]


def _store(index: Index, n: int, *, cached: bool = True) -> None:
    """Commit n chunks as ingestion does: vectors in the cache (by content key), in Chroma, in the catalog."""
    meta, chunks = _chunks(n)
    texts = [c.search_text() for c in chunks]
    vectors = index.embedder.passages(texts)
    if cached:
        index.cache.put_many(
            {content_key(index.embedder.model_id, t): v for t, v in zip(texts, vectors, strict=True)}
        )
    index.vectors.upsert([c.chunk_id for c in chunks], vectors, ["d"] * n)
    index.catalog.apply([(meta, chunks)], [])


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    index = open_index(Settings(data_dir=tmp_path), embedder=_OneHot())
    yield index
    index.close()


def _query(i: int) -> Vectors:
    return np.eye(DIM, dtype=np.float32)[i]


def test_a_small_cached_index_is_searched_in_memory_as_chroma_would(index: Index) -> None:
    _store(index, 3)
    assert index.nearest(_query(1), 2) == [("d-1", pytest.approx(1.0)), ("d-0", 0.0)]
    in_memory = index.nearest(_query(2), 50)
    from_chroma = index.vectors.query(_query(2), 50)
    assert in_memory[0][0] == from_chroma[0][0] == "d-2"
    assert sorted(cid for cid, _ in in_memory) == sorted(cid for cid, _ in from_chroma)
    assert sorted(cos for _, cos in in_memory) == pytest.approx(
        sorted(cos for _, cos in from_chroma), abs=1e-6
    )


def test_the_memory_search_follows_the_catalog(index: Index) -> None:
    _store(index, 2)
    assert [cid for cid, _ in index.nearest(_query(1), 5)] == ["d-1", "d-0"]
    _store(index, 4)  # a new generation with two more chunks
    assert index.nearest(_query(3), 1)[0][0] == "d-3"
    assert len(index.nearest(_query(3), 5)) == 4


def test_chroma_answers_when_the_cache_lacks_a_vector(index: Index) -> None:
    _store(index, 3, cached=False)
    index.vectors.delete(["d-0"])  # only Chroma can know this: the catalog still names d-0
    assert sorted(cid for cid, _ in index.nearest(_query(1), 5)) == ["d-1", "d-2"]


def test_chroma_answers_above_the_limit(tmp_path: Path) -> None:
    index = open_index(Settings(data_dir=tmp_path), embedder=_OneHot())
    try:
        index.exact_limit = 2
        _store(index, 3)
        index.vectors.delete(["d-0"])
        assert sorted(cid for cid, _ in index.nearest(_query(1), 5)) == ["d-1", "d-2"]
        index.exact_limit = 3
        index.catalog.apply([_chunks(3)], [])  # a new generation: now within the limit, in memory
        assert sorted(cid for cid, _ in index.nearest(_query(1), 5)) == ["d-0", "d-1", "d-2"]
    finally:
        index.close()
