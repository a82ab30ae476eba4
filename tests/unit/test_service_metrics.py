"""The Prometheus text rendering, checked against hand-written expected output."""

from core.records import Answer, FallbackReason, RefusalReason
from service.metrics import Counter, Histogram, Metrics


def test_counter_renders_labels_escaped_and_sorted():
    counter = Counter("x_total", "Things.", ("route", "status"))
    counter.inc("/b", "200")
    counter.inc("/a", "500", amount=2)
    counter.inc('/q"\\\n', "200")
    assert counter.render() == [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{route="/a",status="500"} 2',
        'x_total{route="/b",status="200"} 1',
        'x_total{route="/q\\"\\\\\\n",status="200"} 1',
    ]


def test_histogram_buckets_are_cumulative_with_sum_and_count():
    histogram = Histogram("lat_seconds", "Latency.", ("route",), buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 2.0):
        histogram.observe(value, "/r")
    assert histogram.render()[2:] == [
        'lat_seconds_bucket{route="/r",le="0.1"} 1',
        'lat_seconds_bucket{route="/r",le="1"} 2',
        'lat_seconds_bucket{route="/r",le="+Inf"} 3',
        'lat_seconds_sum{route="/r"} 2.55',
        'lat_seconds_count{route="/r"} 3',
    ]


def test_answers_are_counted_as_answered_refused_and_fallback():
    metrics = Metrics()
    metrics.count_answer("api", Answer("q", "a", refused=False))
    metrics.count_answer("api", Answer("q", "a", refused=True, reason=RefusalReason.WEAK_EVIDENCE))
    metrics.count_answer("wechat_mp", Answer("q", "a", refused=False, fallback_reason=FallbackReason.TIMEOUT))
    text = metrics.render()
    assert 'ipbot_answers_total{channel="api",outcome="answered"} 1' in text
    assert 'ipbot_refusals_total{channel="api",reason="weak_evidence"} 1' in text
    assert 'ipbot_fallbacks_total{channel="wechat_mp",reason="timeout"} 1' in text
    assert text.endswith("\n") and "# TYPE ipbot_wechat_deliveries_total counter" in text
