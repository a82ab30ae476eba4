"""Within one question the cuts are jieba's own, however a text's blocks and their tails come in."""

import random

import pytest

from app.settings import BUNDLED_CORPUS
from vectorstore.tokenize import KeywordTokenizer, cutting_once

QUESTIONS = [
    "顾村这边做研发的小公司，听说区里有那种先给钱、以后再折成股份的支持办法？",
    "我在泗泾开厂，手上有几个专利想卖掉或者授权给别人用",
    "文号宝法〔2023〕001号对应的文件全称是什么？",
    "松江 馬德里商標 目標",
    "PCT专利申请资助最高多少？IP保护 abc123 x1y2",
    "专利法第11条、第二十条\r\n怎么说\t的",
]
ALPHABET = "专利权申请资助质押融资贴息宝山区顾村这边的小公司第一条abcX19 ，。？\n\r\t-_.%#&+"


def _texts() -> list[str]:
    rng = random.Random(7)
    corpus = [
        line
        for path in sorted(BUNDLED_CORPUS.glob("*.txt"))
        for line in path.read_text().splitlines()
        if line
    ]
    made = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    return QUESTIONS + corpus[:400] + made


def _tails(text: str) -> list[str]:
    return [text[i:] for i in range(len(text))]


@pytest.fixture(scope="module")
def tokenizer() -> KeywordTokenizer:
    return KeywordTokenizer()


def test_each_text_is_cut_as_jieba_cuts_it(tokenizer: KeywordTokenizer) -> None:
    jieba = tokenizer._jieba
    for text in _texts():
        with cutting_once():
            assert tokenizer.words(text) == jieba.lcut(text, HMM=False), text


@pytest.mark.parametrize("whole_first", [True, False])
def test_the_tails_of_a_text_are_cut_as_jieba_cuts_them_whichever_comes_first(
    tokenizer: KeywordTokenizer, whole_first: bool
) -> None:
    jieba = tokenizer._jieba
    rng = random.Random(whole_first)
    for text in QUESTIONS + _texts()[-60:]:
        tails = _tails(text)
        rng.shuffle(tails)
        with cutting_once():
            order = [text, *tails] if whole_first else [*tails, text]
            assert [tokenizer.words(t) for t in order] == [jieba.lcut(t, HMM=False) for t in order], text


def test_a_place_name_blanked_leaves_the_cut_of_the_rest_as_jieba_gives_it(
    tokenizer: KeywordTokenizer,
) -> None:
    jieba = tokenizer._jieba
    with cutting_once():
        whole = tokenizer.words("顾村这边做研发的小公司")
        rest = tokenizer.words("  这边做研发的小公司")
    assert whole == jieba.lcut("顾村这边做研发的小公司", HMM=False)
    assert rest == jieba.lcut("  这边做研发的小公司", HMM=False) and rest[-1] == whole[-1]
