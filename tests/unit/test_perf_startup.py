"""Start-up: the embedding thread setting, and an index that opens without loading its stores."""

from pathlib import Path

import pytest

from app.settings import Settings
from app.wiring import open_index
from core.errors import ConfigError


def test_embed_threads_default_and_setting() -> None:
    assert Settings.from_env({}).embed_threads is None  # chosen at start-up for the use
    assert Settings.from_env({"IPBOT_EMBED_THREADS": "2"}).embed_threads == 2


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_bad_embed_threads_name_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="IPBOT_EMBED_THREADS"):
        Settings.from_env({"IPBOT_EMBED_THREADS": raw})


def test_opening_the_index_leaves_the_vector_store_closed(tmp_path: Path) -> None:
    index = open_index(Settings(data_dir=tmp_path))
    try:
        assert index.is_empty()
        assert not (tmp_path / "chroma").exists()  # made by the Chroma client, on first use
        assert index.vectors.count() == 0
        assert (tmp_path / "chroma").exists()
    finally:
        index.close()
