"""Clause splitting along the documents' own numbering, with heading paths and stable ids."""

from pathlib import Path

from core.text import PATH_SEP, sentences
from ingest.clean import clean_lines
from ingest.split import MAX_CHARS, chunk_id, chunks_of

CORPUS = Path(__file__).resolve().parents[2] / "data" / "policies"


def _chunks(prefix: str, title: str):
    text = next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return chunks_of(prefix, title, "", "", clean_lines(text))


CITY_TITLE = "上海市专利转化运用专项行动实施方案"


def test_city_plan_has_thirty_measures_each_one_chunk_with_its_duty_units():
    chunks = _chunks("002", CITY_TITLE)
    measures = [c for c in chunks if "（" in c.clause.split(PATH_SEP)[-1]]
    assert len(measures) == 30
    measure = next(c for c in chunks if c.clause.endswith("（二十六）"))
    assert measure.clause == PATH_SEP.join([CITY_TITLE, "六、推动知识产权金融工作提质增效", "（二十六）"])
    assert measure.text.endswith("(责任单位:市知识产权局,各区政府)")
    assert "落实知识产权质押贷款贴息、保险贴费、担保贴补政策" in measure.text


def test_enumerations_inside_a_paragraph_become_their_own_clauses():
    chunks = _chunks("000", "答复意见")
    items = [c for c in chunks if "（一）提升知识产权保护效能" in c.clause]
    assert [c.clause.split(PATH_SEP)[-1] for c in items] == ["一是", "二是", "三是"]
    assert items[1].text.startswith("二是创新知产纠纷多元化解共治模式")
    assert "宝法〔2023〕001号" in items[1].text


def test_unnumbered_section_titles_take_the_place_of_a_numbered_sibling():
    chunks = _chunks("000", "答复意见")
    culture = [c for c in chunks if "厚植知识产权文化理念" in c.clause]
    assert culture and all(
        PATH_SEP.join(["一、目前我区工作情况", "厚植知识产权文化理念"]) in c.clause for c in culture
    )
    assert not any("（二）加强知识产权公共服务供给" in c.clause for c in culture)


def test_arabic_numbered_tasks_nest_under_their_parenthesised_group():
    chunks = _chunks("003", "杨浦方案")
    finance = next(c for c in chunks if c.text.startswith("6.推进知识产权金融服务"))
    assert finance.clause.endswith(PATH_SEP.join(["四、重点任务", "（二）提升知识产权运用效益", "6."]))
    assert "贷款利率 50% 的贴息" in finance.text


def test_issuing_notice_is_a_clause_of_its_own_with_the_signing_date():
    notice = next(c for c in _chunks("002", CITY_TITLE) if c.clause.endswith("印发通知"))
    assert "沪府办发〔2024〕7号" in notice.text
    assert "2024年4月24日" in notice.text
    assert "为充分发挥" not in notice.text


def test_no_chunk_crosses_a_clause_or_exceeds_the_window():
    for prefix in ("000", "001", "002", "003", "004"):
        for chunk in _chunks(prefix, "T"):
            assert len(chunk.text) <= MAX_CHARS or len(sentences(chunk.text)) == 1
            assert "\n一、" not in chunk.text and "\n二、" not in chunk.text


def test_long_paragraphs_are_windowed_on_whole_sentences():
    long_text = "。".join(f"第{i}句话讲的是知识产权保护的具体做法和要求" for i in range(30)) + "。"
    chunks = chunks_of("x", "T", "", "", ["一、总则", long_text])
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)
    assert all(c.clause == PATH_SEP.join(["T", "一、总则"]) for c in chunks)


def test_chunk_ids_are_stable_and_content_addressed():
    first = [c.chunk_id for c in _chunks("003", "T")]
    again = [c.chunk_id for c in _chunks("003", "T")]
    assert first == again and len(set(first)) == len(first)
    assert chunk_id("d", "T › 一、", "甲") != chunk_id("d", "T › 一、", "乙")


def test_sentences_keep_closing_quotes_and_break_on_lines():
    assert sentences("他说“好。”然后走了。\n2024年4月24日") == ["他说“好。”", "然后走了。", "2024年4月24日"]
