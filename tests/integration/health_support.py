"""Real processes for the health tests: a `chroma run` server and an `ipbot serve`, on loopback ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

import httpx
import pytest

BIN = Path(sys.executable).parent
IPBOT = str(BIN / "ipbot")
CHROMA = BIN / "chroma"
TOKEN = "h" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of an ipbot process over `data`, without the caller's IPBOT_/LLM_/CHROMA_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "IPBOT_", "CHROMA_", "ADMIN_"))}
    return env | {"IPBOT_DATA_DIR": str(data), "OMP_NUM_THREADS": "1"} | extra


def fresh_data_dir(built: Path, target: Path) -> Path:
    """An empty data directory that already holds the corpus's embeddings (ingest costs no model time)."""
    target.mkdir(parents=True)
    shutil.copy(built / "embeddings.sqlite", target / "embeddings.sqlite")
    return target


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except (OSError, httpx.HTTPError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


class ChromaServer:
    """`chroma run` on a fixed loopback port; stop, hang (SIGSTOP) and restart it, with or without its data."""

    def __init__(self, path: Path) -> None:
        if not CHROMA.exists():
            pytest.skip("the chroma CLI is not installed in this environment")
        self.path = path
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, path: Path | None = None) -> None:
        self.path = path or self.path
        self._proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
        wait_for(lambda: urllib.request.urlopen(url, timeout=1).status == 200, timeout=60, what="chroma")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)
            self._proc.terminate()
            self._proc.wait(timeout=20)
            self._proc = None

    def hang(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> ChromaServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Serve:
    """`ipbot serve` as its own process; its log goes to a file the test can read."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = env
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, timeout: float = 60.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> Serve:
        with self.log.open("wb") as out:
            self._proc = subprocess.Popen(
                [IPBOT, "serve", "--port", str(self.port)], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for(self._up, timeout=180, what="ipbot serve")
        except AssertionError:
            self.__exit__(None, None, None)
            raise AssertionError(f"ipbot serve did not start:\n{self.logged()[-3000:]}") from None
        return self

    def _up(self) -> bool:
        assert self._proc is not None
        if self._proc.poll() is not None:
            raise AssertionError(f"ipbot serve exited:\n{self.logged()[-3000:]}")
        return httpx.get(self.url + "/healthz", timeout=2).status_code == 200

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
