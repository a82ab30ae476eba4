"""Curated answers: matching a kind of question, staleness with its reason, hit counts; the gap list and the
login throttle (pure or over a real SQLite file)."""

from dataclasses import replace

import pytest

from bot.query import analyse
from core.records import Chunk, DocumentMeta
from service.curated_first import CuratedFirst
from service.logbook.curated import CuratedState, CuratedStore, QuoteMismatchError
from service.logbook.gaps import gap_list
from service.logbook.matching import MATCH_THRESHOLD, similarity
from service.logbook.records import Feedback, LogEntry, LoggedAnswer, Rating
from service.staff.throttle import LoginThrottle

T0 = 1_780_000_000.0  # 2026-05-29 China Standard Time
XUHUI = Chunk("c1", "d1", "徐汇区知识产权工作要点", "二、（三）", "全区PCT专利申请量297件。", "徐汇区")
LAW = Chunk(
    "c2", "d2", "专利法", "第四十二条", "发明专利权的期限为二十年，实用新型专利权的期限为十年。", "全国"
)
DOCS = {
    "d1": DocumentMeta(
        "d1", "徐汇区知识产权工作要点", "a.docx", "h1", region="徐汇区", valid_until="2027-12-31"
    ),
    "d2": DocumentMeta("d2", "专利法", "b.docx", "h2", region="全国"),
}


@pytest.fixture
def store(tmp_path):
    clauses = {"c1": XUHUI, "c2": LAW}
    docs = dict(DOCS)
    made = CuratedStore(tmp_path / "state.sqlite", lookup=clauses.get, document=docs.get, clock=lambda: T0)
    made.clauses, made.docs = clauses, docs  # the test changes the "index" through these
    return made


def publish(store, question, answer, chunk_id, quote):
    return store.publish(store.add(question, answer, [(chunk_id, quote)]).id)


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("请问徐汇区PCT专利申请数量有多少", True),  # reworded, filler words
        ("徐匯區的PCT專利申請量是多少？", True),  # traditional characters
        ("宝山区的PCT专利申请量是多少？", False),  # another district
        ("徐汇区的PCT专利授权量是多少？", False),  # another topic (授权, not 申请)
        ("徐汇区PCT专利申请是哪年开始的？", False),  # another intent (a date, not a number)
        ("上海的PCT专利申请量是多少？", False),  # no district: never a district's answer
    ],
)
def test_a_curated_answer_is_served_for_its_kind_of_question_only(store, asked, served):
    publish(store, "徐汇区的PCT专利申请量是多少？", "297件。", "c1", "PCT专利申请量297件")
    answer = CuratedFirst(store=store).serve(asked)
    assert (answer is not None) is served
    if served:
        assert answer.curated_id == 1 and answer.citations[0].quote == "PCT专利申请量297件"
        assert answer.citations[0].doc_id == "d1" and answer.citations[0].text == XUHUI.text
        assert store.get(1).hits == 1


def test_topic_swaps_are_told_apart_though_their_words_are_alike(store):
    publish(store, "发明专利权的期限是多少年？", "二十年。", "c2", "发明专利权的期限为二十年")
    assert similarity("发明专利权的期限是多少年？", "实用新型专利权的期限是多少年？") >= MATCH_THRESHOLD
    assert CuratedFirst(store=store).serve("实用新型专利权的期限是多少年？") is None
    assert CuratedFirst(store=store).serve("发明专利权期限是多少年") is not None


def test_the_askers_region_counts_as_the_district_asked(store):
    publish(store, "徐汇区的PCT专利申请量是多少？", "297件。", "c1", "PCT专利申请量297件")
    served = CuratedFirst(store=store, read=analyse)
    assert served.serve("PCT专利申请量是多少？", region="宝山区") is None


def test_drafts_and_stale_answers_are_never_served(store):
    item = store.add("发明专利权的期限是多少年？", "二十年。", [("c2", "发明专利权的期限为二十年")])
    assert CuratedFirst(store=store).serve("发明专利权的期限是多少年？") is None
    store.publish(item.id)
    store.unpublish(item.id)
    assert store.get(item.id).state is CuratedState.DRAFT
    assert CuratedFirst(store=store).serve("发明专利权的期限是多少年？") is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s.docs.update(d1=replace(DOCS["d1"], content_hash="h9")), "已更新"),
        (lambda s: s.docs.pop("d1"), "已删除"),
        (
            lambda s: s.docs.update(d1=replace(DOCS["d1"], valid_until="2026-05-28")),
            "已过有效期（2026-05-28）",
        ),
        (lambda s: s.clauses.pop("c1"), "不存在"),
    ],
)
def test_a_published_answer_turns_stale_with_its_reason_stored(store, change, reason):
    item = publish(store, "徐汇区的PCT专利申请量是多少？", "297件。", "c1", "PCT专利申请量297件")
    change(store)
    assert CuratedFirst(store=store).serve("徐汇区的PCT专利申请量是多少？") is None
    stale = store.get(item.id)
    assert stale.state is CuratedState.STALE and reason in stale.stale_reason
    with pytest.raises(QuoteMismatchError):
        store.publish(item.id)


def test_an_edit_is_checked_again_and_goes_back_to_draft(store):
    item = publish(store, "徐汇区的PCT专利申请量是多少？", "297件。", "c1", "PCT专利申请量297件")
    with pytest.raises(QuoteMismatchError, match="不在条款"):
        store.edit(item.id, "徐汇区PCT专利申请量？", "298件。", [("c1", "298件")])
    assert store.get(item.id).answer == "297件。"
    edited = store.edit(item.id, "徐汇区PCT专利申请量？", "共297件。", [("c1", "297件")])
    assert edited.state is CuratedState.DRAFT and edited.answer == "共297件。"
    assert store.edit(999, "问", "答", [("c1", "297件")]) is None


def logged(answer_id, question, *, refused=False, rating=None):
    entry = LogEntry(answer_id, T0, "api", "", question, "", "", "extractive", refused, "", "", (), (), 1, "")
    feedback = Feedback(answer_id, T0, rating) if rating else None
    return LoggedAnswer(entry, feedback)


def test_the_gap_list_groups_similar_wording_most_frequent_first():
    items = [
        logged("a", "杨浦区专利资助标准是多少？", rating=Rating.DOWN),
        logged("b", "劳动合同怎么签？", refused=True),
        logged("c", "请问杨浦区专利资助标准是多少", refused=True),
        logged("d", "杨浦区的专利资助标准有多少？", refused=True),
        logged("a", "杨浦区专利资助标准是多少？", refused=True),  # the same answer, listed twice
    ]
    gaps = gap_list(items)
    assert [(g.question, g.count) for g in gaps] == [
        ("杨浦区专利资助标准是多少？", 3),
        ("劳动合同怎么签？", 1),
    ]
    assert (gaps[0].refused, gaps[0].rated_down) == (2, 1)


def test_the_login_throttle_locks_an_address_or_a_name_after_five_failures():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait("ip:1", "name:alice") == 0
        throttle.failed("ip:1", "name:alice")
    assert throttle.wait("ip:1", "name:bob") == 900  # the address is locked for any name
    assert throttle.wait("ip:2", "name:alice") == 900  # the name is locked from any address
    assert throttle.wait("ip:2", "name:bob") == 0
    now[0] = 901.0
    assert throttle.wait("ip:1", "name:alice") == 0
