"""Cleaning: boilerplate out, page-break gaps mended, matching form normalised — on real corpus text."""

from pathlib import Path

from core.text import normalize
from ingest.clean import clean_lines

CORPUS = Path(__file__).resolve().parents[2] / "data" / "policies"


def _doc(prefix: str) -> str:
    return next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_site_footer_and_attachment_lines_are_removed():
    text = "\n".join(clean_lines(_doc("002")))
    for noise in ("文章附件", "相关链接", "版权所有", "投资咨询热线", "shanghaiinvest.com", "文章发表时间"):
        assert noise not in text
    assert text.rstrip().endswith("(责任单位:市知识产权局、金融监管总局上海监管局)")


def test_news_footer_editor_and_icp_lines_are_removed():
    text = "\n".join(clean_lines(_doc("004")))
    for noise in ("编辑:晏如", "ICP备案", "主办单位", "独家稿件", "文章来源", "发布时间"):
        assert noise not in text
    assert "作者系上海市徐汇区知识产权局局长" in text


def test_cc_and_printing_footer_of_a_government_file_are_removed():
    text = "\n".join(clean_lines(_doc("003")))
    assert "抄送" not in text
    assert "2024年3月15日印发" not in text


def test_page_break_gaps_inside_sentences_are_joined():
    paragraphs = clean_lines(_doc("003"))
    assert any("畅通展会知识产权纠纷快速调解渠道" in p for p in paragraphs)
    assert any("增强“创新四力”" in p for p in paragraphs)
    assert any("比达到 5.5%以上，位居全市前列。" in p for p in paragraphs)


def test_headings_are_not_glued_to_the_text_that_follows():
    paragraphs = clean_lines(_doc("000"))
    assert "（一）提升知识产权保护效能" in paragraphs
    assert "厚植知识产权文化理念" in paragraphs


def test_markdown_markers_are_stripped():
    paragraphs = clean_lines(_doc("003"))
    assert "四、重点任务" in paragraphs
    assert not any(p.startswith("#") or "**" in p for p in paragraphs)


def test_layout_space_inside_a_word_is_removed():
    assert any("管理和服务“全链条”" in p for p in clean_lines(_doc("003")))


def test_normalize_unifies_width_brackets_and_quotes():
    assert normalize("（建议号０１１）“宝法〔2023〕001号”") == normalize("(建议号011)宝法[2023]001号")
    assert normalize("贷款利率 50% 的贴息") == "贷款利率50%的贴息"
