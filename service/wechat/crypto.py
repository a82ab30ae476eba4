"""WeChat push signatures (protocol doc §2) and the safe-mode AES envelope (§3)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core.errors import ConfigError
from service.wechat.errors import WeChatAuthError

AES_KEY_LENGTH = 43
# WeChat pads to 32 bytes, not to the 16-byte AES block (§3.1).
_PAD_BLOCK = 32
_RANDOM_LENGTH = 16
_HEADER_LENGTH = _RANDOM_LENGTH + 4
_AES_KEY_RE = re.compile(r"[A-Za-z0-9+/]{43}")
_EMPTY_TOKEN = "the WeChat Token is empty; set it to the Token configured in the WeChat console"


def sha1_signature(*parts: str) -> str:
    """Lower-case hex SHA-1 of the parts sorted and joined (§2.1, §2.2)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(expected: str, given: str) -> bool:
    # compare_digest on str rejects non-ASCII input, and the given value is attacker-controlled.
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    """Raise WeChatAuthError unless `signature` signs token, timestamp and nonce."""
    if not token:
        raise ConfigError(_EMPTY_TOKEN)
    if not _same(sha1_signature(token, timestamp, nonce), signature):
        raise WeChatAuthError("signature does not match token, timestamp and nonce")


def check_timestamp(timestamp: str, now: float, window_s: int = 300) -> None:
    """Raise WeChatAuthError unless `timestamp` (Unix seconds) lies within `window_s` of `now`."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise WeChatAuthError(f"timestamp {timestamp[:20]!r} is not a number of seconds")
    if abs(now - int(timestamp)) > window_s:
        raise WeChatAuthError(f"timestamp {timestamp} is more than {window_s} s away from the server clock")


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Turn the 43-character EncodingAESKey into the 32-byte AES-256 key."""
    if not _AES_KEY_RE.fullmatch(encoding_aes_key):
        raise ConfigError(
            f"the WeChat EncodingAESKey must be exactly {AES_KEY_LENGTH} characters of A-Z a-z 0-9 + / "
            f"(got {len(encoding_aes_key)} characters); copy it again from the WeChat console"
        )
    return base64.b64decode(encoding_aes_key + "=")


def _pad(data: bytes) -> bytes:
    n = _PAD_BLOCK - len(data) % _PAD_BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    n = data[-1] if data else 0
    if not 1 <= n <= _PAD_BLOCK or n > len(data) or data[-n:] != bytes([n]) * n:
        raise WeChatAuthError("Encrypt has invalid padding; it was not made with our EncodingAESKey")
    return data[:-n]


class WeChatCrypto:
    """The safe-mode envelope of one WeChat account: verify, decrypt and encrypt push bodies."""

    def __init__(self, *, token: str, encoding_aes_key: str, appid: str) -> None:
        if not token:
            raise ConfigError(_EMPTY_TOKEN)
        if not appid:
            raise ConfigError("the WeChat AppID is empty; set it to the AppID of the account")
        self._token = token
        self._key = decode_aes_key(encoding_aes_key)
        self.appid = appid

    def __repr__(self) -> str:
        return f"WeChatCrypto(appid={self.appid!r})"

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def decrypt(self, encrypt_b64: str, *, msg_signature: str, timestamp: str, nonce: str) -> bytes:
        """Verify `msg_signature`, decrypt `Encrypt` and check the AppID; return the inner payload bytes."""
        if not _same(sha1_signature(self._token, timestamp, nonce, encrypt_b64), msg_signature):
            raise WeChatAuthError("msg_signature does not match token, timestamp, nonce and Encrypt")
        # Only the AppID inside the plaintext proves the body was made for us, so every failure up
        # to that check is an authentication failure rather than a format one.
        try:
            ciphertext = base64.b64decode(encrypt_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WeChatAuthError("Encrypt is not valid base64") from exc
        if not ciphertext or len(ciphertext) % 16:
            raise WeChatAuthError(
                f"Encrypt decodes to {len(ciphertext)} bytes, not a non-zero multiple of 16"
            )
        decryptor = self._cipher().decryptor()
        full = _unpad(decryptor.update(ciphertext) + decryptor.finalize())
        if len(full) < _HEADER_LENGTH:
            raise WeChatAuthError("decrypted Encrypt is shorter than its header")
        msg_len = int.from_bytes(full[_RANDOM_LENGTH:_HEADER_LENGTH], "big")
        msg_end = _HEADER_LENGTH + msg_len
        if msg_end > len(full):
            raise WeChatAuthError("decrypted Encrypt declares a message longer than itself")
        if not hmac.compare_digest(full[msg_end:], self.appid.encode("utf-8")):
            raise WeChatAuthError("Encrypt was made for another AppID")
        return full[_HEADER_LENGTH:msg_end]

    def encrypt(
        self, msg: bytes, *, nonce: str, timestamp: str, random16: bytes | None = None
    ) -> tuple[str, str]:
        """Encrypt a reply payload; return (Encrypt, MsgSignature) for the reply envelope (§3.5)."""
        prefix = os.urandom(_RANDOM_LENGTH) if random16 is None else random16
        if len(prefix) != _RANDOM_LENGTH:
            raise ValueError(f"random16 must be {_RANDOM_LENGTH} bytes, got {len(prefix)}")
        full = prefix + struct.pack(">I", len(msg)) + msg + self.appid.encode("utf-8")
        encryptor = self._cipher().encryptor()
        ciphertext = encryptor.update(_pad(full)) + encryptor.finalize()
        encrypt_b64 = base64.b64encode(ciphertext).decode("ascii")
        return encrypt_b64, sha1_signature(self._token, timestamp, nonce, encrypt_b64)
