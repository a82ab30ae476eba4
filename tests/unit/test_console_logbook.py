"""The conversation log store, its filters and exports, and the Answerer recording every answer."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

import anyio
import pytest

from core.errors import InputError
from core.records import (
    Answer,
    Chunk,
    Citation,
    CitationsEvent,
    FinalEvent,
    Hit,
    RefusalReason,
    Scores,
    StreamEvent,
)
from service.answers import Answerer
from service.gate import IndexGate
from service.logbook.export import BOM, csv_text, jsonl_lines
from service.logbook.filters import log_query
from service.logbook.hittest import ranked_candidates
from service.logbook.records import Feedback, FeedbackReason, LogQuery, Rating, entry_of, hash_user
from service.logbook.sqlite import SqliteLogbook
from service.metrics import Metrics

DAY = 24 * 3600.0
T0 = 1_780_000_000.0  # 2026-05-29 04:26:40 China Standard Time
CHUNK = Chunk("c1", "d1", "杨浦区办法", "第五条", "给予50%贴息", "杨浦区")
OTHER = Chunk("c2", "d2", "全国法", "第一条", "专利法", "全国")
CITATION = Citation(1, "d1", "杨浦区办法", "", "第五条", "杨浦区", "给予50%贴息", "50%贴息")
ANSWER = Answer(
    question="杨浦区贴息",
    answer="给予50%贴息[1]",
    refused=False,
    citations=(CITATION,),
    hits=(Hit(CHUNK, Scores(0.5, 3.0, 0.9)), Hit(OTHER, Scores(0.7, 1.0, 0.4))),
    latency_ms=12,
)
REFUSAL = Answer(question="劳动合同", answer="无法回答", refused=True, reason=RefusalReason.WEAK_EVIDENCE)


@pytest.fixture
def book(tmp_path):
    return SqliteLogbook(tmp_path / "state.sqlite")


def record(book, answer, answer_id, *, at=T0, channel="api", key=None, region=None):
    book.record(entry_of(answer, answer_id=answer_id, at=at, channel=channel, user_key=key, region=region))


def test_an_entry_round_trips_with_citations_scores_and_a_hashed_user(book):
    record(book, ANSWER, "a" * 32, key="wx:openid-123", channel="wechat_mp")
    got = book.get("a" * 32)
    assert got is not None and got.feedback is None
    e = got.entry
    assert (e.channel, e.question, e.region, e.refused, e.latency_ms) == (
        "wechat_mp",
        "杨浦区贴息",
        "杨浦区",
        False,
        12,
    )
    assert e.citations[0].quote == "50%贴息" and [c.fused for c in e.candidates] == [0.9, 0.4]
    assert e.user == hash_user("wx:openid-123") and "openid" not in e.user and len(e.user) == 16
    assert book.get("b" * 32) is None


def test_filters_by_day_channel_outcome_reason_region_text_and_rating(book):
    record(book, ANSWER, "1" * 32, at=T0)
    record(book, REFUSAL, "2" * 32, at=T0 + DAY, channel="stream", region="松江区")
    record(book, ANSWER, "3" * 32, at=T0 + 2 * DAY, channel="console")
    assert book.add_feedback(Feedback("2" * 32, T0, Rating.DOWN, FeedbackReason.OFF_TOPIC, "不对"))

    def ids(**filters):
        return [i.entry.answer_id[0] for i in book.query(LogQuery(**filters))]

    assert ids() == ["3", "2", "1"]  # newest first
    assert ids(since=date(2026, 5, 30), until=date(2026, 5, 30)) == ["2"]
    assert ids(channel="console") == ["3"]
    assert ids(refused=True) == ["2"] and ids(refused=False) == ["3", "1"]
    assert ids(reason="weak_evidence") == ["2"]
    assert ids(region="松江区") == ["2"] and ids(region="杨浦区") == ["3", "1"]
    assert ids(text="劳动") == ["2"] and ids(text="50%") == ["3", "1"]
    assert ids(rating=Rating.DOWN) == ["2"] and ids(rating=Rating.UP) == []
    assert ids(limit=1, offset=1) == ["2"]


def test_feedback_on_an_unknown_answer_is_refused_and_a_later_rating_replaces_the_first(book):
    record(book, ANSWER, "1" * 32)
    record(book, ANSWER, "2" * 32)
    assert not book.add_feedback(Feedback("9" * 32, T0, Rating.UP))
    assert book.add_feedback(Feedback("1" * 32, T0, Rating.UP))
    assert book.add_feedback(Feedback("2" * 32, T0, Rating.UP))
    assert book.add_feedback(Feedback("2" * 32, T0 + 1, Rating.DOWN, FeedbackReason.TOO_LONG))
    queue = book.feedback()
    assert [(i.entry.answer_id[0], i.feedback.rating) for i in queue] == [("2", "down"), ("1", "up")]
    assert queue[0].feedback.reason is FeedbackReason.TOO_LONG


def test_prune_deletes_old_entries_with_their_feedback(book):
    record(book, ANSWER, "1" * 32, at=T0)
    record(book, ANSWER, "2" * 32, at=T0 + 10 * DAY)
    book.add_feedback(Feedback("1" * 32, T0, Rating.DOWN))
    assert book.prune(5 * DAY, now=T0 + 11 * DAY) == 1
    assert book.get("1" * 32) is None and book.get("2" * 32) is not None
    assert book.feedback() == []


def test_csv_has_a_bom_and_one_row_per_entry_and_jsonl_one_object_per_line(book):
    record(book, ANSWER, "1" * 32, at=T0 + 1)
    record(book, REFUSAL, "2" * 32)
    items = book.query(LogQuery())
    text = csv_text(items)
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["question"] for r in rows] == ["杨浦区贴息", "劳动合同"]
    assert rows[0]["citations"] == "[1] 《杨浦区办法》第五条：50%贴息" and rows[1]["refused"] == "是"
    lines = [json.loads(line) for line in jsonl_lines(items)]
    assert lines[0]["time"] == "2026-05-29 04:26:41" and lines[1]["reason"] == "weak_evidence"


def test_query_strings_become_filters_and_bad_ones_name_the_field():
    q = log_query(since="2026-01-01", refused="answered", rating="down", text=" 专利 ", region="")
    assert q.since == date(2026, 1, 1) and q.refused is False and q.rating is Rating.DOWN
    assert q.text == "专利" and q.region is None
    for bad in ({"since": "yesterday"}, {"refused": "maybe"}, {"rating": "meh"}, {"limit": 0}):
        with pytest.raises(InputError, match=next(iter(bad)) if "limit" not in bad else "limit"):
            log_query(**bad)


def test_hit_test_ranks_candidates_by_each_score():
    first, second = ranked_candidates(ANSWER)
    assert (first.rank, first.dense_rank, first.bm25_rank, first.cited) == (1, 2, 1, True)
    assert (second.rank, second.dense_rank, second.bm25_rank, second.cited) == (2, 1, 2, False)


class Fixed:
    def answer(self, question: str, **options) -> Answer:
        return ANSWER

    def stream(self, question: str, **options) -> Iterator[StreamEvent]:
        yield CitationsEvent(ANSWER.citations)
        yield FinalEvent(ANSWER)


def test_the_answerer_gives_every_answer_an_id_and_records_it_under_its_channel(book):
    answerer = Answerer(
        source=Fixed(), gate=IndexGate(), workers=1, max_question_chars=100, metrics=Metrics(), logbook=book
    )

    async def run():
        answer = await answerer.answer("杨浦区贴息", channel="wechat_mini", session_id="wx:o-abc")
        events = [e async for e in answerer.stream("杨浦区贴息", channel="stream")]
        return answer, events[-1]

    answer, final = anyio.run(run)
    assert len(answer.answer_id) == 32 and isinstance(final, FinalEvent)
    assert final.answer.answer_id not in ("", answer.answer_id)
    assert book.get(answer.answer_id).entry.user == hash_user("wx:o-abc")
    assert book.get(final.answer.answer_id).entry.channel == "stream"


def test_a_published_curated_answer_turns_stale_when_its_clause_changes(tmp_path):
    from service.logbook.curated import CuratedState, CuratedStore

    clauses = {"c1": CHUNK}
    store = CuratedStore(tmp_path / "state.sqlite", lookup=clauses.get)
    item = store.add("杨浦区贴息？", "给予50%贴息。", [("c1", "50% 贴息")])
    assert store.publish(item.id).state is CuratedState.PUBLISHED
    clauses["c1"] = Chunk("c1", "d1", "杨浦区办法", "第五条", "给予30%贴息", "杨浦区")
    assert store.list(CuratedState.PUBLISHED) == []
    assert store.get(item.id).state is CuratedState.STALE
