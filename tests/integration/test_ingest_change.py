"""An ingest after one in step compares only its own chunks with the vectors; after an interrupted
one (vectors written, catalog not committed) it compares everything and repairs."""

from pathlib import Path

import pytest

from ingest.pipeline import apply, ingest, prepare, settle, stage, stage_tracked
from ingest.reconcile import chunk_keys, quick_check, reconcile, synced_checksum

pytestmark = pytest.mark.integration


def _shrink(path: Path) -> None:
    """Drop the file's last section (its heading and clauses): its chunks leave the catalog."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n## ")] + "\n", encoding="utf-8")


def _in_step(index) -> bool:
    stored = index.vectors.keys()
    chunks = index.catalog.chunks()
    return stored == dict(zip((c.chunk_id for c in chunks), chunk_keys(index, chunks), strict=True))


def test_a_change_after_one_in_step_lists_no_vectors_and_leaves_no_orphans(index, corpus, monkeypatch):
    ingest([corpus], index=index)
    assert synced_checksum(index) is not None
    target = next(corpus.glob("003_*.txt"))
    before = {c.chunk_id for c in index.catalog.chunks(target.stem)}
    _shrink(target)
    listing = index.vectors.keys
    calls = []
    monkeypatch.setattr(index.vectors, "keys", lambda: calls.append(1) or listing())
    report = ingest([corpus], index=index)
    assert calls == []  # no vector was listed
    monkeypatch.undo()
    gone = before - {c.chunk_id for c in index.catalog.chunks(target.stem)}
    assert report.updated == 1 and report.orphans_removed == len(gone) > 0
    assert _in_step(index) and quick_check(index).ok and synced_checksum(index) is not None
    assert reconcile(index, repair=False).ok


def test_vectors_written_by_an_interrupted_ingest_are_repaired_by_the_next(index, corpus):
    ingest([corpus], index=index)
    target = next(corpus.glob("003_*.txt"))
    original = target.read_text(encoding="utf-8")
    target.write_text(original.replace("知识产权", "知识产权（改）"), encoding="utf-8")
    stage(prepare([corpus], index=index), index=index)  # vectors written, then a crash before the commit
    assert not _in_step(index) and synced_checksum(index) is None
    target.write_text(original, encoding="utf-8")
    report = ingest([corpus], index=index)  # nothing changed in the files: still a full comparison
    assert report.restored + report.orphans_removed > 0
    assert _in_step(index) and quick_check(index).ok and synced_checksum(index) is not None


def test_another_writer_between_staging_and_settling_makes_it_a_full_comparison(index, corpus, tmp_path):
    ingest([corpus], index=index)
    target = next(corpus.glob("003_*.txt"))
    _shrink(target)
    staged = stage_tracked(prepare([corpus], index=index), index=index)
    assert staged.synced is not None
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text(
        "# 示例区知识产权资助办法\n\n一、资助范围\n\n（一）资助说明。", encoding="utf-8"
    )
    stage(prepare([other], index=index), index=index)  # another process's vectors, never committed
    apply(staged.plan, index=index)
    found = settle(staged, index=index)
    assert found.orphans > 0  # the full comparison saw the other writer's vectors and deleted them
    assert _in_step(index) and quick_check(index).ok and synced_checksum(index) is not None
