"""Console accounts in <data_dir>/state.sqlite (table console_users), passwords hashed with Argon2id."""

from __future__ import annotations

import contextlib
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

from .passwords import hash_password, needs_rehash, verify_password

__all__ = ["MIN_PASSWORD_CHARS", "Role", "User", "UserStore", "check_new_user", "hash_password"]

MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
_SCHEMA = """CREATE TABLE IF NOT EXISTS console_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    created_at REAL NOT NULL
)"""


class Role(StrEnum):
    ADMIN = "admin"  # everything: documents, evaluations, users, exports
    REVIEWER = "reviewer"  # hit tests, the log and the feedback queue


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    disabled: bool = False
    created_at: float = 0.0


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise InputError(f"用户名 {name!r} 无效：须为 2–64 个英文字母、数字或 _ . @ -")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"密码太短：至少 {MIN_PASSWORD_CHARS} 个字符")


def check_new_user(name: str, password: str) -> None:
    check_name(name)
    check_password(password)


class UserStore:
    """Who may log in to the console; the file is created on first use, in WAL mode."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state = StateFile(path, (_SCHEMA,))
        self._migrated = False
        # Compared against when the name is unknown, so a login takes as long either way.
        self._decoy = hash_password(secrets.token_hex(16))

    def add(self, name: str, password: str, role: Role) -> User:
        """Create the account, or replace its password and role when it exists (and enable it)."""
        check_new_user(name, password)
        with self._connect() as db:
            db.execute(
                "INSERT INTO console_users (name, role, password, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE"
                " SET role = excluded.role, password = excluded.password, disabled = 0",
                (name, role.value, hash_password(password), time.time()),
            )
        return User(name, role)

    def create(self, name: str, password: str, role: Role) -> User:
        """A new account; an existing name is refused (the console's 添加用户 never overwrites)."""
        check_new_user(name, password)
        with self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO console_users (name, role, password, created_at) VALUES (?, ?, ?, ?)",
                    (name, role.value, hash_password(password), time.time()),
                )
            except sqlite3.IntegrityError:
                raise InputError(f"用户 {name} 已存在：请在列表中修改其角色或重置密码") from None
        return User(name, role)

    def get(self, name: str) -> User | None:
        """An enabled account (a disabled one logs out at its next request)."""
        user = self.find(name)
        return user if user is not None and not user.disabled else None

    def find(self, name: str) -> User | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT name, role, disabled, created_at FROM console_users WHERE name = ?", (name,)
            ).fetchone()
        return User(row[0], Role(row[1]), bool(row[2]), row[3]) if row else None

    def all(self) -> list[User]:
        with self._connect() as db:
            rows = db.execute("SELECT name, role, disabled, created_at FROM console_users ORDER BY name")
            return [User(r[0], Role(r[1]), bool(r[2]), r[3]) for r in rows]

    def set_role(self, name: str, role: Role) -> User:
        self._change(name, "role = ?", role.value, keeps_admin=role is not Role.ADMIN)
        return self._existing(name)

    def set_password(self, name: str, password: str) -> User:
        check_password(password)
        self._change(name, "password = ?", hash_password(password), keeps_admin=False)
        return self._existing(name)

    def set_disabled(self, name: str, disabled: bool) -> User:
        self._change(name, "disabled = ?", int(disabled), keeps_admin=disabled)
        return self._existing(name)

    def _existing(self, name: str) -> User:
        user = self.find(name)
        if user is None:
            raise LookupError(name)
        return user

    def _change(self, name: str, assignment: str, value: object, *, keeps_admin: bool) -> None:
        """One column of one account; refuses to leave the console without an enabled admin."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("SELECT 1 FROM console_users WHERE name = ?", (name,)).fetchone() is None:
                    raise InputError(f"没有用户 {name}")
                db.execute(f"UPDATE console_users SET {assignment} WHERE name = ?", (value, name))
                admins = db.execute(
                    "SELECT count(*) FROM console_users WHERE role = 'admin' AND disabled = 0"
                ).fetchone()[0]
                if keeps_admin and admins == 0:
                    raise InputError("不能停用或降级最后一个管理员：请先让另一个用户成为管理员")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def authenticate(self, name: str, password: str) -> User | None:
        """The enabled user when the password matches, else None; an old-format hash is replaced."""
        with self._connect() as db:
            row = db.execute(
                "SELECT role, password, disabled, created_at FROM console_users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            verify_password(password, self._decoy)
            return None
        if not verify_password(password, row[1]) or row[2]:
            return None
        if needs_rehash(row[1]):
            with self._connect() as db:
                db.execute(
                    "UPDATE console_users SET password = ? WHERE name = ? AND password = ?",
                    (hash_password(password), name, row[1]),
                )
        return User(name, Role(row[0]), False, row[3])

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        if not self._migrated:
            with self._state.connect() as db:
                columns = {r[1] for r in db.execute("PRAGMA table_info(console_users)")}
                if "disabled" not in columns:  # accounts made before users could be disabled
                    with contextlib.suppress(sqlite3.OperationalError):  # another process added it
                        db.execute("ALTER TABLE console_users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")
            self._migrated = True
        return self._state.connect()
