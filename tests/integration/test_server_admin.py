"""Admin routes over a private copy of the corpus index: upload → ingest, delete, re-ingest."""

import pytest

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer, wait_until

pytestmark = pytest.mark.integration

TOKEN = "t" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
POLICY = """上海市金山区知识产权资助办法（试行）

第一条 为鼓励本区企业创造和运用知识产权，制定本办法。
第五条 对在本区获得国内发明专利授权的企业，每件给予一次性资助8000元。
第六条 本办法自2025年1月1日起施行。
"""
QUESTION = "金山区发明专利授权每件资助多少？"


@pytest.fixture
def server(data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=data_dir), admin_token=TOKEN, max_upload_bytes=200_000)
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture
def http(server):
    with server.client(timeout=120.0) as client:
        yield client


def upload(http, name, data, headers=AUTH):
    return http.post("/admin/documents", params={"filename": name}, content=data, headers=headers)


def wait_for_job(http, job_id, timeout=300.0):
    """The job once it has finished (succeeded or failed), polled through GET /admin/jobs/{id}."""
    seen = {}

    def finished():
        seen.update(http.get(f"/admin/jobs/{job_id}", headers=AUTH).json())
        return seen.get("state") in ("succeeded", "failed")

    wait_until(finished, timeout=timeout, what=f"admin job {job_id}")
    return seen


def doc_ids(http):
    return {d["doc_id"] for d in http.get("/api/documents").json()}


def test_admin_routes_need_the_token(http):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = upload(http, "a.txt", POLICY.encode(), headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"
    assert http.delete("/admin/documents/003_4c335478ba59925d").status_code == 401
    assert len(doc_ids(http)) == 5


def test_bad_uploads_are_refused_and_the_index_stays_intact(http, data_dir):
    before = http.get("/api/documents").json()
    assert upload(http, "tool.exe", b"MZ...").status_code == 400
    assert upload(http, "empty.txt", b"").status_code == 400
    assert upload(http, "../../etc/passwd.txt", b"\x00\x01binary").status_code == 400  # a path, not a name
    assert upload(http, "binary.txt", b"\x00\x01binary").status_code == 422
    broken_pdf = upload(http, "broken.pdf", b"%PDF-1.7 this is not really a pdf")
    assert broken_pdf.status_code == 422 and broken_pdf.json()["error"] == "unprocessable_document"
    too_big = upload(http, "big.txt", "专利".encode() * 100_000)
    assert too_big.status_code == 413 and too_big.json()["error"] == "content_too_large"
    taken = upload(http, "003_4c335478ba59925d.txt", POLICY.encode())
    assert taken.status_code == 409 and "改名" in taken.json()["detail"]
    assert http.get("/api/documents").json() == before
    assert list((data_dir / "uploads").iterdir()) == []


def test_upload_answer_update_delete_and_reingest(http, data_dir):
    created = upload(http, "jinshan_ip_policy.txt", POLICY.encode())
    assert created.status_code == 201, created.text
    assert created.json()["doc_id"] == "jinshan_ip_policy" and created.json()["report"]["added"] == 1
    answer = http.post("/api/chat", json={"question": QUESTION}).json()
    assert "8000" in answer["answer"] and answer["citations"][0]["doc_id"] == "jinshan_ip_policy"
    document = http.get("/api/documents/jinshan_ip_policy").json()
    assert "每件给予一次性资助8000元" in document["text"]

    updated = upload(http, "jinshan_ip_policy.txt", POLICY.replace("8000", "9000").encode())
    assert updated.json()["report"]["updated"] == 1
    assert "9000" in http.post("/api/chat", json={"question": QUESTION}).json()["answer"]

    removed = http.delete("/admin/documents/jinshan_ip_policy", headers=AUTH)
    assert removed.json() == {"doc_id": "jinshan_ip_policy", "file_deleted": True}
    assert http.get("/api/documents/jinshan_ip_policy").status_code == 404
    after = http.post("/api/chat", json={"question": QUESTION}).json()
    assert all(c["doc_id"] != "jinshan_ip_policy" for c in after["citations"])
    assert http.delete("/admin/documents/jinshan_ip_policy", headers=AUTH).status_code == 404

    http.delete("/admin/documents/000_6698230e28e46c9c", headers=AUTH)
    assert len(doc_ids(http)) == 4
    started = http.post("/admin/reingest", headers=AUTH)
    assert started.status_code == 202 and started.json()["state"] in ("queued", "running", "succeeded")
    job = wait_for_job(http, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    report = job["result"]
    assert report["added"] == 1 and report["documents"] == 5  # the bundled file comes back
    assert not (data_dir / "uploads" / "jinshan_ip_policy.txt").exists()


def test_admin_routes_are_absent_without_a_token(built_data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=built_data_dir))
    with LiveServer(create_app(settings)) as live, live.client() as client:
        assert upload(client, "a.txt", POLICY.encode()).status_code == 404
        assert client.get("/healthz").json()["admin"] is False
