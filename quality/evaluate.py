"""Question-set evaluation: retrieval hit@k/MRR, citation hit, fact recall, refusals, unsupported numbers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError
from core.figures import extract_figures, figure_in
from core.records import Answer, Citation, Hit
from core.text import normalize


@dataclass(frozen=True)
class Gold:
    doc: str
    span: str


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    answerable: bool
    gold: tuple[Gold, ...]
    all_spans: bool
    facts: tuple[str, ...]
    category: str = ""


def load_set(path: Path) -> list[Item]:
    """Read a question set (format: ../shared/eval/README.md); a bad line names its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: 无法读取题集（{exc}）") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                Item(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    answerable=bool(row.get("answerable", True)),
                    gold=tuple(Gold(str(g["doc"]), str(g["span"])) for g in row.get("gold", [])),
                    all_spans=row.get("gold_mode", "any") == "all",
                    facts=tuple(str(f) for f in row.get("facts", [])),
                    category=str(row.get("category", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: 不是有效的题目行（{exc}）") from exc
    if not items:
        raise InputError(f"{path}: 题集为空")
    return items


def _matches(gold: Gold, doc_id: str, text: str) -> bool:
    return doc_id.startswith(gold.doc) and normalize(gold.span) in normalize(text)


def _hit_text(hit: Hit) -> str:
    return hit.chunk.title + hit.chunk.clause + hit.chunk.text


def first_relevant(item: Item, hits: Sequence[Hit]) -> int | None:
    """1-based rank at which the gold is retrieved (for `all`, when the last span is covered)."""
    pending = set(item.gold)
    for rank, hit in enumerate(hits, start=1):
        found = {g for g in pending if _matches(g, hit.chunk.doc_id, _hit_text(hit))}
        if found and not item.all_spans:
            return rank
        pending -= found
        if not pending:
            return rank
    return None


def citation_hit(item: Item, citations: Sequence[Citation]) -> bool:
    texts = [(c.doc_id, c.title + c.clause + c.text) for c in citations]
    check = all if item.all_spans else any
    return check(any(_matches(g, d, t) for d, t in texts) for g in item.gold)


def unsupported_figures(answer: Answer) -> list[str]:
    """Figures the answer states that stand in none of its citations (title, 文号, clause, text)."""
    if answer.refused:
        return []
    support = "\n".join(f"{c.title}\n{c.doc_number}\n{c.clause}\n{c.text}" for c in answer.citations)
    return [f for f in extract_figures(answer.answer) if not figure_in(f, support)]


@dataclass
class Report:
    rows: list[dict[str, object]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def evaluate(
    items: Iterable[Item],
    *,
    search: Callable[[str], Sequence[Hit]],
    answer: Callable[[str], Answer],
) -> Report:
    """Run every question through search and answer; aggregate the metrics of eval/README.md."""
    report = Report()
    ranks: list[int | None] = []
    cited: list[bool] = []
    recalled: list[bool] = []
    refusals: list[bool] = []
    false_refusals = unsupported = 0
    for item in items:
        result = answer(item.question)
        bad = unsupported_figures(result)
        unsupported += bool(bad)
        row: dict[str, object] = {"id": item.id, "refused": result.refused, "unsupported": bad}
        if item.answerable:
            rank = first_relevant(item, search(item.question))
            ranks.append(rank)
            cited.append(not result.refused and citation_hit(item, result.citations))
            if item.facts:
                answer_text = normalize(result.answer)
                recalled.append(not result.refused and all(normalize(f) in answer_text for f in item.facts))
            false_refusals += result.refused
            row.update(rank=rank, citation_hit=cited[-1], facts_ok=recalled[-1] if item.facts else None)
        else:
            refusals.append(result.refused)
        report.rows.append(row)

    def share(values: Sequence[bool]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    report.metrics = {
        "hit@1": share([r is not None and r <= 1 for r in ranks]),
        "hit@3": share([r is not None and r <= 3 for r in ranks]),
        "hit@5": share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else 0.0,
        "citation_hit": share(cited),
        "fact_recall": share(recalled),
        "refusal_accuracy": share(refusals),
        "false_refusals": false_refusals,
        "unsupported_number_answers": unsupported,
        "answerable": len(ranks),
        "unanswerable": len(refusals),
    }
    return report
