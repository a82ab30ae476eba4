"""The WeChat outbox store: one computation and at most one delivery per message, across processes."""

import json
import sqlite3
import threading
from contextlib import closing

from service.wechat.store import KEEP_S, MAX_ANSWER_ATTEMPTS, WINDOW_S, MessageStore
from tests.state_support import writer_holding_the_file

MESSAGE = json.dumps({"from_user": "o1", "content": "问题"})


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def store_at(tmp_path, clock=None, lease_s=30.0):
    return MessageStore(tmp_path / "state.sqlite", clock=clock or Clock(), lease_s=lease_s)


def begin(store, key="k", owner="A", channel="mp"):
    return store.begin(key, channel=channel, message=MESSAGE, owner=owner)


def test_a_retry_is_recognised(tmp_path):
    store = store_at(tmp_path)
    assert begin(store, "app:1") is True
    assert begin(store, "app:1", owner="B") is False
    assert store.state("app:1") == "pending" and store.state("app:2") is None


def test_a_worker_starting_while_another_writes_waits_for_it(tmp_path):
    # Server workers start at once over one state file; the first to write must not fail the others.
    with writer_holding_the_file(tmp_path / "state.sqlite", hold_s=0.3):
        store = store_at(tmp_path)
    assert begin(store, "app:1") is True
    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_ready_answer_is_taken_passively_once(tmp_path):
    store = store_at(tmp_path)
    begin(store)
    assert store.take_passive("k") is None
    assert store.answer_ready("k", "答复", owner="A", waiter=True) == "answered"
    assert store.take_passive("k") == "答复"
    assert store.take_passive("k") is None and store.close_passive("k") is None
    assert store.state("k") == "delivered"


def test_a_closed_passive_window_hands_the_answer_to_the_sender(tmp_path):
    store = store_at(tmp_path)
    begin(store)
    assert store.close_passive("k") is None  # no answer yet: handed off
    assert store.answer_ready("k", "答复", owner="A", waiter=True) == "queued"  # so it must be sent
    assert store.claim_send("k", owner="A") == ("答复", MESSAGE)
    assert store.claim_send("k", owner="A") is None
    assert store.take_passive("k") is None
    assert store.sent("k", "delivered", owner="A") and store.state("k") == "delivered"


def test_a_queued_reply_not_yet_sent_goes_to_a_retry_passively_instead(tmp_path):
    store = store_at(tmp_path)
    begin(store)
    store.answer_ready("k", "答复", owner="A", waiter=False)
    assert store.take_passive("k") == "答复"
    assert store.claim_send("k", owner="A") is None  # never both


def test_a_cancelled_waiter_queues_a_ready_answer(tmp_path):
    store = store_at(tmp_path)
    begin(store)
    store.answer_ready("k", "答复", owner="A", waiter=True)
    assert store.release_passive("k") and store.state("k") == "queued"
    assert store.claim_send("k", owner="A") == ("答复", MESSAGE)


def test_an_answer_from_a_worker_that_lost_its_lease_is_dropped(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store)
    clock.now += 31
    assert store.take_over("k", owner="B") == MESSAGE
    assert store.answer_ready("k", "旧答复", owner="A", waiter=False) is None
    assert store.answer_ready("k", "新答复", owner="B", waiter=False) == "queued"
    assert store.claim_send("k", owner="A") is None  # B's lease is live
    assert store.claim_send("k", owner="B") == ("新答复", MESSAGE)


def test_a_live_lease_is_not_taken_over_and_renewing_keeps_it(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store)
    clock.now += 20
    assert store.take_over("k", owner="B") is None
    store.renew(["k"], owner="A")
    clock.now += 20
    assert store.take_over("k", owner="B") is None
    clock.now += 11
    assert store.take_over("k", owner="B") == MESSAGE


def test_a_send_cut_off_becomes_uncertain_never_a_second_send(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store, channel="mini")
    store.answer_ready("k", "答复", owner="A", waiter=False)
    store.claim_send("k", owner="A")
    clock.now += 31
    assert store.lapsed("mini") == []
    assert store.settle_lapsed("mini") == {"uncertain": 1, "failed": 0}
    assert store.state("k") == "uncertain"
    assert store.claim_send("k", owner="B") is None and store.take_over("k", owner="B") is None


def test_lapsed_rows_are_listed_for_answering_or_sending(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store, "computing", channel="mini")
    begin(store, "answered", channel="mini")
    store.answer_ready("answered", "答复", owner="A", waiter=False)
    clock.now += 31
    assert store.settle_lapsed("mini") == {"uncertain": 0, "failed": 0}
    assert sorted(store.lapsed("mini")) == [("answered", "queued"), ("computing", "pending")]
    assert store.lapsed("mp") == []


def test_a_message_that_keeps_killing_its_worker_is_given_up(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store)
    for attempt in range(2, MAX_ANSWER_ATTEMPTS + 1):
        clock.now += 31
        assert store.take_over("k", owner=f"W{attempt}") == MESSAGE
    clock.now += 31
    assert store.take_over("k", owner="last") is None
    assert store.settle_lapsed("mp")["failed"] == 1 and store.state("k") == "failed"


def test_nothing_is_answered_or_sent_after_the_48_hour_window(tmp_path):
    clock = Clock()
    store = store_at(tmp_path, clock)
    begin(store, "late")
    clock.now += WINDOW_S + 1
    assert store.take_over("late", owner="B") is None
    assert store.settle_lapsed("mp")["failed"] == 1
    clock.now += KEEP_S
    assert store.prune() == 1 and store.state("late") is None


def test_racing_deliveries_start_one_computation(tmp_path):
    store = store_at(tmp_path)
    wins = []
    barrier = threading.Barrier(8)

    def deliver(n):
        barrier.wait()
        wins.append(begin(store, "race", owner=f"W{n}", channel="mini"))

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
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


OLD_SCHEMA = """
CREATE TABLE wechat_messages (
    key TEXT PRIMARY KEY, channel TEXT NOT NULL, state TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '', via TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
"""


def test_an_old_file_is_migrated_and_its_rows_kept_and_settled(tmp_path):
    path = tmp_path / "state.sqlite"
    now = Clock()()
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        rows = [("old:done", "delivered"), ("old:pending", "pending"), ("old:sending", "sending")]
        db.executemany(
            "INSERT INTO wechat_messages (key, channel, state, created_at, updated_at) VALUES (?, 'mp', ?, ?, ?)",
            [(key, state, now, now) for key, state in rows],
        )
    store = MessageStore(path, clock=Clock())
    assert store.state("old:done") == "delivered"
    assert begin(store, "old:done") is False  # still deduped after the upgrade
    assert store.take_over("old:pending", owner="B") is None  # no stored question: cannot answer again
    assert store.settle_lapsed("mp") == {"uncertain": 1, "failed": 1}
    assert [store.state(k) for k, _ in rows] == ["delivered", "failed", "uncertain"]
    MessageStore(path)  # migrating twice is harmless
