"""Words written with a sound-alike character are read as meant, and only those."""

import pytest

from bot.query import analyse
from bot.spelling import read_as_meant, respelt
from core.sounds import sound_alikes
from vectorstore.tokenize import KeywordTokenizer

USED = {"贴息": 12, "申请": 40, "质押": 9, "试行": 2, "市区": 3, "打击": 2, "保护": 30}


class Counts:
    """How many clauses use each word, as the keyword index answers it (df, fillers)."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    def df(self, token: str) -> int:
        return self._counts.get(token, 0)

    def fillers(self, pattern: str) -> str:
        at = pattern.index("?")
        return "".join(
            w[at] for w, n in self._counts.items() if len(w) == 2 and n and w[1 - at] == pattern[1 - at]
        )


@pytest.fixture(scope="module")
def words():
    return KeywordTokenizer().words


def test_sound_alikes_come_from_the_readings_tones_aside():
    assert "贴" in sound_alikes("帖") and "请" in sound_alikes("清") and "帖" not in sound_alikes("帖")


@pytest.mark.parametrize(
    ("question", "fix"),
    [
        ("杨浦区帖息比例是多少", ("帖息", "贴息")),
        ("怎么申清专利", ("申清", "申请")),
        ("知识产权只押贷款", ("只押", "质押")),
    ],
)
def test_a_word_the_dictionary_cuts_apart_is_respelt_into_the_word_the_index_uses(question, fix, words):
    assert respelt(question, Counts(USED), words) == (fix,)


def test_real_words_function_characters_and_places_are_never_respelt(words):
    used = Counts(USED)
    assert respelt("科创中心条例哪天施行", used, words) == ()  # 施行 is a word, even if the index lacks it
    assert respelt("你现在是区知识产权局的科长", used, words) == ()  # 是区: 是 says nothing
    assert respelt("年费能打几折", used, words) == ()
    assert respelt("淞江 中小学", Counts({"松江": 5}), words) == ()  # a place: core.places reads it


def test_the_question_as_asked_is_kept_and_retrieval_reads_it_as_meant(words):
    info = read_as_meant(analyse("杨浦区帖息比例是多少"), Counts(USED), words)
    assert info.text == "杨浦区帖息比例是多少" and "贴息" in info.read and info.respelt == (("帖息", "贴息"),)
