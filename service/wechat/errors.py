"""The WeChat webhook's errors (the service translates them: 403 and 400)."""

from __future__ import annotations

from core.errors import IpbotError, UpstreamError


class WeChatAuthError(IpbotError, PermissionError):
    """A WeChat push is not authentic (signature, msg_signature, timestamp window or AppID)."""


class WeChatFormatError(IpbotError, ValueError):
    """A WeChat push (or its decrypted payload) is malformed, oversized or unsafe to parse."""


class SendOutcomeUnknown(UpstreamError):
    """A custom/send request may have reached WeChat but no answer came back (e.g. a read timeout).

    WeChat may or may not have delivered it; sending again could deliver it twice, so nobody retries.
    """
