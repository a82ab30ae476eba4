"""Known-answer vectors and failure cases for WeChat signatures and the safe-mode envelope."""

import base64

import pytest

from core.errors import ConfigError
from service.wechat.crypto import WeChatCrypto, check_signature, check_timestamp, sha1_signature
from service.wechat.errors import WeChatAuthError
from service.wechat.messages import render_encrypted_json, render_encrypted_xml

# §3.4 A: official mini-program doc, JSON, safe mode.
A_TOKEN, A_KEY, A_APPID = "AAAAA", "A" * 43, "wxba5fad812f8e6fb9"
A_TIMESTAMP, A_NONCE = "1714112445", "415670741"
A_MSG_SIGNATURE = "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
A_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6Js"
    "XUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8Eaj"
    "AsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
)
A_PLAINTEXT = (
    b'{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,'
    b'"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}'
)
A_REPLY_ENCRYPT = "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
A_REPLY_SIGNATURE = "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"

# §3.4 B: Tencent WXBizMsgCrypt sample, XML.
B_TOKEN, B_KEY, B_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
B_TIMESTAMP, B_NONCE = "1409735669", "1320562132"
B_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9"
    "FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3y"
    "t+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v"
    "6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
B_PLAINTEXT = (
    b"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    b"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    b"<CreateTime>1409735668</CreateTime>\n"
    b"<MsgType><![CDATA[text]]></MsgType>\n"
    b"<Content><![CDATA[abcdteT]]></Content>\n"
    b"<MsgId>6054768590064713728</MsgId>\n"
    b"</xml>"
)

# §3.4 C: wechatpy tests/test_crypto.py (WeCom variant; the receive id is the CorpID).
C_TOKEN, C_KEY, C_ID = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a"
C_ECHO_ENCRYPT = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
C_DECRYPT_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymz"
    "xh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIi"
    "OAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvc"
    "cTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
C_REPLY = b"""<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
C_REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtOb"
    "vesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8"
    "NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O"
    "5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)


def crypto_a(appid: str = A_APPID) -> WeChatCrypto:
    return WeChatCrypto(token=A_TOKEN, encoding_aes_key=A_KEY, appid=appid)


def decrypt_a(encrypt: str, *, appid: str = A_APPID) -> bytes:
    """Decrypt under vector A's keys with a msg_signature that is valid for `encrypt`."""
    signature = sha1_signature(A_TOKEN, A_TIMESTAMP, A_NONCE, encrypt)
    return crypto_a(appid).decrypt(encrypt, msg_signature=signature, timestamp=A_TIMESTAMP, nonce=A_NONCE)


@pytest.mark.parametrize(
    ("token", "timestamp", "nonce", "expected"),
    [
        ("AAAAA", "1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        ("AAAAA", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
        ("AAAAA", "1714112445", "415670741", "6c5c811b55cc85e0e1b54100749188c20beb3f5d"),
        ("test", "1410685589", "test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"),
        ("spamtest", "1409735669", "1320562132", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"),
    ],
)
def test_token_signature_vectors(token, timestamp, nonce, expected):
    assert sha1_signature(token, timestamp, nonce) == expected
    check_signature(token, expected, timestamp, nonce)


def test_msg_signature_vectors():
    assert sha1_signature(A_TOKEN, A_TIMESTAMP, A_NONCE, A_ENCRYPT) == A_MSG_SIGNATURE
    assert (
        sha1_signature(B_TOKEN, B_TIMESTAMP, B_NONCE, B_ENCRYPT) == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )


@pytest.mark.parametrize("signature", ["f464b24fc39322e44b38aa78f5edd27bd1441697", "", "签名"])
def test_bad_token_signature_is_refused(signature):
    with pytest.raises(WeChatAuthError):
        check_signature("AAAAA", signature, "1714036504", "1514711492")


def test_empty_token_is_a_config_error():
    with pytest.raises(ConfigError, match="Token"):
        check_signature("", sha1_signature("", "1", "2"), "1", "2")


def test_timestamp_window():
    check_timestamp("1714112445", now=1714112445 + 300)
    check_timestamp("1714112445", now=1714112445 - 299.5)
    for now in (1714112445 + 301, 1714112445 - 301):
        with pytest.raises(WeChatAuthError, match="300 s"):
            check_timestamp("1714112445", now=now)
    with pytest.raises(WeChatAuthError):
        check_timestamp("1714112445", now=1714112445 + 61, window_s=60)


@pytest.mark.parametrize("timestamp", ["", "-5", "1e9", "１７１４", "abc", "9" * 5000])
def test_timestamp_that_is_not_a_number_is_refused(timestamp):
    with pytest.raises(WeChatAuthError):
        check_timestamp(timestamp, now=0)


def test_vector_a_official_mini_program_json_decrypts():
    plaintext = crypto_a().decrypt(
        A_ENCRYPT, msg_signature=A_MSG_SIGNATURE, timestamp=A_TIMESTAMP, nonce=A_NONCE
    )
    assert plaintext == A_PLAINTEXT


def test_vector_a_encrypted_reply_is_reproduced_exactly():
    encrypt, signature = crypto_a().encrypt(
        b'{"demo_resp":"good luck"}', nonce="415670741", timestamp="1713424427", random16=b"707722b803182950"
    )
    assert (encrypt, signature) == (A_REPLY_ENCRYPT, A_REPLY_SIGNATURE)
    assert render_encrypted_json(
        encrypt=encrypt, signature=signature, timestamp="1713424427", nonce="415670741"
    ) == (
        f'{{"Encrypt":"{A_REPLY_ENCRYPT}","MsgSignature":"{A_REPLY_SIGNATURE}",'
        '"TimeStamp":1713424427,"Nonce":"415670741"}'
    )


def test_vector_b_tencent_sample_xml_decrypts():
    crypto = WeChatCrypto(token=B_TOKEN, encoding_aes_key=B_KEY, appid=B_APPID)
    signature = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    assert (
        crypto.decrypt(B_ENCRYPT, msg_signature=signature, timestamp=B_TIMESTAMP, nonce=B_NONCE)
        == B_PLAINTEXT
    )


def test_vector_c_wechatpy_echostr_and_message_decrypt():
    crypto = WeChatCrypto(token=C_TOKEN, encoding_aes_key=C_KEY, appid=C_ID)
    echo = crypto.decrypt(
        C_ECHO_ENCRYPT,
        msg_signature="dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
        timestamp="1411443780",
        nonce="437374425",
    )
    assert echo == b"5927782489442352469"
    message = crypto.decrypt(
        C_DECRYPT_ENCRYPT,
        msg_signature="74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
        timestamp="1411525903",
        nonce="461056294",
    )
    assert b"<Content><![CDATA[test]]></Content>" in message
    assert b"<FromUserName><![CDATA[messense]]></FromUserName>" in message


def test_vector_c_wechatpy_encrypted_reply_is_reproduced_exactly():
    crypto = WeChatCrypto(token=C_TOKEN, encoding_aes_key=C_KEY, appid=C_ID)
    encrypt, signature = crypto.encrypt(
        C_REPLY, nonce="461056294", timestamp="1411525903", random16=b"1234567890123456"
    )
    assert (encrypt, signature) == (C_REPLY_ENCRYPT, "407518b7649e86ef23978113f92d27afa9296533")
    assert render_encrypted_xml(
        encrypt=encrypt, signature=signature, timestamp="1411525903", nonce="461056294"
    ) == (
        f"<xml>\n<Encrypt><![CDATA[{C_REPLY_ENCRYPT}]]></Encrypt>\n"
        "<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>\n"
        "<TimeStamp>1411525903</TimeStamp>\n"
        "<Nonce><![CDATA[461056294]]></Nonce>\n</xml>"
    )


@pytest.mark.parametrize("msg", [b"", "知识产权政策问答 ]]> \x00".encode(), b"x" * 32, b"y" * 5000])
def test_round_trip(msg):
    crypto = crypto_a()
    encrypt, signature = crypto.encrypt(msg, nonce="n1", timestamp="1700000000")
    assert crypto.decrypt(encrypt, msg_signature=signature, timestamp="1700000000", nonce="n1") == msg


def test_random_prefix_changes_the_ciphertext():
    first, _ = crypto_a().encrypt(b"same", nonce="n", timestamp="1")
    second, _ = crypto_a().encrypt(b"same", nonce="n", timestamp="1")
    assert first != second


def test_wrong_appid_is_refused():
    with pytest.raises(WeChatAuthError, match="AppID"):
        decrypt_a(A_ENCRYPT, appid="wx0000000000000000")


def flip_byte(encrypt: str, position: int) -> str:
    ciphertext = bytearray(base64.b64decode(encrypt))
    ciphertext[position] ^= 0x01
    return base64.b64encode(bytes(ciphertext)).decode()


@pytest.mark.parametrize("position", [0, 100, 223])
def test_tampered_ciphertext_fails_msg_signature(position):
    with pytest.raises(WeChatAuthError, match="msg_signature"):
        crypto_a().decrypt(
            flip_byte(A_ENCRYPT, position),
            msg_signature=A_MSG_SIGNATURE,
            timestamp=A_TIMESTAMP,
            nonce=A_NONCE,
        )


# CBC has no integrity of its own: msg_signature protects the body. Even a forger who knows the
# Token cannot touch the length header (blocks 0-1) or the AppID and padding (last blocks) unnoticed.
@pytest.mark.parametrize("position", [0, 17, 19, 190, 207, 223])
def test_resigned_tampering_of_the_envelope_is_refused(position):
    with pytest.raises(WeChatAuthError):
        decrypt_a(flip_byte(A_ENCRYPT, position))


@pytest.mark.parametrize(
    "encrypt",
    ["", "not base64!", "@@@@", A_ENCRYPT[:-4], base64.b64encode(b"x" * 15).decode(), "QUFB\nQUFB"],
)
def test_bad_base64_or_length_is_refused(encrypt):
    with pytest.raises(WeChatAuthError):
        decrypt_a(encrypt)


@pytest.mark.parametrize(
    "signature", [A_MSG_SIGNATURE[:-1] + "0", "6c5c811b55cc85e0e1b54100749188c20beb3f5d", "", "签名"]
)
def test_wrong_msg_signature_is_refused(signature):
    with pytest.raises(WeChatAuthError, match="msg_signature"):
        crypto_a().decrypt(A_ENCRYPT, msg_signature=signature, timestamp=A_TIMESTAMP, nonce=A_NONCE)


@pytest.mark.parametrize("key", ["", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "-", "中" * 43])
def test_malformed_aes_key_is_a_config_error(key):
    with pytest.raises(ConfigError, match="43 characters"):
        WeChatCrypto(token=A_TOKEN, encoding_aes_key=key, appid=A_APPID)


@pytest.mark.parametrize(("token", "appid"), [("", A_APPID), (A_TOKEN, "")])
def test_empty_token_or_appid_is_a_config_error(token, appid):
    with pytest.raises(ConfigError):
        WeChatCrypto(token=token, encoding_aes_key=A_KEY, appid=appid)


def test_repr_hides_the_secrets():
    assert repr(crypto_a()) == f"WeChatCrypto(appid={A_APPID!r})"


def test_random_prefix_must_be_16_bytes():
    with pytest.raises(ValueError, match="16 bytes"):
        crypto_a().encrypt(b"x", nonce="n", timestamp="1", random16=b"short")
