"""WeChatApi against a real HTTP fake of the WeChat API on 127.0.0.1."""

import asyncio
import json
import socket

import httpx
import pytest

from core.errors import UpstreamError
from service.wechat.api import WeChatApi
from tests.fakes.wechat_api import FakeWeChatApi

OPENID = "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"


class Clock:
    """A hand-driven clock."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """A sleep that returns at once and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def run_with_api(fake, scenario, *, clock=None, sleeps=None, base_url=None, secret=None):
    """Run `scenario(api)` in a fresh event loop with a real httpx client aimed at the fake."""

    async def main():
        async with httpx.AsyncClient(timeout=5.0) as http:
            api = WeChatApi(
                http=http,
                base_url=base_url or fake.base_url,
                appid=fake.appid,
                secret=secret or fake.secret,
                clock=clock or Clock(),
                sleep=sleeps or Sleeps(),
            )
            return await scenario(api)

    return asyncio.run(main())


def test_token_is_fetched_once_and_cached():
    async def scenario(api):
        first = await api.access_token()
        await api.send_text(OPENID, "第一条")
        await api.send_text(OPENID, "第二条")
        return first

    with FakeWeChatApi() as fake:
        token = run_with_api(fake, scenario)
    assert fake.token_calls == 1
    assert [call.access_token for call in fake.sends] == [token, token]
    assert fake.delivered == ["第一条", "第二条"]


def test_token_is_refreshed_300_s_before_expiry():
    clock = Clock()

    async def scenario(api):
        tokens = [await api.access_token()]
        clock.now += 7200 - 300 - 1
        tokens.append(await api.access_token())
        clock.now += 2
        tokens.append(await api.access_token())
        return tokens

    with FakeWeChatApi(expires_in=7200) as fake:
        tokens = run_with_api(fake, scenario, clock=clock)
    assert tokens[0] == tokens[1] != tokens[2]
    assert fake.token_calls == 2


def test_short_lived_token_is_still_cached():
    with FakeWeChatApi(expires_in=300) as fake:
        run_with_api(fake, lambda api: asyncio.gather(api.access_token(), api.access_token()))
        run_with_api(fake, lambda api: api.send_text(OPENID, "a"))
    assert fake.token_calls == 2


def test_concurrent_callers_share_one_token_fetch():
    async def scenario(api):
        return await asyncio.gather(*(api.access_token() for _ in range(20)))

    with FakeWeChatApi() as fake:
        tokens = run_with_api(fake, scenario)
    assert len(set(tokens)) == 1
    assert fake.token_calls == 1


def test_invalid_token_is_refreshed_and_the_send_retried_once():
    with FakeWeChatApi() as fake:
        fake.fail_next_send(errcode=40001)
        run_with_api(fake, lambda api: api.send_text(OPENID, "你好"))
    assert fake.token_calls == 2
    assert [call.errcode for call in fake.sends] == [40001, 0]
    assert fake.sends[0].access_token != fake.sends[1].access_token
    assert fake.delivered == ["你好"]


def test_token_invalidated_elsewhere_is_replaced():
    async def scenario(api):
        await api.send_text(OPENID, "一")
        fake.invalidate_tokens()
        await api.send_text(OPENID, "二")

    with FakeWeChatApi() as fake:
        run_with_api(fake, scenario)
    assert fake.token_calls == 2
    assert fake.delivered == ["一", "二"]


def test_second_invalid_token_gives_up():
    with FakeWeChatApi() as fake:
        fake.fail_next_send(errcode=40001)
        fake.fail_next_send(errcode=42001)
        with pytest.raises(UpstreamError, match="42001"):
            run_with_api(fake, lambda api: api.send_text(OPENID, "你好"))
    assert len(fake.sends) == 2
    assert fake.delivered == []


@pytest.mark.parametrize("errcode", [45015, 45047, 48001, 40003])
def test_final_errcode_raises_without_retry(errcode):
    sleeps = Sleeps()
    with FakeWeChatApi() as fake:
        fake.fail_next_send(errcode=errcode)
        with pytest.raises(UpstreamError, match=str(errcode)):
            run_with_api(fake, lambda api: api.send_text(OPENID, "你好"), sleeps=sleeps)
    assert len(fake.sends) == 1
    assert sleeps.calls == []


def test_bad_gateway_twice_then_success():
    sleeps = Sleeps()
    with FakeWeChatApi() as fake:
        fake.fail_next_send(http_status=502)
        fake.fail_next_send(http_status=502)
        run_with_api(fake, lambda api: api.send_text(OPENID, "你好"), sleeps=sleeps)
    assert [call.http_status for call in fake.sends] == [502, 502, 200]
    assert fake.delivered == ["你好"]
    assert len(sleeps.calls) == 2
    assert sleeps.calls[0] < sleeps.calls[1]


def test_system_busy_is_retried_and_three_failures_give_up():
    with FakeWeChatApi() as fake:
        for _ in range(3):
            fake.fail_next_send(errcode=-1)
        with pytest.raises(UpstreamError, match="3 attempts"):
            run_with_api(fake, lambda api: api.send_text(OPENID, "你好"))
    assert len(fake.sends) == 3
    assert fake.delivered == []


def test_unreachable_server_raises_upstream_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with FakeWeChatApi() as fake, pytest.raises(UpstreamError, match="network error"):
        run_with_api(fake, lambda api: api.access_token(), sleeps=sleeps, base_url=f"http://127.0.0.1:{port}")
    assert len(sleeps.calls) == 2


def test_long_chinese_content_is_split_and_sent_as_utf8():
    content = ("第十二条 市知识产权局应当会同有关部门建立知识产权保护协作机制。\n" * 120).strip()
    with FakeWeChatApi() as fake:
        run_with_api(fake, lambda api: api.send_text(OPENID, content))
    assert len(fake.sends) > 1
    assert "".join(fake.delivered) == content
    for call in fake.sends:
        assert len(call.body["text"]["content"].encode("utf-8")) <= 2048
        assert "知识产权".encode() in call.raw
        assert b"\\u" not in call.raw
        assert call.body["touser"] == OPENID and call.body["msgtype"] == "text"


def test_failure_on_a_later_piece_does_not_resend_earlier_pieces():
    content = "知识产权。" * 200
    with FakeWeChatApi() as fake:
        fake.succeed_next_send()
        fake.fail_next_send(http_status=503)
        run_with_api(fake, lambda api: api.send_text(OPENID, content))
    assert [call.http_status for call in fake.sends] == [200, 503, 200]
    assert "".join(fake.delivered) == content


def test_failure_message_names_the_piece():
    with FakeWeChatApi() as fake:
        fake.succeed_next_send()
        fake.fail_next_send(errcode=45047)
        with pytest.raises(UpstreamError, match="piece 2 of 2, 1 delivered"):
            run_with_api(fake, lambda api: api.send_text(OPENID, "权" * 1000))
    assert len(fake.delivered) == 1


def test_empty_content_is_refused():
    with FakeWeChatApi() as fake, pytest.raises(ValueError, match="empty"):
        run_with_api(fake, lambda api: api.send_text(OPENID, ""))
    assert fake.token_calls == 0


def test_wrong_secret_raises_upstream_error():
    with FakeWeChatApi() as fake, pytest.raises(UpstreamError, match="40125"):
        run_with_api(fake, lambda api: api.access_token(), secret="stale-secret")


@pytest.mark.parametrize(("suggest", "allowed"), [("pass", True), ("review", True), ("risky", False)])
def test_msg_sec_check(suggest, allowed):
    with FakeWeChatApi() as fake:
        fake.sec_check_suggest = suggest
        assert run_with_api(fake, lambda api: api.msg_sec_check(OPENID, "专利侵权怎么办")) is allowed
    (call,) = fake.sec_checks
    assert call.body == {"content": "专利侵权怎么办", "version": 2, "scene": 2, "openid": OPENID}
    assert json.loads(call.raw) == call.body
