"""The 文件, 评测 and 用户 pages in Debian's chromium against a real `ipbot serve`: upload a .docx and see
its clause tree, switch a clause off, run an evaluation and see its metrics, add a user.

Screenshots go to var/test-artifacts/console/ (not committed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.ipbot_server import CHROMIUM, CHROMIUM_ARGS, add_user, ipbot_serve, need_browser
from tests.browser.test_console_browser import ARTIFACTS

pytestmark = [pytest.mark.integration, pytest.mark.browser]

TOKEN = "d" * 16 + "0123456789abcdef"
PASSWORD = "browser-pass-2"
TITLE = "浏览器测试区专利资助办法"
ARTICLES = [
    "第一条 为了鼓励发明创造，根据有关规定，制定本办法。",
    "第二条 对获得授权的发明专利，每件资助八千元。",
    "第三条 对获得授权的实用新型专利，每件资助一千元。",
    "第四条 本办法自2026年1月1日起施行。",
]
EVAL_SET = [
    {
        "id": "B1",
        "question": "宝山区帮多少家企业申请了专利快速预审备案？",
        "answerable": True,
        "gold": [{"doc": "000", "span": "帮扶60家企业申请专利快速预审备案"}],
        "facts": ["60"],
    },
    {"id": "B2", "question": "北京市的专利资助标准是什么？", "answerable": False},
]


def make_docx(path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading(TITLE, level=1)
    for article in ARTICLES:
        document.add_paragraph(article)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def server(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ipbot serve` with an admin account and a folder holding one small question set."""
    need_browser()
    data = tmp_path_factory.mktemp("console-docs-browser") / "data"
    shutil.copytree(built_data_dir, data)
    sets = tmp_path_factory.mktemp("eval-sets")
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in EVAL_SET)
    (sets / "smoke.jsonl").write_text(lines, encoding="utf-8")
    env = {
        "ADMIN_TOKEN": TOKEN,
        "IPBOT_CONSOLE_SECURE_COOKIE": "0",
        "IPBOT_RATE_PER_IP": "0",
        "IPBOT_EVAL_DIR": str(sets),
    }
    add_user(data, env, "alice", "admin", PASSWORD)
    with ipbot_serve(data, tmp_path_factory.mktemp("console-docs-log") / "serve.log", env) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=server, viewport={"width": 1100, "height": 720}, locale="zh-CN"
        )
        outside: list[str] = []

        def no_network(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("http*://**/*", no_network)
        page = context.new_page()
        page.goto("/console/login")
        page.fill("input[name=name]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url("**/console/hit-test")
        yield page
        browser.close()
        assert outside == [], f"the console fetched from the network: {outside}"


def test_upload_a_docx_and_see_its_clause_tree(page: Any, tmp_path: Path) -> None:
    docx = make_docx(tmp_path / f"{TITLE}.docx")
    page.goto("/console/documents")
    page.set_input_files("input[name=files]", [str(docx)])
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector("#job .outcomes", timeout=120_000)  # htmx polls the job until it is done
    assert f"✅ {TITLE}.docx" in page.inner_text("#job")
    page.click(f"#job a:has-text('{TITLE}')")
    page.wait_for_selector("#tree")
    tree = page.inner_text("#tree")
    assert all(label in tree for label in ("第一条", "第二条", "第三条", "第四条"))
    assert page.locator("#no-clauses").count() == 0
    page.locator("#tree .chunk button:has-text('停用')").nth(1).click()
    page.wait_for_selector("#tree .chunk .tag.refused")
    assert page.locator("#tree .chunk.off").count() == 1
    page.screenshot(path=ARTIFACTS / "documents-structure.png")
    page.goto("/console/documents")
    assert TITLE in page.inner_text("#documents")
    page.screenshot(path=ARTIFACTS / "documents.png")


def test_run_an_evaluation_and_see_its_metrics(page: Any) -> None:
    page.goto("/console/eval")
    row = page.locator("#sets tr", has_text="smoke")
    row.locator("button:has-text('运行评测')").click()
    page.wait_for_url("**/console/eval/runs/*")
    page.wait_for_selector("#metrics", timeout=300_000)  # htmx polls the run until it is done
    metrics = page.inner_text("#metrics")
    assert "首位命中率" in metrics and "100.0%" in metrics
    assert page.locator("#questions tbody tr").count() == len(EVAL_SET)
    page.screenshot(path=ARTIFACTS / "eval.png", full_page=True)


def test_add_a_user(page: Any) -> None:
    page.goto("/console/users")
    page.fill(".add-user input[name=name]", "bob")
    page.fill(".add-user input[name=password]", "reviewer-pass-1")
    page.click(".add-user button:has-text('添加')")
    page.wait_for_selector("text=已添加用户 bob")
    assert "审核员" in page.locator("#users tr", has_text="bob").inner_text()
    page.screenshot(path=ARTIFACTS / "users.png")
