"""SSE and NDJSON framing of answer events."""

import json

from service.streaming import StreamFormat, choose_format, frame


def test_sse_frame_is_one_event_line_and_one_data_line():
    raw = frame("delta", {"text": "第一行\n第二行"}, StreamFormat.sse).decode("utf-8")
    assert raw == 'event: delta\ndata: {"text":"第一行\\n第二行"}\n\n'


def test_ndjson_frame_is_one_object_per_line():
    raw = frame("final", {"answer": "答"}, StreamFormat.ndjson).decode("utf-8")
    assert raw.endswith("\n") and raw.count("\n") == 1
    assert json.loads(raw) == {"event": "final", "data": {"answer": "答"}}


def test_format_from_query_then_accept_header():
    assert choose_format(None, "text/event-stream") is StreamFormat.sse
    assert choose_format(None, "application/x-ndjson") is StreamFormat.ndjson
    assert choose_format(None, "") is StreamFormat.sse
    assert choose_format(StreamFormat.sse, "application/x-ndjson") is StreamFormat.sse
