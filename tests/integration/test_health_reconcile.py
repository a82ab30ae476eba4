"""Vectors and catalog reconciled both ways: lost vectors come back from the cache, orphans go."""

import shutil
import subprocess

import numpy as np
import pytest

from app.settings import Settings
from app.wiring import open_index
from ingest.reconcile import quick_check, reconcile
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer, wait_until

from .health_support import IPBOT, base_env

pytestmark = pytest.mark.integration


def run(data, *args):
    return subprocess.run([IPBOT, *args], capture_output=True, text=True, env=base_env(data), timeout=300)


def test_a_deleted_chroma_folder_is_restored_by_the_next_ingest(data_dir):
    shutil.rmtree(data_dir / "chroma")
    out = run(data_dir, "ingest")
    assert out.returncode == 0, out.stderr
    assert "未变 5" in out.stdout and "新向量 0 个" in out.stdout  # from the cache: no model time
    assert "补回" in out.stdout
    index = open_index(Settings(data_dir=data_dir))
    try:
        assert index.vectors.ids() == index.catalog.chunk_ids()
        assert quick_check(index).ok
    finally:
        index.close()


def test_doctor_reports_then_repairs_orphans_and_stale_vectors(data_dir):
    index = open_index(Settings(data_dir=data_dir))
    try:
        some = sorted(index.catalog.chunk_ids())[0]
        index.vectors.upsert(["ghost-1"], np.ones((1, 384), dtype=np.float32), ["ghost"])  # a crash's orphan
        index.vectors.upsert([some], np.ones((1, 384), dtype=np.float32), ["x"], ["other text"])  # stale
        found = reconcile(index, repair=False)
        assert (found.missing, found.orphans) == (1, 1)
    finally:
        index.close()
    report = run(data_dir, "doctor", "--dry-run")
    assert report.returncode == 1 and "缺失或过期 1 个，多余 1 个" in report.stdout
    repaired = run(data_dir, "doctor")
    assert repaired.returncode == 0 and "补回 1 个（其中新算 0 个），删除 1 个" in repaired.stdout
    again = run(data_dir, "doctor", "--dry-run")
    assert again.returncode == 0 and "一致" in again.stdout


def test_the_service_repairs_missing_vectors_at_start_up(data_dir):
    shutil.rmtree(data_dir / "chroma")
    settings = ServiceSettings(bot=Settings(data_dir=data_dir))
    with LiveServer(create_app(settings)) as live, live.client() as http:

        def repaired():
            check = http.get("/readyz").json()["checks"]["vector_store"]
            return check["state"] == "up" and check["vectors"] == check["chunks"]

        wait_until(repaired, timeout=120, what="the start-up repair")
        answer = http.post("/api/chat", json={"question": "杨浦区对知识产权质押融资贴息多少？"}).json()
        assert "degraded" not in answer and answer["citations"]
