"""QR codes as inline SVG (segno), for the printed card sheet."""

from __future__ import annotations

import segno

ERROR_LEVEL = "m"
BORDER = 2  # modules of quiet zone (the sheet's white cell adds more)


def qr_svg(url: str) -> str:
    """An <svg> element with a viewBox (CSS sets its size) whose QR code encodes `url`."""
    code = segno.make_qr(url, error=ERROR_LEVEL)
    return str(code.svg_inline(scale=1, border=BORDER, dark="#000", omitsize=True))
