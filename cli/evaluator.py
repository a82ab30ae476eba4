"""`ipbot eval`'s evaluation (quality/) handed to the service at `ipbot serve`, which may not import it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.records import Answer, Hit
from quality.evaluate import Row, evaluate, parse_set
from service.evaluation.records import EvalResult, QuestionResult

SEARCH_K = 10  # as `ipbot eval`


def passed(row: Row) -> bool:
    """An answerable question passes when answered, citing its clause (if one is named) and stating its
    facts (if any); an unanswerable one when refused."""
    if not row.answerable:
        return row.refused
    return not row.refused and (row.cited or not row.graded) and row.facts_ok is not False


class QualityEvaluator:
    """The service's `Evaluator`: quality.evaluate over the live assistant."""

    def check(self, text: str, source: str) -> int:
        return len(parse_set(text, source))

    def run(
        self,
        text: str,
        source: str,
        *,
        search: Callable[[str], Sequence[Hit]],
        answer: Callable[[str], Answer],
        progress: Callable[[int, int], None],
    ) -> EvalResult:
        items = parse_set(text, source)
        done = 0
        progress(0, len(items))

        def counted(question: str) -> Answer:
            nonlocal done
            result = answer(question)
            done += 1
            progress(done, len(items))
            return result

        report = evaluate(items, search=lambda q: search(q)[:SEARCH_K], answer=counted)
        questions = {item.id: item.question for item in items}
        return EvalResult(
            metrics=report.metrics,
            questions=[
                QuestionResult(
                    id=row.id,
                    question=questions[row.id],
                    passed=passed(row),
                    refused=row.refused,
                    reason=row.reason,
                    rank=row.rank,
                    cited=row.cited,
                )
                for row in report.rows
            ],
        )
