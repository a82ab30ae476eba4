"""The joined corpus's "in": the same answers as a substring test, whatever the words."""

import random

import pytest

from bot.corpus_text import CorpusText

ALPHABET = "专利权申请资助合同劳动补偿第一条ab1,.\n\ud800"


def _random(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


@pytest.mark.parametrize("seed", range(5))
def test_in_is_the_substring_test(seed: int) -> None:
    rng = random.Random(seed)
    text = _random(rng, 0, 300)
    corpus = CorpusText(text)
    for _ in range(2000):
        needle = _random(rng, 0, 4)
        assert (needle in corpus) == (needle in text), (needle, text)


def test_words_of_the_text_and_words_absent_from_it() -> None:
    corpus = CorpusText("劳动合同\n经济补偿")
    assert "合同" in corpus and "动合" in corpus and "同\n经" in corpus and "" in corpus
    assert "员工" not in corpus and "合同法" not in corpus and "劳补" not in corpus and "x" not in corpus
    assert "合" not in CorpusText("")
