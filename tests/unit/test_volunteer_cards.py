"""The volunteer page's pure parts: the card text, validity labels, sharing text, event-link states, the pack."""

from datetime import date

from core.records import Answer, Citation, DocumentMeta, RefusalReason
from service.volunteer.cards import MAX_CARD_CHARS, card_of_answer, clip, validity
from service.volunteer.events import DAY_S, EventState, EventStore
from service.volunteer.pack import pack_of
from service.volunteer.schemas import card_out

TODAY = date(2026, 11, 22)
TITLE = "上海市杨浦区关于国家知识产权强市建设试点城区工作方案（2024-2026年）"
META = DocumentMeta(
    "d1", TITLE, "x.txt", "h", doc_number="杨府发〔2024〕4号", region="杨浦区", period="2024-2026年"
)


def meta(**changes):
    return DocumentMeta(**{**META.__dict__, **changes})


def test_the_card_text_drops_markers_and_the_quick_answers_own_source_line():
    quick = "对符合条件的企业给予贷款利率 50% 的贴息。[1]\n依据《杨浦区…》（二）6."
    assert clip(quick) == "对符合条件的企业给予贷款利率 50% 的贴息。"
    long = "字" * 200
    assert len(clip(long)) == MAX_CARD_CHARS and clip(long).endswith("…")


def test_validity_from_the_stated_date_or_the_plan_period():
    assert validity(meta(valid_until="2027-12-31"), TODAY) == ("有效期至 2027年12月31日", False)
    assert validity(meta(valid_until="2025-06-30"), TODAY) == ("已过期（有效期至 2025年6月30日）", True)
    assert validity(META, TODAY) == ("实施期 2024-2026年", False)
    assert validity(META, date(2027, 1, 1)) == ("实施期已结束（2024-2026年）", True)
    assert validity(meta(period=""), TODAY) == ("未注明有效期", False)
    assert validity(None, TODAY) == ("未注明有效期", False)


def test_an_answer_card_names_its_source_and_shares_it_as_text():
    cited = Citation(
        1, "d1", TITLE, "杨府发〔2024〕4号", f"{TITLE} › （二） › 6.", "杨浦区", "全文", "给予贴息"
    )
    answer = Answer(
        "贴息多少？", "给予贴息。[1]\n依据《x》6.", False, (cited,), answer_id="a" * 32, curated_id=7
    )
    card = card_of_answer(answer, docs=lambda _: META, channel="12345 热线", today=TODAY)
    source = card.sources[0]
    assert card.text == "给予贴息。" and card.curated_id == 7 and source.label.startswith("《杨浦区")
    assert source.label.endswith("（二）6.") and source.doc_number == "杨府发〔2024〕4号"
    assert source.label in card.share_text and "杨府发〔2024〕4号" in card.share_text
    assert "12345 热线" in card.share_text and "实施期 2024-2026年" in card.share_text


def test_a_refusal_card_keeps_the_reason_and_drops_the_channel_paragraph():
    text = "已收录的文件里找不到可靠依据。为避免误导，暂不作答。\n\n本次检索的范围：……\n\n建议您……"
    answer = Answer("劳动合同？", text, True, reason=RefusalReason.WEAK_EVIDENCE)
    card = card_of_answer(answer, docs=lambda _: None, channel="窗口", today=TODAY)
    assert (
        card.kind == "refusal"
        and card.sources == ()
        and card.text.startswith("已收录")
        and "检索" not in card.text
    )


def test_event_links_are_valid_then_expire_or_are_revoked(tmp_path):
    now = [1_000_000.0]
    store = EventStore(tmp_path / "state.sqlite", clock=lambda: now[0])
    event = store.create("  宣讲 ", 2)
    assert event.name == "宣讲" and store.check(event.token)[0] is EventState.VALID
    now[0] += 2 * DAY_S
    assert store.check(event.token)[0] is EventState.EXPIRED
    other = store.create("b", 1)
    assert store.revoke(other.token).state(now[0]) is EventState.REVOKED
    assert store.check(other.token)[0] is EventState.REVOKED
    assert store.check("nope") == (EventState.UNKNOWN, None) and store.check(None)[0] is EventState.UNKNOWN
    assert store.revoke("nope") is None and [e.token for e in store.list()] == [other.token, event.token]


def test_the_pack_version_follows_its_content():
    answer = Answer("问", "答", False, answer_id="a" * 32)
    card = card_out(card_of_answer(answer, docs=lambda _: None, channel="c", today=TODAY))
    changed = card.model_copy(update={"text": "答（新）"})
    assert pack_of([card]).version == pack_of([card]).version != pack_of([changed]).version
    assert pack_of([]).version != pack_of([card]).version
