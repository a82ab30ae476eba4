"""A document's text rebuilt from its clause chunks, with anchors that locate each clause."""

from core.records import Chunk, DocumentMeta
from service.documents import rebuild

TITLE = "某区知识产权工作方案"


def chunk(n, clause, text):
    return Chunk(f"d-{n}", "d", TITLE, f"{TITLE} › {clause}" if clause else TITLE, text, "上海市", ordinal=n)


def test_windows_of_one_clause_are_merged_and_headings_shown_once():
    meta = DocumentMeta("d", TITLE, "/x", "h")
    chunks = [
        chunk(0, "", "为推进工作，制定本方案。"),
        chunk(1, "一、总体要求", "坚持创新。"),
        chunk(2, "二、重点任务 › （一）加强保护", "第一句。第二句。"),
        chunk(3, "二、重点任务 › （一）加强保护", "第二句。第三句。"),
        chunk(4, "二、重点任务 › （二）促进运用", "（二）促进运用。给予贴息。"),
    ]
    text, sections = rebuild(meta, chunks)
    assert [s.anchor for s in sections] == ["d-0", "d-1", "d-2", "d-4"]
    assert sections[2].text == "第一句。第二句。第三句。"
    assert text == (
        "为推进工作，制定本方案。\n\n一、总体要求\n坚持创新。\n\n二、重点任务\n（一）加强保护\n"
        "第一句。第二句。第三句。\n\n（二）促进运用。给予贴息。"
    )
    for section in sections:
        assert text[section.start : section.start + len(section.text)] == section.text
    assert sections[3].heading == "二、重点任务 › （二）促进运用"
