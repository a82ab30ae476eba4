"""The quality bar on the development set (../shared/eval/dev.jsonl), offline, extractive mode."""

import pytest

from quality.evaluate import evaluate, load_set
from tests.conftest import SHARED

pytestmark = pytest.mark.eval

DEV = SHARED / "eval" / "dev.jsonl"


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/dev.jsonl is not beside the project")
def test_dev_set_meets_the_quality_bar(assistant):
    report = evaluate(load_set(DEV), search=lambda q: assistant.search(q, 10), answer=assistant.answer)
    m = report.metrics
    assert m["hit@5"] >= 0.97
    assert m["hit@1"] >= 0.90
    assert m["citation_hit"] >= 0.90
    assert m["fact_recall"] >= 0.85
    assert m["refusal_accuracy"] == 1.0
    assert m["unsupported_number_answers"] == 0
