"""Ingestion over the real corpus: no re-embedding of unchanged text, atomic replace, clean failures."""

from contextlib import contextmanager

import pytest

from app.settings import BUNDLED_CORPUS
from core.errors import IngestError
from ingest.pipeline import ingest

pytestmark = pytest.mark.integration


def _state(index):
    return [(d.doc_id, d.content_hash) for d in index.catalog.documents()], sorted(index.catalog.chunk_ids())


def test_reingesting_unchanged_files_does_no_embedding_work(index):
    before = _state(index)
    report = ingest([BUNDLED_CORPUS], index=index)
    assert (report.unchanged, report.added, report.updated, report.removed, report.embedded) == (
        5,
        0,
        0,
        0,
        0,
    )
    assert _state(index) == before


def test_a_changed_file_replaces_its_chunks_and_embeds_only_new_text(index, corpus):
    ingest([corpus], index=index)
    target = next(corpus.glob("003_*.txt"))
    old_ids = {c.chunk_id for c in index.catalog.chunks(target.stem)}
    text = target.read_text(encoding="utf-8")
    addition = "## 六、附则\n\n本方案自印发之日起施行，由区知识产权局负责解释。\n\n---\n\n抄送"
    target.write_text(text.replace("---\n\n抄送", addition, 1), encoding="utf-8")
    report = ingest([corpus], index=index)
    assert (report.updated, report.unchanged, report.embedded) == (1, 4, 1)
    new_ids = {c.chunk_id for c in index.catalog.chunks(target.stem)}
    assert len(new_ids - old_ids) == 1 and old_ids <= new_ids
    assert index.vectors.ids() == index.catalog.chunk_ids()
    assert any("负责解释" in c.text and c.clause.endswith("六、附则") for c in index.chunks().values())


def test_a_removed_file_takes_its_chunks_with_it(index, corpus):
    ingest([corpus], index=index)
    gone = next(corpus.glob("004_*.txt"))
    gone.unlink()
    report = ingest([corpus], index=index)
    assert report.removed == 1 and report.documents == 4
    assert not index.catalog.chunks(gone.stem)
    assert index.vectors.ids() == index.catalog.chunk_ids()
    assert all(c.doc_id != gone.stem for c in index.chunks().values())


def test_a_bad_file_aborts_before_anything_changes(index, corpus):
    before = _state(index)
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\xfd\xfc" * 10)
    with pytest.raises(IngestError, match=r"broken\.txt"):
        ingest([corpus], index=index)
    assert _state(index) == before
    assert index.keyword().scores(index.tokenizer.tokens("贴息")).max() > 0


def test_an_interrupted_ingest_leaves_the_previous_index_usable(index, tmp_path):
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "extra.md").write_text(
        "# 示例区知识产权资助办法\n\n一、资助范围\n\n"
        + "\n\n".join(f"（{n}）第{n}项资助内容说明。" for n in "一二三四五六七八九十"),
        encoding="utf-8",
    )
    before = _state(index)

    @contextmanager
    def interrupting(total):
        class Bar:
            def update(self, n):
                raise KeyboardInterrupt

        yield Bar()

    with pytest.raises(KeyboardInterrupt):
        ingest([folder], index=index, progress=interrupting)
    assert _state(index) == before
    report = ingest([folder], index=index)
    assert report.added == 1 and report.documents == 6
    assert index.vectors.ids() >= index.catalog.chunk_ids()


def test_chunk_ids_are_stable_across_reingestion(index, corpus):
    ids = sorted(index.catalog.chunk_ids())
    ingest([corpus], index=index)
    assert sorted(index.catalog.chunk_ids()) == ids
