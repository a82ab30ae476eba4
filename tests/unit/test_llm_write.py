"""LLM mode's pieces: numbered clauses, the chains, and a model reply checked into an answer."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.chain import Writer
from bot.llm import chat_model
from bot.prompts import Prompts, load_prompts
from bot.write import check_reply, clause_block, given_citations, numbered_clauses, written_answer
from core.errors import ModelFailure
from core.records import Chunk, Dropped, Hit, Scores
from tests.fakes.openai_server import FakeOpenAIServer

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
TITLE = "上海市杨浦区关于国家知识产权强市建设试点城区工作方案（2024-2026年）"


def hit(n: int, clause: str, text: str, region: str = "杨浦区") -> Hit:
    chunk = Chunk(f"c{n}", "003", TITLE, f"{TITLE} › {clause}", text, region, "杨府发〔2024〕4号", n)
    return Hit(chunk, Scores(0.5, 0.5, 1.0 / n))


HITS = [
    hit(1, "四、重点任务 › 6.", "对符合条件的企业给予贷款利率 50% 的贴息。"),
    hit(2, "三、工作目标 › （二）", "知识产权质押融资总额达 8 亿，专利许可转让总数达 3000 件。"),
    hit(3, "三、工作目标 › （一）", "全区商标有效注册量达 10 万件。"),
]


@pytest.fixture(scope="module")
def prompts() -> Prompts:
    return load_prompts(PROMPTS_DIR)


def test_the_acceptance_reply_keeps_the_true_claim_and_drops_the_other_two() -> None:
    reply = "杨浦区对符合条件的企业给予贷款利率50%的贴息[1]。每家企业最高可获贴息500万元[1]。另有专项资金支持[9]。"

    written = check_reply(reply, HITS)

    assert written.text == "杨浦区对符合条件的企业给予贷款利率50%的贴息[1]。"
    assert [c.n for c in written.citations] == [1]
    assert written.citations[0].text == HITS[0].chunk.text
    assert [d.sentence for d in written.verification.dropped] == [
        "每家企业最高可获贴息500万元[1]。",
        "另有专项资金支持[9]。",
    ]
    assert written.verification.removed_citations == (9,)


def test_citations_are_renumbered_by_first_use_and_match_the_text() -> None:
    written = check_reply(
        "质押融资总额目标为8亿[2]。商标有效注册量目标为10万件[3]。融资总额再提一次[2]。", HITS
    )

    assert written.text == "质押融资总额目标为8亿[1]。商标有效注册量目标为10万件[2]。融资总额再提一次[1]。"
    assert [(c.n, c.clause) for c in written.citations] == [
        (1, HITS[1].chunk.clause),
        (2, HITS[2].chunk.clause),
    ]
    assert written.verification.verified


def test_a_figure_cited_to_the_wrong_clause_is_moved_to_the_right_one() -> None:
    written = check_reply("专利许可转让总数目标为3000件[1]。", HITS)

    assert written.text == "专利许可转让总数目标为3000件[1]。"
    assert written.citations[0].clause == HITS[1].chunk.clause
    assert not written.verification.verified


def test_a_caveat_about_what_the_clauses_leave_open_is_kept() -> None:
    written = check_reply("贴息为贷款利率的50%[1]。申请流程条款未涉及。", HITS)

    assert written.text == "贴息为贷款利率的50%[1]。申请流程条款未涉及。"
    assert written.verification.verified


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "empty_reply"),
        ("  \n ", "empty_reply"),
        ("<think>让我想想……</think>", "empty_reply"),
        ("另有专项资金支持[9]。", "unverified"),
        ("每家企业最高可获贴息500万元[1]。", "unverified"),
        ("asdf qwer zxcv uiop hjkl vbnm", "unverified"),
        ("无法从现有政策条款中找到答案", "model_declined"),
    ],
)
def test_a_reply_with_nothing_cited_left_fails_with_its_reason(reply: str, reason: str) -> None:
    with pytest.raises(ModelFailure) as failure:
        check_reply(reply, HITS)

    assert failure.value.reason == reason


def test_thinking_is_not_part_of_the_answer() -> None:
    written = check_reply("<think>贴息是50%吗？</think>贴息为贷款利率的50%[1]。", HITS)

    assert written.text == "贴息为贷款利率的50%[1]。"


def test_the_model_sees_each_clause_with_its_number_source_and_text() -> None:
    text = numbered_clauses(HITS[:2])

    assert text.startswith(f"[1] 《{TITLE}》（杨府发〔2024〕4号）四、重点任务 › 6.（适用范围：杨浦区）\n")
    assert "\n\n[2] 《" in text
    assert HITS[1].chunk.text in text
    assert clause_block(HITS[0]) in text


def test_given_citations_are_numbered_as_in_the_prompt() -> None:
    assert [(c.n, c.doc_number) for c in given_citations(HITS)] == [
        (n, "杨府发〔2024〕4号") for n in (1, 2, 3)
    ]


def test_the_written_answer_reports_what_the_check_changed() -> None:
    written = check_reply("贴息为50%[1][7]。最高500万元[1]。", HITS)

    answer = written_answer("杨浦区贴息比例？", HITS, written, evidence=0.81234)

    assert answer.mode == "llm" and not answer.refused
    assert answer.answer == "贴息为50%[1]。"
    assert answer.evidence == 0.81234 and answer.verified is False
    assert answer.dropped == (Dropped("最高500万元[1]。", "figure 500万元 not in cited clause [1]"),)
    assert answer.removed_citations == (7,)


def test_the_answer_chain_sends_the_rendered_prompts_over_http(prompts: Prompts) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(content="贴息为贷款利率的50%[1]。")
        model = chat_model(base_url=server.base_url, api_key="k", model="fake-model", timeout_s=5)
        writer = Writer(model=model, prompts=prompts, timeout_s=5)

        reply = writer.reply("杨浦区贴息比例？", HITS, deadline=time.monotonic() + 5)

        system, user = server.requests[0]["messages"]
    assert reply == "贴息为贷款利率的50%[1]。"
    assert system == {"role": "system", "content": prompts.answer_system.render()}
    assert user["role"] == "user"
    assert numbered_clauses(HITS) in user["content"] and "杨浦区贴息比例？" in user["content"]


def test_the_streamed_reply_arrives_in_pieces(prompts: Prompts) -> None:
    with FakeOpenAIServer(chunk_chars=3) as server:
        server.enqueue(content="贴息为贷款利率的50%[1]。")
        model = chat_model(base_url=server.base_url, api_key="k", model="fake-model", timeout_s=5)
        writer = Writer(model=model, prompts=prompts, timeout_s=5)

        pieces = list(writer.stream_reply("杨浦区贴息比例？", HITS, deadline=time.monotonic() + 5))

        assert server.requests[0]["stream"] is True
    assert len(pieces) > 3 and "".join(pieces) == "贴息为贷款利率的50%[1]。"


def test_the_rewrite_chain_with_a_fake_chat_model(prompts: Prompts) -> None:
    replies: Iterator[AIMessage] = iter([AIMessage("松江区知识产权质押贷款贴息比例是多少？")])
    writer = Writer(model=GenericFakeChatModel(messages=replies), prompts=prompts, timeout_s=5)

    rewritten = writer.rewrite("那松江呢？", "用户：杨浦区贴息比例是多少？", deadline=time.monotonic() + 5)

    assert rewritten == "松江区知识产权质押贷款贴息比例是多少？"
