"""One WeChat push request → an authenticated InboundMessage, and the reply envelope back out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.wechat.crypto import WeChatCrypto, check_signature, check_timestamp
from service.wechat.errors import WeChatAuthError, WeChatFormatError
from service.wechat.messages import (
    InboundMessage,
    extract_encrypt,
    parse_json,
    parse_xml,
    render_encrypted_xml,
    render_text_reply_xml,
    to_inbound,
)

TIMESTAMP_WINDOW_S = 300
MAX_ECHOSTR_CHARS = 128


@dataclass(frozen=True)
class PushQuery:
    """The query string WeChat puts on every push; only signature, timestamp and nonce are signed."""

    signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    encrypt_type: str = ""
    msg_signature: str = ""
    echostr: str = ""

    @classmethod
    def of(cls, params: Mapping[str, str]) -> PushQuery:
        return cls(**{name: params.get(name, "") for name in cls.__dataclass_fields__})

    @property
    def encrypted(self) -> bool:
        """Safe or compat mode: the body's Encrypt is authoritative."""
        return self.encrypt_type == "aes"


@dataclass(frozen=True)
class Account:
    """What the webhook of one WeChat account needs to authenticate its pushes."""

    token: str
    crypto: WeChatCrypto


def authenticate(account: Account, query: PushQuery, *, now: float) -> None:
    """Check `signature` and the 300 s timestamp window; raise WeChatAuthError before any body is read."""
    check_signature(account.token, query.signature, query.timestamp, query.nonce)
    check_timestamp(query.timestamp, now, TIMESTAMP_WINDOW_S)


def echo(account: Account, query: PushQuery, *, now: float) -> str:
    """URL verification: the echostr to return verbatim, once the signature checks out."""
    authenticate(account, query, now=now)
    if not query.echostr or len(query.echostr) > MAX_ECHOSTR_CHARS:
        raise WeChatAuthError("echostr is missing or too long")
    return query.echostr


def _parse(body: bytes) -> dict[str, object]:
    """XML or JSON by the first meaningful byte (the mini-program console offers both formats)."""
    return dict(parse_xml(body)) if body.lstrip()[:1] == b"<" else parse_json(body)


def decode(account: Account, query: PushQuery, body: bytes) -> InboundMessage:
    """The authenticated message of a push whose signature already checked out.

    In safe/compat mode `msg_signature` authenticates `Encrypt`, the AppID inside must be ours,
    and plaintext fields beside `Encrypt` are ignored. Raises WeChatAuthError or WeChatFormatError.
    """
    fields = _parse(body)
    if query.encrypted:
        if not query.msg_signature:
            raise WeChatAuthError("encrypt_type=aes without msg_signature")
        inner = account.crypto.decrypt(
            extract_encrypt(fields),
            msg_signature=query.msg_signature,
            timestamp=query.timestamp,
            nonce=query.nonce,
        )
        fields = _parse(inner)
    elif query.encrypt_type not in ("", "raw"):
        raise WeChatFormatError(f"unknown encrypt_type {query.encrypt_type[:20]!r}")
    return to_inbound(fields)


def passive_reply(account: Account, query: PushQuery, message: InboundMessage, text: str, *, now: int) -> str:
    """The passive text reply XML (To/From swapped), encrypted when the push was."""
    xml = render_text_reply_xml(
        to_user=message.from_user, from_user=message.to_user, content=text, create_time=now
    )
    if not query.encrypted:
        return xml
    timestamp = str(now)
    encrypt, signature = account.crypto.encrypt(xml.encode("utf-8"), nonce=query.nonce, timestamp=timestamp)
    return render_encrypted_xml(encrypt=encrypt, signature=signature, timestamp=timestamp, nonce=query.nonce)
