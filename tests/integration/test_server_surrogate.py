"""A lone UTF-16 surrogate in a question is refused as invalid input, on /api/chat and the stream."""

import pytest

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer

pytestmark = pytest.mark.integration

# JSON text as a client may send it: the escape is legal JSON but names half a character.
BODY = b'{"question": "\\ud800\\u6768\\u6d66\\u533a\\u8d34\\u606f"}'


@pytest.fixture(scope="module")
def http(built_data_dir):
    settings = ServiceSettings(bot=Settings(data_dir=built_data_dir), rate_per_ip=0, rate_per_user=0)
    with LiveServer(create_app(settings)) as live, live.client() as client:
        yield client


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_a_lone_surrogate_is_a_400_json_error(http, path):
    response = http.post(path, content=BODY, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input" and "代理项" in response.json()["detail"]
    assert http.post("/api/chat", json={"question": "杨浦区贴息"}).status_code == 200  # still serving
