"""Curated answers served first (API, stream, hit test, CLI), their pages and API, the feedback queue's
actions and gap list, the hit test's verdicts and threshold, and login rate limiting, through TestClient."""

import json
import re

import pytest

from tests.cli_runner import run_cli
from tests.conftest import REPO
from tests.console_support import CSRF, PASSWORD, console_client, data_with_accounts, log_in

pytestmark = pytest.mark.integration

TOKEN = "q" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "杨浦区对知识产权质押融资贴息多少？"
REWORDED = "请问杨浦区知识产权质押融资贴息是多少"
_CSRF = CSRF


@pytest.fixture(scope="module")
def data(built_data_dir, tmp_path_factory):
    return data_with_accounts(built_data_dir, tmp_path_factory.mktemp("console-curated"), PASSWORD)


@pytest.fixture(scope="module")
def client(data):
    with console_client(data, TOKEN) as http:
        yield http


@pytest.fixture
def browser(client):
    client.cookies.clear()
    return client


def csrf(client, path="/console/curated"):
    return _CSRF.search(client.get(path).text).group(1)


@pytest.fixture(scope="module")
def cited(client):
    """The clause and quote the bot cites for QUESTION (what a curated answer is made from)."""
    body = client.post("/admin/hit-test", json={"question": QUESTION}, headers=AUTH).json()
    answer = body["answer"]
    assert not answer["refused"], answer
    first = next(c for c in body["candidates"] if c["cited"])
    return first["chunk_id"], answer["citations"][0]["quote"][:20]


def new_curated(client, cited, question=QUESTION, answer="贴息比例见所引条款。"):
    chunk_id, quote = cited
    body = {"question": question, "answer": answer, "citations": [{"chunk_id": chunk_id, "quote": quote}]}
    response = client.post("/admin/curated", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_published_curated_answer_is_served_first_on_quick_paths_only(client, cited, data):
    item = new_curated(client, cited)
    assert (
        client.post("/api/chat", json={"question": REWORDED, "quick": True}).json().get("curated_id") is None
    )
    assert client.post(f"/admin/curated/{item['id']}/publish", headers=AUTH).json()["state"] == "published"

    quick = client.post("/api/chat", json={"question": REWORDED, "quick": True}).json()
    assert quick["curated_id"] == item["id"] and quick["answer"].startswith("贴息比例见所引条款。")
    assert quick["citations"][0]["quote"] == cited[1] and quick["citations"][0]["region"] == "杨浦区"
    full = client.post("/api/chat", json={"question": REWORDED}).json()
    assert full.get("curated_id") is None and not full["answer"].startswith("贴息比例见所引条款")
    other = client.post(
        "/api/chat", json={"question": "宝山区对知识产权质押融资贴息多少？", "quick": True}
    ).json()
    assert other.get("curated_id") is None

    stream = client.post("/api/chat/stream?format=ndjson", json={"question": REWORDED, "quick": True})
    final = [json.loads(line) for line in stream.text.splitlines() if line][-1]
    assert final["event"] == "final" and final["data"]["curated_id"] == item["id"]

    logged = client.get("/admin/logs", params={"q": REWORDED, "channel": "api"}, headers=AUTH).json()["items"]
    assert quick["answer_id"] in {e["answer_id"] for e in logged if e["curated_id"] == item["id"]}
    listed = {c["id"]: c for c in client.get("/admin/curated", headers=AUTH).json()}
    assert listed[item["id"]]["hits"] == 2  # the quick answer and the stream

    cli = run_cli(data, ["ask", "--quick", "--json", REWORDED])
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["curated_id"] == item["id"]
    assert client.post(f"/admin/curated/{item['id']}/unpublish", headers=AUTH).json()["state"] == "draft"
    assert (
        client.post("/api/chat", json={"question": REWORDED, "quick": True}).json().get("curated_id") is None
    )


def test_the_api_edits_a_curated_answer_and_checks_it_again(client, cited):
    item = new_curated(client, cited, question="杨浦区质押融资贴息比例？")
    bad = {"question": "q", "answer": "a", "citations": [{"chunk_id": cited[0], "quote": "不在原文里的话"}]}
    response = client.put(f"/admin/curated/{item['id']}", json=bad, headers=AUTH)
    assert response.status_code == 422 and "不在原文里的话" in response.json()["detail"]
    good = {**bad, "citations": [{"chunk_id": cited[0], "quote": cited[1]}]}
    edited = client.put(f"/admin/curated/{item['id']}", json=good, headers=AUTH).json()
    assert edited["question"] == "q" and edited["state"] == "draft" and edited["hits"] == 0
    assert client.put("/admin/curated/9999", json=good, headers=AUTH).status_code == 404
    assert client.post("/admin/curated/9999/unpublish", headers=AUTH).status_code == 404
    assert client.put(f"/admin/curated/{item['id']}", json=good).status_code == 401
    paths = client.get("/openapi.json").json()["paths"]
    assert "put" in paths["/admin/curated/{curated_id}"] and "/admin/curated/{curated_id}/unpublish" in paths


def test_reviewers_draft_and_edit_in_the_console_but_only_admins_publish(browser, cited):
    log_in(browser, "bob")
    form = browser.get("/console/curated/new", params={"chunk_id": cited[0], "question": QUESTION})
    assert form.status_code == 200 and cited[0] in form.text
    token = _CSRF.search(form.text).group(1)
    fields = {"question": "杨浦区贴息？", "answer": "见条款。", "chunk_id": cited[0], "quote": cited[1]}
    assert browser.post("/console/curated", data=fields).status_code == 403  # no CSRF token
    bad = browser.post("/console/curated", data={**fields, "quote": "编造的原文", "csrf_token": token})
    assert bad.status_code == 422 and "编造的原文" in bad.text
    saved = browser.post("/console/curated", data={**fields, "csrf_token": token})
    assert saved.status_code == 303
    curated_id = int(saved.headers["location"].rsplit("#c", 1)[1])
    edit = browser.post(
        f"/console/curated/{curated_id}", data={**fields, "answer": "改过的回答。", "csrf_token": token}
    )
    assert edit.status_code == 303
    page = browser.get("/console/curated").text
    assert "改过的回答。" in page and f"/console/curated/{curated_id}/publish" not in page
    assert (
        browser.post(f"/console/curated/{curated_id}/publish", data={"csrf_token": token}).status_code == 403
    )

    browser.cookies.clear()
    log_in(browser, "alice")
    token = csrf(browser)
    assert browser.post(f"/console/curated/{curated_id}/publish", data={}).status_code == 403  # CSRF
    assert (
        browser.post(f"/console/curated/{curated_id}/publish", data={"csrf_token": token}).status_code == 303
    )
    row = re.search(rf'<tr id="c{curated_id}".*?</tr>', browser.get("/console/curated").text, re.S).group(0)
    assert "已发布" in row and "/unpublish" in row and 'class="num hits">0<' in row
    assert (
        browser.post(f"/console/curated/{curated_id}/unpublish", data={"csrf_token": token}).status_code
        == 303
    )
    assert "草稿" in re.search(
        rf'<tr id="c{curated_id}".*?</tr>', browser.get("/console/curated").text, re.S
    ).group(0)


def test_feedback_is_marked_read_made_into_a_draft_and_listed_as_a_gap(browser, client):
    answer = client.post("/api/chat", json={"question": QUESTION}).json()
    client.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "不对"})
    refused = client.post("/api/chat", json={"question": "劳动合同到期不续签有没有经济补偿？"}).json()
    client.post("/api/chat", json={"question": "请问劳动合同到期不续签有没有经济补偿"})
    assert refused["refused"]
    log_in(browser, "bob")
    page = browser.get("/console/feedback").text
    row = re.search(rf'<tr class="down" id="f-{answer["answer_id"]}">.*?</tr>', page, re.S).group(0)
    assert "未读" in row and f"/console/curated/new?answer_id={answer['answer_id']}" in row
    assert "/console/eval/sets/feedback/questions" in row and "/console/hit-test?question=" in row
    gaps = page[page.index('id="gaps"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", gaps))
    assert (
        "2 请问劳动合同到期不续签有没有经济补偿 相近的问法 劳动合同到期不续签有没有经济补偿？ 2 / 0" in text
    )
    assert text.index("劳动合同") < text.index(QUESTION)  # asked twice: first

    token = csrf(browser, "/console/feedback")
    url = f"/console/feedback/{answer['answer_id']}/read"
    assert browser.post(url, data={"read": "true"}).status_code == 403
    assert browser.post(url, data={"read": "true", "csrf_token": token}).status_code == 303
    assert 'class="down read"' in browser.get("/console/feedback").text
    assert client.get("/admin/feedback", headers=AUTH).json()[-1]["feedback"]["read"] in (True, False)
    assert browser.post("/console/feedback/nope/read", data={"csrf_token": token}).status_code == 404

    draft = browser.get("/console/curated/new", params={"answer_id": answer["answer_id"]}).text
    assert QUESTION in draft and answer["citations"][0]["quote"][:10] in draft
    assert browser.get("/console/curated/new", params={"answer_id": "nope"}).status_code == 404
    hit = browser.get("/console/hit-test", params={"question": QUESTION}).text
    assert f'value="{QUESTION}"' in hit


def test_the_hit_test_draws_the_threshold_and_says_why_each_candidate_stayed_or_went(browser):
    log_in(browser, "bob")
    token = csrf(browser, "/console/hit-test")
    page = browser.post("/console/hit-test", data={"question": QUESTION, "csrf_token": token}).text
    shipped = json.loads((REPO / "data" / "calibration.json").read_text("utf-8"))["evidence"]["value"]
    assert f'id="threshold">{shipped:.3f}<' in page  # data/calibration.json's evidence threshold
    assert page.count(f'class="marker" style="left: {round(shipped * 100, 1)}%"') >= 5
    verdicts = re.findall(r'<td class="verdict">([^<]+)</td>', page)
    assert "被引用" in verdicts and set(verdicts) <= {
        "被引用",
        "其他区的文件",
        "名次靠后（只取前 3 条取证）",
        "低于证据门槛",
        "已有更好的条款",
        "问题被拒答",
    }
    assert "其他区的文件" in verdicts or "名次靠后（只取前 3 条取证）" in verdicts
    assert "/console/clause?doc_id=" in page and "/chunks/" in page and "/disable" in page
    assert "/console/curated/new?chunk_id=" in page and "有效期" in page
    history = browser.get("/console/hit-test").text
    assert 'id="history"' in history and QUESTION in history[history.index('id="history"') :]
    doc_id = re.search(r"/console/clause\?doc_id=([^&]+)&", page).group(1)
    assert browser.get(f"/console/clause?doc_id={doc_id}").status_code == 200
    assert browser.get("/console/clause?doc_id=nope").status_code == 404


def test_login_is_rate_limited_per_name_and_address(browser):
    for _ in range(5):
        assert log_in(browser, "carol", "wrong-password").status_code == 401
    locked = log_in(browser, "carol", "wrong-password")
    assert (
        locked.status_code == 429
        and "登录失败次数过多" in locked.text
        and int(locked.headers["Retry-After"]) > 0
    )
    assert log_in(browser, "alice").status_code == 429  # the same address, whatever the name


def test_a_curated_answer_quoting_a_clause_switched_off_is_not_served(client, cited):
    item = new_curated(client, cited, question="杨浦区的贴息按什么比例给？")
    assert client.post(f"/admin/curated/{item['id']}/publish", headers=AUTH).json()["state"] == "published"
    body = client.post("/admin/hit-test", json={"question": QUESTION}, headers=AUTH).json()
    doc_id = next(c for c in body["candidates"] if c["chunk_id"] == cited[0])["doc_id"]
    switch = f"/admin/documents/{doc_id}/chunks/{cited[0]}"
    ask = {"question": "杨浦区的贴息按什么比例给？", "quick": True}
    assert client.post("/api/chat", json=ask).json().get("curated_id") == item["id"]
    assert client.post(f"{switch}/disable", headers=AUTH).status_code == 200
    try:
        assert client.post("/api/chat", json=ask).json().get("curated_id") is None
    finally:
        assert client.post(f"{switch}/enable", headers=AUTH).status_code == 200
    assert client.post("/api/chat", json=ask).json().get("curated_id") == item["id"]
    client.post(f"/admin/curated/{item['id']}/unpublish", headers=AUTH)


def test_publishing_and_unpublishing_are_in_the_audit_log(client, cited):
    item = new_curated(client, cited, question="杨浦区贴息的审计测试问题？")
    client.post(f"/admin/curated/{item['id']}/publish", headers=AUTH)
    client.post(f"/admin/curated/{item['id']}/unpublish", headers=AUTH)
    entries = client.get("/admin/audit", params={"action": "curated."}, headers=AUTH).json()
    rows = entries["items"] if isinstance(entries, dict) else entries
    actions = [(e["action"], e["target"]) for e in rows if e["target"] == str(item["id"])]
    assert ("curated.publish", str(item["id"])) in actions and (
        "curated.unpublish",
        str(item["id"]),
    ) in actions


def test_the_feedback_queue_and_gap_list_are_json_for_automation(client):
    answer = client.post("/api/chat", json={"question": "松江区知识产权纠纷调解员怎么培养？"}).json()
    client.post(
        "/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "reason": "答非所问"}
    )
    for question in ("员工加班费怎么算？", "请问员工加班费怎么算"):
        assert client.post("/api/chat", json={"question": question}).json()["refused"]
    url = f"/admin/feedback/{answer['answer_id']}/read"
    assert client.post(url).status_code == 401  # the bearer token is required
    assert client.post(url, headers=AUTH).json() == {"answer_id": answer["answer_id"], "read": True}
    rows = {r["answer_id"]: r for r in client.get("/admin/feedback", headers=AUTH).json()}
    assert rows[answer["answer_id"]]["feedback"]["read"] is True
    assert client.post(url, params={"read": "false"}, headers=AUTH).json()["read"] is False
    assert client.post("/admin/feedback/nope/read", headers=AUTH).status_code == 404
    gaps = client.get("/admin/gaps", headers=AUTH).json()
    overtime = next(g for g in gaps if "加班费" in g["question"])
    assert (
        overtime["count"] >= 2
        and overtime["refused"] >= 2
        and len(overtime["answer_ids"]) == overtime["count"]
    )
    assert any(answer["answer_id"] in g["answer_ids"] for g in gaps)
