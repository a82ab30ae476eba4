"""One typed Settings object, built from the environment once at start-up (never at import)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data" / "policies"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
DEFAULT_CHANNEL = "所在区的知识产权公共服务窗口，或拨打 12345 市民服务热线"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} 不是整数；请设为整数或删除该变量") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} 不是数字；请设为秒数，如 8") from exc
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

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read IPBOT_*, CHROMA_* and LLM_* variables; a bad value names the variable."""
        return cls(
            data_dir=Path(env.get("IPBOT_DATA_DIR", "").strip() or "var"),
            chroma_host=env.get("CHROMA_HOST", "").strip(),
            chroma_port=_int(env, "CHROMA_PORT", 8000),
            service_channel=env.get("IPBOT_SERVICE_CHANNEL", "").strip() or DEFAULT_CHANNEL,
            llm_base_url=env.get("LLM_BASE_URL", "").strip(),
            llm_api_key=env.get("LLM_API_KEY", "").strip(),
            llm_model=env.get("LLM_MODEL", "").strip(),
            llm_timeout_s=_float(env, "LLM_TIMEOUT_S", 8.0),
        )
