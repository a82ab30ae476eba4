"""Saving a folder whole: written beside the old one, then swapped in (pure file I/O, no index logic)."""

from __future__ import annotations

import shutil
from pathlib import Path


def fresh_beside(directory: Path) -> Path:
    """An empty folder next to `directory` to write a new version into."""
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def swap_in(tmp: Path, directory: Path) -> None:
    """Put the folder written by fresh_beside() in place of `directory`: a reader sees the old or the new
    version, never half of one."""
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
