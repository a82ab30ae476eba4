"""WeChat's side of a push: signed query strings and (encrypted) bodies, posted to our webhook."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx

from service.wechat.crypto import WeChatCrypto, sha1_signature
from service.wechat.messages import parse_xml

TOKEN = "ipbotTestToken42"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
MP_APPID = "wx_mp_test_appid"
MINI_APPID = "wx_mini_test_appid"
OPENID = "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"
ACCOUNT_ID = "gh_97417a04a28d"


def text_xml(content: str, *, msg_id: str, to_user: str = ACCOUNT_ID, from_user: str = OPENID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><FromUserName><![CDATA[{from_user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, *, create_time: int, msg_type: str = "event") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


class Pusher:
    """Signs and posts pushes the way the WeChat server does, for one account and route."""

    def __init__(
        self, client: httpx.Client, path: str, *, appid: str, token: str = TOKEN, aes_key: str = AES_KEY
    ):
        self.client = client
        self.path = path
        self.token = token
        self.crypto = WeChatCrypto(token=token, encoding_aes_key=aes_key, appid=appid)

    def query(
        self, *, timestamp: int | None = None, nonce: str | None = None, **extra: str
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**9))
        return {"signature": sha1_signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}

    def verify(self, echostr: str, **query: Any) -> httpx.Response:
        return self.client.get(self.path, params={**self.query(**query), "echostr": echostr})

    def post_plain(self, body: str | bytes, **query: Any) -> httpx.Response:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.client.post(self.path, params=self.query(**query), content=data)

    def seal(
        self, payload: str, *, crypto: WeChatCrypto | None = None, **query: Any
    ) -> tuple[dict[str, str], str]:
        """(query, Encrypt) for a safe-mode push of `payload`; `crypto` may be another account's."""
        q = self.query(**query)
        encrypt, msg_signature = (crypto or self.crypto).encrypt(
            payload.encode("utf-8"), nonce=q["nonce"], timestamp=q["timestamp"]
        )
        return {**q, "encrypt_type": "aes", "msg_signature": msg_signature}, encrypt

    def post_safe_xml(self, payload: str, **query: Any) -> httpx.Response:
        q, encrypt = self.seal(payload, **query)
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return self.client.post(self.path, params=q, content=body.encode("utf-8"))

    def post_safe_json(self, payload: dict[str, Any], **query: Any) -> httpx.Response:
        q, encrypt = self.seal(json.dumps(payload, ensure_ascii=False), **query)
        body = json.dumps({"ToUserName": ACCOUNT_ID, "Encrypt": encrypt})
        return self.client.post(self.path, params=q, content=body.encode("utf-8"))

    def open_reply(self, response: httpx.Response) -> dict[str, str]:
        """Verify an encrypted passive reply's MsgSignature, decrypt it and parse the inner XML."""
        envelope = parse_xml(response.content)
        inner = self.crypto.decrypt(
            envelope["Encrypt"],
            msg_signature=envelope["MsgSignature"],
            timestamp=envelope["TimeStamp"],
            nonce=envelope["Nonce"],
        )
        return parse_xml(inner)
