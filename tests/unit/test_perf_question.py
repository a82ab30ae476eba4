"""One question, read once: the catalog's state is read once per question (and another process's change
shows at the next), jieba cuts each block of the question once with exactly its own cuts, and the
per-candidate shortcuts give the figures of the plain definitions."""

from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.wiring import build_assistant
from bot.evidence import coverage_normalized, coverages_normalized
from core.records import Chunk, DocumentMeta
from vectorstore import segment, tokenize
from vectorstore.catalog import Catalog
from vectorstore.index import Index
from vectorstore.tokenize import KeywordTokenizer, cutting_once

QUESTIONS = [
    "杨浦区知识产权质押融资贴息比例是多少？",
    "宝山区 帖息 申清 流程",
    "顧村這邊做研發的小公司，聽說區裡有那種先給錢的支持辦法？",
    "PCT专利申请资助2024年最高多少万元？ 浦东新区、松江区",
    "",
    "  \n第一条  ab-1.5%  ",
]


@pytest.fixture(scope="module")
def tokenizer() -> KeywordTokenizer:
    return KeywordTokenizer()


def test_cutting_once_gives_jiebas_own_cuts(tokenizer: KeywordTokenizer, built_data_dir: Path) -> None:
    catalog = Catalog(built_data_dir / "catalog.sqlite")
    texts = QUESTIONS + [c.search_text() for c in catalog.chunks()]
    catalog.close()
    plain = [(tokenizer.tokens(t), tokenizer.words(t)) for t in texts]
    with cutting_once():
        assert [(tokenizer.tokens(t), tokenizer.words(t)) for t in texts] == plain
        assert [(tokenizer.tokens(t), tokenizer.words(t)) for t in texts] == plain  # from the memo


def test_each_block_of_a_question_is_routed_once_and_its_tails_not_again(
    tokenizer: KeywordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer.words("预热")
    routed: list[tuple[str, str]] = []  # (block, the tail whose route it started from)

    def counting(freq: Any, logtotal: float, block: str, tail: Any = None) -> Any:
        routed.append((block, tail[0] if tail else ""))
        return segment.route(freq, logtotal, block, tail)

    monkeypatch.setattr(tokenize, "route", counting)
    cut: list[str] = []
    lcut = tokenizer._jieba.lcut

    def jiebas(text: str, HMM: bool = True) -> list[str]:
        cut.append(text)
        return lcut(text, HMM=HMM)

    monkeypatch.setattr(tokenizer._jieba, "lcut", jiebas)
    with cutting_once():
        tokenizer.words("贴息比例")
        tokenizer.tokens("宝山区贴息比例，多少")
        tokenizer.tokens(" 贴息比例，多少")
        tokenizer.words("区贴息比例")  # a tail of a block already routed: walked, not routed
    assert routed == [("贴息比例", ""), ("宝山区贴息比例", "贴息比例"), ("多少", "")] and cut == []
    tokenizer.tokens("贴息比例")  # outside: nothing remembered, jieba's own cut
    assert cut == ["贴息比例"] and len(routed) == 3


def test_a_search_reads_the_catalogs_state_once(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    assistant = build_assistant(Settings(data_dir=index.keyword_dir.parent), index)
    assistant.answer(QUESTIONS[0])  # loads the index
    reads: list[tuple[int, int]] = []
    state = index.catalog.state

    def counted() -> tuple[int, int]:
        reads.append(state())
        return reads[-1]

    monkeypatch.setattr(index.catalog, "state", counted)
    for question in QUESTIONS[:4]:
        reads.clear()
        assert assistant.search(question, 5)
        assert len(reads) == 1, question
    reads.clear()
    assistant.answer(QUESTIONS[0])
    assert len(reads) == 1


def test_another_process_change_shows_at_the_next_question(index: Index) -> None:
    assistant = build_assistant(Settings(data_dir=index.keyword_dir.parent), index)
    assert all(h.chunk.doc_id != "new" for h in assistant.search("独角兽专利池试点", 10))
    other = Catalog(index.keyword_dir.parent / "catalog.sqlite")  # another connection: another process
    meta = DocumentMeta("new", "独角兽专利池试点办法", "/new.txt", "h", region="上海市")
    text = "独角兽专利池试点由市知识产权局负责。"
    other.apply(
        [(meta, [Chunk("new-0", "new", meta.title, f"{meta.title} › 第一条", text, "上海市", "", 0)])], []
    )
    other.close()
    hits = assistant.search("独角兽专利池试点", 10)
    assert any(h.chunk.doc_id == "new" for h in hits)  # BM25 and the joined text follow the catalog


def test_coverages_of_many_texts_are_each_coverage() -> None:
    terms = [("贴息", 0.7), ("比例", 1.3), ("50%", 2.1), ("质押", 0.1)]
    texts = {"a": "贴息比例为50%", "b": "质押融资", "c": "", "d": "比例贴息质押50%"}
    assert coverages_normalized(terms, texts) == {k: coverage_normalized(terms, t) for k, t in texts.items()}
    assert coverages_normalized([], texts) == dict.fromkeys(texts, 0.0)


def test_document_frequency_counts_the_chunks_holding_a_token(index: Index) -> None:
    keyword = index.keyword()
    tokens = {c.chunk_id: set(index.tokenizer.tokens(c.search_text())) for c in index.chunks().values()}
    for token in ["贴息", "质押", "知识产权", "没有这个词", "杨浦区"]:
        assert keyword.df(token) == sum(token in ts for ts in tokens.values()), token


def test_fillers_are_the_characters_that_make_a_word_some_chunk_uses(index: Index) -> None:
    keyword = index.keyword()
    used = {
        t for c in index.chunks().values() for t in index.tokenizer.tokens(c.search_text()) if len(t) == 2
    }
    for pattern in ["?息", "贴?", "质?", "?利", "专?", "?无", "无?"]:
        at = pattern.index("?")
        expected = {w[at] for w in used if w[1 - at] == pattern[1 - at]}
        assert sorted(keyword.fillers(pattern)) == sorted(expected), pattern
    assert "贴" in keyword.fillers("?息") and keyword.fillers("?无") == ""


def test_the_catalog_state_follows_every_commit_of_any_connection(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    catalog, other = Catalog(path), Catalog(path)
    try:
        assert catalog.state() == (0, 0) == catalog.state()
        meta = DocumentMeta("d", "文件", "/d.txt", "h")
        other.apply([(meta, [Chunk("d-0", "d", "文件", "文件 › 一", "正文", "上海市", "", 0)])], [])
        assert catalog.state() == (1, 0)
        other.set_disabled("d", "d-0", True)
        assert catalog.state() == (1, 1)
        catalog.apply([], ["d"])  # its own commit
        assert catalog.state() == (2, 1) == other.state()
    finally:
        catalog.close()
        other.close()
