"""The token cache: a keyword-index rebuild tokenises only chunks it has not seen."""

from pathlib import Path

import numpy as np

from tests.chunk_support import CountingTokenizer, chunks_of
from vectorstore.keyword import KeywordIndex
from vectorstore.token_cache import CachedTokenizer, TokenCache
from vectorstore.tokenize import KeywordTokenizer

OLD = chunks_of("a", ["知识产权质押融资贴息比例为50%。", "专利开放许可试点。", "调解中心调解纠纷。"])
NEW = chunks_of("b", ["高校存量专利盘点。", "PCT专利申请资助。"])


def test_rebuild_after_a_new_document_tokenises_only_itschunks_of(
    tmp_path: Path, jieba_tokenizer: KeywordTokenizer
) -> None:
    counting = CountingTokenizer(jieba_tokenizer)
    cached = CachedTokenizer(tokenizer=counting, cache=TokenCache(tmp_path / "tokens.sqlite"))
    KeywordIndex.build(OLD, cached, generation=1)
    assert len(counting.seen) == len(OLD)
    counting.seen.clear()

    KeywordIndex.build(OLD + NEW, cached, generation=2)
    assert counting.seen == [c.search_text() for c in NEW]
    cached.close()


def test_cached_tokens_give_the_same_index(tmp_path: Path, jieba_tokenizer: KeywordTokenizer) -> None:
    cached = CachedTokenizer(tokenizer=jieba_tokenizer, cache=TokenCache(tmp_path / "tokens.sqlite"))
    KeywordIndex.build(OLD, cached, generation=1)  # fills the cache
    from_cache = KeywordIndex.build(OLD + NEW, cached, generation=2)
    fresh = KeywordIndex.build(OLD + NEW, jieba_tokenizer, generation=2)
    for question in ["贴息比例", "专利", "调解纠纷", "没有的词"]:
        tokens = jieba_tokenizer.tokens(question)
        assert from_cache.scores(tokens).tolist() == fresh.scores(tokens).tolist()
    cached.close()


def test_a_new_tokenizer_fingerprint_tokenises_again(
    tmp_path: Path, jieba_tokenizer: KeywordTokenizer
) -> None:
    cache = TokenCache(tmp_path / "tokens.sqlite")
    KeywordIndex.build(
        OLD, CachedTokenizer(tokenizer=CountingTokenizer(jieba_tokenizer, "v1"), cache=cache), 1
    )
    changed = CountingTokenizer(jieba_tokenizer, "v2")
    KeywordIndex.build(OLD, CachedTokenizer(tokenizer=changed, cache=cache), 2)
    assert len(changed.seen) == len(OLD)
    cache.close()


def test_questions_are_not_cached(tmp_path: Path, jieba_tokenizer: KeywordTokenizer) -> None:
    counting = CountingTokenizer(jieba_tokenizer)
    cached = CachedTokenizer(tokenizer=counting, cache=TokenCache(tmp_path / "tokens.sqlite"))
    assert cached.tokens("贴息比例") == cached.tokens("贴息比例") == jieba_tokenizer.tokens("贴息比例")
    assert len(counting.seen) == 2
    cached.close()


def test_the_score_matrix_equals_bm25s_bit_for_bit(jieba_tokenizer: KeywordTokenizer) -> None:
    import bm25s

    from app.settings import BUNDLED_CORPUS

    lines = [
        line for p in sorted(BUNDLED_CORPUS.glob("*.txt"))[:4] for line in p.read_text().splitlines() if line
    ]
    chunks = chunks_of("c", lines)
    ours = KeywordIndex.build(chunks, jieba_tokenizer, generation=1)
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([jieba_tokenizer.tokens(c.search_text()) or ["∅"] for c in chunks], show_progress=False)
    for token in set(reference.vocab_dict) - {""}:  # "" is bm25s's placeholder, never a token
        assert ours.scores([token]).tolist() == reference.get_scores([token]).tolist(), token
        assert ours.df(token) == int(np.diff(reference.scores["indptr"])[reference.vocab_dict[token]])
    for question in ("杨浦区知识产权质押融资贴息比例是多少？", "专利 专利 申请资助", "没有这个词", ""):
        tokens = jieba_tokenizer.tokens(question)  # repeated and unknown tokens too, as bm25s takes them
        expected = reference.get_scores(tokens).tolist() if tokens else [0.0] * len(chunks)
        assert ours.scores(tokens).tolist() == expected, question
