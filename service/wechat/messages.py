"""WeChat push bodies in and replies out (protocol doc §3.5, §4, §5.2), plus UTF-8 length budgeting."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

from service.wechat.errors import WeChatFormatError

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_BYTES = 2048
# XML 1.0 forbids these even inside CDATA, so WeChat would reject a reply that carries them.
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Break preferences for split_utf8, best first: line ends, sentence ends, clause ends and spaces.
_BREAK_CLASSES = ("\n", "。！？!?；;", "，、,： ")


@dataclass(frozen=True)
class InboundMessage:
    """One user message or event pushed by WeChat, normalised from XML or JSON."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages, `FromUserName:CreateTime:Event` for events (§5.1)."""
        return self.msg_id or f"{self.from_user}:{self.create_time}:{self.event}"


def _check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise WeChatFormatError(f"body is {len(body)} bytes, more than the {MAX_BODY_BYTES} allowed")


def parse_xml(body: bytes) -> dict[str, str]:
    """Parse a WeChat XML body into {tag: text} of the children of <xml>; DTDs and entities are refused."""
    _check_size(body)
    try:
        root = defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise WeChatFormatError(f"XML body refused: {type(exc).__name__}") from exc
    except ParseError as exc:
        raise WeChatFormatError(f"XML body is malformed: {exc}") from exc
    if root.tag != "xml":
        raise WeChatFormatError(f"XML root is <{root.tag}>, expected <xml>")
    return {child.tag: child.text or "" for child in root}


def parse_json(body: bytes) -> dict[str, Any]:
    """Parse a WeChat JSON body, which must be an object."""
    _check_size(body)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WeChatFormatError(f"JSON body is malformed: {exc}") from exc
    if not isinstance(data, dict):
        raise WeChatFormatError(f"JSON body is a {type(data).__name__}, expected an object")
    return data


def _field(fields: Mapping[str, object], name: str, *, required: bool = False) -> str:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise WeChatFormatError(f"push body lacks the required field {name}")
        return ""
    if isinstance(value, str):
        return value
    # JSON pushes carry MsgId and CreateTime as numbers; bool is an int subclass but never valid here.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise WeChatFormatError(f"field {name} is a {type(value).__name__}, expected text or a number")


def to_inbound(fields: Mapping[str, object]) -> InboundMessage:
    """Normalise parsed push fields (from parse_xml or parse_json) into an InboundMessage."""
    create_time = _field(fields, "CreateTime", required=True).strip()
    if not (create_time.isascii() and create_time.isdigit() and len(create_time) <= 12):
        raise WeChatFormatError(f"CreateTime {create_time[:20]!r} is not a number of seconds")
    return InboundMessage(
        to_user=_field(fields, "ToUserName", required=True),
        from_user=_field(fields, "FromUserName", required=True),
        create_time=int(create_time),
        msg_type=_field(fields, "MsgType", required=True),
        content=_field(fields, "Content"),
        msg_id=_field(fields, "MsgId"),
        event=_field(fields, "Event"),
    )


def extract_encrypt(fields: Mapping[str, object]) -> str:
    """Return the `Encrypt` field of a safe- or compat-mode body."""
    value = fields.get("Encrypt")
    if not isinstance(value, str) or not value:
        raise WeChatFormatError("push body has no Encrypt field; is the console set to safe mode?")
    return value


def _cdata(text: str) -> str:
    # A literal "]]>" would end the section early, so it is split across two sections.
    clean = _XML_INVALID_RE.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{clean}]]>"


def render_text_reply_xml(*, to_user: str, from_user: str, content: str, create_time: int) -> str:
    """Render a passive text reply; pass to_user = inbound FromUserName, from_user = inbound ToUserName."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def render_encrypted_xml(*, encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """Render the XML envelope of an encrypted reply (§3.5)."""
    return (
        f"<xml>\n<Encrypt>{_cdata(encrypt)}</Encrypt>\n"
        f"<MsgSignature>{_cdata(signature)}</MsgSignature>\n"
        f"<TimeStamp>{int(timestamp)}</TimeStamp>\n"
        f"<Nonce>{_cdata(nonce)}</Nonce>\n</xml>"
    )


def render_encrypted_json(*, encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """Render the JSON envelope of an encrypted reply: TimeStamp a number, Nonce a string (§3.4 A)."""
    envelope = {"Encrypt": encrypt, "MsgSignature": signature, "TimeStamp": int(timestamp), "Nonce": nonce}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def truncate_utf8(text: str, limit: int) -> str:
    """Return the longest prefix of `text` that fits in `limit` UTF-8 bytes, cut between code points."""
    # Decoding with "ignore" only drops the partial code point the byte cut may leave at the end.
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", "ignore")


def _break_at(window: str) -> int:
    """Where to end a piece that must fit in `window`: after a natural break in its second half."""
    floor = len(window) // 2
    for breaks in _BREAK_CLASSES:
        cut = max(window.rfind(char) for char in breaks) + 1
        if cut > floor:
            return cut
    return len(window)


def split_utf8(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Split `text` into pieces of at most `limit` UTF-8 bytes whose concatenation is `text`."""
    if limit < 4:
        raise ValueError(f"limit must be at least 4 bytes (one code point), got {limit}")
    pieces: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > limit:
        cut = _break_at(truncate_utf8(rest, limit))
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces
