"""The exception tree of ipbot; the CLI and the server translate these at the edges.

IpbotError
├── InputError (ValueError)          bad question or bad CLI/API argument
├── IngestError (ValueError)         a file cannot be read, parsed or is of an unknown kind
├── ConfigError (ValueError)         a setting is missing or insecure
├── IndexMissingError (LookupError)  no index has been built yet
└── UpstreamError (RuntimeError)     an outside service (LLM, WeChat API) failed
    └── ModelFailure                 the model gave no usable answer (its reason is the fallback reason)

The WeChat webhook's own errors live in service/wechat/errors.py.
"""

from __future__ import annotations

from .records import FallbackReason


class IpbotError(Exception):
    """Base of every error ipbot raises on purpose."""


class InputError(IpbotError, ValueError):
    """The caller's input is unusable; the message says what to change."""


class IngestError(IpbotError, ValueError):
    """A document could not be ingested; nothing already indexed was changed."""


class ConfigError(IpbotError, ValueError):
    """A setting is missing or unsafe; the message names the variable."""


class IndexMissingError(IpbotError, LookupError):
    """No index exists yet under the data directory."""


class UpstreamError(IpbotError, RuntimeError):
    """An outside service failed or answered with something unusable."""


class ModelFailure(UpstreamError):
    """The model gave no usable answer; ``reason`` is reported as the answer's fallback_reason."""

    def __init__(self, reason: FallbackReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
