"""The staff console's pages through TestClient: login, roles, CSRF, hit test, log, export, feedback, docs."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.cli_runner import run_cli
from tests.console_support import CSRF, PASSWORD, console_client, csrf_of, data_with_accounts, log_in

pytestmark = pytest.mark.integration

TOKEN = "p" * 16 + "0123456789abcdef"
QUESTION = "杨浦区贴息"
PAGES = ("/console", "/console/hit-test", "/console/logs", "/console/feedback", "/console/logs/export")
_CSRF = CSRF


@pytest.fixture(scope="module")
def data(built_data_dir, tmp_path_factory):
    return data_with_accounts(built_data_dir, tmp_path_factory.mktemp("console-pages"), PASSWORD)


@pytest.fixture(scope="module")
def client(data):
    with console_client(data, TOKEN) as http:
        yield http


@pytest.fixture
def browser(client):
    """The module's client with no cookies: a fresh browser."""
    client.cookies.clear()
    return client


def test_no_page_is_reachable_logged_out(browser):
    for path in PAGES:
        response = browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] in ("/console/login", "/console/hit-test")
    for path in ("/console/hit-test", "/console/logout"):
        assert browser.post(path, data={"question": QUESTION}).headers["location"] == "/console/login"
    htmx = browser.post("/console/hit-test", data={"question": QUESTION}, headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/console/login"
    browser.cookies.set("ipbot_console", "forged.cookie", path="/console")
    assert browser.get("/console/logs").status_code == 303


def test_login_sets_a_signed_httponly_strict_cookie_and_checks_password_and_csrf(browser):
    assert log_in(browser, password="wrong-password").status_code == 401
    assert "用户名或密码不对" in log_in(browser, name="nobody").text
    no_csrf = browser.post("/console/login", data={"name": "alice", "password": PASSWORD})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"] == "forbidden"
    response = log_in(browser)
    assert response.status_code == 303 and response.headers["location"] == "/console/hit-test"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    page = browser.get("/console/hit-test")
    assert page.status_code == 200 and "alice（管理员）" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_hit_test_page_shows_the_answer_and_every_candidates_scores(browser):
    log_in(browser, "bob")
    token = csrf_of(browser.get("/console/hit-test").text)
    forged = browser.post("/console/hit-test", data={"question": QUESTION, "csrf_token": "x"})
    assert forged.status_code == 403
    page = browser.post("/console/hit-test", data={"question": QUESTION, "csrf_token": token})
    assert page.status_code == 200 and "<html" in page.text
    assert 'id="candidates"' in page.text and "50%" in page.text and "已回答" in page.text
    fragment = browser.post(
        "/console/hit-test",
        data={"question": "劳动合同到期不续签有没有经济补偿？"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert "<html" not in fragment.text and "拒答" in fragment.text and "依据不足" in fragment.text
    empty = browser.post("/console/hit-test", data={"question": "  ", "csrf_token": token})
    assert "问题为空" in empty.text


def test_the_log_page_finds_a_chat_answer_and_only_admins_export(browser):
    answer_id = browser.post("/api/chat", json={"question": QUESTION}).json()["answer_id"]
    log_in(browser, "bob")
    page = browser.get("/console/logs", params={"q": QUESTION, "channel": "api"})
    assert page.status_code == 200 and answer_id in page.text and "导出 CSV" not in page.text
    assert browser.get("/console/logs/export", params={"format": "csv"}).status_code == 403
    assert "不是日期" in browser.get("/console/logs", params={"since": "x"}).text
    log_in(browser, "alice")
    page = browser.get("/console/logs", params={"q": QUESTION})
    assert 'id="export-csv"' in page.text
    export = browser.get("/console/logs/export", params={"format": "csv", "q": QUESTION, "channel": "api"})
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert answer_id in [r["answer_id"] for r in rows]


def test_the_feedback_page_lists_down_votes_first(browser):
    up = browser.post("/api/chat", json={"question": QUESTION}).json()["answer_id"]
    down = browser.post("/api/chat", json={"question": "杨浦区专利资助"}).json()["answer_id"]
    browser.post("/api/feedback", json={"answer_id": up, "rating": "up"})
    browser.post(
        "/api/feedback", json={"answer_id": down, "rating": "down", "reason": "数字不对", "comment": "金额错"}
    )
    log_in(browser, "bob")
    page = browser.get("/console/feedback").text
    assert page.index("金额错") < page.index("👍 好评<br>")
    assert "金额错" not in browser.get("/console/feedback", params={"rating": "up"}).text


def test_logout_needs_csrf_and_ends_the_session(browser):
    log_in(browser)
    token = csrf_of(browser.get("/console/hit-test").text)
    assert browser.post("/console/logout").status_code == 403
    response = browser.post("/console/logout", data={"csrf_token": token})
    assert response.headers["location"] == "/console/login"
    assert browser.get("/console/hit-test").status_code == 303


def test_api_docs_render_from_local_files(browser):
    for path, asset in (
        ("/docs", "/static/swagger-ui-bundle-5.35.0.js"),
        ("/redoc", "/static/redoc-2.5.4.standalone.js"),
    ):
        html = browser.get(path).text
        assert asset in html and "cdn" not in html and "fonts.googleapis" not in html
        assert not re.search(r'(src|href)="https?://', html)
        assert browser.get(asset).status_code == 200
    assert browser.get("/static/htmx-2.0.4.min.js").status_code == 200


def test_without_admin_token_the_console_is_not_served(built_data_dir):
    with TestClient(
        create_app(ServiceSettings(bot=Settings(data_dir=built_data_dir))), follow_redirects=False
    ) as c:
        assert c.get("/console/login").status_code == 404
        assert c.get("/docs").status_code == 200


def test_user_add_refuses_a_short_password(data):
    result = run_cli(data, ["user", "add", "carol"], stdin="short\n")
    assert result.returncode == 2 and "密码太短" in result.stderr
