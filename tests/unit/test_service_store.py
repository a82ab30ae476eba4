"""The WeChat message store: one computation and at most one delivery per message, across threads."""

import sqlite3
import threading

from service.wechat.store import MessageStore


def test_a_retry_is_recognised(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    assert store.begin("app:1", channel="mp") is True
    assert store.begin("app:1", channel="mp") is False
    assert store.state("app:1") == "pending" and store.state("app:2") is None


def test_a_ready_answer_is_taken_passively_once(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    store.begin("k", channel="mp")
    assert store.take_passive("k") is None
    assert store.answer_ready("k", "答复") is True
    assert store.take_passive("k") == "答复"
    assert store.take_passive("k") is None and store.close_passive("k") is None
    assert store.state("k") == "delivered"


def test_a_closed_passive_window_hands_the_answer_to_the_sender(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    store.begin("k", channel="mp")
    assert store.close_passive("k") is None  # no answer yet: handed off
    assert store.answer_ready("k", "答复") is False  # so the worker must send it
    assert store.take_passive("k") is None
    store.sent("k", ok=True)
    assert store.state("k") == "delivered"


def test_an_answer_ready_at_the_deadline_is_still_replied_passively(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    store.begin("k", channel="mp")
    store.answer_ready("k", "答复")
    assert store.close_passive("k") == "答复"


def test_a_cancelled_waiter_hands_off_a_ready_answer(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    store.begin("k", channel="mp")
    store.answer_ready("k", "答复")
    assert store.hand_off("k") == "答复" and store.state("k") == "sending"
    assert store.hand_off("k") is None


def test_mini_program_sends_once_and_records_failure(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    store.begin("k", channel="mini")
    assert store.start_send("k", "答复") is True
    assert store.start_send("k", "答复") is False
    store.sent("k", ok=False)
    assert store.state("k") == "failed"


def test_racing_deliveries_start_one_computation(tmp_path):
    store = MessageStore(tmp_path / "state.sqlite")
    wins = []
    barrier = threading.Barrier(8)

    def deliver():
        barrier.wait()
        wins.append(store.begin("race", channel="mini"))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_tables_are_prefixed_and_the_file_is_in_wal_mode(tmp_path):
    path = tmp_path / "state.sqlite"
    MessageStore(path)
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables and all(name.startswith("wechat_") for name in tables)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
