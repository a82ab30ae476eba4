"""ServiceSettings: read from the environment once, refusing insecure or half-made configurations."""

import pytest

from app.settings import Settings
from core.errors import ConfigError
from service.settings import DEFAULT_WECHAT_API_BASE, ServiceSettings

AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
MP = {
    "WECHAT_MP_TOKEN": "tok123",
    "WECHAT_MP_AES_KEY": AES_KEY,
    "WECHAT_MP_APPID": "wx1",
    "WECHAT_MP_SECRET": "s",
}


def from_env(**env):
    return ServiceSettings.from_env(env, bot=Settings())


def test_defaults_need_no_environment():
    settings = from_env()
    assert not settings.admin_enabled and settings.mp is None and settings.mini is None
    assert settings.wechat_api_base == DEFAULT_WECHAT_API_BASE and settings.wechat_sec_check is False
    assert settings.passive_reply_s == 4.0 and settings.max_upload_bytes == 20 * 1024 * 1024


def test_a_short_admin_token_is_refused_with_what_to_do():
    with pytest.raises(ConfigError, match=r"ADMIN_TOKEN.*32.*openssl rand -hex 32"):
        from_env(ADMIN_TOKEN="changeme")
    assert from_env(ADMIN_TOKEN="x" * 32).admin_enabled


def test_a_channel_needs_all_four_variables_and_a_valid_key():
    settings = from_env(**MP)
    assert settings.mp is not None and settings.mp.appid == "wx1"
    with pytest.raises(ConfigError, match="WECHAT_MP_SECRET"):
        from_env(**{**MP, "WECHAT_MP_SECRET": ""})
    with pytest.raises(ConfigError, match="WECHAT_MINI_AES_KEY, WECHAT_MINI_APPID, WECHAT_MINI_SECRET"):
        from_env(WECHAT_MINI_TOKEN="tok123")
    with pytest.raises(ConfigError, match="WECHAT_MP_AES_KEY"):
        from_env(**{**MP, "WECHAT_MP_AES_KEY": "short"})


def test_secrets_never_show_in_repr():
    settings = from_env(ADMIN_TOKEN="y" * 40, **MP)
    text = repr(settings)
    assert "y" * 40 not in text and "tok123" not in text and AES_KEY not in text and "wx1" in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IPBOT_RATE_PER_IP", "many"),
        ("IPBOT_MAX_UPLOAD_MB", "0"),
        ("IPBOT_PASSIVE_REPLY_S", "6"),
        ("IPBOT_PASSIVE_REPLY_S", "soon"),
        ("WECHAT_SEC_CHECK", "maybe"),
        ("WECHAT_API_BASE", "api.weixin.qq.com"),
    ],
)
def test_bad_values_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        from_env(**{name: value})


def test_numbers_and_flags_are_read():
    settings = from_env(
        IPBOT_RATE_PER_IP="0", IPBOT_MAX_UPLOAD_MB="5", IPBOT_PASSIVE_REPLY_S="3.5", WECHAT_SEC_CHECK="on"
    )
    assert settings.rate_per_ip == 0 and settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.passive_reply_s == 3.5 and settings.wechat_sec_check is True
