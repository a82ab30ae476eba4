"""CHROMA_HOST/CHROMA_PORT select a `chroma run` server through the same code path as the local store."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

IPBOT = str(Path(sys.executable).parent / "ipbot")

pytestmark = pytest.mark.integration

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = _free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ingest_and_search_through_a_chroma_server(chroma_server, built_data_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(built_data_dir / "embeddings.sqlite", data / "embeddings.sqlite")  # no re-embedding
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "IPBOT_"))}
    env |= {"IPBOT_DATA_DIR": str(data), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    ingest = subprocess.run([IPBOT, "ingest"], capture_output=True, text=True, env=env, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    assert "新向量 0 个" in ingest.stdout
    assert not (data / "chroma").exists()
    out = subprocess.run(
        [IPBOT, "search", "--json", "-k", "1", "杨浦区贴息"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    result = json.loads(out.stdout)["results"][0]
    assert result["doc_id"].startswith("003") and result["scores"]["dense"] > 0


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "IPBOT_"))}
    env |= {"IPBOT_DATA_DIR": str(tmp_path), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(_free_port())}
    out = subprocess.run([IPBOT, "search", "贴息"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "CHROMA_HOST" in out.stderr and "Traceback" not in out.stderr
