"""Dense search of a big index in an HNSW graph kept beside Chroma: close to the exact ranking, saved at
every commit for its generation, changed where it can be, and never used for another generation."""

import hashlib
import logging
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from app.settings import Settings
from app.wiring import open_index
from core.records import Chunk, DocumentMeta
from ingest.pipeline import commit, ingest
from service.documents import Library
from service.gate import IndexGate
from vectorstore.embed import DIM, Vectors, content_key
from vectorstore.graph import GRAPH_FILE, LABELS_FILE, Graph
from vectorstore.index import Index


def _saved(directory: Path, embedder: str) -> tuple[int, str] | None:
    """The (generation, embedder) of the graph of `embedder` saved in `directory`; None when none opens."""
    graph = Graph.load(directory, embedder=embedder)
    return None if graph is None else (graph.generation, graph.embedder)


def _unit(seed: str) -> Vectors:
    rng = np.random.default_rng(int(hashlib.sha1(seed.encode()).hexdigest()[:8], 16))
    vector = rng.normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _clustered(n: int, rng: np.random.Generator, around: Vectors) -> Vectors:
    """Unit vectors scattered around the rows of `around`, as texts on a few topics embed."""
    vectors = (
        around[np.arange(n) % len(around)] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32) / DIM**0.5
    )
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _exact(ids: Sequence[str], vectors: Vectors, query: Vectors, k: int) -> list[str]:
    return [ids[i] for i in np.argsort(-(vectors @ query), kind="stable")[:k]]


def test_the_graph_finds_the_exact_neighbours_with_their_cosines() -> None:
    n, k = 3000, 10
    rng = np.random.default_rng(0)
    vectors = _clustered(n, rng, _clustered(40, rng, np.zeros((1, DIM), np.float32) + 1 / DIM**0.5))
    ids = [f"c{i}" for i in range(n)]
    graph = Graph.empty(DIM, 1, "m")
    graph.add(ids, [f"k{i}" for i in range(n)], vectors)
    queries = _clustered(40, rng, vectors[:: n // 40])
    recall = []
    for query in queries:
        found = graph.nearest(query, k)
        exact = _exact(ids, vectors, query, k)
        recall.append(len({cid for cid, _ in found} & set(exact)) / k)
        cosines = {cid: cos for cid, cos in found}
        assert [cosines[cid] for cid in cosines] == sorted(cosines.values(), reverse=True)
        for cid, cos in found:  # float16 vectors: within 1e-3 of the float32 cosine
            assert cos == pytest.approx(float(vectors[int(cid[1:])] @ query), abs=1e-3)
    assert np.mean(recall) >= 0.95
    assert graph.nearest(queries[0], 0) == []
    assert len(graph.nearest(queries[0], 50)) == 50


def test_a_change_removes_and_adds_only_what_changed() -> None:
    ids = [f"c{i}" for i in range(50)]
    graph = Graph.empty(DIM, 1, "m")
    graph.add(ids, [f"k-{cid}" for cid in ids], np.stack([_unit(cid) for cid in ids]))
    now = {cid: f"k-{cid}" for cid in ids if cid not in ("c3", "c4")}  # two chunks gone
    now["c5"] = "k-c5-new"  # one chunk's text changed
    now["c99"] = "k-c99"  # one new chunk
    asked: list[list[str]] = []

    def vectors_of(keys: list[str]) -> Vectors:
        asked.append(keys)
        return np.stack([_unit(key) for key in keys])

    changed = graph.updated(now, vectors_of, 2)
    assert changed is not None
    assert asked == [["k-c5-new", "k-c99"]]  # only the new vectors are read
    assert changed.alive() == set(now)
    assert changed.generation == 2 and len(changed) == len(now)
    assert changed.nearest(_unit("k-c99"), 1)[0] == ("c99", pytest.approx(1.0, abs=1e-3))
    assert changed.nearest(_unit("k-c5-new"), 1)[0][0] == "c5"
    assert "c5" not in {cid for cid, _ in changed.nearest(_unit("c5"), 3)}  # its old vector is gone
    assert not {cid for cid, _ in changed.nearest(_unit("c3"), 20)} & {"c3", "c4"}  # removed, never found
    for cid in ("c0", "c17", "c49"):  # the vectors left are found as they were
        assert changed.nearest(_unit(cid), 1)[0] == (cid, pytest.approx(1.0, abs=1e-3))


def test_a_change_gives_up_when_a_vector_is_missing_or_most_nodes_would_be_removed() -> None:
    ids = [f"c{i}" for i in range(20)]

    def fresh() -> Graph:
        graph = Graph.empty(DIM, 1, "m")
        graph.add(ids, ids, np.stack([_unit(cid) for cid in ids]))
        return graph

    assert fresh().updated({**{cid: cid for cid in ids}, "new": "new"}, lambda keys: None, 2) is None
    assert fresh().updated({cid: cid for cid in ids[:10]}, lambda keys: None, 2) is None  # half removed
    kept = fresh().updated({cid: cid for cid in ids[:18]}, lambda keys: None, 2)
    assert kept is not None and kept.alive() == set(ids[:18])


def test_a_saved_graph_opens_only_for_its_generation_and_embedder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    graph = Graph.empty(DIM, 7, "model-a")
    graph.add(["a", "b"], ["ka", "kb"], np.stack([_unit("a"), _unit("b")]))
    graph.save(tmp_path / "graph")
    mapped = Graph.load(tmp_path / "graph", embedder="model-a", generation=7)
    assert mapped is not None and mapped.nearest(_unit("b"), 1)[0][0] == "b"
    assert Graph.load(tmp_path / "graph", embedder="model-a", generation=8) is None
    assert Graph.load(tmp_path / "graph", embedder="model-b") is None
    assert Graph.load(tmp_path / "none", embedder="model-a") is None
    assert _saved(tmp_path / "graph", "model-a") == (7, "model-a")
    labels = tmp_path / "graph" / LABELS_FILE
    whole = labels.read_text(encoding="utf-8")
    for damaged in ('{"generation": 7, "embedder": "model-a"}', '{"generation": "7"}', "[]", "{"):
        labels.write_text(damaged, encoding="utf-8")  # labels cut short or not ours: no graph, no crash
        assert Graph.load(tmp_path / "graph", embedder="model-a", generation=7) is None
        assert _saved(tmp_path / "graph", "model-a") is None
    labels.write_text(whole, encoding="utf-8")
    (tmp_path / "graph" / GRAPH_FILE).write_bytes(b"not a graph")
    with caplog.at_level(logging.WARNING):
        assert Graph.load(tmp_path / "graph", embedder="model-a", generation=7) is None
    assert "Chroma answers" in caplog.text


class _Hashed:
    """A passage's vector is a random unit vector seeded by its text; never asked for questions."""

    model_id = "hashed"

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.stack([_unit(t) for t in texts])

    def query(self, text: str) -> Vectors:
        raise AssertionError("not embedded in this test")


def _document(doc_id: str, n: int) -> tuple[DocumentMeta, list[Chunk]]:
    meta = DocumentMeta(doc_id, "文件", f"/{doc_id}.txt", "h")
    return meta, [
        Chunk(f"{doc_id}-{i}", doc_id, "文件", f"文件 › {i}", f"{doc_id}第{i}条", "上海市", "", i)
        for i in range(n)
    ]


def _ingest(index: Index, doc_id: str, n: int) -> list[Chunk]:
    """As ingestion does: vectors cached by content key and stored in Chroma, then the commit."""
    meta, chunks = _document(doc_id, n)
    texts = [c.search_text() for c in chunks]
    vectors = index.embedder.passages(texts)
    index.cache.put_many(
        {content_key(index.embedder.model_id, t): v for t, v in zip(texts, vectors, strict=True)}
    )
    index.vectors.upsert([c.chunk_id for c in chunks], vectors, [doc_id] * n)
    commit(index, [(meta, chunks)], [])
    return chunks


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    index = open_index(Settings(data_dir=tmp_path), embedder=_Hashed())
    index.exact_limit = 4  # above 4 chunks: the graph
    yield index
    index.close()


def test_a_big_index_is_searched_in_its_graph_following_every_commit(index: Index) -> None:
    chunks = _ingest(index, "a", 6)
    target = chunks[2].search_text()
    index.vectors.delete([chunks[2].chunk_id])  # only the graph can still find it: Chroma lost it
    assert index.nearest(_unit(target), 1)[0] == (chunks[2].chunk_id, pytest.approx(1.0, abs=1e-3))
    more = _ingest(index, "b", 5)  # a second commit changes the saved graph
    found = {cid for cid, _ in index.nearest(_unit(more[0].search_text()), 20)}
    assert found == {c.chunk_id for c in chunks + more}
    assert index.nearest(_unit(more[0].search_text()), 1)[0][0] == more[0].chunk_id
    commit(index, [], ["a"])  # a removal: its vectors leave the graph with it
    assert {cid for cid, _ in index.nearest(_unit(target), 20)} == {c.chunk_id for c in more}


def test_chroma_answers_when_the_graph_is_not_of_this_generation(index: Index) -> None:
    chunks = _ingest(index, "a", 6)
    index.vectors.delete([chunks[0].chunk_id])
    meta, extra = _document("c", 3)
    index.catalog.apply([(meta, extra)], [])  # a catalog change no commit followed: the graph trails it
    found = {cid for cid, _ in index.nearest(_unit(chunks[1].search_text()), 20)}
    assert found == {c.chunk_id for c in chunks[1:]}  # Chroma's answer (it holds neither d-0 nor c-*)


def test_a_small_index_keeps_no_graph(index: Index, tmp_path: Path) -> None:
    _ingest(index, "a", 6)
    assert (tmp_path / "graph" / GRAPH_FILE).exists()
    commit(index, [], ["a"])
    _ingest(index, "b", 3)  # within the exact limit again: searched in memory, the graph deleted
    assert not (tmp_path / "graph").exists()
    assert len(index.nearest(_unit("x"), 5)) == 3


def test_a_reader_takes_the_graph_another_process_saved_after_it_loaded_the_generation(
    index: Index, tmp_path: Path
) -> None:
    chunks = _ingest(index, "a", 6)
    meta, extra = _document("b", 5)
    texts = [c.search_text() for c in extra]
    index.cache.put_many({content_key("hashed", t): _unit(t) for t in texts})
    index.catalog.apply([(meta, extra)], [])  # the writer's catalog change, its graph not saved yet
    index.vectors.delete([chunks[0].chunk_id])  # only a graph can find it now
    target = _unit(chunks[0].search_text())
    assert chunks[0].chunk_id not in {cid for cid, _ in index.nearest(target, 20)}  # Chroma answers
    writer = open_index(Settings(data_dir=tmp_path), embedder=_Hashed())
    try:
        writer.exact_limit = 4
        writer.rebuild_search(index.catalog.generation())  # the writer's commit saves the graph
    finally:
        writer.close()
    assert index.nearest(target, 1)[0][0] == chunks[0].chunk_id


def _policy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    clauses = "\n".join(
        f"第{n}条 本市对第{n}类知识产权服务给予支持，具体办法另行制定。" for n in "一二三四五六七"
    )
    (folder / "规定.txt").write_text(f"上海市知识产权服务规定\n{clauses}\n", encoding="utf-8")
    return folder


def test_an_ingest_that_changes_nothing_builds_the_graph_an_older_index_lacks(
    index: Index, tmp_path: Path
) -> None:
    folder = _policy_folder(tmp_path)
    first = ingest([folder], index=index)
    assert first.chunks > index.exact_limit and not first.graph_built  # its commit saved the graph
    generation = index.catalog.generation()
    assert _saved(tmp_path / "graph", "hashed") == (generation, "hashed")
    shutil.rmtree(tmp_path / "graph")  # as an index last changed by a version without graphs
    again = ingest([folder], index=index)
    assert again.unchanged == 1 and again.added == again.updated == 0 and again.graph_built
    # the same generation: nothing committed
    assert _saved(tmp_path / "graph", "hashed") == (generation, "hashed")
    chunk = next(iter(index.chunks().values()))
    index.vectors.delete([chunk.chunk_id])  # only the graph can still find it
    assert index.nearest(_unit(chunk.search_text()), 1)[0][0] == chunk.chunk_id
    assert not ingest([folder], index=index).graph_built  # a graph of the generation is left alone
    (tmp_path / "graph" / GRAPH_FILE).write_bytes(b"damaged")
    assert ingest([folder], index=index).graph_built  # ... unless it cannot be opened
    short = Graph.empty(DIM, generation, "hashed")
    short.add(["x"], ["kx"], _unit("x")[None, :])
    short.save(tmp_path / "graph")  # ... or does not hold every chunk of the catalog
    assert ingest([folder], index=index).graph_built
    assert Graph.load(tmp_path / "graph", embedder="hashed", generation=generation) is not None


def test_the_consoles_reingest_builds_the_graph_an_older_index_lacks(index: Index, tmp_path: Path) -> None:
    library = Library(index=index, gate=IndexGate(), data_dir=tmp_path, corpus_dir=_policy_folder(tmp_path))
    assert not library.reingest(lambda *_: None).graph_built  # the first commit saved the graph
    shutil.rmtree(tmp_path / "graph")
    again = library.reingest(lambda *_: None)
    assert again.unchanged == 1 and again.graph_built
    assert _saved(tmp_path / "graph", "hashed") == (index.catalog.generation(), "hashed")
