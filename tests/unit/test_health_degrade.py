"""Answers computed with dense search down carry degraded ["dense"]; a weak-evidence refusal says why."""

from app.serialize import answer_json
from core.records import Answer, RefusalReason
from service.degrade import DEGRADED_REFUSAL, marked
from service.metrics import Metrics


def test_an_answer_without_degradation_is_unchanged() -> None:
    answer = Answer(question="q", answer="a", refused=False)
    assert marked(answer, []) is answer
    assert "degraded" not in answer_json(answer)


def test_a_degraded_answer_says_so_in_json_and_metrics() -> None:
    answer = marked(Answer(question="q", answer="引用条款", refused=False), ["dense"])
    assert answer_json(answer)["degraded"] == ["dense"] and answer.answer == "引用条款"
    metrics = Metrics()
    metrics.count_answer("api", answer)
    assert metrics.degraded.value("api", "dense") == 1
    assert 'ipbot_degraded_answers_total{channel="api",component="dense"} 1' in metrics.render()


def test_a_weak_evidence_refusal_without_dense_search_does_not_claim_the_documents_are_silent() -> None:
    refusal = Answer(question="q", answer="文件中没有", refused=True, reason=RefusalReason.WEAK_EVIDENCE)
    assert marked(refusal, ["dense"]).answer == DEGRADED_REFUSAL
    greeting = Answer(question="你好", answer="您好", refused=True, reason=RefusalReason.GREETING)
    assert marked(greeting, ["dense"]).answer == "您好"
