"""The console's signed session cookie and the CSRF token derived from it (HMAC-SHA256, no server state)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "ipbot_console"
SESSION_S = 8 * 3600


@dataclass(frozen=True)
class Session:
    """A browser's console session: anonymous (login page) or a user's; `nonce` keys its CSRF token."""

    user: str
    nonce: str
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs sessions with a key derived from ADMIN_TOKEN (rotating the token logs everyone out)."""

    def __init__(self, admin_token: str) -> None:
        self._key = hmac.new(admin_token.encode("utf-8"), b"ipbot-console-session", hashlib.sha256).digest()

    def _mac(self, message: bytes) -> str:
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def new(self, user: str = "", *, now: float | None = None) -> Session:
        return Session(user, secrets.token_urlsafe(16), (now or time.time()) + SESSION_S)

    def dump(self, session: Session) -> str:
        payload = _b64(json.dumps([session.user, session.nonce, session.expires]).encode("utf-8"))
        return f"{payload}.{self._mac(payload.encode('ascii'))}"

    def load(self, cookie: str | None, *, now: float | None = None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(payload.encode("ascii", "replace"))):
            return None
        try:
            user, nonce, expires = json.loads(_unb64(payload))
        except ValueError:
            return None
        if expires < (now or time.time()):
            return None
        return Session(str(user), str(nonce), float(expires))

    def csrf(self, session: Session) -> str:
        """The token every form and htmx request of this session carries."""
        return self._mac(b"csrf:" + session.nonce.encode("ascii"))

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token or "", self.csrf(session))
