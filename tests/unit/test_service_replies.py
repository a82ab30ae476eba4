"""Answers compacted for WeChat: 【n】 marks, short sources, one message of at most 2048 UTF-8 bytes."""

import pytest

from core.records import Answer, Citation
from core.text import clause_label
from service.wechat.messages import MAX_TEXT_BYTES
from service.wechat.replies import wechat_text

TITLE = "上海市专利转化运用专项行动实施方案"
YANGPU = "上海市杨浦区关于国家知识产权强市建设试点城区工作方案（2024-2026年）"
YANGPU_CLAUSE = f"{YANGPU} › 四、重点任务 › （二）提升知识产权运用效益 › 6."


def cite(n, title, clause, quote="引文。"):
    return Citation(n, f"doc{n}", title, "", clause, "上海市", quote, quote)


@pytest.mark.parametrize(
    ("clause", "label"),
    [
        (f"{TITLE} › 六、强化保障 › （二十六）加强组织领导", "（二十六）"),
        (YANGPU_CLAUSE, "（二）6."),
        (f"{TITLE} › 第三条", "第三条"),
        (f"{TITLE} › 四、重点任务", "四、"),
        (f"{TITLE} › 前言", "前言"),
        (TITLE, ""),
    ],
)
def test_clause_label_is_the_clauses_own_number(clause, label):
    assert clause_label(clause, TITLE if not clause.startswith(YANGPU) else YANGPU) == label


def test_a_source_named_in_full_is_shortened_in_place():
    text = f"根据《{YANGPU}》四、重点任务 › （二）提升知识产权运用效益 › 6.：“给予贷款利率 50% 的贴息。”[1]"
    answer = Answer("q", text, False, citations=(cite(1, YANGPU, YANGPU_CLAUSE),))
    assert (
        wechat_text(answer)
        == "根据《杨浦区关于国家知识产权强市建设试点城区工作方案》（二）6.：“给予贷款利率 50% 的贴息。”【1】"
    )


def test_sources_the_text_does_not_name_are_listed_at_the_end():
    clause = f"{TITLE} › 六、强化保障 › （二十六）加强组织领导"
    answer = Answer("q", "各区应当加强组织领导[1]。", False, citations=(cite(1, TITLE, clause),))
    assert wechat_text(answer) == f"各区应当加强组织领导【1】。\n\n【1】《{TITLE}》（二十六）"


def test_a_long_answer_is_cut_at_a_sentence_and_keeps_its_sources():
    clause = f"{TITLE} › 第三条"
    body = "".join(f"第{i}句话讲的是专利转化运用的具体要求。" for i in range(200)) + "[1]"
    answer = Answer("q", body, False, citations=(cite(1, TITLE, clause),))
    text = wechat_text(answer)
    assert len(text.encode("utf-8")) <= MAX_TEXT_BYTES
    assert text.endswith(f"……\n\n【1】《{TITLE}》第三条")
    assert text.split("……")[0].endswith("。")


def test_a_refusal_passes_through():
    answer = Answer("q", "现有政策文件中没有找到能回答这个问题的条款。", True)
    assert wechat_text(answer) == answer.answer
