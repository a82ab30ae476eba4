"""Questions about to whom a notice is addressed (主送): its 主送 line answers, or nothing does."""

from bot.compose import choose, citations_and_text
from bot.query import analyse, topic_words
from bot.refusal import Measures, Thresholds, not_stated
from bot.retrieve import headers_first
from core.records import Chunk, Hit, Scores
from core.text import addresses

NOTICE = (
    "上海市杨浦区人民政府关于印发《上海市杨浦区关于国家知识产权强市建设试点城区工作方案》的通知\n"
    "区政府各委、办、局，各街道办事处：\n"
    "《上海市杨浦区关于国家知识产权强市建设试点城区工作方案》已经区政府同意，现印发给你们，请认真按照执行。\n"
    "2024年3月15日"
)
TITLE = "上海市杨浦区关于国家知识产权强市建设试点城区工作方案"


def test_a_notices_addressee_line_is_told_from_a_lead_in():
    assert addresses("各区人民政府,市政府各委、办、局:")
    assert addresses("各镇人民政府、街道办事处,区政府各部门:")
    assert not addresses("赵振坤代表：")
    assert not addresses("对于下列情形，人民法院可以初步认定被告具有侵害知识产权的故意：")
    assert not addresses("申请专利的，应当提交下列文件：")


def test_a_question_asking_for_the_addressees_is_about_the_document():
    info = analyse("杨浦区试点城区工作方案的主送单位是哪些？")
    assert info.addressees and info.about_a_document and info.wants_figure
    assert "主送" not in topic_words(info.read)
    assert analyse("上海市的专利转化方案发给了哪些单位？").addressees
    assert not analyse("杨浦区贴息比例是多少？").addressees


def test_each_ranked_documents_header_comes_just_before_its_best_clause():
    chunks = {
        cid: Chunk(cid, doc, "t", "t › x", "text", "上海市")
        for cid, doc in [("a1", "A"), ("b1", "B"), ("a0", "A"), ("c0", "C")]
    }
    assert headers_first(["b1", "a1", "a0"], {"a0", "c0"}, chunks) == ["b1", "a0", "a1"]


def test_the_addressee_line_is_quoted_alone_and_its_absence_is_named():
    info = analyse("杨浦区试点城区工作方案的主送单位是哪些？")
    header = Hit(Chunk("h", "003", TITLE, f"{TITLE} › 印发通知", NOTICE, "杨浦区"), Scores(0.9, 5.0, 2.0))
    terms = [("试点", 2.0), ("方案", 0.2)]
    thresholds = Thresholds(evidence=0.1, sentence=0.15)
    decision = choose(info, [header], terms, thresholds, regions={"杨浦区"}, quick=False)
    assert decision.reason is None
    _, text = citations_and_text(decision.quotes, quick=False, info=info, terms=terms)
    assert (
        text.startswith("区政府各委、办、局，各街道办事处：[1]")
        and "现印发给你们" not in text.splitlines()[0]
    )
    measures = Measures(None, 2.2, 1.0, 0.0, True, (), 0.9)
    assert not_stated(info, measures) == "主送单位"
    assert not_stated(analyse("杨浦区贴息比例是多少？"), measures) == "具体数字、日期或文号"
