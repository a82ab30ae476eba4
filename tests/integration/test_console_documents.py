"""The 文件, 评测, 用户 and 审计 pages and their admin JSON through TestClient: roles, CSRF, uploads with
their clause trees, clause switches seen by the hit test, evaluation runs and their differences."""

import json
import re
import time

import pytest

from cli.evaluator import QualityEvaluator
from tests.console_support import CSRF, PASSWORD, console_client, csrf_of, data_with_accounts
from tests.console_support import log_in as fill_in_login

pytestmark = pytest.mark.integration

TOKEN = "q" * 16 + "0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
_CSRF = CSRF
STATUTE = (
    "测试区专利资助办法\n\n第一条 为了鼓励发明创造，制定本办法。\n\n"
    "第二条 对获得授权的发明专利，每件资助八千元。\n\n第三条 本办法自2020年1月1日起施行，有效期至2021年12月31日。\n"
)
PLAIN = "随手记\n\n今天开会讨论了园区的绿化。\n\n下周继续讨论食堂的菜单。\n"
QUESTION = "测试区发明专利授权后每件资助多少钱？"
PAGES = ("/console/documents", "/console/eval", "/console/users", "/console/audit", "/console/jobs/x")


@pytest.fixture(scope="module")
def data(built_data_dir, tmp_path_factory):
    return data_with_accounts(built_data_dir, tmp_path_factory.mktemp("console-documents"), PASSWORD)


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval-sets")
    row = {
        "id": "B1",
        "question": "宝山区帮多少家企业申请了专利快速预审备案？",
        "answerable": True,
        "gold": [{"doc": "000", "span": "帮扶60家企业申请专利快速预审备案"}],
        "facts": ["60"],
    }
    (folder / "bundled.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(data, eval_dir):
    with console_client(data, TOKEN, evaluator=QualityEvaluator(), eval_dir=eval_dir) as http:
        yield http


def log_in(client, name="alice"):
    """A fresh browser logged in as `name`; the CSRF token of its pages."""
    client.cookies.clear()
    assert fill_in_login(client, name).status_code == 303
    return csrf_of(client.get("/console/hit-test").text)


def wait_for_job(client, job_id):
    for _ in range(600):
        html = client.get(f"/console/jobs/{job_id}").text
        if "every 1s" not in html:
            return html
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def wait_for_run(client, run_id):
    for _ in range(900):
        run = client.get(f"/admin/eval/runs/{run_id}", headers=BEARER).json()
        if run["state"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError("evaluation did not finish")


def upload(client, csrf, files):
    response = client.post(
        "/console/documents/upload",
        data={"csrf_token": csrf},
        files=[("files", (name, body.encode("utf-8"), "text/plain")) for name, body in files],
    )
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].split("job=")[1]
    assert f'hx-get="/console/jobs/{job_id}"' in client.get(response.headers["location"]).text
    return wait_for_job(client, job_id)


def cited_chunks(client, question):
    answer = client.post("/admin/hit-test", json={"question": question}, headers=BEARER).json()
    return {c["chunk_id"] for c in answer["candidates"]}


def test_no_new_page_is_reachable_logged_out(client):
    client.cookies.clear()
    for path in PAGES:
        assert client.get(path).headers["location"] == "/console/login", path
    for path in (
        "/console/documents/upload",
        "/console/documents/x/disable",
        "/console/eval/runs",
        "/console/users",
        "/console/eval/sets/s/questions",
    ):
        assert client.post(path, data={"question": "x"}).headers["location"] == "/console/login", path


def test_upload_shows_the_clause_tree_and_warns_when_no_clause_is_found(client):
    csrf = log_in(client)
    done = upload(
        client, csrf, [("测试区专利资助办法.txt", STATUTE), ("随手记.txt", PLAIN), ("坏.pdf", "not a pdf")]
    )
    assert "✅ 测试区专利资助办法.txt" in done and "✅ 随手记.txt" in done and "❌ 坏.pdf" in done
    table = client.get("/console/documents").text
    row = table[table.index("测试区专利资助办法") :].split("</tr>")[0]
    assert "2021-12-31" in row and "已过期" in row
    tree = client.get("/console/documents/测试区专利资助办法").text
    assert "第二条" in tree and 'id="no-clauses"' not in tree
    plain = client.get("/console/documents/随手记").text
    assert 'id="no-clauses"' in plain and "没有识别出条款" in plain
    structure = client.get("/admin/documents/测试区专利资助办法/structure", headers=BEARER).json()
    assert [n["label"] for n in structure["nodes"]] == ["第一条", "第二条", "第三条"]
    assert structure["nodes"][1]["clause"] == "测试区专利资助办法 › 第二条"


def test_a_disabled_clause_is_never_retrieved_and_comes_back_when_enabled(client):
    csrf = log_in(client)
    structure = client.get("/admin/documents/测试区专利资助办法/structure", headers=BEARER).json()
    target = structure["nodes"][1]["chunks"][0]["chunk_id"]
    assert target in cited_chunks(client, QUESTION)
    path = f"/console/documents/测试区专利资助办法/chunks/{target}"
    off = client.post(f"{path}/disable", data={"csrf_token": csrf, "next": "/console/hit-test"})
    assert off.status_code == 303 and off.headers["location"] == "/console/hit-test"
    assert target not in cited_chunks(client, QUESTION)
    answer = client.post("/api/chat", json={"question": QUESTION}).json()
    assert all("每件资助八千元" not in c["text"] for c in answer["citations"])
    assert "停用" in client.get("/console/documents/测试区专利资助办法").text
    assert client.post(f"{path}/enable", data={"csrf_token": csrf}).status_code == 303
    assert target in cited_chunks(client, QUESTION)
    # the whole document, through the JSON API
    doc = "/admin/documents/测试区专利资助办法"
    assert client.post(f"{doc}/disable", headers=BEARER).json()["enabled"] is False
    assert not any(c.startswith("测试区专利资助办法") for c in cited_chunks(client, QUESTION))
    table = client.get("/admin/documents", headers=BEARER).json()
    assert next(r for r in table if r["doc_id"] == "测试区专利资助办法")["enabled"] is False
    assert client.post(f"{doc}/enable", headers=BEARER).json()["enabled"] is True
    assert target in cited_chunks(client, QUESTION)
    assert client.post(f"{doc}/chunks/nope/disable", headers=BEARER).status_code == 404


def test_a_reviewer_reads_but_cannot_change_documents_run_evaluations_or_manage_users(client):
    csrf = log_in(client, "bob")
    assert client.get("/console/documents").status_code == 200
    assert "上传并导入" not in client.get("/console/documents").text
    assert client.get("/console/eval").status_code == 200
    for path in ("/console/users", "/console/audit"):
        assert client.get(path).status_code == 403, path
    refused = {
        "/console/documents/upload": {},
        "/console/documents/reingest": {},
        "/console/documents/随手记/disable": {},
        "/console/documents/随手记/delete": {},
        "/console/documents/随手记/chunks/x/disable": {},
        "/console/eval/runs": {"set": "bundled"},
        "/console/users": {"name": "eve", "password": PASSWORD, "role": "admin"},
        "/console/users/alice/disable": {},
    }
    for path, form in refused.items():
        response = client.post(path, data={"csrf_token": csrf, **form})
        assert response.status_code == 403, path
        assert "需要管理员角色" in response.json()["detail"]
    assert "随手记" in client.get("/console/documents").text
    # a reviewer may add a question to an evaluation set (from the hit test or the feedback queue)
    added = client.post(
        "/console/eval/sets/reviewed/questions", data={"csrf_token": csrf, "question": "问一下"}
    )
    assert added.status_code == 303


def test_forms_without_the_csrf_token_are_refused(client):
    log_in(client)
    for path, form in (
        ("/console/documents/随手记/disable", {}),
        ("/console/documents/随手记/chunks/x/disable", {}),
        ("/console/users", {"name": "eve", "password": PASSWORD, "role": "admin"}),
        ("/console/eval/sets/s/questions", {"question": "问"}),
        ("/console/eval/runs", {"set": "bundled"}),
    ):
        response = client.post(path, data=form)
        assert response.status_code == 403 and "CSRF" in response.json()["detail"], path
    assert "随手记" in client.get("/console/documents").text


def test_an_evaluation_runs_in_the_background_and_shows_newly_failing_questions(client):
    csrf = log_in(client)
    structure = client.get("/admin/documents/测试区专利资助办法/structure", headers=BEARER).json()
    target = structure["nodes"][1]["chunks"][0]["chunk_id"]
    form = {"csrf_token": csrf, "question": QUESTION, "chunk_id": target, "doc_id": "测试区专利资助办法"}
    assert client.post("/console/eval/sets/local/questions", data=form).status_code == 303
    page = client.get("/console/eval").text
    assert "bundled" in page and "local" in page
    started = client.post("/console/eval/runs", data={"csrf_token": csrf, "set": "local"})
    assert started.status_code == 303
    first = wait_for_run(client, started.headers["location"].rsplit("/", 1)[1])
    assert first["state"] == "succeeded" and first["metrics"]["hit@1"] == 1.0
    assert first["questions"][0]["passed"] and first["difference"]["previous_run"] is None
    assert "首位命中率" in client.get(f"/console/eval/runs/{first['id']}").text
    # switching the expected clause off makes the question fail: shown as newly failing, with its text
    client.post(f"/admin/documents/测试区专利资助办法/chunks/{target}/disable", headers=BEARER)
    second = client.post("/admin/eval/runs", json={"set": "local"}, headers=BEARER)
    assert second.status_code == 202
    run = wait_for_run(client, second.json()["id"])
    client.post(f"/admin/documents/测试区专利资助办法/chunks/{target}/enable", headers=BEARER)
    assert [q["question"] for q in run["difference"]["newly_failing"]] == [QUESTION]
    page = client.get(f"/console/eval/runs/{run['id']}").text
    assert "新失败" in page and QUESTION in page
    assert [r["id"] for r in client.get("/admin/eval/runs?set=local", headers=BEARER).json()] == [
        run["id"],
        first["id"],
    ]


def test_an_uploaded_set_is_checked_line_by_line(client):
    csrf = log_in(client)
    bad = '{"id": "a", "question": "问"}\nnot json\n{"id": "a", "question": "再问"}\n{"question": "无号"}\n'
    response = client.post(
        "/console/eval/sets",
        data={"csrf_token": csrf, "name": "mine"},
        files={"file": ("mine.jsonl", bad.encode(), "application/x-ndjson")},
    )
    assert response.status_code == 400
    assert "第 2 行" in response.text and "第 3 行" in response.text and "缺少字段" in response.text
    good = client.put(
        "/admin/eval/sets/mine", content='{"id": "a", "question": "问"}\n'.encode(), headers=BEARER
    )
    assert good.status_code == 200 and good.json()["questions"] == 1
    assert (
        client.put(
            "/admin/eval/sets/bundled", content=b'{"id":"a","question":"q"}', headers=BEARER
        ).status_code
        == 409
    )
    assert client.post("/admin/eval/runs", json={"set": "nope"}, headers=BEARER).status_code == 404
    unknown = client.post(
        "/admin/eval/sets/x/questions", json={"question": "问", "chunk_id": "nope"}, headers=BEARER
    )
    assert unknown.status_code == 404


def test_admins_manage_users_and_every_change_is_audited(client):
    csrf = log_in(client)
    form = {"csrf_token": csrf, "name": "carol", "password": PASSWORD, "role": "reviewer"}
    assert "已添加用户 carol" in client.post("/console/users", data=form).text
    assert client.post("/console/users", data=form).status_code == 400  # exists
    short = client.post("/console/users", data={**form, "name": "dave", "password": "short"})
    assert short.status_code == 400 and "密码太短" in short.text
    assert (
        client.post("/console/users/carol/role", data={"csrf_token": csrf, "role": "admin"}).status_code
        == 303
    )
    new_password = "another-horse-7"
    client.post("/console/users/carol/password", data={"csrf_token": csrf, "password": new_password})
    assert client.post("/console/users/alice/disable", data={"csrf_token": csrf}).status_code == 400  # self
    assert client.post("/console/users/carol/disable", data={"csrf_token": csrf}).status_code == 303
    assert "已停用" in client.get("/console/users").text
    client.cookies.clear()
    token = _CSRF.search(client.get("/console/login").text).group(1)
    login = {"name": "carol", "password": new_password, "csrf_token": token}
    assert client.post("/console/login", data=login).status_code == 401
    csrf = log_in(client)
    client.post("/console/users/carol/enable", data={"csrf_token": csrf})
    client.cookies.clear()
    token = _CSRF.search(client.get("/console/login").text).group(1)
    assert client.post("/console/login", data={**login, "csrf_token": token}).status_code == 303
    audit = client.get("/admin/audit", headers=BEARER).json()
    done = {(e["actor"], e["action"], e["target"]) for e in audit}
    assert {
        ("alice", "user.add", "carol"),
        ("alice", "user.role", "carol"),
        ("alice", "user.password", "carol"),
        ("alice", "user.disable", "carol"),
        ("alice", "user.enable", "carol"),
    } <= done
    assert ("alice", "document.upload", "测试区专利资助办法") in done
    assert (
        "alice",
        "chunk.disable",
        next(e["target"] for e in audit if e["action"] == "chunk.disable"),
    ) in done
    assert ("ADMIN_TOKEN", "document.disable", "测试区专利资助办法") in done
    assert ("alice", "eval.run", "local") in done
    log_in(client)
    assert "user.disable" in client.get("/console/audit").text
    assert client.get("/admin/audit").status_code == 401


def test_delete_and_reingest_from_the_page(client):
    csrf = log_in(client)
    assert client.post("/console/documents/随手记/delete", data={"csrf_token": csrf}).status_code == 303
    assert "随手记" not in client.get("/console/documents").text
    assert client.get("/console/documents/随手记").status_code == 404
    started = client.post("/console/documents/reingest", data={"csrf_token": csrf})
    done = wait_for_job(client, started.headers["location"].split("job=")[1])
    assert "完成" in done
    batch = client.post(
        "/admin/documents/batch", headers=BEARER, files=[("files", ("空.txt", b"", "text/plain"))]
    ).json()
    assert batch == [
        {
            "filename": "空.txt",
            "ok": False,
            "doc_id": "",
            "clauses": 0,
            "status": 400,
            "error": "上传的文件是空的",
        }
    ]


def test_admins_make_and_revoke_event_links_in_the_console(client):
    csrf = log_in(client, "bob")
    assert client.get("/console/events").status_code == 403
    assert (
        client.post("/console/events", data={"name": "园区宣讲", "days": "3", "csrf_token": csrf}).status_code
        == 403
    )
    csrf = log_in(client)
    assert (
        client.post("/console/events", data={"name": "园区宣讲", "days": "3"}).status_code == 403
    )  # no CSRF
    bad = client.post("/console/events", data={"name": "园区宣讲", "days": "365", "csrf_token": csrf})
    assert bad.status_code == 400 and "1–90" in bad.text
    made = client.post("/console/events", data={"name": "杨浦园区宣讲", "days": "3", "csrf_token": csrf})
    assert made.status_code == 200
    token = re.search(r'value="[^"]*/v\?e=([^"]+)"', made.text).group(1)
    client.cookies.clear()
    assert client.get(f"/v?e={token}").status_code in (200, 303)
    csrf = log_in(client)
    page = client.post(f"/console/events/{token}/revoke", data={"csrf_token": csrf})
    assert page.status_code == 200 and "已收回" in page.text
    client.cookies.clear()
    assert client.get(f"/v?e={token}").status_code == 403
    log_in(client)
    audit = client.get("/admin/audit", params={"action": "event."}, headers=BEARER).json()
    rows = audit["items"] if isinstance(audit, dict) else audit
    assert {"event.create", "event.revoke"} <= {r["action"] for r in rows}
