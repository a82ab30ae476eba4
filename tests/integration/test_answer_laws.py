"""Answers over real law texts (corpus-extra beside the bundled corpus): kinds of question, not dev items."""

import pytest

pytestmark = pytest.mark.integration


def _first_line(answer: str) -> str:
    return answer.splitlines()[0]


def test_an_article_looked_up_by_number_is_answered_from_every_document_that_has_it(with_laws):
    result = with_laws.answer("第42条讲的是什么")
    assert not result.refused
    assert {c.clause.rsplit(" › ", 1)[-1] for c in result.citations} == {"第四十二条"}
    assert len({c.doc_id for c in result.citations}) == 2  # the 专利法 and the Shanghai regulation


def test_an_exemption_answers_a_must_we_question_with_no(with_laws):
    result = with_laws.answer("科研院所卖科技成果一定要做资产评估吗")
    assert result.answer.startswith("不需要。") and "免予资产评估" in _first_line(result.answer)


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("员工搞出来的发明，公司拿了专利，要给员工啥好处吗", "第十五条"),  # what, not whether: no bare yes
        ("被人告侵权了，我们是从正规渠道买的货，也要赔钱吗", "第七十七条"),  # its own verb: the quote answers
    ],
)
def test_a_question_that_is_not_a_plain_yes_or_no_gets_no_bare_yes(with_laws, question, article):
    result = with_laws.answer(question)
    assert not result.refused and result.citations[0].clause.endswith(article)
    assert not result.answer.startswith(("是的。", "需要。", "可以。"))


def test_the_first_question_of_a_message_decides_what_figure_it_asks_for(with_laws):
    # 几年 asks for a number of years; 从什么时候开始算 after it does not turn it into a date question
    result = with_laws.answer("专利侵权的诉讼时效是几年？从什么时候开始算？")
    assert not result.refused and "三年" in _first_line(result.answer)
    assert result.citations[0].clause.endswith("第七十四条")


def test_how_long_a_term_lasts_is_a_duration_in_traditional_characters_too(with_laws):
    result = with_laws.answer("專利權的期限是多久")
    assert not result.refused and "二十年" in _first_line(result.answer)


def test_a_lead_in_quoted_as_a_second_source_comes_with_its_items(with_laws):
    result = with_laws.answer("哪些情况不算侵犯专利权")
    lead = "有下列情形之一的，不视为侵犯专利权："
    assert lead in result.answer and "（一）" in result.answer.split(lead, 1)[1]


def test_asking_what_reward_there_is_is_not_a_question_for_a_figure(with_laws):
    result = with_laws.answer("上海对科技创新有突出贡献的单位有什么奖励")
    assert not result.refused and "表彰和奖励" in _first_line(result.answer)


def test_a_sentence_repeating_the_asked_concept_does_not_outweigh_the_one_that_answers(with_laws):
    result = with_laws.answer("我们打官司花的律师费，能算进惩罚性赔偿的基数里吗？")
    assert "不包括" in result.answer[:80] and not result.answer.startswith("可以")


def test_a_fee_word_the_general_dictionary_splits_is_one_word_and_not_paying_is_read_as_written(with_laws):
    # 年费 was cut into 年 / 费 in the law's text; 不交 is read as 没有按照规定缴纳
    result = with_laws.answer("专利年费不交会怎样")
    assert not result.refused and result.citations[0].clause.endswith("第四十四条")
    assert "期限届满前终止" in _first_line(result.answer)


def test_asking_from_when_a_term_runs_is_answered_with_the_event_it_runs_from(with_laws):
    result = with_laws.answer("发明专利权的期限从什么时候起算")
    assert not result.refused and "自申请日起计算" in _first_line(result.answer)


def test_a_sentence_reached_twice_is_quoted_once(with_laws):
    # reached as the continuation of a sentence left open at ； and as a candidate of its own
    result = with_laws.answer("专利法第七十一条的赔偿倍数")
    assert result.answer.count("参照该专利许可使用费的倍数合理确定") == 1


def test_a_bare_term_question_is_answered_by_the_term_of_the_right(with_laws):
    result = with_laws.answer("外观设计 期限", quick=True)
    assert not result.refused and "十五年" in result.answer
