"""A one-file change at scale: the keyword rebuild reuses the last build's token ids, the catalog's
chunks are shared with the loaded ones, and the vectors' checksum moves by the change alone."""

from pathlib import Path

from core.records import Chunk, DocumentMeta
from ingest.reconcile import _checksum, _shifted
from tests.chunk_support import CountingTokenizer, chunks_of
from vectorstore.catalog import Catalog
from vectorstore.chunk_tokens import ChunkTokens
from vectorstore.keyword import KeywordIndex
from vectorstore.tokenize import KeywordTokenizer

A = chunks_of("a", ["知识产权质押融资贴息比例为50%。", "专利开放许可试点。", "调解中心调解纠纷。"])
B = chunks_of("b", ["高校存量专利盘点。", "PCT专利申请资助。", "独有词：蓝天白云。"])
C = chunks_of("c", ["商标品牌指导站建设。", "", "专利导航服务。"])  # an empty clause text as well
QUESTIONS = ["贴息比例", "专利", "调解纠纷", "蓝天白云", "商标品牌", "PCT", "没有的词", "∅"]


def _same_scores(ours: KeywordIndex, fresh: KeywordIndex, tokenizer: KeywordTokenizer) -> None:
    assert ours.ids == fresh.ids
    for question in QUESTIONS:
        tokens = tokenizer.tokens(question)
        assert ours.scores(tokens).tolist() == fresh.scores(tokens).tolist(), question
        assert [ours.df(t) for t in tokens] == [fresh.df(t) for t in tokens], question


def test_a_rebuild_tokenises_only_new_chunks_and_scores_as_a_fresh_build(
    tmp_path: Path, jieba_tokenizer: KeywordTokenizer
) -> None:
    counting = CountingTokenizer(jieba_tokenizer)
    KeywordIndex.build(A + B, counting, 1).save(tmp_path / "bm25")
    counting.seen.clear()
    # b removed (its own words leave the vocabulary), c added
    rebuilt = KeywordIndex.build(A + C, counting, 2, tmp_path / "bm25")
    assert counting.seen == [c.search_text() for c in C]
    _same_scores(rebuilt, KeywordIndex.build(A + C, jieba_tokenizer, 2), jieba_tokenizer)
    assert rebuilt.df("蓝天") == 0
    rebuilt.save(tmp_path / "bm25")
    again = KeywordIndex.build(C + A + B, counting, 3, tmp_path / "bm25")  # reordered, b back
    _same_scores(again, KeywordIndex.build(C + A + B, jieba_tokenizer, 3), jieba_tokenizer)


def test_a_build_after_every_document_was_removed_tokenises_the_new_ones(
    tmp_path: Path, jieba_tokenizer: KeywordTokenizer
) -> None:
    KeywordIndex.build(A, jieba_tokenizer, 1).save(tmp_path / "bm25")
    KeywordIndex.build([], jieba_tokenizer, 2, tmp_path / "bm25").save(tmp_path / "bm25")  # all removed
    counting = CountingTokenizer(jieba_tokenizer)
    rebuilt = KeywordIndex.build(B, counting, 3, tmp_path / "bm25")
    assert counting.seen == [c.search_text() for c in B]
    _same_scores(rebuilt, KeywordIndex.build(B, jieba_tokenizer, 3), jieba_tokenizer)


def test_saved_token_ids_of_another_tokenizer_or_damaged_are_not_reused(
    tmp_path: Path, jieba_tokenizer: KeywordTokenizer
) -> None:
    KeywordIndex.build(A, CountingTokenizer(jieba_tokenizer, "v1"), 1).save(tmp_path / "bm25")
    assert ChunkTokens.load(tmp_path / "bm25", "v1") is not None
    assert ChunkTokens.load(tmp_path / "bm25", "v2") is None
    changed = CountingTokenizer(jieba_tokenizer, "v2")
    KeywordIndex.build(A, changed, 2, tmp_path / "bm25")
    assert changed.seen == [c.search_text() for c in A]
    (tmp_path / "bm25" / "chunk_lengths.npy").write_bytes(b"not an array")
    assert ChunkTokens.load(tmp_path / "bm25", "v1") is None
    counting = CountingTokenizer(jieba_tokenizer, "v1")
    _same_scores(
        KeywordIndex.build(A, counting, 3, tmp_path / "bm25"),
        KeywordIndex.build(A, jieba_tokenizer, 3),
        jieba_tokenizer,
    )
    assert len(counting.seen) == len(A)


def test_catalog_chunks_equal_to_loaded_ones_are_the_loaded_objects(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    meta = DocumentMeta("a", "标题", "/a.txt", "h1")
    catalog.apply([(meta, A)], [])
    loaded = {c.chunk_id: c for c in catalog.chunks()}
    changed = [A[0], Chunk("a-1", "a", "标题", "标题 › 1", "改过的文字。", "上海市", "", 1), A[2]]
    catalog.apply([(meta, changed)], [])
    again = catalog.chunks(known=loaded)
    assert again == changed
    assert again[0] is loaded["a-0"] and again[2] is loaded["a-2"]
    assert again[1] is not loaded["a-1"] and again[1].text == "改过的文字。"
    assert catalog.present(["a-0", "a-9", "b-0"]) == {"a-0"}
    catalog.close()


def test_the_checksum_moves_by_the_change_alone() -> None:
    before = {"a-0": "k0", "a-1": "k1", "b-0": "k2"}
    after = {"a-0": "k0", "a-1": "k1-new", "c-0": "k3"}  # a-1 re-embedded, b removed, c added
    moved = _shifted(_checksum(before), {"a-1": "k1", "b-0": "k2"}, {"a-1": "k1-new", "c-0": "k3"})
    assert moved == _checksum(after) != _checksum(before)
    assert _checksum({"a-0": "k1", "a-1": "k0"}) != _checksum({"a-0": "k0", "a-1": "k1"})
