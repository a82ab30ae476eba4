"""Parsing WeChat push bodies, rendering replies and UTF-8 budgeting."""

import json
import random

import pytest

from service.wechat.errors import WeChatFormatError
from service.wechat.messages import (
    MAX_BODY_BYTES,
    InboundMessage,
    extract_encrypt,
    parse_json,
    parse_xml,
    render_encrypted_xml,
    render_text_reply_xml,
    split_utf8,
    to_inbound,
    truncate_utf8,
)

MP_TEXT_XML = """<xml>
<ToUserName><![CDATA[gh_680bdefc8c5d]]></ToUserName>
<FromUserName><![CDATA[oIDrpjqASyTPnxRmpS9O_ruZGsfk]]></FromUserName>
<CreateTime>1359028446</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[你好，专利资助怎么申请？]]></Content>
<MsgId>5836982729904121631</MsgId>
</xml>""".encode()


def test_parse_xml_text_message():
    fields = parse_xml(MP_TEXT_XML)
    assert fields["Content"] == "你好，专利资助怎么申请？"
    assert to_inbound(fields) == InboundMessage(
        to_user="gh_680bdefc8c5d",
        from_user="oIDrpjqASyTPnxRmpS9O_ruZGsfk",
        create_time=1359028446,
        msg_type="text",
        content="你好，专利资助怎么申请？",
        msg_id="5836982729904121631",
        event="",
    )
    assert to_inbound(fields).dedupe_key == "5836982729904121631"


def test_parse_json_text_message_keeps_64_bit_msg_id_exact():
    body = (
        b'{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,'
        b'"MsgType":"text","Content":"this is a test","MsgId":6054768590064713728}'
    )
    message = to_inbound(parse_json(body))
    assert (message.msg_type, message.content, message.create_time) == ("text", "this is a test", 1482048670)
    assert message.dedupe_key == message.msg_id == "6054768590064713728"


def test_string_msg_id_is_kept_as_text():
    body = {
        "ToUserName": "t",
        "FromUserName": "f",
        "CreateTime": "1555684067",
        "MsgType": "text",
        "MsgId": "49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067",
    }
    assert to_inbound(body).dedupe_key == "49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067"


@pytest.mark.parametrize(
    "body",
    [
        b'{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"event",'
        b'"Event":"user_enter_tempsession","SessionFrom":"sessionFrom"}',
        b"<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
        b"<CreateTime>1482048670</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        b"<Event><![CDATA[user_enter_tempsession]]></Event></xml>",
    ],
)
def test_event_dedupe_key_is_sender_time_and_event(body):
    fields = parse_json(body) if body.startswith(b"{") else parse_xml(body)
    message = to_inbound(fields)
    assert (message.msg_id, message.event) == ("", "user_enter_tempsession")
    assert message.dedupe_key == "fromUser:1482048670:user_enter_tempsession"


@pytest.mark.parametrize("missing", ["ToUserName", "FromUserName", "CreateTime", "MsgType"])
def test_missing_required_field_is_a_format_error(missing):
    fields = parse_xml(MP_TEXT_XML)
    del fields[missing]
    with pytest.raises(WeChatFormatError, match=missing):
        to_inbound(fields)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CreateTime", "yesterday"),
        ("CreateTime", ""),
        ("CreateTime", "9" * 5000),
        ("Content", {"a": 1}),
        ("MsgId", True),
    ],
)
def test_badly_typed_field_is_a_format_error(name, value):
    fields: dict[str, object] = {"ToUserName": "t", "FromUserName": "f", "CreateTime": 1, "MsgType": "text"}
    fields[name] = value
    with pytest.raises(WeChatFormatError):
        to_inbound(fields)


@pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b'"success"', b"\xff\xfe{}", b"{} trailing"])
def test_bad_json_is_a_format_error(body):
    with pytest.raises(WeChatFormatError):
        parse_json(body)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><Content>&lol3;</Content></xml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>&xxe;</ToUserName></xml>"""
BARE_DOCTYPE = b'<!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml><A>1</A></xml>'


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, BARE_DOCTYPE], ids=["entity-bomb", "xxe", "doctype"])
def test_doctype_and_entities_are_refused(body):
    with pytest.raises(WeChatFormatError, match="refused"):
        parse_xml(body)


@pytest.mark.parametrize(
    "body", [b"", b"<xml>", b"<xml><A>1</B></xml>", b"not xml", b"<root><A>1</A></root>"]
)
def test_malformed_xml_is_a_format_error(body):
    with pytest.raises(WeChatFormatError):
        parse_xml(body)


def test_oversized_body_is_refused():
    body = b"<xml><Content>" + b"x" * MAX_BODY_BYTES + b"</Content></xml>"
    with pytest.raises(WeChatFormatError, match="bytes"):
        parse_xml(body)
    with pytest.raises(WeChatFormatError, match="bytes"):
        parse_json(json.dumps({"Content": "x" * MAX_BODY_BYTES}).encode())


@pytest.mark.parametrize(
    "content", ["a]]>b", "]]>", "]]]]>", "<![CDATA[x]]>", "代码 x[y[0]]>1 结束", "line1\nline2 & <tag>"]
)
def test_cdata_end_marker_round_trips(content):
    xml = render_text_reply_xml(
        to_user="o_user]]>", from_user="gh_bot", content=content, create_time=1700000000
    )
    fields = parse_xml(xml.encode("utf-8"))
    assert fields == {
        "ToUserName": "o_user]]>",
        "FromUserName": "gh_bot",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": content,
    }


def test_characters_invalid_in_xml_are_dropped_from_replies():
    xml = render_text_reply_xml(to_user="u", from_user="g", content="a\x00b\x1bc\td", create_time=1)
    assert parse_xml(xml.encode())["Content"] == "abc\td"


def test_extract_encrypt_from_xml_and_json():
    xml = render_encrypted_xml(encrypt="QUJD", signature="sig", timestamp="1", nonce="n")
    assert extract_encrypt(parse_xml(xml.encode())) == "QUJD"
    assert extract_encrypt(parse_json(b'{"ToUserName":"gh_97417a04a28d","Encrypt":"QUJD"}')) == "QUJD"


@pytest.mark.parametrize("fields", [{}, {"Encrypt": ""}, {"Encrypt": 5}])
def test_missing_encrypt_is_a_format_error(fields):
    with pytest.raises(WeChatFormatError, match="Encrypt"):
        extract_encrypt(fields)


POLICY_TEXT = (
    "第一条 为加强本市知识产权保护，促进创新发展，根据有关法律、行政法规，结合本市实际，制定本条例。\n"
    "第二条 本条例适用于本市行政区域内的知识产权保护及其相关活动！专利、商标、著作权均在此列？是的；"
    "🙂 emoji 与 English words mixed in, to test breaks. "
)


def assert_split(text: str, limit: int) -> list[str]:
    pieces = split_utf8(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(piece.encode("utf-8")) <= limit for piece in pieces)
    return pieces


def test_split_long_chinese_text_within_2048_bytes():
    text = POLICY_TEXT * 60
    pieces = assert_split(text, 2048)
    assert len(pieces) > 1
    assert all(piece.endswith("\n") for piece in pieces[:-1])


def test_split_prefers_sentence_ends_without_line_breaks():
    text = "知识产权保护条例规定了相关责任。" * 200
    pieces = assert_split(text, 2048)
    assert all(piece.endswith("。") for piece in pieces)


def test_split_hard_cuts_text_without_breaks_on_code_points():
    assert_split("专" * 5000, 2048)
    assert assert_split("🙂" * 10, 6) == ["🙂"] * 10


def test_split_random_text_at_many_limits():
    alphabet = "知识产权ab 。\n，🙂é"
    rng = random.Random(0)
    for limit in (4, 5, 7, 16, 33, 100, 2048):
        assert_split("".join(rng.choice(alphabet) for _ in range(3000)), limit)


def test_split_short_and_empty_text():
    assert split_utf8("你好") == ["你好"]
    assert split_utf8("") == []
    with pytest.raises(ValueError, match="at least 4"):
        split_utf8("abc", 3)


def test_truncate_utf8_cuts_between_code_points():
    assert truncate_utf8("你好", 5) == "你"
    assert truncate_utf8("你好", 6) == "你好"
    assert truncate_utf8("a🙂", 4) == "a"
    assert truncate_utf8("abc", 0) == ""
