"""A Chroma server that stops, hangs or restarts empty, and two deployments sharing one server.

Real `chroma run` and `ipbot serve` processes on loopback; waits are bounded by generous deadlines and
the assertions are about outcomes (no 500, no hang, recovery), never about timings.
"""

import re
import subprocess
import time

import pytest

from app.settings import BUNDLED_CORPUS

from .health_support import IPBOT, ChromaServer, Serve, base_env, fresh_data_dir, wait_for

pytestmark = pytest.mark.integration

QUESTION = "杨浦区对知识产权质押融资贴息多少？"


def ingest(env, *paths):
    out = subprocess.run([IPBOT, "ingest", *paths], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def doctor(env, *flags):
    return subprocess.run([IPBOT, "doctor", *flags], capture_output=True, text=True, env=env, timeout=300)


def ask(http):
    """One chat answer; anything but a 200 or a clear 503 fails the test."""
    response = http.post("/api/chat", json={"question": QUESTION})
    assert response.status_code in (200, 503), response.text
    if response.status_code == 503:
        assert response.json()["error"] == "vector_store_unavailable"
        return None
    return response.json()


def ready(http):
    body = http.get("/readyz").json()
    return body["status"] == "ready"


def outage_answers(http, tries=4):
    """Answers while dense search is down: each a 503 or a 200 that says it is degraded."""
    answers = [ask(http) for _ in range(tries)]
    for answer in answers:
        assert answer is None or answer["degraded"] == ["dense"]
    return answers


def test_a_chroma_outage_degrades_and_recovers_without_restart(built_data_dir, tmp_path):
    data = fresh_data_dir(built_data_dir, tmp_path / "data")
    with ChromaServer(tmp_path / "chroma") as chroma:
        env = base_env(
            data,
            CHROMA_HOST="127.0.0.1",
            CHROMA_PORT=str(chroma.port),
            IPBOT_RATE_PER_IP="0",
            IPBOT_VECTOR_TIMEOUT_S="2",
        )
        ingest(env)
        with Serve(env, tmp_path / "serve.log") as serve, serve.client() as http:
            wait_for(lambda: ready(http), timeout=60, what="readiness")
            wait_for(
                lambda: "degraded" not in (ask(http) or {"degraded": 1}), timeout=30, what="full answers"
            )

            chroma.stop()
            outage_answers(http)
            readiness = http.get("/readyz")
            assert readiness.status_code == 503
            assert readiness.json()["checks"]["vector_store"]["state"] == "down"
            assert http.get("/healthz").status_code == 200

            chroma.start()  # same data: the vectors are all there
            back = time.monotonic()
            wait_for(lambda: ready(http), timeout=60, what="readiness after the restart")
            print(f"\nready {time.monotonic() - back:.1f} s after Chroma was up again")
            wait_for(
                lambda: "degraded" not in (ask(http) or {"degraded": 1}), timeout=30, what="full answers"
            )

            chroma.hang()  # accepts connections, answers nothing
            try:
                started = time.monotonic()
                outage_answers(http, tries=2)
                assert http.get("/readyz").status_code == 503
                hung = time.monotonic() - started
                assert hung < 50  # bounded by the deadlines, far below the client's
                print(f"two answers and a readiness check against a hung Chroma: {hung:.1f} s")
            finally:
                chroma.resume()
            wait_for(lambda: ready(http), timeout=60, what="readiness after the hang")

            chroma.stop()
            chroma.start(tmp_path / "chroma-empty")  # a server that came back without its data
            back = time.monotonic()
            wait_for(lambda: ready(http), timeout=120, what="the vectors restored from the cache")
            print(f"vectors restored {time.monotonic() - back:.1f} s after an empty Chroma came up")
            vectors = http.get("/readyz").json()["checks"]["vector_store"]
            assert vectors["vectors"] == vectors["chunks"] > 100
            wait_for(
                lambda: "degraded" not in (ask(http) or {"degraded": 1}), timeout=30, what="full answers"
            )

            metrics = http.get("/metrics").text
            assert 'ipbot_dependency_state_changes_total{dependency="vector_store",state="down"}' in metrics
            assert '{method="POST",route="/api/chat",status="500"}' not in metrics
        log = serve.logged()
    assert "Traceback" not in log
    outages = len(re.findall(r"vector store .* unavailable", log))
    assert 1 <= outages <= 4, log[-4000:]  # one line per outage (three here, or a restart seen as two)


def test_two_deployments_on_one_chroma_server_keep_their_vectors(built_data_dir, tmp_path):
    docs = tmp_path / "b-docs"
    docs.mkdir()
    for path in sorted(BUNDLED_CORPUS.iterdir())[:2]:
        (docs / path.name).write_bytes(path.read_bytes())
    with ChromaServer(tmp_path / "chroma") as chroma:
        server = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port)}
        a = base_env(fresh_data_dir(built_data_dir, tmp_path / "a"), **server)
        b = base_env(fresh_data_dir(built_data_dir, tmp_path / "b"), **server)
        ingest(a)
        ingest(b, str(docs))
        ingest(a)
        ingest(b, str(docs))
        for env in (a, b):
            check = doctor(env, "--dry-run")
            assert check.returncode == 0 and "多余 0 个" in check.stdout and "缺失或过期 0 个" in check.stdout
        name_a = re.search(r"集合 (\S+)：", doctor(a).stdout).group(1)
        name_b = re.search(r"集合 (\S+)：", doctor(b).stdout).group(1)
        assert name_a != name_b

        intruder = base_env(fresh_data_dir(built_data_dir, tmp_path / "c"), IPBOT_COLLECTION=name_a, **server)
        refused = subprocess.run(
            [IPBOT, "ingest", str(docs)], capture_output=True, text=True, env=intruder, timeout=300
        )
        assert refused.returncode == 1
        assert "IPBOT_COLLECTION" in refused.stderr and "Traceback" not in refused.stderr
        assert doctor(a, "--dry-run").returncode == 0


def test_a_stream_through_a_stopped_server_is_degraded_or_a_clear_error(built_data_dir, tmp_path):
    data = fresh_data_dir(built_data_dir, tmp_path / "data")
    with ChromaServer(tmp_path / "chroma") as chroma:
        env = base_env(data, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(chroma.port))
        ingest(env)
        with Serve(env | {"IPBOT_VECTOR_TIMEOUT_S": "2"}, tmp_path / "serve.log") as serve:
            chroma.stop()
            with serve.client() as http:
                stream = http.post("/api/chat/stream?format=ndjson", json={"question": QUESTION})
                assert stream.status_code in (200, 503), stream.text
                assert '"degraded"' in stream.text or "vector_store_unavailable" in stream.text
            assert "Traceback" not in serve.logged()
