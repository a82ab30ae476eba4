"""Issue 4's acceptance, from outside: `ipbot serve` as a process, WECHAT_API_BASE on a loopback fake."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.wechat.crypto import WeChatCrypto
from tests.fakes.live_server import wait_until
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wechat_push import AES_KEY, MINI_APPID, MP_APPID, OPENID, TOKEN, Pusher, text_xml

pytestmark = pytest.mark.integration

IPBOT = str(Path(sys.executable).parent / "ipbot")
QUESTION = "杨浦区对知识产权质押融资贴息多少？"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """`ipbot serve` with both channels configured, as a child process; `stop()` drains and ends it."""

    def __init__(self, process, base, fake):
        self.process, self.base, self.fake = process, base, fake

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # graceful: answers and sends in flight finish
            self.process.wait(timeout=60)


@pytest.fixture
def served(data_dir, tmp_path):
    with FakeWeChatApi(appid=MINI_APPID, secret="mini-secret") as fake:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "CHROMA_", "IPBOT_", "WECHAT_"))
        }
        env.update(
            IPBOT_DATA_DIR=str(data_dir),
            ADMIN_TOKEN="a" * 40,
            WECHAT_API_BASE=fake.base_url,
            WECHAT_MP_TOKEN=TOKEN,
            WECHAT_MP_AES_KEY=AES_KEY,
            WECHAT_MP_APPID=MP_APPID,
            WECHAT_MP_SECRET="mp-secret",
            WECHAT_MINI_TOKEN=TOKEN,
            WECHAT_MINI_AES_KEY=AES_KEY,
            WECHAT_MINI_APPID=MINI_APPID,
            WECHAT_MINI_SECRET="mini-secret",
        )
        port = free_port()
        log_path = tmp_path / "serve.log"
        with log_path.open("w") as log:
            process = subprocess.Popen([IPBOT, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
            served = Served(process, f"http://127.0.0.1:{port}", fake)
            try:
                wait_until(
                    lambda: _up(served.base) or process.poll() is not None, timeout=120, what="start-up"
                )
                assert process.poll() is None, log_path.read_text()
                yield served
            finally:
                served.stop()


def _up(base):
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_acceptance_from_outside(served):
    fake = served.fake
    with httpx.Client(base_url=served.base, timeout=5.0) as http:
        chat = http.post("/api/chat", json={"question": "杨浦区贴息"}, timeout=30).json()
        assert "50%" in chat["answer"] and chat["citations"][0]["doc_number"] == "杨府发〔2024〕4号"

        mp = Pusher(http, "/wechat/mp", appid=MP_APPID)
        assert mp.verify("4375120948345356249").text == "4375120948345356249"
        started = time.monotonic()
        reply = mp.post_safe_xml(text_xml(QUESTION, msg_id="880001"))  # the client gives up after 5 s
        assert time.monotonic() - started < 5.0
        content = mp.open_reply(reply)["Content"]
        assert "50%" in content and "【1】" in content

        other = WeChatCrypto(token=TOKEN, encoding_aes_key=AES_KEY, appid="wx_other_app")
        query, encrypt = mp.seal(text_xml(QUESTION, msg_id="880002"), crypto=other)
        other_app = http.post("/wechat/mp", params=query, content=f"<xml><Encrypt>{encrypt}</Encrypt></xml>")
        forged = http.post("/wechat/mp", params={**mp.query(), "signature": "0" * 40}, content=b"<xml/>")
        stale = mp.post_safe_xml(text_xml(QUESTION, msg_id="880003"), timestamp=int(time.time()) - 3600)
        assert [r.status_code for r in (other_app, forged, stale)] == [403, 403, 403]
        bomb = mp.post_plain('<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml>&b;</xml>')
        huge = mp.post_plain(b"<xml>" + b"x" * 300_000 + b"</xml>")
        assert (bomb.text, huge.status_code) == ("success", 413)
        assert http.get("/healthz").json()["status"] == "ok"

        mini = Pusher(http, "/wechat/mini", appid=MINI_APPID)
        message = {
            "ToUserName": "gh_97417a04a28d",
            "FromUserName": OPENID,
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": QUESTION,
            "MsgId": 24601,
        }
        assert [mini.post_safe_json(message).text for _ in range(3)] == ["success"] * 3
        wait_until(lambda: fake.delivered, what="the customer-service send")
        metrics = http.get("/metrics").text
        assert 'ipbot_wechat_deliveries_total{channel="mp",via="passive"} 1' in metrics
    served.stop()  # drains the server: nothing else can be sent after this
    assert len(fake.sends) == 1
    send = fake.sends[0]
    assert send.access_token == "fake-token-1" and "贴息".encode() in send.raw and b"\\u" not in send.raw


def test_serve_refuses_a_short_admin_token_at_start_up(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "CHROMA_", "IPBOT_", "WECHAT_"))}
    env.update(IPBOT_DATA_DIR=str(data_dir), ADMIN_TOKEN="secret123")
    out = subprocess.run(
        [IPBOT, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0
    assert (
        "ADMIN_TOKEN" in out.stderr and "openssl rand -hex 32" in out.stderr and "Traceback" not in out.stderr
    )
