"""Password hashes: Argon2id (argon2-cffi, RFC 9106 defaults); older scrypt hashes still verify once,
and the login that verifies one rehashes it."""

from __future__ import annotations

import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    """`$argon2id$v=19$m=…,t=…,p=…$salt$hash` with a fresh random salt."""
    return _HASHER.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    """`scrypt$n$r$p$salt$hash`, the format of accounts made before Argon2."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        given = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_SCRYPT_MAXMEM,
        )
    except ValueError:
        return False
    return hmac.compare_digest(given, expected)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a scrypt hash, or an Argon2 one made with weaker parameters than today's."""
    return stored.startswith("scrypt$") or _HASHER.check_needs_rehash(stored)
