"""The volunteer page on a phone-sized Chromium (Playwright) against a real `ipbot serve`: ask and see the
card with its source, answer offline from the pack, queue 👎 offline, print the QR sheet, refuse an old link.

Screenshots go to var/test-artifacts/volunteer/ (the ones in docs/img/ are copies picked by hand)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from service.volunteer.events import DAY_S, EventStore
from tests.browser.ipbot_server import CHROMIUM, CHROMIUM_ARGS, REPO, ipbot_serve, need_browser
from tests.fakes.live_server import wait_until
from tests.qr_read import expected_matrix, svg_matrix
from tests.volunteer_support import publish_curated

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = REPO / "var" / "test-artifacts" / "volunteer"
TOKEN = "w" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PHONE: ViewportSize = {"width": 390, "height": 844}
FIRST_LOAD_LIMIT = 100 * 1024


@pytest.fixture(scope="module")
def stand(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The server, 8 published curated answers, a valid event link and one that expired yesterday."""
    need_browser()
    data = tmp_path_factory.mktemp("volunteer-browser") / "data"
    shutil.copytree(built_data_dir, data)
    env = {"ADMIN_TOKEN": TOKEN, "IPBOT_CONSOLE_SECURE_COOKIE": "0", "IPBOT_RATE_PER_IP": "0"}
    log = tmp_path_factory.mktemp("volunteer-browser-log") / "serve.log"
    with ipbot_serve(data, log, env) as base, httpx.Client(base_url=base, timeout=60) as admin:
        published = publish_curated(admin, AUTH, 8)
        event = admin.post("/admin/events", json={"name": "园区宣讲", "days": 2}, headers=AUTH).json()
        old = EventStore(data / "state.sqlite", clock=lambda: time.time() - 3 * DAY_S).create("上月活动", 1)
        yield {"base": base, "admin": admin, "published": published, "event": event, "expired": old.token}


@pytest.fixture(scope="module")
def context(stand: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=stand["base"],
            viewport=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        outside: list[str] = []
        context.on(
            "request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None
        )
        yield context
        browser.close()
        assert outside == [], f"the volunteer page fetched from outside: {outside}"


@pytest.fixture(scope="module")
def page(context: Any, stand: dict[str, Any]) -> Any:
    page = context.new_page()
    page.goto(stand["event"]["url"])
    page.wait_for_selector("#pack:has-text('离线包')")
    return page


def first_load_bytes(page: Any) -> int:
    """Bytes transferred for the page and everything it fetched (navigation and resource timing)."""
    return int(
        page.evaluate(
            """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                 .reduce((sum, e) => sum + e.transferSize, 0)"""
        )
    )


def test_the_first_load_is_small_and_drops_the_token_from_the_address(page, stand) -> None:
    assert urlsplit(page.url).path == "/v" and "e=" not in page.url
    assert 0 < first_load_bytes(page) < FIRST_LOAD_LIMIT
    assert page.locator(".chip").count() == 6
    assert page.locator("#suggest option").count() >= len(stand["published"])


def test_ask_a_question_and_see_the_card_with_its_source(page) -> None:
    page.select_option("#region", "杨浦区")
    page.fill("#q", "质押融资贴息多少？")
    page.click("button:has-text('问')")
    card = page.locator("#answer .card")
    card.wait_for()
    assert "依据《" in card.inner_text() and "其他问题" in card.inner_text()
    page.click("#answer .src summary")
    assert page.locator("#answer .src blockquote").first.is_visible()
    assert page.locator("#offline").is_hidden()
    page.screenshot(path=ARTIFACTS / "card.png")
    page.reload()  # the district is remembered on the device
    assert page.input_value("#region") == "杨浦区"


def test_offline_the_pack_answers_with_the_banner_and_feedback_waits(page, context, stand) -> None:
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()  # now controlled by the service worker, which cached the page and the pack
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    target = stand["published"][3]
    context.set_offline(True)
    try:
        page.reload()  # served from the service worker's cache
        page.wait_for_selector("#pack:has-text('离线包')")
        assert page.locator("#offline").is_visible() and page.inner_text("#offline") == "离线：仅精选答案"
        page.fill("#q", target["question"])
        page.click("button:has-text('问')")
        card = page.locator("#answer .card")
        card.wait_for()
        assert target["answer"] in card.inner_text() and "精选" in card.inner_text()
        assert "依据《" in card.inner_text()
        page.click("#answer .rate[data-rating=down]")
        page.wait_for_selector("#status:has-text('已暂存')")
        page.screenshot(path=ARTIFACTS / "offline.png")
        rated = lambda: [  # noqa: E731
            i
            for i in stand["admin"].get("/admin/feedback", headers=AUTH).json()
            if i["mode"] == "offline_pack" and i["question"] == target["question"]
        ]
        assert rated() == []
    finally:
        context.set_offline(False)
    wait_until(lambda: bool(rated()), timeout=30, what="the queued 👎 to arrive")
    assert rated()[0]["feedback"]["rating"] == "down"
    assert page.locator("#offline").is_hidden()


def test_the_print_view_has_eight_cards_with_decodable_qr_codes(context, stand) -> None:
    sheet = context.new_page()
    sheet.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    sheet.goto("/v/cards")
    sheet.emulate_media(media="print")
    cells = sheet.locator(".cell")
    assert cells.count() == 8 and sheet.locator(".cell svg").count() == 8
    assert sheet.locator(".sheet-head").is_hidden()  # the print stylesheet hides the screen header
    first = cells.first
    curated_id = first.locator(".card").get_attribute("data-curated")
    svg = first.locator("svg").evaluate("node => node.outerHTML")
    assert svg_matrix(svg) == expected_matrix(f"{stand['base']}/v/c/{curated_id}")
    sheet.screenshot(path=ARTIFACTS / "print.png", full_page=True)
    sheet.close()


def test_an_expired_event_link_is_refused(context, stand) -> None:
    other = context.new_page()
    response = other.goto(f"/v?e={stand['expired']}")
    assert response.status == 403
    assert "已过期" in other.inner_text("body") and other.locator("#ask").count() == 0
    other.close()
