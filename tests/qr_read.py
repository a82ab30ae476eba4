"""Read a segno inline SVG back into its module matrix, to check it against the matrix of the expected URL."""

from __future__ import annotations

import re

import segno

from service.volunteer.qr import BORDER, ERROR_LEVEL

_PATH = re.compile(r'\sd="([^"]+)"')
_VIEW = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_STEP = re.compile(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")


def svg_matrix(svg: str) -> list[list[bool]]:
    """The dark modules drawn by the SVG's path (M/m moves, h horizontal runs), quiet zone removed."""
    size = int(_VIEW.search(svg).group(1))  # type: ignore[union-attr]
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in _STEP.findall(_PATH.search(svg).group(1)):  # type: ignore[union-attr]
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            for col in range(int(x), int(x + run)):
                grid[int(y)][col] = True
            x += run
    return [row[BORDER : size - BORDER] for row in grid[BORDER : size - BORDER]]


def expected_matrix(url: str) -> list[list[bool]]:
    code = segno.make_qr(url, error=ERROR_LEVEL)
    return [[bool(v) for v in row] for row in code.matrix]
