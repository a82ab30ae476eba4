"""Counters and a latency histogram rendered in the Prometheus text format (version 0.0.4)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.records import Answer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


class Counter:
    """A monotonically increasing count per label combination."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {labels}")
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, *labels: str) -> float:
        """The current count for one label combination (0 when never incremented)."""
        with self._lock:
            return self._values.get(labels, 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            items = sorted(self._values.items())
        lines += [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]
        return lines


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count, per label combination."""

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self.buckets = tuple(sorted(buckets))
        self._series: dict[tuple[str, ...], list[float]] = {}  # bucket counts..., sum, count
        self._lock = threading.Lock()

    def observe(self, value: float, *labels: str) -> None:
        with self._lock:
            series = self._series.setdefault(labels, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    series[i] += 1
            series[-2] += value
            series[-1] += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        for key, series in items:
            for bound, count in zip((*self.buckets, float("inf")), (*series[:-2], series[-1]), strict=True):
                le = "+Inf" if bound == float("inf") else _number(bound)
                bucket = _labels(self.label_names, key, 'le="' + le + '"')
                lines.append(f"{self.name}_bucket{bucket} {_number(count)}")
            lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(round(series[-2], 6))}")
            lines.append(f"{self.name}_count{_labels(self.label_names, key)} {_number(series[-1])}")
        return lines


class Gauge:
    """A value that goes up and down, per label combination."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def set(self, value: float, *labels: str) -> None:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {labels}")
        with self._lock:
            self._values[labels] = value

    def value(self, *labels: str) -> float | None:
        with self._lock:
            return self._values.get(labels)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        with self._lock:
            items = sorted(self._values.items())
        lines += [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]
        return lines


class Metrics:
    """The service's metrics, one instance per app."""

    def __init__(self) -> None:
        self.requests = Counter(
            "ipbot_http_requests_total", "HTTP requests by route and status.", ("method", "route", "status")
        )
        self.latency = Histogram("ipbot_http_request_duration_seconds", "HTTP request latency.", ("route",))
        self.answers = Counter(
            "ipbot_answers_total", "Answers computed by channel and outcome.", ("channel", "outcome")
        )
        self.refusals = Counter(
            "ipbot_refusals_total", "Refused questions by channel and reason.", ("channel", "reason")
        )
        self.fallbacks = Counter(
            "ipbot_fallbacks_total",
            "Answers that fell back from LLM to extractive mode.",
            ("channel", "reason"),
        )
        self.rate_limited = Counter(
            "ipbot_rate_limited_total", "Requests refused by a rate limit.", ("scope",)
        )
        self.wechat_received = Counter(
            "ipbot_wechat_messages_total", "WeChat pushes accepted, by kind.", ("channel", "kind")
        )
        self.wechat_deliveries = Counter(
            "ipbot_wechat_deliveries_total", "WeChat replies delivered, by way.", ("channel", "via")
        )
        self.wechat_failures = Counter(
            "ipbot_wechat_failures_total", "WeChat failures by reason.", ("channel", "reason")
        )
        self.wechat_send_uncertain = Counter(
            "ipbot_wechat_send_uncertain_total",
            "custom/send calls whose outcome is unknown (sent, no answer); never repeated.",
            ("channel",),
        )
        self.wechat_recovered = Counter(
            "ipbot_wechat_recovered_total",
            "WeChat messages taken over after their worker died, by the stage resumed (answer, send).",
            ("channel", "stage"),
        )
        self.sessions_pruned = Counter(
            "ipbot_sessions_pruned_total", "Conversation turns deleted after the idle expiry."
        )
        self.wechat_rejected = Counter(
            "ipbot_wechat_rejected_total", "WeChat pushes refused as not authentic.", ("channel",)
        )
        self.degraded = Counter(
            "ipbot_degraded_answers_total",
            "Answers computed with part of retrieval unavailable (component dense: keyword search only).",
            ("channel", "component"),
        )
        self.dependency_up = Gauge(
            "ipbot_dependency_up",
            "Whether a dependency answered its last call (1) or not (0).",
            ("dependency",),
        )
        self.dependency_changes = Counter(
            "ipbot_dependency_state_changes_total",
            "Times a dependency went down or came back up.",
            ("dependency", "state"),
        )
        self.vector_repairs = Counter(
            "ipbot_vector_repairs_total",
            "Vectors restored (missing or stale) or deleted (orphans) by reconciling with the catalog.",
            ("action",),
        )
        self.jobs = Counter(
            "ipbot_admin_jobs_total", "Admin jobs finished, by kind and state.", ("kind", "state")
        )

    def count_answer(self, channel: str, answer: Answer) -> None:
        """Count one answer as answered or refused (by its reason), and any fallback from LLM mode."""
        self.answers.inc(channel, "refused" if answer.refused else "answered")
        if answer.refused:
            self.refusals.inc(channel, answer.reason.value if answer.reason else "unknown")
        if answer.fallback_reason is not None:
            self.fallbacks.inc(channel, answer.fallback_reason.value)
        for component in answer.degraded:
            self.degraded.inc(channel, component)

    def render(self) -> str:
        metrics: list[Counter | Gauge | Histogram] = [
            self.requests,
            self.latency,
            self.answers,
            self.refusals,
            self.fallbacks,
            self.rate_limited,
            self.wechat_received,
            self.wechat_deliveries,
            self.wechat_failures,
            self.wechat_send_uncertain,
            self.wechat_recovered,
            self.wechat_rejected,
            self.sessions_pruned,
            self.degraded,
            self.dependency_up,
            self.dependency_changes,
            self.vector_repairs,
            self.jobs,
        ]
        return "\n".join(line for m in metrics for line in m.render()) + "\n"


class MetricsMiddleware:
    """Counts every HTTP request by its route template (not the raw path) and times it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.inc(scope["method"], route, str(status))
            self.metrics.latency.observe(time.perf_counter() - started, route)
