"""Console accounts in <data_dir>/state.sqlite (table console_users), passwords hashed with scrypt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.errors import InputError
from core.statefile import StateFile

MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
# scrypt at n=2**14, r=8 (16 MiB, tens of milliseconds): OWASP's minimum for interactive logins.
_N, _R, _P = 2**14, 8, 1
_SCHEMA = """CREATE TABLE IF NOT EXISTS console_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    created_at REAL NOT NULL
)"""


class Role(StrEnum):
    ADMIN = "admin"  # everything, including exports
    REVIEWER = "reviewer"  # hit tests, the log and the feedback queue


@dataclass(frozen=True)
class User:
    name: str
    role: Role


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` (standard library scrypt, 16-byte random salt)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
            maxmem=64 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(given, base64.b64decode(digest))


def check_new_user(name: str, password: str) -> None:
    if not _NAME.fullmatch(name):
        raise InputError(f"用户名 {name!r} 无效：须为 2–64 个英文字母、数字或 _ . @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"密码太短：至少 {MIN_PASSWORD_CHARS} 个字符")


class UserStore:
    """Who may log in to the console; the file is created on first use, in WAL mode."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state = StateFile(path, (_SCHEMA,))
        # Compared against when the name is unknown, so a login takes as long either way.
        self._decoy = hash_password(secrets.token_hex(16))

    def add(self, name: str, password: str, role: Role) -> User:
        """Create the account, or replace its password and role when it exists."""
        check_new_user(name, password)
        with self._connect() as db:
            db.execute(
                "INSERT INTO console_users VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE"
                " SET role = excluded.role, password = excluded.password",
                (name, role.value, hash_password(password), time.time()),
            )
        return User(name, role)

    def get(self, name: str) -> User | None:
        with self._connect() as db:
            row = db.execute("SELECT role FROM console_users WHERE name = ?", (name,)).fetchone()
        return User(name, Role(row[0])) if row else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None."""
        with self._connect() as db:
            row = db.execute("SELECT role, password FROM console_users WHERE name = ?", (name,)).fetchone()
        if row is None:
            verify_password(password, self._decoy)
            return None
        return User(name, Role(row[0])) if verify_password(password, row[1]) else None

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._state.connect()
