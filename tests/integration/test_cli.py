"""The `ipbot` command, invoked as users and other tools invoke it."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.cli_runner import OWN_PREFIXES, Result, run_cli

pytestmark = pytest.mark.integration


def run(data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    return run_cli(data_dir, args, stdin=stdin)


def test_search_json_contract(built_data_dir):
    out = run(built_data_dir, "search", "--json", "-k", "3", "杨浦区贴息")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["query"] == "杨浦区贴息" and len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) == {"chunk_id", "doc_id", "title", "clause", "text", "region", "score", "scores"}
    assert set(first["scores"]) == {"dense", "bm25", "fused"}
    assert first["score"] == first["scores"]["fused"]


def test_ask_json_contract(built_data_dir):
    out = run(built_data_dir, "ask", "--json", "杨浦区贴息比例是多少？")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert set(body) == {"answer", "refused", "citations", "mode", "latency_ms"}
    assert body["mode"] == "extractive" and body["refused"] is False and "50%" in body["answer"]
    citation = body["citations"][0]
    assert set(citation) == {
        "n",
        "doc_id",
        "title",
        "doc_number",
        "clause",
        "region",
        "text",
        "quote",
        "date",
    }
    assert citation["n"] == 1 and citation["doc_number"] == "杨府发〔2024〕4号"


def test_ask_quick_prints_a_short_cited_answer(built_data_dir):
    out = run(built_data_dir, "ask", "--quick", "杨浦区贴息比例是多少？")
    assert out.returncode == 0 and "50%" in out.stdout and "依据《" in out.stdout


def test_stdin_jsonl_answers_each_line_with_its_id(built_data_dir):
    lines = [
        {"id": "a", "question": "杨浦区贴息比例是多少？"},
        {"id": 7, "question": "深圳的贴息比例是多少？"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n"
    out = run(built_data_dir, "ask", "--json", "--stdin-jsonl", stdin=stdin)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r.get("id") for r in rows] == ["a", 7, None]
    assert rows[0]["refused"] is False and rows[1]["refused"] is True and "error" in rows[2]
    assert out.returncode == 2


def test_search_stdin_jsonl(built_data_dir):
    out = run(
        built_data_dir,
        "search",
        "--json",
        "--stdin-jsonl",
        "-k",
        "2",
        stdin='{"id": "q1", "question": "专利超市"}\n',
    )
    row = json.loads(out.stdout)
    assert out.returncode == 0 and row["id"] == "q1" and len(row["results"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "问题为空"),
        (("ask", "问" * 2001), "问题太长"),
        (("search", "-k", "0", "贴息"), "-k"),
        (("ingest", "/no/such/path"), "路径不存在"),
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(built_data_dir, args, message):
    out = run(built_data_dir, *args)
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_unknown_or_undecodable_files_leave_the_index_intact(data_dir, tmp_path):
    before = run(data_dir, "search", "--json", "-k", "1", "贴息").stdout
    for name, content in (("x.xlsx", b"PK"), ("y.txt", b"\xff\xfe\xfd" * 9)):
        path = tmp_path / name
        path.write_bytes(content)
        out = run(data_dir, "ingest", str(path))
        assert out.returncode == 2 and name in out.stderr and "Traceback" not in out.stderr
    assert run(data_dir, "search", "--json", "-k", "1", "贴息").stdout == before


def test_ingest_prints_a_summary(data_dir, tmp_path):
    doc = tmp_path / "plan.md"
    doc.write_text(
        "# 示例区知识产权工作方案\n\n一、金融\n\n（一）对符合条件的企业给予贷款贴息。\n", encoding="utf-8"
    )
    out = run(data_dir, "ingest", str(doc))
    assert out.returncode == 0, out.stderr
    assert "文档 6 份" in out.stdout and "新增 1" in out.stdout


def test_asking_before_any_ingest_says_what_to_do(tmp_path):
    out = run(tmp_path / "empty", "ask", "贴息")
    assert out.returncode == 1 and "ipbot ingest" in out.stderr


def test_eval_prints_the_metrics(built_data_dir, tmp_path):
    """A two-question set through the command (the whole dev set is evaluated once, by test_eval_dev)."""
    rows = [
        {"id": "a", "question": "徐汇区的PCT专利申请量是多少？", "gold": [{"doc": "004", "span": "PCT专利申请量297件"}],
         "facts": ["297"]},
        {"id": "b", "question": "深圳市知识产权质押融资的贴息比例是多少？", "answerable": False},
    ]  # fmt: skip
    questions = tmp_path / "two.jsonl"
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = run(built_data_dir, "eval", "--json", str(questions))
    assert out.returncode == 0, out.stderr
    (body,) = json.loads(out.stdout)  # one object per set
    assert body["set"] == "two" and [q["id"] for q in body["questions"]] == ["a", "b"]
    metrics = body["metrics"]
    assert metrics["answerable"] == 1 and metrics["unanswerable"] == 1
    assert metrics["hit@1"] == metrics["fact_recall"] == metrics["refusal_accuracy"] == 1.0


def test_the_installed_command_answers_without_importing_the_llm_stack(built_data_dir):
    """`PYTHONPROFILEIMPORTTIME=1 ipbot ask …` with no LLM_BASE_URL lists neither openai nor langchain."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.update(IPBOT_DATA_DIR=str(built_data_dir), PYTHONPROFILEIMPORTTIME="1")
    ipbot = Path(sys.executable).parent / "ipbot"
    out = subprocess.run(
        [str(ipbot), "ask", "杨浦区贴息比例是多少？"], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0 and "50%" in out.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "import time:" in line}
    assert "bot.assistant" in imported
    assert not {m for m in imported if m.split(".")[0] in ("openai", "langchain_openai", "langchain_core")}


def test_stdin_jsonl_answers_a_line_while_the_client_waits_with_its_input_open(built_data_dir):
    """A client that writes one question and waits for its answer before the next gets it: each line is
    flushed (a pipe is otherwise written only when 8 KB are held, and this client would wait for ever)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.pop("PYTHONUNBUFFERED", None)  # as most clients run it
    env["IPBOT_DATA_DIR"] = str(built_data_dir)
    cmd = [str(Path(sys.executable).parent / "ipbot"), "search", "--json", "--stdin-jsonl", "-k", "1"]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) as client:
        assert client.stdin is not None and client.stdout is not None
        answers: list[str] = []
        try:
            for n, question in enumerate(["专利超市", "杨浦区贴息"]):
                client.stdin.write(json.dumps({"id": n, "question": question}, ensure_ascii=False) + "\n")
                client.stdin.flush()
                reader = threading.Thread(
                    target=lambda: answers.append(client.stdout.readline()), daemon=True
                )
                reader.start()
                reader.join(timeout=300)  # a guard against waiting for ever, not a measure of speed
                assert len(answers) == n + 1, "no answer while the input stays open"
            client.stdin.close()
            assert client.wait(timeout=300) == 0
        finally:
            if client.poll() is None:  # ends a reader still waiting, before the pipes are closed
                client.kill()
    assert [json.loads(line)["id"] for line in answers] == [0, 1]
