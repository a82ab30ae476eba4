"""The index as one object: catalog (truth), Chroma vectors, BM25 keywords and the embedding cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.records import Chunk
from core.text import normalize

from .catalog import WHOLE, Catalog
from .chroma_store import VectorStore
from .embed import Embedder, EmbeddingCache
from .keyword import KeywordIndex
from .token_cache import CachedTokenizer


@dataclass
class Index:
    """Everything retrieval and ingestion read and write; built once at start-up."""

    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    cache: EmbeddingCache
    tokenizer: CachedTokenizer
    keyword_dir: Path
    _keyword: KeywordIndex | None = None
    _chunks: dict[str, Chunk] | None = None
    _generation: int = -1
    _normalized: dict[Chunk, str] = field(default_factory=dict)
    _off: tuple[tuple[int, int], frozenset[str]] = ((-1, -1), frozenset())

    def _fresh(self) -> None:
        generation = self.catalog.generation()
        if generation == self._generation and self._chunks is not None:
            return
        chunks = self.catalog.chunks()
        self._chunks = {c.chunk_id: c for c in chunks}
        keyword = KeywordIndex.load(self.keyword_dir, generation, self.tokenizer.fingerprint)
        if keyword is None or set(keyword.ids) != set(self._chunks):
            keyword = KeywordIndex.build(chunks, self.tokenizer, generation)
            keyword.save(self.keyword_dir)
        self._keyword = keyword
        self._normalized = {}
        self._generation = generation

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
        key = (self.catalog.generation(), self.catalog.switches())
        if key != self._off[0]:
            rows = self.catalog.disabled()
            docs = {d for d, c in rows if c == WHOLE}
            chunks = {c for _, c in rows if c != WHOLE}
            off = {cid for cid, c in self.chunks().items() if c.doc_id in docs or cid in chunks}
            self._off = (key, frozenset(off))
        return self._off[1]

    def normalized(self, chunk: Chunk) -> str:
        """normalize(chunk.search_text()), worked out once per chunk and catalog generation."""
        text = self._normalized.get(chunk)
        if text is None:
            text = self._normalized[chunk] = normalize(chunk.search_text())
        return text

    def is_empty(self) -> bool:
        return not self.chunks()

    def close(self) -> None:
        self.catalog.close()
        self.cache.close()
        self.tokenizer.close()
