"""LLM_* and IPBOT_SESSION_TURNS read at start-up, with messages that name the variable."""

import pytest

from app.settings import Settings
from core.errors import ConfigError


def test_without_llm_base_url_the_model_is_off() -> None:
    settings = Settings.from_env({})

    assert not settings.llm_enabled
    assert (settings.llm_timeout_s, settings.session_turns) == (8.0, 5)


def test_a_full_llm_configuration() -> None:
    settings = Settings.from_env(
        {
            "LLM_BASE_URL": " https://api.deepseek.com/v1 ",
            "LLM_API_KEY": "sk-test",
            "LLM_MODEL": "deepseek-chat",
            "LLM_TIMEOUT_S": "2.5",
            "IPBOT_SESSION_TURNS": "8",
        }
    )

    assert settings.llm_enabled
    assert settings.llm_base_url == "https://api.deepseek.com/v1"
    assert (settings.llm_model, settings.llm_timeout_s, settings.session_turns) == ("deepseek-chat", 2.5, 8)


def test_a_local_server_needs_no_key() -> None:
    settings = Settings.from_env({"LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "qwen2.5:7b"})

    assert settings.llm_enabled and settings.llm_api_key == ""


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LLM_BASE_URL": "https://api.deepseek.com/v1"}, "LLM_MODEL"),
        ({"LLM_BASE_URL": "api.deepseek.com", "LLM_MODEL": "m"}, "LLM_BASE_URL"),
        ({"LLM_TIMEOUT_S": "fast"}, "LLM_TIMEOUT_S"),
        ({"LLM_TIMEOUT_S": "0"}, "LLM_TIMEOUT_S"),
        ({"IPBOT_SESSION_TURNS": "0"}, "IPBOT_SESSION_TURNS"),
        ({"IPBOT_SESSION_TURNS": "many"}, "IPBOT_SESSION_TURNS"),
    ],
)
def test_a_setting_that_cannot_work_fails_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)
