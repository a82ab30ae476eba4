"""The model client side: an OpenAI-compatible chat model, its failures, and calls bounded by a deadline."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator

import openai
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from core.errors import ModelFailure
from core.records import FallbackReason

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 2.0
CONNECT_TIMEOUT_S = 5.0
# Servers such as Ollama and llama.cpp need no key, but the openai client refuses an empty one.
NO_KEY = "not-needed"

Produce = Callable[[], Iterator[str]]


def chat_model(*, base_url: str, api_key: str, model: str, timeout_s: float) -> ChatOpenAI:
    """An OpenAI-compatible chat model that never retries on its own and never waits past ``timeout_s``."""
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or NO_KEY),
        timeout=openai.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
        max_retries=0,
        temperature=0,
    )


def classify(error: BaseException) -> ModelFailure:
    """The fallback reason for an exception raised while calling the model."""
    if isinstance(error, ModelFailure):
        return error
    if isinstance(error, openai.APITimeoutError):
        return ModelFailure(FallbackReason.TIMEOUT, "the HTTP request timed out")
    if isinstance(error, openai.APIConnectionError):
        return ModelFailure(FallbackReason.UNREACHABLE, str(error.__cause__ or error))
    if isinstance(error, openai.RateLimitError):
        return ModelFailure(FallbackReason.RATE_LIMITED, f"HTTP 429 ({error.message})")
    if isinstance(error, openai.APIStatusError):
        reason = FallbackReason.UPSTREAM_ERROR if error.status_code >= 500 else FallbackReason.REJECTED
        return ModelFailure(reason, f"HTTP {error.status_code} ({error.message})")
    return ModelFailure(FallbackReason.BAD_REPLY, f"{type(error).__name__}: {error}")


def retry_delay(error: BaseException) -> float | None:
    """Seconds to wait before the one retry: only a 429 whose Retry-After is at most MAX_RETRY_AFTER_S."""
    if not isinstance(error, openai.RateLimitError):
        return None
    headers = error.response.headers
    try:
        if headers.get("retry-after-ms"):
            seconds = float(headers["retry-after-ms"]) / 1000
        else:
            seconds = float(headers.get("retry-after", ""))
    except ValueError:
        return None  # absent, or an HTTP date: not a short wait
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER_S else None


def bounded(produce: Produce, *, deadline: float) -> Iterator[str]:
    """The pieces ``produce`` yields until ``deadline`` (time.monotonic), else ModelFailure.

    The call runs on a daemon thread so that a stalled server cannot hold the caller past the deadline;
    a 429 with a short Retry-After is retried once, if the wait ends before the deadline.
    """
    pieces: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()
    worker = threading.Thread(target=_work, args=(produce, pieces, stop, deadline), daemon=True)
    worker.start()
    try:
        while True:
            try:
                kind, value = pieces.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise ModelFailure(FallbackReason.TIMEOUT, "no complete reply before the deadline") from None
            if kind == "piece":
                yield str(value)
            elif kind == "end":
                return
            else:
                error = value if isinstance(value, BaseException) else RuntimeError(str(value))
                raise classify(error) from error
    finally:
        stop.set()


def _work(
    produce: Produce, pieces: queue.Queue[tuple[str, object]], stop: threading.Event, deadline: float
) -> None:
    """Run ``produce`` (retrying one short 429) and put its pieces, then "end" or "error", on the queue."""
    for attempt in (1, 2):
        started = False
        try:
            for piece in produce():
                if stop.is_set():
                    return
                started = True
                pieces.put(("piece", piece))
            pieces.put(("end", None))
            return
        except Exception as error:  # every failure of the call becomes a fallback reason
            delay = None if started or attempt == 2 else retry_delay(error)
            if delay is None or time.monotonic() + delay >= deadline:
                pieces.put(("error", error))
                return
            log.info("model rate-limited; retrying once in %.1f s", delay)
            if stop.wait(delay):
                return
