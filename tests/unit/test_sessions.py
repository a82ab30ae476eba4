"""The SQLite conversation store shared with other tables in state.sqlite."""

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.followup import Turn
from bot.sessions import SessionStore, check_session_id, new_session_id
from core.errors import InputError


def turn(n: int) -> Turn:
    return Turn(f"问题{n}", f"独立问题{n}", f"回答{n}")


def test_an_unknown_session_has_no_history(tmp_path: Path) -> None:
    assert SessionStore(tmp_path / "state.sqlite").history("nobody") == []


def test_turns_come_back_oldest_first_with_all_their_fields(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.sqlite")
    refused = Turn("那深圳呢？", "那深圳呢？", "不在收录范围内", refused=True, reason="outside_shanghai")

    store.append("s1", turn(1))
    store.append("s1", refused)

    assert store.history("s1") == [turn(1), refused]


def test_only_the_last_n_turns_are_kept(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.sqlite", turns=3)
    for n in range(1, 8):
        store.append("s1", turn(n))

    assert store.history("s1") == [turn(5), turn(6), turn(7)]
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM session_turns").fetchone() == (3,)


def test_sessions_are_kept_apart(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.sqlite")
    store.append("a", turn(1))
    store.append("b", turn(2))

    assert store.history("a") == [turn(1)] and store.history("b") == [turn(2)]


def test_a_new_store_on_the_same_file_sees_the_turns(tmp_path: Path) -> None:
    SessionStore(tmp_path / "state.sqlite").append("s1", turn(1))

    assert SessionStore(tmp_path / "state.sqlite").history("s1") == [turn(1)]


def test_the_file_is_in_wal_mode_and_other_tables_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.sqlite"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE wechat_seen (msg_id TEXT PRIMARY KEY)")
        db.execute("INSERT INTO wechat_seen VALUES ('m1')")
    db.close()

    SessionStore(path).append("s1", turn(1))

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"wechat_seen", "session_turns"}
        assert db.execute("SELECT msg_id FROM wechat_seen").fetchall() == [("m1",)]
    db.close()


def test_the_file_and_its_directory_are_created_on_first_use_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "state.sqlite"
    store = SessionStore(path)
    assert not path.parent.exists()

    store.history("s1")

    assert path.exists()


def test_concurrent_appends_from_threads_lose_nothing(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.sqlite", turns=50)

    def talk(session: str) -> None:
        for n in range(10):
            store.append(session, turn(n))

    threads = [threading.Thread(target=talk, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(store.history(f"s{i}") == [turn(n) for n in range(10)] for i in range(4))


@pytest.mark.parametrize("bad", ["", "has space", "问答", "x" * 129, "a/b"])
def test_a_bad_session_id_is_an_input_error(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InputError, match="会话 ID"):
        SessionStore(tmp_path / "state.sqlite").history(bad)


def test_good_session_ids() -> None:
    for good in ("oX1_abc-DEF", "wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "a.b@c", new_session_id()):
        assert check_session_id(good) == good


def test_idle_sessions_are_pruned_whole_and_active_ones_kept(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.sqlite")
    store.append("idle", turn(1))
    store.append("active", turn(2))
    with sqlite3.connect(tmp_path / "state.sqlite") as db:  # age the first turns by 31 days
        db.execute("UPDATE session_turns SET created_at = created_at - 31 * 86400")
    store.append("active", turn(3))

    assert store.prune(30 * 86400) == 1  # the idle session's turn; the active one is kept whole
    assert store.history("idle") == []
    assert store.history("active") == [turn(2), turn(3)]
    assert store.prune(30 * 86400) == 0
