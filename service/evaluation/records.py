"""The evaluation's typed records, the Evaluator the service is given, and the run-to-run difference."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel

from core.errors import InputError
from core.records import Answer, Hit

SET_NAME = re.compile(r"[\w.\-]{1,64}")


class QuestionResult(BaseModel):
    id: str
    question: str
    passed: bool
    refused: bool
    reason: str = ""
    rank: int | None = None
    cited: bool = False


class EvalResult(BaseModel):
    metrics: dict[str, float]
    questions: list[QuestionResult]


class Evaluator(Protocol):
    """What runs `ipbot eval`'s evaluation: the service never imports `quality`; the CLI wires
    `cli.evaluator.QualityEvaluator` in at `ipbot serve`."""

    def check(self, text: str, source: str) -> int:
        """How many questions the set holds; InputError naming every bad line."""
        ...

    def run(
        self,
        text: str,
        source: str,
        *,
        search: Callable[[str], Sequence[Hit]],
        answer: Callable[[str], Answer],
        progress: Callable[[int, int], None],
    ) -> EvalResult: ...


class EvalSetInfo(BaseModel):
    name: str
    origin: Literal["bundled", "stored"]
    questions: int
    error: str = ""


class EvalRun(BaseModel):
    id: str
    set_name: str
    state: Literal["running", "succeeded", "failed"]
    started_at: float
    finished_at: float | None = None
    job_id: str = ""
    actor: str = ""
    error: str = ""
    metrics: dict[str, float] = {}
    questions: list[QuestionResult] = []


class Difference(BaseModel):
    """Per question, against the previous finished run of the same set."""

    previous_run: str | None
    newly_failing: list[QuestionResult]
    newly_passing: list[QuestionResult]


class EvalRunOut(EvalRun):
    difference: Difference | None = None


def check_set_name(name: str) -> str:
    if not SET_NAME.fullmatch(name):
        raise InputError(f"题集名 {name[:70]!r} 无效：须为 1–64 个文字、字母、数字或 _ . -")
    return name


def difference(run: EvalRun, previous: EvalRun | None) -> Difference:
    """Questions (by id) that passed before and fail now, and the reverse (pure)."""
    if previous is None:
        return Difference(previous_run=None, newly_failing=[], newly_passing=[])
    before = {q.id: q.passed for q in previous.questions}
    return Difference(
        previous_run=previous.id,
        newly_failing=[q for q in run.questions if before.get(q.id) is True and not q.passed],
        newly_passing=[q for q in run.questions if before.get(q.id) is False and q.passed],
    )
