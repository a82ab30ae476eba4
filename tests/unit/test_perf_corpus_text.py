"""The joined corpus's "in": the same answers as a substring test, whatever the words; built at commit
from the previous build, saved for the catalog generation."""

import random
import shutil
from pathlib import Path

import pytest

from app.settings import Settings
from app.wiring import open_index
from core.records import Chunk
from core.text import normalize
from ingest.pipeline import ingest
from vectorstore import corpus_text
from vectorstore.corpus_text import CorpusText, _all_in, _codes, _pairs

ALPHABET = "专利权申请资助合同劳动补偿第一条ab1,.\n\ud800"


def _random(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


@pytest.mark.parametrize("set_limit", [100_000, -1])  # characters and pairs also kept as sets; arrays only
@pytest.mark.parametrize("seed", range(5))
def test_in_is_the_substring_test(seed: int, set_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_text, "_SET_LIMIT", set_limit)
    rng = random.Random(seed)
    text = _random(rng, 0, 300)
    corpus = CorpusText(text)
    assert (corpus._pair_set is None) == (set_limit < 0)
    for _ in range(2000):
        needle = _random(rng, 0, 4)
        assert (needle in corpus) == (needle in text), (needle, text)


def test_words_of_the_text_and_words_absent_from_it() -> None:
    corpus = CorpusText("劳动合同\n经济补偿")
    assert "合同" in corpus and "动合" in corpus and "同\n经" in corpus and "" in corpus
    assert "员工" not in corpus and "合同法" not in corpus and "劳补" not in corpus and "x" not in corpus
    assert "合" not in CorpusText("")


def _chunks(texts: list[str]) -> list[Chunk]:
    return [Chunk(f"d-{i}", "d", "文件", f"文件 › （{i}）", t, "上海市", "", i) for i, t in enumerate(texts)]


def _joined(chunks: list[Chunk]) -> str:
    return "\n".join(normalize(c.search_text()) for c in chunks)


@pytest.mark.parametrize("seed", range(4))
def test_a_rebuild_from_the_previous_build_answers_as_the_substring_test(seed: int) -> None:
    rng = random.Random(seed)
    texts = [_random(rng, 1, 40) for _ in range(30)]
    before = CorpusText.build(_chunks(texts))
    # some chunks changed, some gone, some new: few enough removals to keep the previous pairs
    texts = texts[: 30 - seed] + [_random(rng, 1, 40) for _ in range(5)]
    texts[3] = "劳动合同经济补偿第一条"
    after_chunks = _chunks(texts)
    after = CorpusText.build(after_chunks, before)
    assert after.text == _joined(after_chunks) == CorpusText.build(after_chunks).text
    for _ in range(2000):
        needle = _random(rng, 0, 4)
        assert (needle in after) == (needle in after.text), needle
    assert "合同经济" in after and "同经" in after


@pytest.mark.parametrize("seed", range(3))
def test_each_part_reads_back_as_its_chunks_matching_text(seed: int) -> None:
    rng = random.Random(seed)
    texts = [_random(rng, 0, 40) for _ in range(20)] + ["贴息比例为５０％。", "（一） 资助 １０ 万元"]
    chunks = _chunks(texts)
    corpus = CorpusText.build(chunks)
    for chunk in chunks:  # the first and the last part too, and empty ones
        assert corpus.part(corpus_text.text_key(chunk.search_text())) == normalize(chunk.search_text())
    assert corpus.part(corpus_text.text_key("不在其中的文字")) is None
    assert CorpusText("劳动合同").part(corpus_text.text_key("劳动合同")) is None  # a bare text has no parts


def test_removing_most_chunks_works_the_pairs_out_afresh() -> None:
    many = _chunks(["专利权质押融资贴息", "劳动合同", "经济补偿"])
    before = CorpusText.build(many)
    after = CorpusText.build(many[:1], before)
    assert after.text == _joined(many[:1])
    assert not _all_in(after._pairs, _pairs(_codes("合同")))  # the removed chunk's pairs are gone
    assert "合同" not in after and "质押" in after


def test_saved_for_a_generation_and_loaded_back(tmp_path: Path) -> None:
    chunks = _chunks(["专利权质押融资贴息", "劳动合同"])
    built = CorpusText.build(chunks)
    built.save(tmp_path / "corpus_text", 7)
    loaded = CorpusText.load(tmp_path / "corpus_text", 7)
    assert loaded is not None
    assert loaded.text == built.text and loaded.keys == built.keys and loaded.parts() == built.parts()
    assert "质押" in loaded and "补偿" not in loaded
    assert CorpusText.load(tmp_path / "corpus_text", 8) is None  # another generation's
    assert CorpusText.load(tmp_path / "missing", 7) is None
    (tmp_path / "corpus_text" / "meta.json").write_text("{")  # damaged: built again by the reader
    assert CorpusText.load(tmp_path / "corpus_text", 7) is None


def test_a_commit_saves_the_joined_text_so_the_next_question_only_loads_it(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    index = open_index(settings)
    try:
        generation = index.catalog.generation()
        saved = CorpusText.load(index.corpus_dir, generation)  # written by the ingest of the fixture
        assert saved is not None
        assert saved.text == _joined(list(index.chunks().values()))
        extra = data_dir / "extra.txt"
        extra.write_text(
            "上海市知识产权局关于试行的通知\n\n第一条 本办法所称独角兽专利池是指试点内容。\n", "utf-8"
        )
        ingest([extra], index=index)
        changed = CorpusText.load(index.corpus_dir, index.catalog.generation())
        assert changed is not None and "独角兽专利池" in changed
        shutil.rmtree(index.corpus_dir)  # as if saved by nobody: the first question builds and saves it
        reader = open_index(settings)
        try:
            assert "独角兽专利池" in reader.corpus_text()
            assert CorpusText.load(reader.corpus_dir, reader.catalog.generation()) is not None
        finally:
            reader.close()
    finally:
        index.close()
