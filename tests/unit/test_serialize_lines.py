"""`ipbot search --json`'s line written from cached chunk fields and directly formatted scores: the same bytes
as json.dumps of search_json, whatever the id, the hits or the scores."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.serialize import score_text, search_json, search_line
from core.records import Chunk, Hit, Scores


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _hit(n: int, dense: float, bm25: float, fused: float) -> Hit:
    chunk = Chunk(
        chunk_id=f"doc_{n}-c{n}",
        doc_id=f"doc_{n}",
        title="上海市杨浦区关于“知识产权”质押融资的通知",
        clause=f"第{n}条 › （一）",
        text='贴息比例为 50%，单户\t最高 "20万元"。\\ 换行\n\u2028末尾😀',
        region="杨浦区",
    )
    return Hit(chunk, Scores(dense=dense, bm25=bm25, fused=fused))


HITS = [_hit(1, 0.8731234567, 12.5, 2.397), _hit(2, 0.0, 0.0, 0.0), _hit(3, -0.25, 3e-05, 1e12)]


@pytest.mark.parametrize("qid", [None, 7, "q1", "问题-1", 3.5, [1, "a"], {"k": "值"}, True])
def test_a_line_with_an_id_is_json_dumps_of_the_id_and_the_search(qid: object) -> None:
    query = '专利"质押"\t贴息？'
    assert search_line(query, HITS, qid) == _dumps({"id": qid, **search_json(query, HITS)})


def test_a_line_without_an_id_or_without_hits_is_json_dumps_of_the_search() -> None:
    assert search_line("贴息", HITS) == _dumps(search_json("贴息", HITS))
    assert search_line("你好", []) == _dumps(search_json("你好", [])) == '{"query": "你好", "results": []}'


def test_the_same_chunk_in_two_lines_is_written_the_same() -> None:
    first, again = search_line("a", HITS[:1], 1), search_line("a", HITS[:1], 1)
    assert first == again and json.loads(first)["results"][0]["text"] == HITS[0].chunk.text


# around the edges of the direct form (1e-4, 1e9), and values whose sixth decimal rounds either way
EDGES = [0.0, -0.0, 1e-4, 9.9995e-05, 0.000100000001, 0.0001000005, 0.1234565, 0.1234575, 2.5e-07, 999999999.9999996,
         1e9, 123456789.123456789, -0.0000004, -0.00049, 1.0, 3.0000005, math.pi, -math.e, 1e300, -1e-300,
         float("inf"), float("-inf"), float("nan")]  # fmt: skip


@pytest.mark.parametrize("x", EDGES)
def test_a_score_is_written_as_json_writes_it_rounded_to_six_places(x: float) -> None:
    assert score_text(x) == _dumps(round(x, 6))


@given(
    st.floats(allow_nan=False, min_value=-1e10, max_value=1e10) | st.floats(min_value=-1e-3, max_value=1e-3)
)
def test_any_score_is_written_as_json_writes_it_rounded_to_six_places(x: float) -> None:
    assert score_text(x) == _dumps(round(x, 6))
