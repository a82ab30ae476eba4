"""/readyz's checks: the vector store against the catalog, the state store, the model endpoint."""

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import numpy as np
import pytest

from app.settings import Settings
from app.wiring import collection_name, open_index
from core.errors import ConfigError
from core.records import Chunk, DocumentMeta
from service.metrics import Metrics
from service.readiness import model_check, readiness, state_check
from service.schemas import Check
from vectorstore.catalog import Catalog
from vectorstore.embed import DIM, Vectors
from vectorstore.index import Index


class _NoModel:
    model_id = "none"

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.zeros((len(texts), DIM), dtype=np.float32)

    def query(self, text: str) -> Vectors:
        return np.zeros(DIM, dtype=np.float32)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite"
    sqlite3.connect(path).close()
    return path


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    index = open_index(Settings(data_dir=tmp_path), embedder=_NoModel())
    yield index
    index.close()


def _doc() -> tuple[DocumentMeta, list[Chunk]]:
    return DocumentMeta("d1", title="办法", source="/x/d1.txt", content_hash="h"), [
        Chunk("d1-0", "d1", "办法", "第一条", "贴息比例为50%。", "上海市", "", 0)
    ]


def test_ready_when_every_dependency_answers(index: Index, state: Path) -> None:
    result = readiness(index=index, state_path=state, model_url="", metrics=Metrics())
    assert result.status == "ready" and set(result.checks) == {"vector_store", "state_store"}


def test_a_vector_count_unlike_the_catalog_is_a_mismatch(index: Index, state: Path) -> None:
    index.catalog.apply([_doc()], [])
    metrics = Metrics()
    result = readiness(index=index, state_path=state, model_url="", metrics=metrics)
    check = result.checks["vector_store"]
    assert result.status == "degraded" and (check.state, check.chunks, check.vectors) == ("mismatch", 1, 0)
    assert metrics.dependency_up.value("vector_store") == 1.0


def test_a_broken_state_store_is_not_ready(index: Index, tmp_path: Path) -> None:
    assert state_check(tmp_path / "missing.sqlite").state == "down"  # the probe creates nothing
    bad = tmp_path / "state.sqlite"
    bad.write_bytes(b"not a database at all, just bytes" * 10)
    assert state_check(bad).state == "down"
    metrics = Metrics()
    result = readiness(index=index, state_path=bad, model_url="", metrics=metrics)
    assert result.status == "not_ready" and metrics.dependency_up.value("state_store") == 0.0


def test_the_model_endpoint_is_probed_when_configured(index: Index, state: Path) -> None:
    unauthorised = httpx.MockTransport(lambda request: httpx.Response(401))
    failing = httpx.MockTransport(lambda request: httpx.Response(502))
    assert model_check("http://llm.test/v1", transport=unauthorised).state == "up"
    assert model_check("http://llm.test/v1", transport=failing).state == "down"
    result = readiness(
        index=index,
        state_path=state,
        model_url="http://llm.test/v1",
        metrics=Metrics(),
        model=lambda url: Check(state="down", detail="refused"),
    )
    assert result.status == "degraded"  # answers fall back to quoting


def test_the_collection_name_is_recorded_and_kept(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        derived = collection_name(Settings(data_dir=tmp_path), catalog)
        assert derived.startswith("ipbot-") and catalog.meta("collection") == derived
        assert collection_name(Settings(data_dir=tmp_path / "moved"), catalog) == derived
        assert collection_name(Settings(data_dir=tmp_path, collection="mine"), catalog) == "mine"
    finally:
        catalog.close()


@pytest.mark.parametrize("raw", ["a", "-bad", "has space", "x" * 70])
def test_a_bad_collection_name_names_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="IPBOT_COLLECTION"):
        Settings.from_env({"IPBOT_COLLECTION": raw})
