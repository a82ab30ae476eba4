"""A folder with bad files: every bad file named, the good ones ingested on request, old indexes kept."""

import sqlite3

import pytest

from core.errors import IngestError
from ingest.pipeline import ingest
from tests.integration.test_cli import run
from vectorstore.catalog import Catalog

pytestmark = pytest.mark.integration

GOOD = "# 示例区专利资助办法\n\n第一条 为了鼓励发明创造，制定本办法。\n\n第二条 资助标准为每件5000元。\n"


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "incoming"
    (folder / ".git").mkdir(parents=True)
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "empty.md").write_text("<!-- 待补充 -->\n", encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\xff\xfe\xfd\xfc" * 10)
    (folder / ".git" / "notes.txt").write_bytes(b"\xff\xfe\xfd\xfc" * 10)
    return folder


def test_every_bad_file_is_named_and_nothing_changes(index, folder):
    before = sorted(index.catalog.chunk_ids())
    with pytest.raises(IngestError) as info:
        ingest([folder], index=index)
    message = str(info.value)
    assert "2 个文件" in message and "empty.md" in message and "broken.txt" in message
    assert "notes.txt" not in message
    assert sorted(index.catalog.chunk_ids()) == before


def test_skip_bad_ingests_the_good_files_and_reports_the_others(index, folder):
    report = ingest([folder], index=index, skip_bad=True)
    assert report.added == 1 and len(report.skipped) == 2
    assert [c.clause.split(" › ")[-1] for c in index.catalog.chunks("good")] == ["第一条", "第二条"]
    (folder / "good.md").write_text("<!-- 清空 -->", encoding="utf-8")
    report = ingest([folder], index=index, skip_bad=True)
    assert len(report.skipped) == 3 and report.removed == 0
    assert index.catalog.chunks("good"), "a file that went bad keeps its previous version"


def test_the_command_lists_bad_files_and_skips_them_when_asked(data_dir, folder):
    out = run(data_dir, "ingest", str(folder))
    assert out.returncode == 2 and "empty.md" in out.stderr and "broken.txt" in out.stderr
    assert "--skip-bad" in out.stderr and "Traceback" not in out.stderr
    out = run(data_dir, "ingest", "--skip-bad", str(folder))
    assert out.returncode == 0, out.stderr
    assert "新增 1" in out.stdout and "跳过 2 个" in out.stderr and "empty.md" in out.stderr


def test_a_catalog_from_before_new_document_fields_still_opens(tmp_path):
    path = tmp_path / "catalog.sqlite"
    old_fields = "doc_id, title, source, content_hash, doc_number, issuer, date, region, period, kind"
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE documents ({old_fields.replace(',', ' TEXT NOT NULL,')} TEXT NOT NULL)")
        db.execute("INSERT INTO documents VALUES ('d', 'T', '/x', 'h:p1', '', '', '', '', '', 'work_plan')")
    catalog = Catalog(path)
    [meta] = catalog.documents()
    assert (meta.doc_id, meta.kind, meta.effective) == ("d", "work_plan", "")
    catalog.close()
