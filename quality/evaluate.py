"""Question-set evaluation: retrieval hit@k/MRR, citation hit, fact recall, refusals, unsupported numbers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.errors import InputError
from core.figures import extract_figures, figure_in
from core.records import Answer, Citation, Hit
from core.text import normalize
from ingest.load import doc_id_for


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
    persona: str = ""


MAX_LINE_ERRORS = 20


def _item(line: str) -> Item:
    row = json.loads(line)
    if not isinstance(row, dict):
        raise ValueError("应为一个 JSON 对象")
    question = str(row["question"]).strip()
    if not question:
        raise ValueError("question 为空")
    gold = row.get("gold", [])
    if not isinstance(gold, list):
        raise ValueError("gold 应为列表")
    return Item(
        id=str(row["id"]),
        question=question,
        answerable=bool(row.get("answerable", True)),
        gold=tuple(Gold(str(g["doc"]), str(g["span"])) for g in gold),
        all_spans=row.get("gold_mode", "any") == "all",
        facts=tuple(str(f) for f in row.get("facts", [])),
        category=str(row.get("category", "")),
        persona=str(row.get("persona", "")),
    )


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"缺少字段 {exc.args[0]!r}"
    if isinstance(exc, json.JSONDecodeError):
        return f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）"
    return str(exc)


def parse_set(text: str, source: str) -> list[Item]:
    """The questions of a set's text (format: ../shared/eval/README.md); InputError names every bad line
    (up to MAX_LINE_ERRORS) and repeated ids."""
    items: list[Item] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _item(line)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            errors.append(f"第 {number} 行：{_why(exc)}")
            continue
        if item.id in seen:
            errors.append(f"第 {number} 行：id {item.id!r} 重复")
        seen.add(item.id)
        items.append(item)
    if errors:
        more = f"（另有 {len(errors) - MAX_LINE_ERRORS} 行有误）" if len(errors) > MAX_LINE_ERRORS else ""
        raise InputError(f"{source}: 题集有误：" + "；".join(errors[:MAX_LINE_ERRORS]) + more)
    if not items:
        raise InputError(f"{source}: 题集为空")
    return items


def load_set(path: Path) -> list[Item]:
    """Read a question set file; a bad line names its number."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: 无法读取题集（{exc}）") from exc
    return parse_set(text, str(path))


def _matches(gold: Gold, doc_id: str, text: str) -> bool:
    """The gold's document (named by its file's prefix or stem, as ingest names ids) and its span."""
    same_doc = doc_id.startswith(gold.doc) or doc_id.startswith(doc_id_for(Path(gold.doc)))
    return same_doc and normalize(gold.span) in normalize(text)


def _hit_text(hit: Hit) -> str:
    return hit.chunk.title + hit.chunk.clause + hit.chunk.text


def first_relevant(item: Item, hits: Sequence[Hit]) -> int | None:
    """1-based rank at which the gold is retrieved (for `all`, when the last span is covered)."""
    if not item.gold:
        return None
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


def _written_date(iso: str) -> str:
    """2021-12-29 → 2021年12月29日, the way the answer's figures are written."""
    parts = iso.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return iso
    return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"


def unsupported_figures(answer: Answer) -> list[str]:
    """Figures the answer states that stand in none of its citations (title, 文号, date, clause, text)."""
    if answer.refused:
        return []
    support = "\n".join(
        f"{c.title}\n{c.doc_number}\n{_written_date(c.date)}\n{c.clause}\n{c.text}" for c in answer.citations
    )
    return [f for f in extract_figures(answer.answer) if not figure_in(f, support)]


FIRST_CHARS = 80  # an answer should state its facts before this many characters


@dataclass(frozen=True)
class Row:
    """One question's outcome."""

    id: str
    persona: str
    answerable: bool
    refused: bool
    reason: str
    unsupported: tuple[str, ...]
    rank: int | None = None
    cited: bool = False
    facts_ok: bool | None = None
    facts_first: bool | None = None
    chars: int = 0
    graded: bool = True  # it names the clauses that should be found (its gold)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    personas: dict[str, dict[str, float]] = field(default_factory=dict)


def _share(values: Sequence[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def metrics_of(rows: Sequence[Row]) -> dict[str, float]:
    """The metrics of eval/README.md, plus false refusals, facts stated first and answer length."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    graded = [r for r in answerable if r.graded]  # a question with no expected clause has no rank
    ranks = [r.rank for r in graded]
    with_facts = [r for r in answerable if r.facts_ok is not None]
    lengths = sorted(r.chars for r in answerable if not r.refused)
    return {
        "hit@1": _share([r is not None and r <= 1 for r in ranks]),
        "hit@3": _share([r is not None and r <= 3 for r in ranks]),
        "hit@5": _share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else 0.0,
        "citation_hit": _share([r.cited for r in graded]),
        "fact_recall": _share([bool(r.facts_ok) for r in with_facts]),
        "facts_first_80": _share([bool(r.facts_first) for r in with_facts]),
        "false_refusal_rate": _share([r.refused for r in answerable]),
        "false_refusals": sum(r.refused for r in answerable),
        "refusal_accuracy": _share([r.refused for r in unanswerable]),
        "unsupported_number_answers": sum(bool(r.unsupported) for r in rows),
        "median_answer_chars": lengths[len(lengths) // 2] if lengths else 0,
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }


def evaluate(
    items: Iterable[Item],
    *,
    search: Callable[[str], Sequence[Hit]],
    answer: Callable[[str], Answer],
) -> Report:
    """Run every question through search and answer; aggregate the metrics, overall and per persona."""
    report = Report()
    for item in items:
        result = answer(item.question)
        row = Row(
            id=item.id,
            persona=item.persona,
            answerable=item.answerable,
            refused=result.refused,
            reason=result.reason.value if result.reason else "",
            unsupported=tuple(unsupported_figures(result)),
            chars=len(result.answer),
        )
        if item.answerable:
            text, first = normalize(result.answer), normalize(result.answer[:FIRST_CHARS])
            stated = [normalize(f) for f in item.facts]
            row = replace(
                row,
                rank=first_relevant(item, search(item.question)),
                graded=bool(item.gold),
                cited=not result.refused and citation_hit(item, result.citations),
                facts_ok=not result.refused and all(f in text for f in stated) if item.facts else None,
                facts_first=not result.refused and all(f in first for f in stated) if item.facts else None,
            )
        report.rows.append(row)
    report.metrics = metrics_of(report.rows)
    for persona in sorted({r.persona for r in report.rows} - {""}):
        report.personas[persona] = metrics_of([r for r in report.rows if r.persona == persona])
    return report
