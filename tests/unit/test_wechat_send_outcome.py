"""custom/send is never repeated once it may have arrived: a read timeout is an unknown outcome."""

import asyncio

import httpx
import pytest

from service.wechat.api import WeChatApi
from service.wechat.errors import SendOutcomeUnknown
from tests.fakes.wechat_api import FakeWeChatApi

OPENID = "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"


async def _no_sleep(seconds: float) -> None:
    pass


def send(fake: FakeWeChatApi, *, timeout: float) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(timeout=timeout) as http:
            api = WeChatApi(
                http=http, base_url=fake.base_url, appid=fake.appid, secret=fake.secret, sleep=_no_sleep
            )
            await api.send_text(OPENID, "答复")

    asyncio.run(main())


def test_a_read_timeout_after_delivery_is_uncertain_and_not_repeated():
    with FakeWeChatApi() as fake:
        fake.delay_next_send(1.0)
        with pytest.raises(SendOutcomeUnknown, match="may have been delivered"):
            send(fake, timeout=0.3)
        assert len(fake.sends) == 1 and fake.delivered == ["答复"]
