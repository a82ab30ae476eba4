"""Shared fixtures: the real bundled corpus indexed once per test session, and private copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import BUNDLED_CORPUS, Settings
from app.wiring import build_assistant, open_index
from bot.assistant import Assistant
from ingest.pipeline import ingest
from vectorstore.index import Index
from vectorstore.tokenize import KeywordTokenizer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the index of the bundled corpus (embedded once per session)."""
    data = tmp_path_factory.mktemp("corpus-index")
    settings = Settings(data_dir=data)
    index = open_index(settings)
    try:
        ingest([settings.corpus_dir], index=index)
    finally:
        index.close()
    return data


@pytest.fixture
def data_dir(built_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus index that a test may change freely."""
    target = tmp_path / "data"
    shutil.copytree(built_data_dir, target)
    return target


@pytest.fixture
def index(data_dir: Path) -> Iterator[Index]:
    """The private copy's index, open for a test that ingests or changes it."""
    opened = open_index(Settings(data_dir=data_dir))
    yield opened
    opened.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus's files, for a test that edits them."""
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, folder)
    return folder


@pytest.fixture(scope="session")
def assistant(built_data_dir: Path) -> Iterator[Assistant]:
    """The extractive assistant over the shared corpus index (read-only use)."""
    settings = Settings(data_dir=built_data_dir)
    index = open_index(settings)
    yield build_assistant(settings, index)
    index.close()


EXTRA = SHARED / "corpus-extra"


@pytest.fixture(scope="session")
def with_laws(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The bundled corpus plus the three law texts of corpus-extra (only the laws are embedded anew)."""
    if not EXTRA.exists():
        pytest.skip("../shared/corpus-extra is not beside the project")
    data = tmp_path_factory.mktemp("with-laws") / "data"
    shutil.copytree(built_data_dir, data)
    settings = Settings(data_dir=data)
    index = open_index(settings)
    ingest([settings.corpus_dir, EXTRA], index=index)
    yield build_assistant(settings, index)
    index.close()


@pytest.fixture(scope="module")
def jieba_tokenizer() -> KeywordTokenizer:
    """jieba with the IP dictionary, loaded once per module."""
    return KeywordTokenizer()
