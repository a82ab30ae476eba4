"""The WeChat webhook's errors (the service translates them: 403 and 400)."""

from __future__ import annotations

from core.errors import IpbotError


class WeChatAuthError(IpbotError, PermissionError):
    """A WeChat push is not authentic (signature, msg_signature, timestamp window or AppID)."""


class WeChatFormatError(IpbotError, ValueError):
    """A WeChat push (or its decrypted payload) is malformed, oversized or unsafe to parse."""
