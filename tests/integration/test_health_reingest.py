"""A re-ingest of 150+ new chunks runs in the background while /healthz and /api/chat keep answering.

Against a real `ipbot serve`: both are polled every 0.5 s for the whole job; every poll must be
answered (200), the answers during the job come from the previous index, and the new documents are
searchable once the job has succeeded. The latencies are printed (run with -s), not asserted.
"""

import threading
import time

import pytest

from .health_support import AUTH, TOKEN, Serve, base_env, wait_for

pytestmark = pytest.mark.integration

DIGITS = "零一二三四五六七八九"
DISTRICTS = (
    "浦东新区",
    "黄浦区",
    "静安区",
    "徐汇区",
    "长宁区",
    "普陀区",
    "虹口区",
    "闵行区",
    "宝山区",
    "嘉定区",
)
ITEMS = ("专利导航", "商标品牌", "版权登记", "地理标志", "数据知识产权", "海外维权", "质押融资", "托管服务")
QUESTION = "杨浦区对知识产权质押融资贴息多少？"


def numeral(n: int) -> str:
    if n < 10:
        return DIGITS[n]
    return ("十" if n < 20 else DIGITS[n // 10] + "十") + (DIGITS[n % 10] if n % 10 else "")


def policy(i: int, clauses: int = 17) -> str:
    district = DISTRICTS[i]
    lines = [f"{district}知识产权专项资助试行办法（第{i + 1}号）", ""]
    for k in range(1, clauses + 1):
        item = ITEMS[(i + k) % len(ITEMS)]
        amount = 1000 * (i + 1) + 37 * k
        lines.append(
            f"第{numeral(k)}条 对在{district}登记的企业开展{item}第{k}项工作的，经{district}知识产权局审核，"
            f"按实际支出的{10 + k}%给予资助，单个项目最高{amount}元，每年申报截止日为{k % 12 + 1}月{k + 3}日。"
        )
    return "\n".join(lines) + "\n"


class Poller:
    """GET or POST one route every 0.5 s in its own thread, recording each status and latency."""

    def __init__(self, serve: Serve, method: str, path: str, body: dict | None = None) -> None:
        self.results: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(serve, method, path, body), daemon=True)

    def _run(self, serve: Serve, method: str, path: str, body: dict | None) -> None:
        with serve.client(timeout=120) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = http.request(method, path, json=body).status_code
                except Exception:
                    status = 0
                self.results.append((status, time.monotonic() - started))
                self._stop.wait(0.5)

    def __enter__(self) -> "Poller":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=150)


def test_a_reingest_never_stalls_health_checks_or_answers(data_dir, tmp_path):
    uploads = data_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    for i in range(10):
        (uploads / f"health_policy_{i}.txt").write_text(policy(i), encoding="utf-8")
    env = base_env(data_dir, ADMIN_TOKEN=TOKEN, IPBOT_RATE_PER_IP="0")
    with Serve(env, tmp_path / "serve.log") as serve, serve.client(timeout=120) as http:
        before = http.get("/healthz").json()
        assert http.post("/api/chat", json={"question": QUESTION}).status_code == 200  # warm: the first
        # answer of a process loads the keyword index and works out the noise floor
        with (
            Poller(serve, "GET", "/healthz") as health,
            Poller(serve, "POST", "/api/chat", {"question": QUESTION}) as chat,
        ):
            time.sleep(1.0)
            started = http.post("/admin/reingest", headers=AUTH)
            assert started.status_code == 202, started.text
            job_id = started.json()["job_id"]
            phases: set[str] = set()

            def done() -> bool:
                job = http.get(f"/admin/jobs/{job_id}", headers=AUTH).json()
                phases.add(job["progress"]["phase"])
                return job["state"] in ("succeeded", "failed")

            began = time.monotonic()
            wait_for(done, timeout=900, what="the re-ingest job")
            took = time.monotonic() - began
            time.sleep(1.0)
        job = http.get(f"/admin/jobs/{job_id}", headers=AUTH).json()
        assert job["state"] == "succeeded", job
        assert job["result"]["added"] == 10 and job["result"]["chunks"] - before["chunks"] >= 150
        assert "embed" in phases
        new = http.post("/api/chat", json={"question": "浦东新区专利导航第1项工作最高资助多少元？"}).json()
        assert any(c["doc_id"].startswith("health_policy") for c in new["citations"]), new
    for name, poller in (("healthz", health), ("chat", chat)):
        statuses = {status for status, _ in poller.results}
        assert statuses == {200}, (name, poller.results)
        assert len(poller.results) >= 4
        worst = max(latency for _, latency in poller.results)
        print(
            f"\n{name}: {len(poller.results)} polls over a {took:.1f} s re-ingest, max latency {worst:.3f} s"
        )
    assert "Traceback" not in serve.logged()
