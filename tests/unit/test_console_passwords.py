"""Console passwords: Argon2id hashes, old scrypt hashes verified once and replaced, disabled accounts."""

import base64
import hashlib
import sqlite3

import pytest

from core.errors import InputError
from service.staff.passwords import hash_password, needs_rehash, verify_password
from service.staff.users import Role, UserStore

PASSWORD = "correct-horse-9"


def scrypt_hash(password, salt=b"0123456789abcdef"):
    """The format accounts were stored in before Argon2 (n=2**14, r=8, p=1)."""
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_argon2id_hashes_verify_and_differ_per_salt():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and stored != hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored) and not verify_password("wrong-password", stored)
    assert not needs_rehash(stored)
    assert not verify_password(PASSWORD, "garbage") and not verify_password(PASSWORD, "scrypt$bad")


def test_an_old_scrypt_account_logs_in_once_and_is_rehashed_with_argon2(tmp_path):
    users = UserStore(tmp_path / "state.sqlite")
    users.add("alice", PASSWORD, Role.ADMIN)
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        db.execute("UPDATE console_users SET password = ? WHERE name = 'alice'", (scrypt_hash(PASSWORD),))
    assert users.authenticate("alice", "wrong-password") is None
    assert users.authenticate("alice", PASSWORD) == users.get("alice")
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        stored = db.execute("SELECT password FROM console_users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("$argon2id$") and users.authenticate("alice", PASSWORD) is not None


def test_a_disabled_account_cannot_log_in_and_the_last_admin_stays(tmp_path):
    users = UserStore(tmp_path / "state.sqlite")
    users.add("alice", PASSWORD, Role.ADMIN)
    users.add("bob", PASSWORD, Role.REVIEWER)
    users.set_disabled("bob", True)
    assert users.authenticate("bob", PASSWORD) is None and users.get("bob") is None
    assert users.find("bob").disabled
    with pytest.raises(InputError, match="最后一个管理员"):
        users.set_disabled("alice", True)
    with pytest.raises(InputError, match="最后一个管理员"):
        users.set_role("alice", Role.REVIEWER)
    assert users.get("alice").role is Role.ADMIN
    users.add("bob", PASSWORD, Role.ADMIN)  # the CLI re-adding an account enables it again
    assert users.authenticate("bob", PASSWORD) is not None
    users.set_role("alice", Role.REVIEWER)
    assert [(u.name, u.role) for u in users.all()] == [("alice", Role.REVIEWER), ("bob", Role.ADMIN)]
