"""The official-account webhook through a real uvicorn server, the real index and a fake WeChat API."""

import threading
import time

import pytest

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings, WeChatAccount
from service.wechat.crypto import WeChatCrypto
from service.wechat.messages import MAX_TEXT_BYTES, parse_xml
from service.wechat.replies import NOT_TEXT, WELCOME
from tests.fakes.assistants import OwnIndex
from tests.fakes.live_server import LiveServer, wait_until
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wechat_push import ACCOUNT_ID, AES_KEY, MP_APPID, OPENID, TOKEN, Pusher, event_xml, text_xml

pytestmark = pytest.mark.integration

QUESTION = "杨浦区对知识产权质押融资贴息多少？"
SHORT_TITLE = "杨浦区关于国家知识产权强市建设试点城区工作方案"  # as a citation names it


class Rig:
    """A server with only the official account configured, its fake WeChat API and a push client."""

    def __init__(self, data_dir, *, held=False, passive_reply_s=4.0):
        self.fake = FakeWeChatApi(appid=MP_APPID, secret="mp-secret")
        self.own = OwnIndex(Settings(data_dir=data_dir), held=held)
        self.assistant = self.own.assistant
        settings = ServiceSettings(
            bot=Settings(data_dir=data_dir),
            mp=WeChatAccount(token=TOKEN, aes_key=AES_KEY, appid=MP_APPID, secret="mp-secret"),
            wechat_api_base=self.fake.base_url,
            passive_reply_s=passive_reply_s,
        )
        self.server = LiveServer(create_app(settings, assistant=self.assistant, index=self.own.index))

    def __enter__(self):
        self.fake.__enter__()
        self.server.__enter__()
        self.http = self.server.client(timeout=5.0)  # WeChat hangs up after 5 s
        self.push = Pusher(self.http, "/wechat/mp", appid=MP_APPID)
        return self

    def __exit__(self, *exc):
        self.http.close()
        self.server.__exit__(*exc)
        self.fake.__exit__(*exc)
        self.own.close()


@pytest.fixture
def rig(data_dir):
    with Rig(data_dir) as r:
        yield r


def test_get_verification_echoes_the_bare_echostr(rig):
    response = rig.push.verify("4375120948345356249")
    assert response.status_code == 200 and response.text == "4375120948345356249"
    assert response.headers["content-type"].startswith("text/plain")
    forged = rig.http.get("/wechat/mp", params={**rig.push.query(), "signature": "0" * 40, "echostr": "1"})
    assert forged.status_code == 403


def test_safe_mode_text_gets_an_encrypted_passive_reply_that_verifies_and_decrypts(rig):
    response = rig.push.post_safe_xml(text_xml(QUESTION, msg_id="1001"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    reply = rig.push.open_reply(response)
    assert (
        reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT_ID and reply["MsgType"] == "text"
    )
    content = reply["Content"]
    assert "50%" in content and "【1】" in content and "[1]" not in content
    assert f"《{SHORT_TITLE}》（二）6." in content
    assert len(content.encode("utf-8")) <= MAX_TEXT_BYTES
    assert rig.fake.sends == []  # answered passively, nothing pushed


def test_plain_mode_text_gets_a_plain_passive_reply_and_a_retry_gets_success(rig):
    first = rig.push.post_plain(text_xml(QUESTION, msg_id="1002"))
    assert "50%" in parse_xml(first.content)["Content"]
    retry = rig.push.post_plain(text_xml(QUESTION, msg_id="1002"))
    assert retry.text == "success"
    assert len(rig.assistant.calls) == 1


def sealed_body(encrypt):
    return f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"


def test_forged_pushes_are_refused_with_403_before_any_work(rig):
    payload = text_xml(QUESTION, msg_id="1003")
    stale = rig.push.post_safe_xml(payload, timestamp=int(time.time()) - 301)
    bad_signature = rig.http.post(
        "/wechat/mp", params={**rig.push.query(), "signature": "f" * 40}, content=payload.encode()
    )
    query, encrypt = rig.push.seal(payload)
    bad_msg_signature = rig.http.post(
        "/wechat/mp", params={**query, "msg_signature": "0" * 40}, content=sealed_body(encrypt).encode()
    )
    no_msg_signature = rig.http.post(
        "/wechat/mp",
        params={k: v for k, v in query.items() if k != "msg_signature"},
        content=sealed_body(encrypt).encode(),
    )
    other_app = WeChatCrypto(token=TOKEN, encoding_aes_key=AES_KEY, appid="wx_someone_else")
    query_other, encrypt_other = rig.push.seal(payload, crypto=other_app)
    wrong_appid = rig.http.post("/wechat/mp", params=query_other, content=sealed_body(encrypt_other).encode())
    tampered_encrypt = encrypt[:-8] + ("A" if encrypt[-8] != "A" else "B") + encrypt[-7:]
    query_t = {**query, "msg_signature": _resign(query, tampered_encrypt)}
    tampered = rig.http.post("/wechat/mp", params=query_t, content=sealed_body(tampered_encrypt).encode())
    for response in (stale, bad_signature, bad_msg_signature, no_msg_signature, wrong_appid, tampered):
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
    assert rig.assistant.calls == []
    assert 'ipbot_wechat_rejected_total{channel="mp"} 6' in rig.http.get("/metrics").text


def _resign(query, encrypt):
    """A valid msg_signature over a tampered Encrypt: only decryption can then catch the change."""
    from service.wechat.crypto import sha1_signature

    return sha1_signature(TOKEN, query["timestamp"], query["nonce"], encrypt)


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><Content>&lol3;</Content></xml>"
)


def test_malformed_bombs_and_oversized_bodies_are_refused_without_harm(rig):
    malformed = rig.push.post_plain("<xml><ToUserName>")
    bomb = rig.push.post_plain(BOMB)
    not_xml = rig.push.post_plain("hello")
    missing_fields = rig.push.post_plain("<xml><MsgType>text</MsgType><Content>你好</Content></xml>")
    for response in (malformed, bomb, not_xml, missing_fields):
        assert response.status_code == 200 and response.text == "success"  # signed but unusable
    oversized = rig.push.post_plain(b"<xml>" + b"a" * 300_000 + b"</xml>")
    assert oversized.status_code == 413 and oversized.json()["error"] == "content_too_large"
    unsigned_oversized = rig.http.post("/wechat/mp", content=b"a" * 300_000)
    assert unsigned_oversized.status_code == 413
    assert rig.assistant.calls == [] and rig.fake.sends == []
    assert rig.push.post_plain(text_xml(QUESTION, msg_id="1004")).status_code == 200  # still serving


def test_subscribe_gets_the_welcome_and_non_text_a_polite_note(rig):
    welcome = rig.push.post_safe_xml(event_xml("subscribe", create_time=int(time.time())))
    assert rig.push.open_reply(welcome)["Content"] == WELCOME
    image = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://example.com/a.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId><MsgId>1005</MsgId></xml>"
    )
    assert rig.push.open_reply(rig.push.post_safe_xml(image))["Content"] == NOT_TEXT
    other_event = rig.push.post_safe_xml(event_xml("unsubscribe", create_time=int(time.time())))
    assert other_event.text == "success"
    assert rig.assistant.calls == []


def test_a_slow_answer_gets_success_then_one_customer_service_send(data_dir):
    with Rig(data_dir, held=True, passive_reply_s=0.3) as rig:
        responses = [rig.push.post_safe_xml(text_xml(QUESTION, msg_id="2001")) for _ in range(3)]
        assert [r.text for r in responses] == ["success"] * 3
        rig.assistant.release()
        wait_until(lambda: rig.fake.delivered, what="the customer-service send")
    assert len(rig.assistant.calls) == 1
    assert len(rig.fake.sends) == 1
    send = rig.fake.sends[0]
    assert send.body["touser"] == OPENID and send.access_token == "fake-token-1"
    assert "50%" in send.body["text"]["content"] and "【1】" in send.body["text"]["content"]
    assert "贴息".encode() in send.raw  # unescaped UTF-8, not \\u escapes


def test_a_retry_waiting_with_the_first_delivery_shares_its_one_answer(data_dir):
    with Rig(data_dir, held=True, passive_reply_s=4.5) as rig:
        payload = text_xml(QUESTION, msg_id="3001")
        results = []

        def deliver():
            results.append(rig.push.post_safe_xml(payload))

        first = threading.Thread(target=deliver)
        first.start()
        assert rig.assistant.started.wait(5)
        retry = threading.Thread(target=deliver)
        retry.start()
        arrived = 'ipbot_wechat_messages_total{channel="mp",kind="text"} 2'
        wait_until(lambda: arrived in rig.http.get("/metrics").text, what="the retry to arrive")
        rig.assistant.release()
        first.join(10)
        retry.join(10)
    bodies = sorted(r.text for r in results)
    assert bodies[1] == "success" and "<Encrypt>" in bodies[0]
    assert "50%" in rig.push.open_reply(next(r for r in results if r.text != "success"))["Content"]
    assert len(rig.assistant.calls) == 1 and rig.fake.sends == []
