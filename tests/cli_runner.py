"""The `ipbot` command run in-process (main(argv)), as a shell would run it but without a new interpreter."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from cli.main import main

# Settings the runner never inherits from the developer's shell.
OWN_PREFIXES = ("LLM_", "CHROMA_", "IPBOT_")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    data_dir: Path, args: Sequence[str], *, stdin: str | None = None, env: Mapping[str, str] = {}
) -> Result:
    """Exit code, stdout and stderr of `ipbot ARGS` with IPBOT_DATA_DIR=data_dir and the given environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    clean.update(IPBOT_DATA_DIR=str(data_dir), **env)
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, clean, clear=True),
        mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())
