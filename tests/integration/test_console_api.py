"""The conversation log through the app: answer ids on every channel, feedback, admin logs and hit test."""

import csv
import io
import json
import shutil

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from service.app import create_app
from service.logbook.sqlite import SqliteLogbook
from service.settings import ServiceSettings

pytestmark = pytest.mark.integration

TOKEN = "c" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "杨浦区贴息"
REFUSED = "劳动合同到期不续签有没有经济补偿？"


@pytest.fixture(scope="module")
def client(built_data_dir, tmp_path_factory):
    """The app over a private copy of the corpus index (its curated answers stay its own), with its own
    conversation log."""
    folder = tmp_path_factory.mktemp("console-api")
    data = folder / "data"
    shutil.copytree(built_data_dir, data)
    logbook = SqliteLogbook(folder / "state.sqlite")
    settings = ServiceSettings(bot=Settings(data_dir=data), admin_token=TOKEN, rate_per_ip=0, rate_per_user=0)
    with TestClient(create_app(settings, logbook=logbook)) as http:
        yield http


def ask(client, question=QUESTION, **extra):
    response = client.post("/api/chat", json={"question": question, **extra})
    assert response.status_code == 200
    return response.json()


def logs(client, **params):
    response = client.get("/admin/logs", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_every_answer_carries_an_answer_id_that_finds_its_log_entry(client):
    body = ask(client, session_id="user-42")
    entries = {e["answer_id"]: e for e in logs(client, channel="api", q=QUESTION)}
    entry = entries[body["answer_id"]]
    assert entry["question"] == QUESTION and entry["refused"] is False and entry["region"] == "杨浦区"
    assert entry["citations"][0]["quote"] == body["citations"][0]["quote"]
    assert entry["candidates"] and {"dense", "bm25", "fused"} <= set(entry["candidates"][0])
    assert entry["user"] and "user-42" not in json.dumps(entry)
    assert entry["latency_ms"] == body["latency_ms"] and entry["mode"] == "extractive"


def test_the_streams_final_event_carries_the_answer_id(client):
    response = client.post("/api/chat/stream?format=ndjson", json={"question": QUESTION})
    final = [json.loads(line) for line in response.text.splitlines()][-1]
    answer_id = final["data"]["answer_id"]
    assert [e["channel"] for e in logs(client) if e["answer_id"] == answer_id] == ["stream"]


def test_feedback_is_kept_and_queued_down_votes_first(client):
    up, down = ask(client)["answer_id"], ask(client, REFUSED)["answer_id"]
    assert client.post("/api/feedback", json={"answer_id": up, "rating": "up"}).status_code == 200
    given = {"answer_id": down, "rating": "down", "reason": "答非所问", "comment": "问的是劳动法"}
    response = client.post("/api/feedback", json=given)
    assert response.status_code == 200 and response.json()["reason"] == "答非所问"
    queue = client.get("/admin/feedback", headers=AUTH).json()
    assert queue[0]["answer_id"] == down and queue[0]["feedback"]["comment"] == "问的是劳动法"
    assert up in [e["answer_id"] for e in queue]
    assert [e["answer_id"] for e in logs(client, rating="down")] == [down]
    assert logs(client, refused="refused", reason="weak_evidence")[0]["answer_id"] == down


def test_feedback_errors(client):
    unknown = client.post("/api/feedback", json={"answer_id": "0" * 32, "rating": "up"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    answer_id = ask(client)["answer_id"]
    for bad in ({"rating": "meh"}, {"reason": "不喜欢"}, {"comment": "长" * 501}, {"extra": 1}):
        response = client.post("/api/feedback", json={"answer_id": answer_id, "rating": "down", **bad})
        assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_log_exports_csv_with_bom_and_jsonl(client):
    ask(client)
    ask(client)  # two entries at least, whatever ran before
    csv_response = client.get("/admin/logs", params={"format": "csv", "q": QUESTION}, headers=AUTH)
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows and all(QUESTION in r["question"] for r in rows)
    jsonl = client.get("/admin/logs", params={"format": "jsonl", "limit": 2}, headers=AUTH)
    assert len([json.loads(line) for line in jsonl.text.splitlines()]) == 2
    bad = client.get("/admin/logs", params={"since": "昨天"}, headers=AUTH)
    assert bad.status_code == 422 and "since" in bad.json()["detail"]  # the schema types dates


def test_hit_test_returns_the_users_answer_and_ranked_candidates(client):
    response = client.post("/admin/hit-test", json={"question": QUESTION}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert "50%" in body["answer"]["answer"] and body["answer"]["answer_id"]
    ranks = [c["rank"] for c in body["candidates"]]
    assert ranks == list(range(1, len(ranks) + 1)) and any(c["cited"] for c in body["candidates"])
    assert sorted(c["dense_rank"] for c in body["candidates"]) == ranks
    assert logs(client, channel="console")[0]["answer_id"] == body["answer"]["answer_id"]
    refused = client.post("/admin/hit-test", json={"question": REFUSED}, headers=AUTH).json()
    assert refused["answer"]["reason"] == "weak_evidence" and refused["candidates"]


def test_admin_log_routes_need_the_token_and_are_documented(client):
    for method, path in (("GET", "/admin/logs"), ("GET", "/admin/feedback"), ("POST", "/admin/hit-test")):
        response = client.request(method, path, json={"question": QUESTION})
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/admin/logs", "/admin/feedback", "/admin/hit-test", "/api/feedback"} <= set(paths)


def test_curated_answers_check_their_quotes_and_are_public_once_published(client):
    candidate = client.post("/admin/hit-test", json={"question": QUESTION}, headers=AUTH).json()[
        "candidates"
    ][0]
    quote = candidate["text"][2:14]
    draft = {
        "question": "杨浦区贴息多少？",
        "answer": "按杨浦区办法给予贴息。",
        "citations": [{"chunk_id": candidate["chunk_id"], "quote": quote}],
    }
    created = client.post("/admin/curated", json=draft, headers=AUTH)
    assert created.status_code == 201 and created.json()["state"] == "draft"
    assert created.json()["citations"][0]["title"] == candidate["title"]
    assert client.get("/api/curated").json() == []
    curated_id = created.json()["id"]
    published = client.post(f"/admin/curated/{curated_id}/publish", headers=AUTH)
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert [c["id"] for c in client.get("/api/curated").json()] == [curated_id]
    assert client.post("/admin/curated/9999/publish", headers=AUTH).status_code == 404


def test_a_curated_quote_not_in_its_clause_is_refused_by_name(client):
    candidate = client.post("/admin/hit-test", json={"question": QUESTION}, headers=AUTH).json()[
        "candidates"
    ][0]
    bad = {
        "question": "q",
        "answer": "a",
        "citations": [{"chunk_id": candidate["chunk_id"], "quote": "每件奖励一百万元"}],
    }
    response = client.post("/admin/curated", json=bad, headers=AUTH)
    assert response.status_code == 422 and "每件奖励一百万元" in response.json()["detail"]
    missing = {**bad, "citations": [{"chunk_id": "no-such-chunk", "quote": "x"}]}
    assert "no-such-chunk" in client.post("/admin/curated", json=missing, headers=AUTH).json()["detail"]
    too_long = {**bad, "answer": "长" * 121}
    assert client.post("/admin/curated", json=too_long, headers=AUTH).status_code == 422
    assert client.post("/admin/curated", json=bad).status_code == 401
