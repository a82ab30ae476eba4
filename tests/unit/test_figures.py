"""Figures stated in Chinese policy text, and whether a figure stands in a clause."""

import pytest

from core.figures import extract_figures, figure_in, normalise


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("质押融资额达 8 亿，", ["8亿"]),
        ("产业规模超过1500亿元。", ["1500亿元"]),
        ("累计金额9480万元，获得贷款1亿元,", ["9480万元", "1亿元"]),
        ("给予贷款利率 50% 的贴息", ["50%"]),
        ("占比达到 5.5%", ["5.5%"]),
        ("比重达到20%左右,", ["20%"]),
        ("比重达到２０％", ["20%"]),
        ("成功调解案件337起，帮扶60家企业", ["337起", "60家"]),
        ("扩容至11个布点", ["11个"]),
        ("有效发明专利拥有量达 10 万件", ["10万件"]),
        ("PCT申请量297件,每万人口拥有量为129.98件", ["297件", "129.98件"]),
        ("平均处理周期14天。", ["14日"]),  # 天 and 日 are one unit
        ("到2024年底,", ["2024年底"]),
        ("到2026年末,", ["2026年底"]),
        ("2024年4月24日印发", ["2024年4月24日"]),
        ("发布时间:2024-04-26", ["2024-04-26"]),
        ("4月24日", ["4月24日"]),
        ("工作方案(2024-2026年)", ["2024-2026年"]),
        ("纲要（2021—2035年）", ["2021-2035年"]),
        ("2024年至2026年", ["2024-2026年"]),
        ("超过1,500亿元", ["1500亿元"]),
        ("G60科创走廊 4.26世界知识产权日", ["60", "4.26"]),
    ],
)
def test_extracts_normalised_figures(text: str, figures: list[str]) -> None:
    assert extract_figures(text) == figures


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("（沪府办发〔2024〕7号）", "沪府办发〔2024〕7号"),
        ("杨府发[2024]4号", "杨府发〔2024〕4号"),
        ("（宝法（2023）001号）", "宝法〔2023〕001号"),
        ("根据沪府办发【2024】7号文件", "沪府办发〔2024〕7号"),
        ("印发沪府办发〔2024〕7号", "沪府办发〔2024〕7号"),
    ],
)
def test_extracts_document_numbers_with_one_bracket_style(text: str, number: str) -> None:
    assert extract_figures(text) == [number]


def test_citation_markers_and_list_numbers_are_not_figures() -> None:
    assert extract_figures("另有专项资金支持[1]【2】[1,3]。") == []
    assert extract_figures("1. 加强保护\n12.规范促进\n（3）优化服务") == []


def test_each_figure_once_in_order_of_appearance() -> None:
    assert extract_figures("50%的贴息，最高50%，共60家") == ["50%", "60家"]


def test_a_full_width_comma_separates_two_numbers() -> None:
    assert extract_figures("分别为60，100家") == ["60", "100家"]


def test_numbers_apart_stay_apart() -> None:
    assert normalise("G60 4.26 世界 日") == "G60 4.26世界日"


@pytest.mark.parametrize(
    ("figure", "text"),
    [
        ("50%", "贷款利率 50% 的贴息"),
        ("60家", "帮扶60家企业"),
        ("60", "帮扶60家企业"),
        ("8亿元", "质押融资额达 8 亿，"),
        ("1500亿", "超过1500亿元"),
        ("20%", "比重达到20%左右"),
        ("2024年", "工作方案(2024-2026年)"),
        ("2026年", "2024年至2026年"),
        ("2021-2035年", "纲要（2021—2035年）"),
        ("沪府办发〔2024〕7号", "（沪府办发[2024]7号）"),
        ("〔2024〕7号", "沪府办发〔2024〕7号"),
        ("宝法〔2023〕1号", "宝法〔2023〕001号"),
        ("1500亿元", "超过1,500亿元"),
    ],
)
def test_figure_stands_in(figure: str, text: str) -> None:
    assert figure_in(figure, text)


@pytest.mark.parametrize(
    ("figure", "text"),
    [
        ("5.5%", "增幅达到15.5%"),
        ("60", "共600家"),
        ("60家", "共160家"),
        ("5", "达到5.5%"),
        ("5.5", "达到5.55"),
        ("10件", "达 10 万件"),
        ("5年", "到2025年底"),
        ("2025年", "工作方案(2024-2026年)"),
        ("杨府发〔2024〕7号", "沪府办发〔2024〕7号"),
        ("沪府办发〔2024〕4号", "沪府办发〔2024〕7号"),
        ("1", "见条款[1]"),
    ],
)
def test_figure_does_not_stand_in(figure: str, text: str) -> None:
    assert not figure_in(figure, text)
