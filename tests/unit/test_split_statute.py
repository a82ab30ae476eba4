"""Statutes split by their own structure: 编/章/节, 第X条, 款, 项; every chunk carries its full label."""

import re

import pytest

from core.text import PATH_SEP, clause_label
from ingest.clean import clean_lines
from ingest.load import load_file
from ingest.pipeline import parse
from ingest.split import MAX_CHARS, WHOLE_MAX, chunks_of
from tests.conftest import SHARED

EXTRA = sorted((SHARED / "corpus-extra").glob("*.md"))
ARTICLE = re.compile(r"^(第[一二三四五六七八九十百]+条)", re.M)


def _chunks(text: str, title: str = ""):
    paragraphs = clean_lines(text)
    return chunks_of("d", title or paragraphs[0], "", "", paragraphs)


def _tail(chunk) -> list[str]:
    return chunk.clause.split(PATH_SEP)[1:]


@pytest.mark.parametrize("path", EXTRA, ids=[p.stem[:8] for p in EXTRA])
def test_every_article_of_a_law_is_a_chunk_label(path):
    text = path.read_text(encoding="utf-8")
    chunks = parse(load_file(path)).chunks
    labels = {part for c in chunks for part in _tail(c)}
    assert set(ARTICLE.findall(text)) <= labels
    assert not any("INFO END" in c.text or "<!--" in c.text for c in chunks)
    assert all(len(c.text) <= WHOLE_MAX for c in chunks)


def test_an_article_is_kept_whole_under_its_chapter():
    patent = next(p for p in EXTRA if p.name.startswith("专利法"))
    chunks = _chunks(patent.read_text(encoding="utf-8"))
    damages = [c for c in chunks if _tail(c)[-1] == "第七十一条"]
    assert len(damages) == 1
    assert _tail(damages[0]) == ["第七章 专利权的保护", "第七十一条"]
    assert "三万元以上五百万元以下" in damages[0].text and "一倍以上五倍以下" in damages[0].text


def test_the_adoption_lines_are_the_laws_note_not_an_issuing_notice():
    interpretation = next(p for p in EXTRA if p.name.startswith("最高人民法院"))
    chunks = _chunks(interpretation.read_text(encoding="utf-8"))
    assert _tail(chunks[0]) == ["题注"] and "会议通过" in chunks[0].text
    assert _tail(chunks[1]) == ["序言"] and chunks[1].text.startswith("为正确实施")
    conditions = next(c for c in chunks if _tail(c) == ["第三条"])
    assert "对于下列情形" in conditions.text and "（六）其他可以认定为故意的情形" in conditions.text


LONG_ARTICLE = "\n\n".join(
    [
        "# 示例市知识产权保护条例",
        "## 第一章 总则",
        "第一条 为了保护知识产权，制定本条例。",
        "## 第二章 保护措施",
        "第十条 " + "市知识产权部门应当建立健全保护机制，加强对重点领域的监督检查。" * 8,
        "申请资助的单位应当符合下列条件：",
        *(f"（{n}）在本市依法登记注册并具有独立法人资格的单位{n}；" for n in "一二三四五六七八"),
        "有关部门应当" + "对资助资金的使用情况进行跟踪管理和绩效评价。" * 6,
    ]
)


def test_a_long_article_is_split_by_paragraph_each_labelled_with_article_and_paragraph():
    chunks = [c for c in _chunks(LONG_ARTICLE) if "第十条" in c.clause]
    assert [_tail(c)[-1] for c in chunks] == ["第一款", "第二款", "第三款"]
    assert all(_tail(c)[:2] == ["第二章 保护措施", "第十条"] for c in chunks)
    second = chunks[1]
    assert second.text.startswith("申请资助的单位应当符合下列条件：") and "（八）" in second.text
    assert clause_label(second.clause, second.title) == "第十条第二款"


def test_a_list_too_long_for_one_chunk_keeps_its_lead_in_in_every_window():
    items = [
        f"（{n}）" + "申请人在本市依法登记注册并连续经营满三年以上的企业或者其他组织" * 2 + "；"
        for n in "一二三四五六七八九十"
    ]
    text = "\n\n".join(["# 示例办法", "第五条 申请资助应当符合下列条件：", *items])
    chunks = _chunks(text)
    assert len(chunks) > 1
    assert all(c.text.startswith("第五条申请资助应当符合下列条件：\n（") for c in chunks)
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(_tail(c) == ["第五条"] for c in chunks)


def test_a_regulation_without_chapters_is_labelled_by_article_not_by_paragraph_number():
    text = "\n".join(
        [
            "示例区专利资助办法",
            "第一条 为了鼓励发明创造，制定本办法。",
            "第二条 本办法适用于本区企业。",
            "资助对象由区知识产权局认定。",
        ]
    )
    chunks = _chunks(text)
    assert [_tail(c) for c in chunks] == [["第一条"], ["第二条"]]
    assert "资助对象" in chunks[1].text


def test_an_article_number_on_a_line_of_its_own_heads_the_text_after_it():
    text = "\n".join(
        ["示例办法", "第三条", "本办法所称资助，是指区财政给予的专项补贴。", "第四条", "资助每年申报一次。"]
    )
    chunks = _chunks(text)
    assert [_tail(c) for c in chunks] == [["第三条"], ["第四条"]]
    assert chunks[0].text == "第三条本办法所称资助，是指区财政给予的专项补贴。"


def test_parts_chapters_and_sections_nest():
    text = "\n".join(
        [
            "示例法",
            "第一编 总则",
            "第一章 一般规定",
            "第一节 目的",
            "第一条 目的。",
            "第二节 原则",
            "第二条 原则。",
            "第二章 适用",
            "第三条 适用。",
        ]
    )
    assert [_tail(c) for c in _chunks(text)] == [
        ["第一编 总则", "第一章 一般规定", "第一节 目的", "第一条"],
        ["第一编 总则", "第一章 一般规定", "第二节 原则", "第二条"],
        ["第一编 总则", "第二章 适用", "第三条"],
    ]


def test_a_lead_in_stays_with_its_short_items_in_a_guide():
    text = "\n".join(
        [
            "示例区资助申报指南",
            "一、申报条件",
            "申报单位应当符合下列条件：",
            "1.在本区注册；",
            "2.拥有发明专利；",
            "3.信用良好。",
            "二、申报材料",
            "申请表一份。",
        ]
    )
    chunks = _chunks(text)
    conditions = next(c for c in chunks if "申报条件" in c.clause)
    assert conditions.text == "申报单位应当符合下列条件：\n1.在本区注册；\n2.拥有发明专利；\n3.信用良好。"


def test_a_one_line_text_is_one_chunk_and_markup_and_private_use_characters_are_dropped():
    assert [c.text for c in _chunks("专利资助申请须在每年3月31日前提交。")] == [
        "专利资助申请须在每年3月31日前提交。"
    ]
    chunks = _chunks("# 示例办法\n<!-- 来源：内部 -->\n第一条 资助\ue000标准为每件5000元。")
    assert [c.text for c in chunks] == ["第一条资助标准为每件5000元。"]


def test_a_work_plan_that_cites_an_article_stays_an_outline():
    text = "\n".join(
        [
            "示例区工作方案",
            "一、总体要求",
            "第三条规定的资助政策继续执行。",
            "二、主要任务",
            "（一）加强保护。",
        ]
    )
    tails = [_tail(c) for c in _chunks(text)]
    assert tails[0][0] == "一、总体要求" and tails[1] == ["二、主要任务", "（一）"]


def test_a_notice_with_a_regulation_attached_keeps_its_outline_and_the_articles():
    text = "\n".join(
        [
            "关于印发资助办法的通知",
            "一、工作要求",
            "请认真执行。",
            "示例区资助办法",
            "第一条 目的。",
            "第二条 范围。",
        ]
    )
    tails = [_tail(c) for c in _chunks(text)]
    assert tails[0] == ["一、工作要求"] and tails[-2:] == [["第一条"], ["第二条"]]
