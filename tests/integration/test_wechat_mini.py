"""The mini-program customer-service webhook: `success` at once, one custom/send per message, failures."""

import time

import pytest

from app.settings import Settings
from bot.sessions import SessionStore
from service.app import create_app
from service.settings import ServiceSettings, WeChatAccount
from service.wechat.replies import BLOCKED, NOT_TEXT, WELCOME
from tests.fakes.assistants import OwnIndex
from tests.fakes.live_server import LiveServer, wait_until
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wechat_push import ACCOUNT_ID, AES_KEY, MINI_APPID, OPENID, TOKEN, Pusher, text_xml

pytestmark = pytest.mark.integration

QUESTION = "杨浦区对知识产权质押融资贴息多少？"


def text_json(content, msg_id):
    return {
        "ToUserName": ACCOUNT_ID,
        "FromUserName": OPENID,
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
    }


class Rig:
    """A server with only the mini-program configured; leaving it drains the background sends."""

    def __init__(self, data_dir, *, sec_check=False):
        self.fake = FakeWeChatApi(appid=MINI_APPID, secret="mini-secret")
        self.own = OwnIndex(Settings(data_dir=data_dir))
        self.assistant = self.own.assistant
        settings = ServiceSettings(
            bot=Settings(data_dir=data_dir),
            mini=WeChatAccount(token=TOKEN, aes_key=AES_KEY, appid=MINI_APPID, secret="mini-secret"),
            wechat_api_base=self.fake.base_url,
            wechat_sec_check=sec_check,
        )
        self.server = LiveServer(create_app(settings, assistant=self.assistant, index=self.own.index))

    def __enter__(self):
        self.fake.__enter__()
        self.server.__enter__()
        self.http = self.server.client(timeout=5.0)
        self.push = Pusher(self.http, "/wechat/mini", appid=MINI_APPID)
        return self

    def __exit__(self, *exc):
        self.http.close()
        self.server.__exit__(*exc)  # waits for answers and sends in flight
        self.fake.__exit__(*exc)
        self.own.close()

    def metric(self, line):
        return line in self.http.get("/metrics").text


@pytest.fixture
def rig(data_dir):
    with Rig(data_dir) as r:
        yield r


def test_three_deliveries_of_one_message_give_one_answer_and_one_send(data_dir):
    with Rig(data_dir) as rig:
        payload = text_json(QUESTION, 9_223_372_036_854_775_000)  # a 64-bit MsgId stays exact
        responses = [rig.push.post_safe_json(payload) for _ in range(3)]
        assert [(r.status_code, r.text) for r in responses] == [(200, "success")] * 3
        assert all(r.headers["content-type"].startswith("text/plain") for r in responses)
        wait_until(lambda: rig.fake.delivered, what="the customer-service send")
        assert rig.push.post_safe_json(payload).text == "success"  # a late retry changes nothing
    assert len(rig.assistant.calls) == 1
    assert len(rig.fake.sends) == 1 and rig.fake.token_calls == 1
    send = rig.fake.sends[0]
    assert send.access_token == "fake-token-1" and send.body["touser"] == OPENID
    content = send.body["text"]["content"]
    assert "50%" in content and "【1】" in content
    assert "贴息".encode() in send.raw and b"\\u" not in send.raw  # unescaped Chinese
    # the conversation is keyed by the openid, kept in the same state.sqlite as the dedupe table
    turns = SessionStore(data_dir / "state.sqlite").history(f"wx:{OPENID}")
    assert [turn.question for turn in turns] == [QUESTION]


def test_xml_format_works_the_same(rig):
    assert rig.push.post_safe_xml(text_xml(QUESTION, msg_id="7001")).text == "success"
    wait_until(lambda: rig.fake.delivered, what="the send")
    assert "50%" in rig.fake.delivered[0]


def test_entering_the_session_sends_the_welcome_once(rig):
    event = {
        "ToUserName": ACCOUNT_ID,
        "FromUserName": OPENID,
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "user_enter_tempsession",
        "SessionFrom": "policy-page",
    }
    assert [rig.push.post_safe_json(event).text for _ in range(2)] == ["success", "success"]
    image = {**text_json("", "7002"), "MsgType": "image", "PicUrl": "http://example.com/a.jpg"}
    assert rig.push.post_safe_json(image).text == "success"
    wait_until(lambda: len(rig.fake.delivered) == 2, what="two sends")
    assert sorted(rig.fake.delivered) == sorted([WELCOME, NOT_TEXT])
    assert rig.assistant.calls == []


def test_json_missing_fields_and_official_debug_event_are_acknowledged_and_dropped(rig):
    no_sender = {k: v for k, v in text_json(QUESTION, "7003").items() if k != "FromUserName"}
    no_time = {k: v for k, v in text_json(QUESTION, "7004").items() if k != "CreateTime"}
    debug = {**text_json("", ""), "MsgType": "event", "Event": "debug_demo", "debug_str": "hello world"}
    for payload in (no_sender, no_time, debug):
        assert rig.push.post_safe_json(payload).text == "success"
    assert rig.push.post_plain(b'{"ToUserName": "gh_x"}').text == "success"
    assert rig.push.post_plain(b'["not", "an", "object"]').text == "success"
    safe_without_encrypt = rig.http.post(
        "/wechat/mini",
        params={**rig.push.query(), "encrypt_type": "aes", "msg_signature": "0" * 40},
        content=b'{"ToUserName": "gh_x"}',
    )
    assert safe_without_encrypt.text == "success"  # nothing to authenticate, nothing done
    assert rig.assistant.calls == [] and rig.fake.sends == []


def test_an_expired_token_is_refreshed_once_and_the_answer_delivered(rig):
    assert (
        rig.push.post_safe_json(text_json("宝山区帮多少家企业申请了专利快速预审备案？", "7101")).text
        == "success"
    )
    wait_until(lambda: rig.fake.delivered, what="the first send")
    rig.fake.invalidate_tokens()  # as a force_refresh elsewhere would: the cached token now gets 40001
    assert rig.push.post_safe_json(text_json(QUESTION, "7102")).text == "success"
    wait_until(lambda: len(rig.fake.delivered) == 2, what="the second send")
    assert [s.errcode for s in rig.fake.sends] == [0, 40001, 0]
    assert rig.fake.token_calls == 2 and rig.fake.sends[-1].access_token == "fake-token-2"


def test_a_closed_window_45015_is_logged_counted_and_never_retried(rig):
    rig.fake.fail_next_send(errcode=45015)
    payload = text_json(QUESTION, "7201")
    assert rig.push.post_safe_json(payload).text == "success"
    failed = 'ipbot_wechat_failures_total{channel="mini",reason="send_failed"} 1'
    wait_until(lambda: rig.metric(failed), what="the failure to be counted")
    assert rig.push.post_safe_json(payload).text == "success"  # WeChat's retry: no second attempt
    assert [s.errcode for s in rig.fake.sends] == [45015] and rig.fake.delivered == []


def test_a_server_error_is_retried_with_backoff_and_delivered_once(rig):
    rig.fake.fail_next_send(http_status=502)
    assert rig.push.post_safe_json(text_json(QUESTION, "7301")).text == "success"
    wait_until(lambda: rig.fake.delivered, what="the send after the retry")
    assert [s.http_status for s in rig.fake.sends] == [502, 200]
    assert rig.metric('ipbot_wechat_deliveries_total{channel="mini",via="custom_send"} 1')


def test_content_security_hook_blocks_risky_questions_when_enabled(data_dir):
    with Rig(data_dir, sec_check=True) as rig:
        rig.fake.sec_check_suggest = "risky"
        assert rig.push.post_safe_json(text_json("一个有风险的问题", "7401")).text == "success"
        wait_until(lambda: rig.fake.delivered, what="the send")
        assert rig.fake.delivered == [BLOCKED] and rig.assistant.calls == []
        rig.fake.sec_check_suggest = "pass"
        assert rig.push.post_safe_json(text_json(QUESTION, "7402")).text == "success"
        wait_until(lambda: len(rig.fake.delivered) == 2, what="the second send")
        assert "50%" in rig.fake.delivered[1]
    assert [c.body["openid"] for c in rig.fake.sec_checks] == [OPENID] * 3  # question, question, answer


def test_get_verification_and_rejections_on_the_mini_route(rig):
    assert rig.push.verify("123abc").text == "123abc"
    assert rig.push.verify("123abc", timestamp=int(time.time()) - 1000).status_code == 403
    assert rig.http.get("/wechat/mp", params=rig.push.query()).status_code == 404  # not configured


def test_a_send_answered_after_the_client_timeout_is_delivered_once_and_counted_uncertain(rig):
    rig.fake.delay_next_send(6.0)  # WeChat delivers, then answers after our 5 s read timeout
    payload = text_json(QUESTION, "7501")
    assert rig.push.post_safe_json(payload).text == "success"
    uncertain = 'ipbot_wechat_send_uncertain_total{channel="mini"} 1'
    wait_until(lambda: rig.metric(uncertain), timeout=30, what="the send to be counted uncertain")
    assert rig.push.post_safe_json(payload).text == "success"  # WeChat's retry: nothing sent again
    assert len(rig.fake.sends) == 1 and len(rig.fake.delivered) == 1
    assert not rig.metric('reason="send_failed"')
