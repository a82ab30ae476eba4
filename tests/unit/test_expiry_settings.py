"""The outbox lease and the session idle expiry, read from the environment."""

import pytest

from app.settings import Settings
from core.errors import ConfigError
from service.settings import ServiceSettings


def test_defaults_are_a_30_second_lease_and_30_idle_days():
    assert ServiceSettings.from_env({}, bot=Settings()).wechat_lease_s == 30.0
    assert Settings.from_env({}).session_idle_days == 30


def test_both_are_read_and_bad_values_name_the_variable():
    assert ServiceSettings.from_env({"IPBOT_WECHAT_LEASE_S": "5"}, bot=Settings()).wechat_lease_s == 5.0
    assert Settings.from_env({"IPBOT_SESSION_IDLE_DAYS": "7"}).session_idle_days == 7
    with pytest.raises(ConfigError, match="IPBOT_WECHAT_LEASE_S"):
        ServiceSettings.from_env({"IPBOT_WECHAT_LEASE_S": "0.5"}, bot=Settings())
    with pytest.raises(ConfigError, match="IPBOT_SESSION_IDLE_DAYS"):
        Settings.from_env({"IPBOT_SESSION_IDLE_DAYS": "0"})
