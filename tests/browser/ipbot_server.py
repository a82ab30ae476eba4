"""A real `ipbot serve` subprocess on a free port over a given data directory, for the browser tier."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
]


def need_browser() -> None:
    """Skip (fail on CI) without /usr/bin/chromium or Playwright."""
    missing = [] if CHROMIUM.exists() else [str(CHROMIUM)]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        reason = f"browser tier needs {', '.join(missing)}: run `make browser` as root"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def ipbot() -> list[str]:
    script = Path(sys.executable).parent / "ipbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ipbot_env(data: Path, env: dict[str, str]) -> dict[str, str]:
    """This process's environment without ipbot's settings, over `data`, with `env` on top."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("IPBOT_", "LLM_", "CHROMA_", "WECHAT_"))
    }
    return {**clean, "IPBOT_DATA_DIR": str(data), "OMP_NUM_THREADS": "1", **env}


def add_user(data: Path, env: dict[str, str], name: str, role: str, password: str) -> None:
    """`ipbot user add` on the data directory (the password read from stdin)."""
    command = [*ipbot(), "user", "add", name, "--role", role]
    full = ipbot_env(data, env)
    subprocess.run(
        command, input=password + "\n", text=True, env=full, cwd=REPO, check=True, capture_output=True
    )


@contextmanager
def ipbot_serve(data: Path, log_path: Path, env: dict[str, str]) -> Iterator[str]:
    """The server's base URL once /healthz answers; stopped on leaving the block."""
    full = ipbot_env(data, env)
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*ipbot(), "serve", "--port", str(port)],
            env=full,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ipbot serve did not start: see {log_path}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)
