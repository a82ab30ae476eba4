"""Document metadata read off the real corpus texts."""

from pathlib import Path

import pytest

from core.places import region_of
from core.records import DocumentMeta
from ingest.clean import clean_lines, markup_free_lines
from ingest.metadata import extract

CORPUS = Path(__file__).resolve().parents[2] / "data" / "policies"


def _meta(prefix: str):
    return _meta_of(next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def _meta_of(raw: str) -> DocumentMeta:
    return extract(
        markup_free_lines(raw), "\n".join(clean_lines(raw)), identity=DocumentMeta("d", "d", "", "")
    )


@pytest.mark.parametrize(
    ("prefix", "title", "number", "date", "region", "period", "kind"),
    [
        ("000", "关于健全区内科技类企业知识产权保护、转让转化链的建议的答复意见（建议号011）", "", "", "宝山区", "", "答复"),
        ("001", "上海市松江区国家知识产权强市建设示范城区工作方案(2024-2026年)", "", "2024-04-07", "松江区", "2024-2026年", "工作方案"),
        ("002", "上海市专利转化运用专项行动实施方案", "沪府办发〔2024〕7号", "2024-04-24", "上海市", "", "工作方案"),
        ("003", "上海市杨浦区关于国家知识产权强市建设试点城区工作方案（2024-2026年）", "杨府发〔2024〕4号", "2024-03-15", "杨浦区", "2024-2026年", "工作方案"),
        ("004", "着力打造知识产权“徐汇方案”", "", "2021-12-29", "徐汇区", "", "新闻"),
    ],
)  # fmt: skip
def test_metadata_of_each_seed_document(prefix, title, number, date, region, period, kind):
    meta = _meta(prefix)
    assert (meta.title, meta.doc_number, meta.date, meta.region, meta.period, meta.kind) == (
        title, number, date, region, period, kind,
    )  # fmt: skip


def test_issuers_where_the_text_names_them():
    assert _meta("002").issuer == "上海市人民政府办公厅"
    assert _meta("003").issuer == "上海市杨浦区人民政府"
    assert _meta("004").issuer == "中国知识产权报"


def test_a_document_number_cited_in_the_body_is_not_the_documents_own():
    assert _meta("000").doc_number == ""


def test_region_of_prefers_a_named_district_over_the_city():
    assert region_of("上海市杨浦区关于…") == "杨浦区"
    assert region_of("上海市专利转化运用专项行动实施方案") == "上海市"
    assert region_of("关于做好工作的通知") == ""
