"""The shared vocabulary: everyday wordings read as policy texts write them, for retrieval only."""

from bot.query import analyse, reading
from core.records import Intent
from core.vocabulary import colloquial_terms, official_terms


def test_everyday_wordings_are_read_with_the_policy_term_they_stand_for():
    assert official_terms("垃圾专利有人管吗") == ("非正常专利申请",)
    assert official_terms("两个商标能一起抵押贷款吗") == ("质押",)
    assert reading("打官司花的律师费能算进去吗").endswith("诉讼 合理开支")
    # the longest wording wins, and a term the question already uses is not added again
    assert official_terms("有人冒用我们的专利号") == ("假冒专利",)
    assert official_terms("专利质押可以抵押吗") == ()
    assert official_terms("商标的注册流程") == ()


def test_the_added_terms_never_change_what_the_question_asks():
    info = analyse("外观设计 保护期 几年")
    assert "期限" in info.read and info.text == "外观设计 保护期 几年"
    assert info.intent == Intent.QUANTITY and info.measure == "年"


def test_the_vocabulary_file_reads_cleanly():
    terms = colloquial_terms()
    assert len(terms) > 30 and all(saying and term and saying != term for saying, term in terms.items())


def test_english_words_among_chinese_are_read_whole_and_in_any_case():
    assert official_terms("我们去年在US先提交了发明patent申请") == ("外国", "专利")
    assert official_terms("Trademark怎么注册") == ("商标",)
    assert official_terms("USB接口和zip文件") == ()


def test_a_wording_with_a_gap_takes_the_askers_own_words_in_between():
    assert official_terms("区里补多少利息") == ("贴息",)
    assert official_terms("拿专利去银行贷款") == ("质押融资",)
    assert official_terms("利息能补吗") == ("贴息",)
    # the gap is short and never crosses a clause: 补 … ，… 利息 is not one wording
    assert official_terms("补一补材料，再问问银行的利息") == ()


def test_every_wording_is_found_wherever_it_stands():
    for saying, term in colloquial_terms().items():
        written = saying.replace("…", "点")  # a gap takes a character of the asker's own
        for asked in (f"请问{written}怎么办", f"{written}？", written.swapcase()):
            found = official_terms(asked)
            assert term in found or term in asked, (saying, asked, found)
