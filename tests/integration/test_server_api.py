"""The HTTP API through a real uvicorn server on 127.0.0.1, over the real corpus index."""

import json

import pytest

from app.serialize import answer_json
from app.settings import Settings
from core.records import CitationsEvent
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer

pytestmark = pytest.mark.integration

YANGPU = "003_4c335478ba59925d"
QUESTION = "杨浦区贴息"


@pytest.fixture(scope="module")
def server(built_data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=built_data_dir), rate_per_ip=0, rate_per_user=0)
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture
def http(server):
    with server.client() as client:
        yield client


def without_latency(obj):
    """The answer object less what differs per request: its latency and its log entry's id."""
    return {k: v for k, v in obj.items() if k not in ("latency_ms", "answer_id")}


def test_chat_answers_yangpu_subsidy_with_fifty_percent_and_its_citation(http, assistant):
    response = http.post("/api/chat", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert not body["refused"] and "50%" in body["answer"] and "[1]" in body["answer"]
    first = body["citations"][0]
    assert first["doc_id"] == YANGPU and "50%" in first["quote"]
    # exactly the object of `ipbot ask --json`
    assert without_latency(body) == without_latency(answer_json(assistant.answer(QUESTION)))
    assert "50%" in response.text  # UTF-8 JSON, not \u escapes


def test_chat_refusal_is_an_answer_not_an_error(http):
    body = http.post("/api/chat", json={"question": "北京市海淀区的专利资助标准是多少？"}).json()
    assert body["refused"] is True and body["citations"] == []


def test_a_refusal_reports_one_reason_on_chat_the_stream_and_metrics(built_data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=built_data_dir), rate_per_ip=0, rate_per_user=0)
    question = {"question": "劳动合同到期不续签有没有经济补偿？"}
    with LiveServer(create_app(settings)) as live, live.client() as http:
        chat = http.post("/api/chat", json=question).json()
        final = parse_sse(http.post("/api/chat/stream", json=question).text)[-1]
        metrics = http.get("/metrics").text
    assert chat["refused"] is True and chat["reason"] == "weak_evidence"
    assert final == ("final", {**final[1], "reason": chat["reason"]})
    for channel in ("api", "stream"):
        assert f'ipbot_refusals_total{{channel="{channel}",reason="weak_evidence"}} 1' in metrics


def parse_sse(text):
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_stream_as_server_sent_events(http):
    with http.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode("utf-8")
    events = parse_sse(text)
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "final" and set(names[1:-1]) == {"delta"}
    assert events[0][1]["citations"][0]["doc_id"] == YANGPU
    assert "".join(data["text"] for name, data in events if name == "delta") == events[-1][1]["answer"]
    chat = http.post("/api/chat", json={"question": QUESTION}).json()
    assert without_latency(events[-1][1]) == without_latency(chat)


def test_stream_as_ndjson_by_query_or_accept_header(http):
    by_query = http.post("/api/chat/stream?format=ndjson", json={"question": QUESTION})
    by_accept = http.post(
        "/api/chat/stream", json={"question": QUESTION}, headers={"Accept": "application/x-ndjson"}
    )
    for response in (by_query, by_accept):
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert lines[0]["event"] == "citations" and lines[-1]["event"] == "final"
        assert "50%" in lines[-1]["data"]["answer"]


def test_a_bad_question_is_a_json_error_even_on_the_stream(http):
    for path in ("/api/chat", "/api/chat/stream?format=ndjson"):
        response = http.post(path, json={"question": "   "})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_input" and "问题为空" in response.json()["detail"]


def test_question_length_and_body_limits(http):
    long = http.post("/api/chat", json={"question": "专利" * 5000})
    assert long.status_code == 400 and "太长" in long.json()["detail"]
    huge = http.post("/api/chat", content=b'{"question": "' + b"a" * 70_000 + b'"}')
    assert huge.status_code == 413 and huge.json()["error"] == "content_too_large"


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 422), (b'{"question": 5}', 422), (b'{"q": "x"}', 422), (b"[]", 422)],
)
def test_malformed_requests_get_json_errors_without_traces(http, body, status):
    response = http.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = response.json()
    assert set(error) == {"error", "detail"} and "Traceback" not in response.text


def test_unknown_routes_and_methods_are_json_errors(http):
    assert http.get("/nope").json()["error"] == "not_found"
    assert http.get("/api/chat").status_code == 405
    assert http.get("/api/chat").json()["error"] == "method_not_allowed"
    assert http.get("/wechat/mp").status_code == 404  # channel not configured


def test_documents_list_and_full_text_open_a_citation_in_context(http):
    listing = http.get("/api/documents").json()
    assert len(listing) == 5 and all("source" not in d for d in listing)
    assert {d["doc_id"] for d in listing} >= {YANGPU}
    citation = http.post("/api/chat", json={"question": QUESTION}).json()["citations"][0]
    document = http.get(f"/api/documents/{citation['doc_id']}").json()
    section = next(s for s in document["sections"] if s["clause"] == citation["clause"])
    assert citation["quote"] in section["text"]
    assert document["text"][section["start"] : section["start"] + len(section["text"])] == section["text"]
    missing = http.get("/api/documents/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_healthz_metrics_and_openapi(http):
    http.post("/api/chat", json={"question": "北京市海淀区的专利资助标准是多少？"})
    health = http.get("/healthz").json()
    assert health == {
        "status": "ok",
        "documents": 5,
        "chunks": health["chunks"],
        "admin": False,
        "wechat_mp": False,
        "wechat_mini": False,
    }
    metrics = http.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = metrics.text
    assert 'ipbot_http_requests_total{method="POST",route="/api/chat",status="200"}' in text
    assert 'ipbot_http_request_duration_seconds_bucket{route="/api/chat",le="+Inf"}' in text
    assert 'ipbot_refusals_total{channel="api",reason="outside_shanghai"}' in text
    schema = http.get("/openapi.json").json()
    assert {"/api/chat", "/api/chat/stream", "/api/documents/{doc_id}", "/wechat/{channel}"} <= set(
        schema["paths"]
    )
    assert "/admin/documents" not in schema["paths"]  # admin disabled without ADMIN_TOKEN


def test_rate_limits_answer_429_with_retry_after(data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=data_dir), rate_per_ip=3, rate_per_user=2)
    with LiveServer(create_app(settings)) as live, live.client() as client:
        by_user = [
            client.post("/api/chat", json={"question": QUESTION, "session_id": "s1"}) for _ in range(3)
        ]
        assert [r.status_code for r in by_user] == [200, 200, 429]
        assert int(by_user[-1].headers["Retry-After"]) >= 1 and by_user[-1].json()["error"] == "rate_limited"
        by_ip = client.post("/api/chat", json={"question": QUESTION})
        assert by_ip.status_code == 429
        other_ip = client.post(
            "/api/chat", json={"question": QUESTION}, headers={"X-Forwarded-For": "10.1.2.3"}
        )
        assert other_ip.status_code == 200  # a trusted local proxy may name the client
        assert 'ipbot_rate_limited_total{scope="user"} 1' in client.get("/metrics").text


def test_session_id_continues_a_conversation(data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=data_dir))
    with LiveServer(create_app(settings)) as live, live.client() as client:
        first = client.post(
            "/api/chat", json={"question": "杨浦区对知识产权质押融资贴息多少？", "session_id": "c1"}
        )
        assert "50%" in first.json()["answer"]
        follow = client.post("/api/chat", json={"question": "那松江区呢？", "session_id": "c1"}).json()
        assert "松江" in follow["rewritten_question"] and follow["rewritten_question"] != "那松江区呢？"
        bad = client.post("/api/chat", json={"question": QUESTION, "session_id": "空 格"})
        wechat_users = client.post("/api/chat", json={"question": QUESTION, "session_id": "wx:o9AgO5Kd5"})
        assert wechat_users.status_code == 422
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"


class Broken:
    """An assistant that fails the way a bug would: a plain exception, mid-way through a stream."""

    def answer(self, question, **options):
        raise RuntimeError("secret internal detail")

    def stream(self, question, **options):
        yield CitationsEvent(())
        raise RuntimeError("secret internal detail")


def test_a_crash_is_a_json_500_or_an_error_event_never_a_trace(built_data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=built_data_dir))
    with LiveServer(create_app(settings, assistant=Broken())) as live, live.client() as client:
        crashed = client.post("/api/chat", json={"question": QUESTION})
        assert crashed.status_code == 500
        assert crashed.json() == {"error": "internal_error", "detail": "服务器内部错误，请稍后再试"}
        streamed = client.post("/api/chat/stream?format=ndjson", json={"question": QUESTION})
        events = [json.loads(line) for line in streamed.text.splitlines()]
        assert [e["event"] for e in events] == ["citations", "error"]
        assert events[1]["data"]["error"] == "internal_error"
        assert "secret" not in crashed.text + streamed.text
