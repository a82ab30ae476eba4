"""Read an untrusted file in a child process capped in memory, CPU and wall-clock time.

A parser bug or a decompression bomb the size checks of `ingest.guard` miss then costs the child
its limits, never the server: `load_isolated` returns the same `RawDocument` as `load_file`, or
raises IngestError with a one-line reason. Run as `python -m ingest.sandbox PATH MEMORY CPU`.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from core.errors import IngestError

from .load import RawDocument, load_file

log = logging.getLogger(__name__)

MB = 1024 * 1024
_OUT_OF_MEMORY = "out_of_memory"


@dataclass(frozen=True)
class SandboxLimits:
    """What one parse may use: address space of the child, its CPU seconds, and seconds of waiting."""

    memory_bytes: int = 512 * MB
    cpu_seconds: int = 60  # a 400-page PDF takes about 6 s here
    wall_seconds: float = 90.0


def load_isolated(path: Path, limits: SandboxLimits = SandboxLimits()) -> RawDocument:
    """`load_file(path)` run in a child process under `limits`."""
    command = [
        sys.executable,
        "-m",
        "ingest.sandbox",
        str(path),
        str(limits.memory_bytes),
        str(limits.cpu_seconds),
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, timeout=limits.wall_seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        log.warning("parsing %s took over %.0f s: child killed", path.name, limits.wall_seconds)
        raise IngestError(
            f"{path.name}: 解析超过 {limits.wall_seconds:.0f} 秒仍未完成（文件过于复杂或已损坏）："
            "请另存为 .txt 或拆分后再上传"
        ) from exc
    seconds = time.monotonic() - started
    outcome = _outcome(done.stdout)
    if outcome is None or outcome.get("error") == _OUT_OF_MEMORY:
        log.warning(
            "parsing %s failed in the sandbox after %.1f s (exit %s): %s",
            path.name,
            seconds,
            done.returncode,
            done.stderr.decode("utf-8", "replace")[-300:].strip(),
        )
        raise IngestError(
            f"{path.name}: 解析时超出内存（{limits.memory_bytes // MB} MB）或 CPU 时间"
            f"（{limits.cpu_seconds} 秒）上限，可能是压缩炸弹或损坏的文件：请检查文件后再上传"
        )
    if "error" in outcome:
        raise IngestError(str(outcome["error"]))
    document = outcome.get("document")
    if not isinstance(document, dict):
        raise IngestError(f"{path.name}: 解析进程的输出不完整：请重试")
    return RawDocument(**{str(k): str(v) for k, v in document.items()})


def _outcome(stdout: bytes) -> dict[str, object] | None:
    """The child's one JSON object, or None when it died before writing one."""
    try:
        value = json.loads(stdout)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _peak_bytes() -> int:
    """This process's resident high-water mark (VmHWM: reset by exec, unlike ru_maxrss)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) * 1024


def main(argv: list[str]) -> int:
    """The child: limit itself, parse, and write one JSON object to stdout."""
    path, memory_bytes, cpu_seconds = Path(argv[0]), int(argv[1]), int(argv[2])
    _limit(memory_bytes, cpu_seconds)
    result: dict[str, object]
    try:
        result = {"document": asdict(load_file(path))}
    except IngestError as exc:
        # lxml reports a failed allocation as a syntax error ("unknown error"): tell it by the peak.
        result = {"error": _OUT_OF_MEMORY if _peak_bytes() > memory_bytes // 2 else str(exc)}
    except MemoryError:
        result = {"error": _OUT_OF_MEMORY}
    # ASCII JSON: a lone surrogate in the text survives the pipe as an escape.
    sys.stdout.buffer.write(json.dumps(result).encode("ascii"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
