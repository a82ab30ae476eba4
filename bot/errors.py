"""The exception tree of ipbot; the CLI and the server translate these at the edges.

IpbotError
├── InputError (ValueError)          bad question or bad CLI/API argument
├── IngestError (ValueError)         a file cannot be read, parsed or is of an unknown kind
├── ConfigError (ValueError)         a setting is missing or insecure
├── IndexMissingError (LookupError)  no index has been built yet
├── UpstreamError (RuntimeError)     an outside service (LLM, WeChat API) failed
├── WeChatAuthError (PermissionError) a WeChat push failed its signature, timestamp or AppID check
└── WeChatFormatError (ValueError)   a signed WeChat push whose body cannot be used
"""


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


class WeChatAuthError(IpbotError, PermissionError):
    """A WeChat push is not authentic (signature, msg_signature, timestamp window or AppID)."""


class WeChatFormatError(IpbotError, ValueError):
    """A WeChat push (or its decrypted payload) is malformed, oversized or unsafe to parse."""
