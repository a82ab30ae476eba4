"""Checking a model-written answer against the numbered clauses it was given."""

from bot.verify import Reattributed, citations_of, verify_answer
from core.records import Dropped
from core.text import sentences as split_sentences

SUBSIDY = "对符合条件的企业给予贷款利率 50% 的贴息。"
AWARD = "对年度专利授权量达到30件的企业，给予最高20万元奖励。"
GIVEN = {1: SUBSIDY, 2: AWARD}


def test_acceptance_keeps_the_supported_sentence_and_drops_the_rest() -> None:
    answer = (
        "杨浦区对符合条件的企业给予贷款利率50%的贴息[1]。"
        "每家企业最高可获贴息500万元[1]。"
        "另有专项资金支持[9]。"
    )

    result = verify_answer(answer, GIVEN)

    assert result.text == "杨浦区对符合条件的企业给予贷款利率50%的贴息[1]。"
    assert result.kept == ("杨浦区对符合条件的企业给予贷款利率50%的贴息[1]。",)
    assert result.dropped == (
        Dropped("每家企业最高可获贴息500万元[1]。", "figure 500万元 not in cited clause [1]"),
        Dropped("另有专项资金支持[9]。", "cites only [9], which the model was not given"),
    )
    assert result.removed_citations == (9,)
    assert result.cited == (1,)
    assert not result.verified


def test_a_faithful_answer_is_verified_unchanged() -> None:
    answer = "可获得贷款利率50%的贴息[1]。专利授权量达到30件的企业最高奖励20万元[2]。"

    result = verify_answer(answer, GIVEN)

    assert result.text == answer
    assert result.cited == (1, 2)
    assert result.verified
    assert (result.dropped, result.removed_citations, result.reattributed) == ((), (), ())


def test_a_sentence_citing_the_wrong_clause_is_reattributed() -> None:
    result = verify_answer("授权量达到30件的企业最高奖励20万元[1]。", GIVEN)

    assert result.text == "授权量达到30件的企业最高奖励20万元[2]。"
    assert result.reattributed == (Reattributed("授权量达到30件的企业最高奖励20万元[1]。", (1,), 2),)
    assert result.cited == (2,)
    assert not result.verified


def test_a_phantom_citation_is_removed_and_the_valid_one_kept() -> None:
    result = verify_answer("贴息比例为贷款利率的50%[1][7]。", GIVEN)

    assert result.text == "贴息比例为贷款利率的50%[1]。"
    assert result.removed_citations == (7,)
    assert result.dropped == ()
    assert not result.verified


def test_marker_lists_and_full_width_brackets_are_rewritten_as_single_markers() -> None:
    result = verify_answer("贴息比例为50%【1，7】。", GIVEN)

    assert result.text == "贴息比例为50%[1]。"
    assert result.removed_citations == (7,)


def test_uncited_sentences_go_unless_short_connective_text() -> None:
    answer = "具体如下：\n贴息比例为50%。\n以上信息仅供参考，具体以主管部门的正式解释为准。"

    result = verify_answer(answer, GIVEN)

    assert result.text == "具体如下："
    assert result.dropped == (
        Dropped("贴息比例为50%。", "figure 50% has no citation"),
        Dropped("以上信息仅供参考，具体以主管部门的正式解释为准。", "uncited sentence"),
    )


def test_a_cited_sentence_without_figures_is_kept() -> None:
    result = verify_answer("杨浦区对符合条件的企业提供贷款贴息支持，鼓励知识产权质押融资[1]。", GIVEN)

    assert result.verified
    assert result.cited == (1,)


def test_each_figure_may_stand_in_any_clause_the_sentence_cites() -> None:
    result = verify_answer("企业可获50%贴息[1]，授权量达到30件还可获20万元奖励[2]。", GIVEN)

    assert result.verified


def test_lines_and_paragraphs_survive_and_emptied_lines_go() -> None:
    answer = "主要支持：\n\n- 贷款利率50%的贴息[1]。\n- 最高贴息500万元[1]。\n- 最高奖励20万元[2]。"

    result = verify_answer(answer, GIVEN)

    assert result.text == "主要支持：\n\n- 贷款利率50%的贴息[1]。\n- 最高奖励20万元[2]。"


def test_sentences_keep_the_markers_after_their_end() -> None:
    sentences = split_sentences("第一句。[1]第二句[2]！ 第三句；还有")

    assert sentences == ["第一句。[1]", "第二句[2]！", "第三句；", "还有"]


def test_citations_in_order_without_repeats() -> None:
    assert citations_of("甲[2]乙[1][2]丙【3、1】") == [2, 1, 3]
