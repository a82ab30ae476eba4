"""The staff console in Debian's chromium (Playwright), against a real `ipbot serve` subprocess.

Screenshots go to var/test-artifacts/console/ (not committed). Without /usr/bin/chromium (`make browser`
installs it as root) the tier skips with the reason, except on CI, where it fails."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.ipbot_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    add_user,
    ipbot,
    ipbot_env,
    ipbot_serve,
    need_browser,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = REPO / "var" / "test-artifacts" / "console"
TOKEN = "b" * 16 + "0123456789abcdef"
PASSWORD = "browser-pass-1"
QUESTION = "杨浦区贴息"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def data(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the corpus index, shared by the server and the CLI runs of this module."""
    need_browser()
    target = tmp_path_factory.mktemp("console-browser") / "data"
    shutil.copytree(built_data_dir, target)
    return target


SERVED = {"ADMIN_TOKEN": TOKEN, "IPBOT_CONSOLE_SECURE_COOKIE": "0", "IPBOT_RATE_PER_IP": "0"}


@pytest.fixture(scope="module")
def server(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ipbot serve` on a free port over a private copy of the corpus index, with an admin account."""
    add_user(data, SERVED, "alice", "admin", PASSWORD)
    with ipbot_serve(data, tmp_path_factory.mktemp("console-browser-log") / "serve.log", SERVED) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=server, accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="zh-CN"
        )
        outside: list[str] = []

        def no_network(route: Any) -> None:
            """Only the server itself answers; anything else is refused and noted."""
            url = route.request.url
            if urlsplit(url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("http*://**/*", no_network)
        yield context.new_page()
        browser.close()
        # ReDoc's sidebar footer asks for Redocly's logo and hides it when that fails; nothing else may leave.
        assert [u for u in outside if u != REDOC_LOGO] == [], (
            f"the console fetched from the network: {outside}"
        )


def test_log_in_and_run_a_hit_test(page) -> None:
    page.goto("/console/hit-test")
    assert page.url.endswith("/console/login")
    page.screenshot(path=ARTIFACTS / "login.png")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url("**/console/hit-test")
    page.fill("input[name=question]", QUESTION)
    page.click("button:has-text('测试')")
    page.wait_for_selector("#candidates tbody tr")
    assert page.url.endswith("/console/hit-test")  # htmx swapped the result in
    rows = page.locator("#candidates tbody tr")
    assert rows.count() >= 3
    first = rows.first.inner_text()
    assert (
        "被引用" in page.locator("#candidates").inner_text()
        and "（1）" in page.locator("#candidates").inner_text()
    )
    assert any(ch.isdigit() for ch in first)
    assert "50%" in page.locator("#result").inner_text()
    page.screenshot(path=ARTIFACTS / "hit-test.png", full_page=True)


def test_a_refusal_shows_its_reason(page) -> None:
    page.goto("/console/hit-test")
    page.fill("input[name=question]", "劳动合同到期不续签有没有经济补偿？")
    page.click("button:has-text('测试')")
    page.wait_for_selector("#refusal-reason")
    assert page.inner_text("#refusal-reason") == "依据不足"


def test_a_chat_answer_is_in_the_log_and_exports_as_csv(page, server: str) -> None:
    answer_id = httpx.post(f"{server}/api/chat", json={"question": QUESTION}, timeout=60).json()["answer_id"]
    page.goto("/console/logs")
    page.fill("input[name=q]", QUESTION)
    page.select_option("select[name=channel]", "api")
    page.click("button:has-text('筛选')")
    page.wait_for_selector(f"text={answer_id}", state="attached")
    page.screenshot(path=ARTIFACTS / "logs.png", full_page=True)
    with page.expect_download() as info:
        page.click("#export-csv")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert answer_id in [r["answer_id"] for r in rows] and all(r["channel"] == "api" for r in rows)


def test_feedback_queue_and_api_docs_render_offline(page, server: str) -> None:
    answer_id = httpx.post(f"{server}/api/chat", json={"question": "杨浦区专利资助"}, timeout=60).json()[
        "answer_id"
    ]
    given = {"answer_id": answer_id, "rating": "down", "reason": "数字不对", "comment": "金额与原文不符"}
    assert httpx.post(f"{server}/api/feedback", json=given, timeout=10).status_code == 200
    page.goto("/console/feedback")
    assert "金额与原文不符" in page.locator("#feedback tbody tr").first.inner_text()
    page.screenshot(path=ARTIFACTS / "feedback.png", full_page=True)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "ipbot" in page.inner_text(".swagger-ui .info .title")
    page.screenshot(path=ARTIFACTS / "docs.png")
    page.goto("/redoc")
    page.wait_for_selector("redoc h1, [role=main] h1", timeout=30_000)


# The small PNGs for docs/console.md go with the artefacts; `IPBOT_DOC_SHOTS=docs/img` writes them in place
# (a test run never changes tracked files unless asked to).
DOC_IMAGES = Path(os.environ.get("IPBOT_DOC_SHOTS") or ARTIFACTS)


def _doc_image(page: Any, selector: str, name: str) -> None:
    """A small PNG of one part of a page for docs/console.md (at most 900 px wide)."""
    from PIL import Image

    shot = ARTIFACTS / f"{name}-full.png"
    page.locator(selector).screenshot(path=shot)
    with Image.open(shot) as image:
        scale = min(1.0, 900 / image.width)
        small = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.LANCZOS)
        small = small.crop((0, 0, small.width, min(small.height, 700)))
        small.convert("P", palette=Image.Palette.ADAPTIVE, colors=128).save(
            DOC_IMAGES / f"{name}.png", optimize=True
        )


def test_a_down_vote_worked_into_a_published_curated_answer_is_served_by_ipbot_ask_quick(
    page, server: str, data: Path
) -> None:
    answer = httpx.post(f"{server}/api/chat", json={"question": QUESTION}, timeout=60).json()
    quote = answer["citations"][0]["quote"]
    given = {
        "answer_id": answer["answer_id"],
        "rating": "down",
        "reason": "太长",
        "comment": "要一句话的答案",
    }
    assert httpx.post(f"{server}/api/feedback", json=given, timeout=10).status_code == 200
    httpx.post(f"{server}/api/chat", json={"question": "劳动合同到期不续签有没有经济补偿？"}, timeout=60)
    httpx.post(f"{server}/api/chat", json={"question": "请问劳动合同到期不续签有经济补偿吗"}, timeout=60)

    page.goto("/console/feedback")
    row = page.locator(f"#f-{answer['answer_id']}")
    assert "未读" in row.inner_text()
    page.locator("#gaps").scroll_into_view_if_needed()
    gaps = page.locator("#gaps tbody tr").first.inner_text()
    assert gaps.startswith("2") and "劳动合同" in gaps
    page.screenshot(path=ARTIFACTS / "feedback-queue.png", full_page=True)
    _doc_image(page, "main", "console-feedback")
    row.locator("button:has-text('标为已读')").click()
    page.wait_for_url("**/console/feedback")
    assert "已读" in page.locator(f"#f-{answer['answer_id']}").inner_text()

    page.locator(f"#f-{answer['answer_id']} a:has-text('做成精选答案')").click()
    page.wait_for_url("**/console/curated/new**")
    assert page.input_value("input[name=question]") == QUESTION
    assert page.locator("input[name=quote]").first.input_value() == quote
    page.fill("textarea[name=answer]", "杨浦区对知识产权质押融资给予贴息，比例见所引条款。")
    page.click("button:has-text('保存草稿')")
    page.wait_for_url("**/console/curated#c*")
    page.locator("#curated tbody tr").first.locator("button:has-text('发布')").click()
    page.wait_for_url("**/console/curated#c*")
    first = page.locator("#curated tbody tr").first
    assert "已发布" in first.inner_text()
    curated_id = int(first.get_attribute("id").removeprefix("c"))

    asked = subprocess.run(
        [*ipbot(), "ask", "--quick", "--json", f"请问{QUESTION}"],
        env=ipbot_env(data, SERVED),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    served = json.loads(asked.stdout)
    assert served["curated_id"] == curated_id and served["answer"].startswith(
        "杨浦区对知识产权质押融资给予贴息"
    )
    assert served["citations"][0]["quote"] == quote and served["citations"][0]["region"] == "杨浦区"
    page.reload()
    assert page.locator(f"#c{curated_id} .hits").inner_text() == "1"
    page.screenshot(path=ARTIFACTS / "curated.png", full_page=True)
    _doc_image(page, "main", "console-curated")


def test_the_hit_test_draws_the_threshold_against_the_scores(page) -> None:
    page.goto("/console/hit-test")
    page.fill("input[name=question]", "杨浦区对知识产权质押融资贴息多少？")
    page.click("button:has-text('测试')")
    page.wait_for_selector("#candidates tbody tr")
    shipped = json.loads((Path(__file__).parents[2] / "data" / "calibration.json").read_text("utf-8"))
    evidence = shipped["evidence"]["value"]
    assert page.inner_text("#threshold") == f"{evidence:.3f}"
    markers = page.locator("#candidates .marker")
    assert markers.count() == page.locator("#candidates tbody tr").count()
    fill, marker = page.locator("#candidates .fill").first.bounding_box(), markers.first.bounding_box()
    bar = page.locator("#candidates .bar").first.bounding_box()
    assert bar["x"] < marker["x"] < bar["x"] + bar["width"] * 2 * evidence  # the threshold's share of the bar
    assert fill["width"] > marker["x"] - bar["x"]  # the cited clause clears the threshold
    verdicts = page.locator("#candidates td.verdict").all_inner_texts()
    assert verdicts[0] == "被引用" and len(set(verdicts)) >= 2
    page.screenshot(path=ARTIFACTS / "hit-test-threshold.png", full_page=True)
    _doc_image(page, "main", "console-hit-test")
