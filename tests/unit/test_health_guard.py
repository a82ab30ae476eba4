"""The vector store's guard: a deadline on every call, fail-fast while down, one trial per retry period."""

import logging
import threading

import pytest

from core.errors import ConfigError
from vectorstore.guard import Guard, StoreState, StoreUnavailableError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> Guard:
    return Guard(name="store", timeout_s=0.2, retry_s=2.0, clock=clock)


def broken() -> int:
    raise ConnectionError("refused")


def test_a_call_returns_its_value(guard: Guard) -> None:
    assert guard.call("count", lambda: 3) == 3
    assert guard.state.up


def test_a_hung_call_ends_at_the_deadline(guard: Guard) -> None:
    release = threading.Event()
    with pytest.raises(StoreUnavailableError, match=r"0\.2 秒"):
        guard.call("query", lambda: release.wait(30))
    release.set()
    assert not guard.state.up


def test_while_down_calls_fail_at_once_until_a_trial_is_due(guard: Guard, clock: Clock) -> None:
    with pytest.raises(StoreUnavailableError):
        guard.call("query", broken)
    calls: list[int] = []

    def counted() -> int:
        calls.append(1)
        return 7

    with pytest.raises(StoreUnavailableError, match="refused"):
        guard.call("query", counted)
    assert calls == []  # refused without calling
    clock.now += 2.5
    assert guard.call("query", counted) == 7
    assert calls == [1] and guard.state.up


def test_one_log_line_and_one_notice_per_state_change(
    guard: Guard, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[StoreState] = []
    guard.watch(seen.append)
    with caplog.at_level(logging.WARNING, logger="vectorstore.guard"):
        for _ in range(5):
            with pytest.raises(StoreUnavailableError):
                guard.call("query", broken)
            clock.now += 3
        for _ in range(3):
            guard.call("query", lambda: 1)
    assert [s.up for s in seen] == [False, True]
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "store unavailable",
        "store available again after 15.0 s",
    ]
    assert all(r.exc_info is None for r in caplog.records)


def test_configuration_errors_pass_through_and_do_not_trip(guard: Guard) -> None:
    def misconfigured() -> int:
        raise ConfigError("IPBOT_COLLECTION")

    with pytest.raises(ConfigError):
        guard.call("open", misconfigured)
    assert guard.state.up


def test_calls_reuse_an_idle_worker_and_never_wait_behind_a_hung_one(guard: Guard, clock: Clock) -> None:
    threads = {guard.call("get", threading.get_ident) for _ in range(20)}
    assert len(threads) == 1  # one worker, reused: no thread started per call
    release = threading.Event()
    with pytest.raises(StoreUnavailableError):
        guard.call("get", release.wait, timeout_s=0.2)  # the worker hangs in this call
    clock.now += 2.0  # the next trial is due
    other = guard.call("get", threading.get_ident)
    assert other not in threads  # a fresh worker: the hung one is never handed a call
    release.set()
