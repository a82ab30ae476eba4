"""The HTTP service's typed settings, read from the environment once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import Settings, env_int, env_seconds
from core.errors import ConfigError
from service.logbook.records import DEFAULT_RETENTION_DAYS
from service.wechat.crypto import decode_aes_key

MIN_ADMIN_TOKEN_CHARS = 32
MAX_PASSIVE_REPLY_S = 4.5  # WeChat hangs up after 5 s
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_WECHAT_LEASE_S = 30.0
MIN_WECHAT_LEASE_S = 1.0
_CHANNEL_VARS = ("TOKEN", "AES_KEY", "APPID", "SECRET")


@dataclass(frozen=True)
class WeChatAccount:
    """One WeChat account pushing to us: an official account (mp) or a mini-program (mini)."""

    token: str = field(repr=False)
    aes_key: str = field(repr=False)
    appid: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class ServiceSettings:
    """Everything `create_app` needs: the bot's settings plus limits, admin, WeChat and console settings."""

    bot: Settings = field(default_factory=Settings)
    admin_token: str = field(default="", repr=False)
    max_question_chars: int = 1000
    max_upload_bytes: int = 20 * 1024 * 1024
    rate_per_ip: int = 60
    rate_per_user: int = 20
    rate_per_event: int = 60  # the volunteer page: requests a minute per event link (all its volunteers)
    answer_workers: int = 4
    passive_reply_s: float = 4.0
    mp: WeChatAccount | None = None
    mini: WeChatAccount | None = None
    wechat_api_base: str = DEFAULT_WECHAT_API_BASE
    wechat_sec_check: bool = False
    wechat_lease_s: float = DEFAULT_WECHAT_LEASE_S
    log_retention_days: int = DEFAULT_RETENTION_DAYS
    console_secure_cookie: bool = True  # the console's session cookie is sent over HTTPS only
    eval_dir: Path | None = None  # question sets (*.jsonl) the 评测 page offers, besides stored ones

    def __post_init__(self) -> None:
        if self.admin_token and len(self.admin_token) < MIN_ADMIN_TOKEN_CHARS:
            raise ConfigError(
                f"ADMIN_TOKEN 只有 {len(self.admin_token)} 个字符，太短不安全：请设为至少 "
                f"{MIN_ADMIN_TOKEN_CHARS} 个字符的随机串（如 `openssl rand -hex 32` 的输出），"
                "或删除该变量以关闭管理接口"
            )
        if not 0 < self.passive_reply_s <= MAX_PASSIVE_REPLY_S:
            raise ConfigError(
                f"IPBOT_PASSIVE_REPLY_S 须在 0 到 {MAX_PASSIVE_REPLY_S} 秒之间（微信 5 秒后断开连接）"
            )
        if self.wechat_lease_s < MIN_WECHAT_LEASE_S:
            raise ConfigError(
                f"IPBOT_WECHAT_LEASE_S 须至少 {MIN_WECHAT_LEASE_S} 秒（默认 {DEFAULT_WECHAT_LEASE_S:g}）："
                "进程崩溃后，这么久没有续约的消息由其他进程接手重答"
            )
        if not self.wechat_api_base.startswith(("http://", "https://")):
            raise ConfigError(f"WECHAT_API_BASE={self.wechat_api_base!r} 须以 http:// 或 https:// 开头")

    @property
    def admin_enabled(self) -> bool:
        """Whether the admin routes are served (only with a long enough ADMIN_TOKEN)."""
        return bool(self.admin_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, bot: Settings) -> ServiceSettings:
        """Read ADMIN_TOKEN, IPBOT_* limits and WECHAT_* variables; a bad value names the variable."""
        return cls(
            bot=bot,
            admin_token=env.get("ADMIN_TOKEN", "").strip(),
            max_question_chars=env_int(env, "IPBOT_MAX_QUESTION_CHARS", 1000, low=1),
            max_upload_bytes=env_int(env, "IPBOT_MAX_UPLOAD_MB", 20, low=1) * 1024 * 1024,
            rate_per_ip=env_int(env, "IPBOT_RATE_PER_IP", 60, low=0),
            rate_per_user=env_int(env, "IPBOT_RATE_PER_USER", 20, low=0),
            rate_per_event=env_int(env, "IPBOT_RATE_PER_EVENT", 60, low=0),
            answer_workers=env_int(env, "IPBOT_ANSWER_WORKERS", 4, low=1),
            passive_reply_s=env_seconds(env, "IPBOT_PASSIVE_REPLY_S", 4.0),
            mp=_account(env, "WECHAT_MP"),
            mini=_account(env, "WECHAT_MINI"),
            wechat_api_base=env.get("WECHAT_API_BASE", "").strip() or DEFAULT_WECHAT_API_BASE,
            wechat_sec_check=_flag(env, "WECHAT_SEC_CHECK"),
            wechat_lease_s=env_seconds(env, "IPBOT_WECHAT_LEASE_S", DEFAULT_WECHAT_LEASE_S),
            log_retention_days=env_int(env, "IPBOT_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, low=1),
            console_secure_cookie=_flag(env, "IPBOT_CONSOLE_SECURE_COOKIE", default=True),
            eval_dir=Path(env["IPBOT_EVAL_DIR"].strip()) if env.get("IPBOT_EVAL_DIR", "").strip() else None,
        )


def _flag(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} 不是开关值；请设为 1 或 0")


def _account(env: Mapping[str, str], prefix: str) -> WeChatAccount | None:
    """The account under PREFIX_TOKEN/_AES_KEY/_APPID/_SECRET: all four, or none (channel off)."""
    values = {name: env.get(f"{prefix}_{name}", "").strip() for name in _CHANNEL_VARS}
    if not any(values.values()):
        return None
    missing = [f"{prefix}_{name}" for name, value in values.items() if not value]
    if missing:
        raise ConfigError(
            f"微信通道 {prefix} 配置不全：缺少 {', '.join(missing)}；四项都设置才启用该通道，都不设则关闭"
        )
    if len(values["TOKEN"]) < 3:
        raise ConfigError(f"{prefix}_TOKEN 太短：请与微信后台填写的 Token（3–32 位字母或数字）一致")
    try:
        decode_aes_key(values["AES_KEY"])
    except ConfigError as exc:
        raise ConfigError(f"{prefix}_AES_KEY 无效：{exc}") from exc
    return WeChatAccount(
        token=values["TOKEN"], aes_key=values["AES_KEY"], appid=values["APPID"], secret=values["SECRET"]
    )
