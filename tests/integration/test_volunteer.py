"""The volunteer page through TestClient: event links, answer cards, the pack, card pages, the sheet, feedback."""

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.qr_read import expected_matrix, svg_matrix
from tests.volunteer_support import publish_curated

pytestmark = pytest.mark.integration

TOKEN = "v" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY_S = 86_400


class Clock:
    """Wall time that a test can move forward."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock():
    return Clock()


@pytest.fixture(scope="module")
def client(built_data_dir, tmp_path_factory, clock):
    data = tmp_path_factory.mktemp("volunteer") / "data"
    shutil.copytree(built_data_dir, data)
    settings = ServiceSettings(
        bot=Settings(data_dir=data),
        admin_token=TOKEN,
        rate_per_ip=0,
        rate_per_user=0,
        rate_per_event=0,
        console_secure_cookie=False,
    )
    with TestClient(create_app(settings, clock=clock), follow_redirects=False) as http:
        yield http


@pytest.fixture(scope="module")
def published(client):
    return publish_curated(client, AUTH, 9)


def new_event(client, days=3, name="杨浦园区宣讲"):
    response = client.post("/admin/events", json={"name": name, "days": days}, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def enter(client, event):
    """Open the event link as a volunteer's phone does: the token moves into a cookie scoped to /v."""
    client.cookies.clear()
    response = client.get(event["url"])
    assert response.status_code == 303 and response.headers["location"] == "/v"
    cookie = response.headers["set-cookie"]
    assert "Path=/v" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    return response


def test_an_event_link_opens_the_page_and_its_token_leaves_the_address(client):
    event = new_event(client)
    assert event["url"] == f"/v?e={event['token']}" and event["state"] == "valid" and event["expires_at"]
    enter(client, event)
    page = client.get("/v")
    assert page.status_code == 200 and "政策快答" in page.text and "杨浦园区宣讲" in page.text
    assert event["token"] not in page.text  # the page itself never shows the token
    for topic in ("贴息", "质押", "开放许可", "调解", "维权", "公共服务"):
        assert f'class="chip">{topic}<' in page.text
    assert "浦东新区" in page.text and "/static/volunteer.js" in page.text


@pytest.mark.parametrize("case", ["expired", "revoked", "unknown", "none"])
def test_without_a_valid_link_the_page_only_says_how_to_get_one(client, clock, case):
    client.cookies.clear()
    expected = {"expired": "已过期", "revoked": "收回", "unknown": "需要活动链接", "none": "需要活动链接"}[
        case
    ]
    url = "/v"
    if case == "expired":
        event = new_event(client, days=1)
        clock.now += 2 * DAY_S
        url = event["url"]
    elif case == "revoked":
        event = new_event(client)
        revoked = client.delete(f"/admin/events/{event['token']}", headers=AUTH)
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        url = event["url"]
    elif case == "unknown":
        url = "/v?e=not-a-real-token"
    try:
        response = client.get(url)
        assert response.status_code == 403 and expected in response.text
        assert "活动组织方" in response.text and 'id="ask"' not in response.text
        api = client.post("/v/api/ask", json={"question": "贴息"}, headers={"X-Event-Token": url[5:]})
        assert api.status_code == 403 and "活动链接" in api.json()["detail"]
    finally:
        if case == "expired":
            clock.now -= 2 * DAY_S


def test_a_cookie_of_a_link_revoked_later_is_refused_and_dropped(client):
    event = new_event(client)
    enter(client, event)
    assert client.get("/v").status_code == 200
    client.delete(f"/admin/events/{event['token']}", headers=AUTH)
    response = client.get("/v")
    assert response.status_code == 403 and 'ipbot_event=""' in response.headers["set-cookie"]
    assert client.post("/v/api/ask", json={"question": "贴息"}).status_code == 403


def test_admin_event_routes_need_the_token_and_check_their_input(client):
    assert client.post("/admin/events", json={"name": "x", "days": 1}).status_code == 401
    for bad in ({"name": "x", "days": 0}, {"name": "x", "days": 91}, {"name": "   ", "days": 1}, {"days": 1}):
        assert client.post("/admin/events", json=bad, headers=AUTH).status_code == 422
    missing = client.delete("/admin/events/nope", headers=AUTH)
    assert missing.status_code == 404 and "活动链接" in missing.json()["detail"]
    listed = client.get("/admin/events", headers=AUTH).json()
    assert listed and {"token", "name", "url", "expires_at", "state"} <= set(listed[0])


def test_a_question_gets_a_card_with_its_source_validity_and_the_human_channel(client):
    enter(client, new_event(client))
    response = client.post("/v/api/ask", json={"question": "质押融资贴息多少？", "region": "杨浦区"})
    assert response.status_code == 200, response.text
    card = response.json()
    assert (
        card["kind"] == "answer"
        and 0 < len(card["text"]) <= 120
        and re.fullmatch(r"[0-9a-f]{32}", card["answer_id"])
    )
    source = card["sources"][0]
    assert (
        source["label"].startswith("《") and "》" in source["label"] and source["quote"] and source["title"]
    )
    assert source["validity"].startswith(("有效期至", "已过期", "实施期", "未注明有效期"))
    assert "依据" not in card["text"]  # the card shows its sources itself
    assert "12345" in card["channel"] and source["label"] in card["share_text"]
    entry = client.get("/admin/logs", params={"channel": "volunteer"}, headers=AUTH).json()["items"][0]
    assert entry["answer_id"] == card["answer_id"] and entry["region"] == "杨浦区"


def test_a_refusal_card_says_so_and_names_the_channel(client):
    enter(client, new_event(client))
    card = client.post("/v/api/ask", json={"question": "劳动合同到期不续签有没有经济补偿？"}).json()
    assert card["kind"] == "refusal" and card["sources"] == [] and card["text"] and "12345" in card["channel"]


def test_bad_questions_are_refused_in_chinese(client):
    enter(client, new_event(client))
    assert client.post("/v/api/ask", json={"question": "   "}).status_code == 400
    assert client.post("/v/api/ask", json={"question": "贴息", "region": "火星区"}).status_code in (400, 422)
    assert client.post("/v/api/ask", json={"question": "贴息", "extra": 1}).status_code == 422


def test_the_pack_holds_published_answers_and_its_version_changes_on_publish(client, published):
    before = client.get("/v/pack.json").json()
    ids = [i["curated_id"] for i in before["items"]]
    # every published answer, newest first (the copied index may hold answers published by other tests)
    assert {p["id"] for p in published} <= set(ids) and ids == sorted(ids, reverse=True)
    item = before["items"][0]
    assert item["sources"][0]["quote"] and item["sources"][0]["label"].startswith("《")
    assert client.get("/v/pack.json").json()["version"] == before["version"]  # stable while nothing changes
    extra = publish_curated(client, AUTH, 1)[0]
    after = client.get("/v/pack.json").json()
    assert after["version"] != before["version"] and extra["id"] in {i["curated_id"] for i in after["items"]}


def test_a_card_page_is_public_and_a_draft_is_not_shown(client, published):
    client.cookies.clear()
    first = published[0]
    page = client.get(f"/v/c/{first['id']}")
    assert page.status_code == 200 and first["answer"] in page.text and "精选" in page.text
    assert first["citations"][0]["quote"] in page.text
    draft = client.post(
        "/admin/curated",
        json={
            "question": "草稿",
            "answer": "草稿",
            "citations": [
                {"chunk_id": first["citations"][0]["chunk_id"], "quote": first["citations"][0]["quote"]}
            ],
        },
        headers=AUTH,
    ).json()
    assert client.get(f"/v/c/{draft['id']}").status_code == 404
    assert client.get("/v/c/99999").status_code == 404 and client.get("/v/c/abc").status_code == 422


def test_the_card_sheet_has_eight_cards_each_with_a_qr_code_to_its_page(client, published):
    sheet = client.get("/v/cards")
    assert sheet.status_code == 200 and "@media print" not in sheet.text  # the print rules live in the CSS
    cells = re.findall(r'<section class="cell">(.*?)</section>', sheet.text, re.S)
    assert len(cells) == 8 and all("<svg" in cell for cell in cells)
    svg = re.search(r"<svg.*?</svg>", cells[0], re.S).group(0)
    curated_id = re.search(r'data-curated="(\d+)"', cells[0]).group(1)
    url = f"http://testserver/v/c/{curated_id}"
    assert svg_matrix(svg) == expected_matrix(url)
    assert svg_matrix(svg) != expected_matrix(url + "0")
    assert "下一页" in sheet.text  # 9 or more published: a second sheet
    assert "@media print" in client.get("/static/volunteer.css").text


def test_feedback_online_offline_and_gaps_reach_the_console(client, published):
    enter(client, new_event(client))
    card = client.post("/v/api/ask", json={"question": "杨浦区贴息"}).json()
    up = client.post("/v/api/feedback", json={"answer_id": card["answer_id"], "rating": "up"})
    assert up.status_code == 200 and up.json()["answer_id"] == card["answer_id"]
    offline = client.post(
        "/v/api/feedback",
        json={"curated_id": published[0]["id"], "question": "离线问的问题", "rating": "down"},
    )
    assert offline.status_code == 200
    gap = client.post("/v/api/gap", json={"question": "商标被抢注了怎么办？", "region": "杨浦区"})
    assert gap.status_code == 201
    queue = {i["answer_id"]: i for i in client.get("/admin/feedback", headers=AUTH).json()}
    assert queue[card["answer_id"]]["feedback"]["rating"] == "up"
    logged = queue[offline.json()["answer_id"]]
    assert logged["question"] == "离线问的问题" and logged["mode"] == "offline_pack" and logged["citations"]
    gap_entry = queue[gap.json()["answer_id"]]
    assert (
        gap_entry["refused"]
        and gap_entry["reason"] == "stand_gap"
        and gap_entry["feedback"]["rating"] == "down"
    )
    assert client.post("/v/api/feedback", json={"rating": "down"}).status_code == 404
    assert client.post("/v/api/feedback", json={"curated_id": 99999, "rating": "down"}).status_code == 404
    assert client.post("/v/api/gap", json={"question": " "}).status_code == 400


def test_the_service_worker_may_control_the_page(client):
    response = client.get("/v/sw.js")
    assert response.status_code == 200 and response.headers["service-worker-allowed"] == "/v"
    assert "javascript" in response.headers["content-type"] and "/v/pack.json" in response.text


def test_each_link_has_its_own_rate_limit(built_data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(built_data_dir, data)
    settings = ServiceSettings(
        bot=Settings(data_dir=data),
        admin_token=TOKEN,
        rate_per_ip=0,
        rate_per_event=2,
        console_secure_cookie=False,
    )
    with TestClient(create_app(settings), follow_redirects=False) as http:
        one, two = new_event(http), new_event(http)
        ask = lambda event: http.post(  # noqa: E731
            "/v/api/ask", json={"question": "杨浦区贴息"}, headers={"X-Event-Token": event["token"]}
        )
        assert [ask(one).status_code for _ in range(3)] == [200, 200, 429]
        limited = ask(one)
        assert (
            limited.status_code == 429
            and "Retry-After" in limited.headers
            and "活动链接" in limited.json()["detail"]
        )
        assert ask(two).status_code == 200
