"""Clauses and documents switched off are dropped by retrieval (every channel searches through it), and
the switch survives a restart and a re-ingest of unchanged files."""

import pytest

from app.settings import Settings
from app.wiring import build_assistant, open_index
from ingest.pipeline import ingest
from vectorstore.catalog import WHOLE

pytestmark = pytest.mark.integration

QUESTION = "宝山区帮多少家企业申请了专利快速预审备案？"
EVERY = 500  # more than the fusion's candidate pool: what search returns at all


def ids(assistant, question=QUESTION):
    return [h.chunk.chunk_id for h in assistant.search(question, EVERY)]


def test_a_switched_off_clause_is_never_retrieved_until_switched_on_even_after_restart_and_reingest(data_dir):
    settings = Settings(data_dir=data_dir)
    index = open_index(settings)
    try:
        assistant = build_assistant(settings, index)
        before = ids(assistant)
        top = index.chunks()[before[0]]
        index.catalog.set_disabled(top.doc_id, top.chunk_id, True)
        after = ids(assistant)
        assert top.chunk_id not in after and after == [c for c in before if c != top.chunk_id]
        assert all(top.chunk_id != c.chunk_id for c in assistant.answer(QUESTION).citations)
    finally:
        index.close()
    index = open_index(settings)  # a restart
    try:
        ingest([settings.corpus_dir], index=index)  # nothing changed: nothing re-parsed
        assistant = build_assistant(settings, index)
        assert top.chunk_id not in ids(assistant)
        index.catalog.set_disabled(top.doc_id, WHOLE, True)
        assert not any(index.chunks()[c].doc_id == top.doc_id for c in ids(assistant))
        index.catalog.set_disabled(top.doc_id, WHOLE, False)
        index.catalog.set_disabled(top.doc_id, top.chunk_id, False)
        assert ids(assistant) == before
    finally:
        index.close()
