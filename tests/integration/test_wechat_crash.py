"""kill -9 while answering: after a restart and WeChat's retries, every message is answered exactly once.

The server is a real `ipbot serve` process; answers are held in a fake model (LLM mode) so the kill
lands while every message is being answered, the way a slow model would leave them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fakes.live_server import wait_until
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wechat_push import ACCOUNT_ID, AES_KEY, MINI_APPID, MP_APPID, TOKEN, Pusher, text_xml

pytestmark = pytest.mark.integration
log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
QUESTION = "杨浦区对知识产权质押融资贴息多少？"
PER_CHANNEL = 20
LEASE_S = "3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`python -m cli.main serve` in its own process, logging to a file; killed or stopped by the test."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5.0)
        wait_until(self._up, timeout=180, what=f"the server to start (log: {log})")

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the server exited: {self.log.read_text(errors='replace')[-3000:]}")
        try:
            return self.http.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.http.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.http.close()


def server_env(data_dir: Path, wechat: FakeWeChatApi, llm: FakeOpenAIServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "LLM_", "IPBOT_", "ADMIN_"))}
    env.update(
        IPBOT_DATA_DIR=str(data_dir),
        IPBOT_WECHAT_LEASE_S=LEASE_S,
        LLM_BASE_URL=llm.base_url,
        LLM_MODEL="fake-model",
        LLM_API_KEY="test-key",
        LLM_TIMEOUT_S="120",  # a held answer must still be in progress when the server is killed
        WECHAT_API_BASE=wechat.base_url,
        OMP_NUM_THREADS="1",
    )
    for prefix, appid in (("WECHAT_MP", MP_APPID), ("WECHAT_MINI", MINI_APPID)):
        env.update({f"{prefix}_TOKEN": TOKEN, f"{prefix}_AES_KEY": AES_KEY, f"{prefix}_APPID": appid})
        env[f"{prefix}_SECRET"] = wechat.accounts[appid]
    return env


def mini_json(openid: str, msg_id: int) -> dict[str, object]:
    return {
        "ToUserName": ACCOUNT_ID,
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": QUESTION,
        "MsgId": msg_id,
    }


class WeChat:
    """WeChat's side: the 40 messages, pushed (and pushed again) to whichever server runs."""

    def __init__(self) -> None:
        self.mp = {
            f"o-mp-{n:02d}": text_xml(QUESTION, msg_id=str(5000 + n), from_user=f"o-mp-{n:02d}")
            for n in range(PER_CHANNEL)
        }
        self.mini = {f"o-mini-{n:02d}": mini_json(f"o-mini-{n:02d}", 6000 + n) for n in range(PER_CHANNEL)}
        self.passive: Counter[str] = Counter()  # openid -> passive replies received

    def push_all(self, server: ServerProcess) -> list[str]:
        """Push every message concurrently; each push's outcome ("success", "passive" or the error)."""
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}", timeout=5.0
        )  # WeChat hangs up at 5 s
        mp = Pusher(client, "/wechat/mp", appid=MP_APPID)
        mini = Pusher(client, "/wechat/mini", appid=MINI_APPID)

        def push_mp(openid: str) -> str:
            try:
                response = mp.post_safe_xml(self.mp[openid])
            except httpx.TransportError as exc:
                return type(exc).__name__
            if response.text == "success":
                return "success"
            assert mp.open_reply(response)["ToUserName"] == openid
            self.passive[openid] += 1
            return "passive"

        def push_mini(openid: str) -> str:
            try:
                return mini.post_safe_json(self.mini[openid]).text
            except httpx.TransportError as exc:
                return type(exc).__name__

        with ThreadPoolExecutor(max_workers=2 * PER_CHANNEL) as pool:
            mini_done = [pool.submit(push_mini, openid) for openid in self.mini]
            mp_done = [pool.submit(push_mp, openid) for openid in self.mp]
            self.mini_acks = [f.result() for f in mini_done]
            outcomes = [f.result() for f in mp_done]
        client.close()
        return self.mini_acks + outcomes


def rows(data_dir: Path) -> dict[str, str]:
    with sqlite3.connect(data_dir / "state.sqlite") as db:
        return dict(db.execute("SELECT key, state FROM wechat_messages").fetchall())


def test_kill_9_while_answering_then_retries_answer_every_message_exactly_once(data_dir, tmp_path):
    wechat = WeChat()
    api = FakeWeChatApi(accounts={MP_APPID: "mp-secret", MINI_APPID: "mini-secret"})
    with api, FakeOpenAIServer(default=Reply(delay_s=60.0)) as llm:  # every answer held
        env = server_env(data_dir, api, llm)
        first = ServerProcess(env, tmp_path / "server.log")
        try:
            with ThreadPoolExecutor(max_workers=1) as pushing:
                pushed = pushing.submit(wechat.push_all, first)
                wait_until(lambda: len(llm.requests) >= 1, timeout=60, what="answers to start")
                wait_until(lambda: len(rows(data_dir)) == 2 * PER_CHANNEL, timeout=60, what="all pushes")
                first.kill()  # mid-answer: the model holds them all
                pushed.result()
        finally:
            first.stop()
        assert wechat.mini_acks == ["success"] * PER_CHANNEL
        assert api.sends == [] and not wechat.passive
        states = Counter(rows(data_dir).values())
        assert set(states) <= {"pending", "handoff"}, states

        llm.default = Reply()  # the model answers at once from now on
        second = ServerProcess(env, tmp_path / "server.log")
        try:
            restarted = time.monotonic()
            retries = Counter(wechat.push_all(second))  # WeChat's retries of the same MsgIds
            wait_until(
                lambda: set(rows(data_dir).values()) == {"delivered"},
                timeout=180,
                what="every message to be delivered",
            )
            recovered_s = time.monotonic() - restarted
            metrics = second.http.get("/metrics").text
        finally:
            second.stop()

    sent = Counter(call.body["touser"] for call in api.sends)
    log.info(
        "after kill -9 in %s: retries answered %s; %d passive, %d custom/send; all delivered %.1f s after restart",
        dict(states),
        dict(retries),
        sum(wechat.passive.values()),
        len(api.sends),
        recovered_s,
    )
    answered = sent + wechat.passive
    assert sorted(answered) == sorted([*wechat.mp, *wechat.mini])
    assert set(answered.values()) == {1}, answered  # exactly once each
    assert all(call.ok for call in api.sends)
    assert "ipbot_wechat_send_uncertain_total{" not in metrics
    assert 'ipbot_wechat_recovered_total{channel="mini",stage="answer"}' in metrics
