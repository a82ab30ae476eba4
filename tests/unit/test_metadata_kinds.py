"""Metadata of laws, regulations and other kinds of policy text: dates, issuer, region, kind."""

import pytest

from core.records import DocumentMeta
from ingest.clean import clean_lines, markup_free_lines
from ingest.metadata import NATIONAL, extract
from tests.conftest import SHARED

EXTRA = SHARED / "corpus-extra"


def _meta_of(raw: str) -> DocumentMeta:
    return extract(
        markup_free_lines(raw), "\n".join(clean_lines(raw)), identity=DocumentMeta("d", "d", "", "")
    )


def _extra(name: str) -> DocumentMeta:
    return _meta_of(next(EXTRA.glob(f"{name}*.md")).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "title", "issuer", "kind", "region", "adopted", "date", "effective"),
    [
        ("专利法", "中华人民共和国专利法", "全国人民代表大会常务委员会", "法律", NATIONAL, "1984-03-12", "2020-10-17", "1985-04-01"),
        ("上海市推进", "上海市推进科技创新中心建设条例", "上海市人民代表大会", "地方性法规", "上海市", "2020-01-20", "2020-01-20", "2020-05-01"),
        ("最高人民法院", "最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释", "最高人民法院", "司法解释", NATIONAL, "2021-02-07", "2021-02-07", "2021-03-03"),
    ],
)  # fmt: skip
def test_laws_have_their_adoption_issue_and_effective_dates(
    name, title, issuer, kind, region, adopted, date, effective
):
    meta = _extra(name)
    assert (meta.title, meta.issuer, meta.kind, meta.region) == (title, issuer, kind, region)
    assert (meta.adopted, meta.date, meta.effective) == (adopted, date, effective)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        ("上海市知识产权资助办法\n\n沪知局〔2024〕3号\n\n第一条 为了……", "规范性文件"),
        ("上海市专利资助办法\n\n上海市人民政府令第12号\n\n第一条 为了……", "规章"),
        ("浦东新区知识产权质押融资办事指南\n\n一、办理条件", "办事指南"),
        ("关于进一步加强知识产权保护的若干意见\n\n一、总体要求", "规范性文件"),
        ("某区知识产权三年行动计划\n\n一、目标", "工作方案"),
        ("中华人民共和国商标法实施条例\n\n第一条 根据……", "行政法规"),
    ],
)
def test_kind_follows_the_title_and_how_the_text_is_issued(head, kind):
    assert _meta_of(head).kind == kind


def test_a_stated_validity_gives_the_end_date_and_period():
    meta = _meta_of(
        "某区知识产权资助办法\n\n第一条 资助对象。\n\n第九条 本办法自2024年5月1日起施行，有效期5年。"
    )
    assert (meta.effective, meta.valid_until, meta.period) == ("2024-05-01", "2029-04-30", "2024-2029年")
    until = _meta_of("某区办法\n\n第九条 本办法自2023年1月1日起施行，有效期至2025年12月31日。")
    assert until.valid_until == "2025-12-31"


def test_a_national_ministry_is_national_and_a_district_is_the_district():
    assert _meta_of("国家知识产权局关于专利费用减缴的通知\n\n一、减缴范围").region == NATIONAL
    assert _meta_of("上海市杨浦区知识产权资助办法\n\n第一条 资助。").region == "杨浦区"
