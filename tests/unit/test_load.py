"""Each file format through its real parser, on small fixtures made here; bad files get a clear error."""

from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.errors import IngestError
from ingest.load import discover, doc_id_for, load_file
from ingest.pipeline import parse

CLAUSE = "（一）对符合条件的企业给予贷款利率50%的贴息。"


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("示例区知识产权工作方案")
    document.add_paragraph("一、金融支持")
    document.add_paragraph(CLAUSE)
    document.save(str(path))
    return path


def make_pdf(path: Path) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    for y, line in ((750, "示例区知识产权工作方案"), (730, "一、金融支持"), (710, CLAUSE)):
        page.drawString(72, y, line)
    page.save()
    return path


def make_html(path: Path) -> Path:
    path.write_text(
        "<html><head><title>t</title><style>p{}</style><script>var x=1;</script></head><body>"
        "<nav>首页 | 政策</nav><h1>示例区知识产权工作方案</h1><h2>一、金融支持</h2>"
        f"<p>{CLAUSE}</p><footer>版权所有 ©2024 示例网站</footer></body></html>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("make", [make_docx, make_pdf, make_html], ids=["docx", "pdf", "html"])
def test_each_format_yields_the_clause_under_its_heading(tmp_path, make):
    raw = load_file(make(tmp_path / f"plan.{make.__name__[5:]}"))
    parsed = parse(raw)
    assert parsed.meta.title == "示例区知识产权工作方案"
    clause = next(c for c in parsed.chunks if "50%" in c.text)
    assert clause.clause.endswith("一、金融支持 › （一）")
    assert "版权所有" not in " ".join(c.text for c in parsed.chunks)
    assert "var x" not in " ".join(c.text for c in parsed.chunks)


def test_gb18030_text_is_decoded(tmp_path):
    path = tmp_path / "旧文件.txt"
    path.write_bytes(f"一、总则\n{CLAUSE}".encode("gb18030"))
    assert CLAUSE in load_file(path).text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xlsx", b"PK", "不支持的文件类型"),
        ("b.txt", b"\x00\x01\x02binary", "不是文本文件"),
        ("c.txt", b"\xff\xfe\xfd\xfc" * 3, "无法解码"),
        ("d.docx", b"not a zip", "不是有效的 .docx"),
        ("e.pdf", b"%PDF-1.4 broken", "PDF"),
        ("f.txt", b"   \n  ", "没有文字"),
    ],
)
def test_bad_files_raise_a_one_line_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message) as info:
        load_file(path)
    assert "\n" not in str(info.value)


def test_discover_expands_folders_and_reports_missing_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    make_html(tmp_path / "sub" / "x.html")
    (tmp_path / "notes.xlsx").write_bytes(b"ignored")
    files, folders = discover([tmp_path])
    assert [f.name for f in files] == ["x.html"] and folders == [tmp_path.resolve()]
    with pytest.raises(IngestError, match="路径不存在"):
        discover([tmp_path / "missing"])


def test_doc_ids_come_from_file_names():
    assert doc_id_for(Path("/x/003_4c335478ba59925d.txt")) == "003_4c335478ba59925d"
    assert doc_id_for(Path("/x/杨浦 方案(2024).docx")) == "杨浦_方案(2024)"
    assert doc_id_for(Path("/x/专利法(2020-10-17).md")) == "专利法(2020-10-17)"


def test_hidden_files_and_folders_are_not_ingested(tmp_path):
    for relative in ("a.txt", ".hidden.txt", ".git/b.txt", "sub/.cache/c.md", "sub/d.md"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CLAUSE, encoding="utf-8")
    files, _ = discover([tmp_path])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == ["a.txt", "sub/d.md"]


def test_a_one_line_text_gives_one_chunk(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("专利资助申请须在每年3月31日前提交。\n", encoding="utf-8")
    assert [c.text for c in parse(load_file(path)).chunks] == ["专利资助申请须在每年3月31日前提交。"]


@pytest.mark.parametrize("content", ["<!-- 草稿 -->\n", "# \n\n---\n", "<html><body><p> </p></body></html>"])
def test_a_file_with_only_markup_is_an_error_naming_it(tmp_path, content):
    path = tmp_path / ("empty.html" if content.startswith("<html") else "empty.md")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=path.name) as info:
        parse(load_file(path))
    assert "\n" not in str(info.value)


def test_articles_in_a_pdf_keep_their_numbers(tmp_path):
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "rules.pdf"
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    lines = (
        "示例区专利资助办法",
        "第一条 为了鼓励发明创造，制定本办法。",
        "第三条",
        "资助标准为每件5000元。",
    )
    for y, line in zip((750, 730, 710, 690), lines, strict=True):
        page.drawString(72, y, line)
    page.save()
    chunks = parse(load_file(path)).chunks
    assert [c.clause.split(" › ")[-1] for c in chunks] == ["第一条", "第三条"]
    assert "5000元" in chunks[1].text
