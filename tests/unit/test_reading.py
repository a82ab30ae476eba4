"""Questions read the way people write them: places for districts, traditional characters, numerals."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.compose import place_note
from bot.query import analyse
from core.figures import figure_in
from core.numerals import arabic, articles_in
from core.places import districts_in, gazetteer, misspelt_places, places_in, regions_in_order, strip_places


@pytest.mark.parametrize(
    ("question", "district"),
    [
        ("顾村这边做研发的小公司", "宝山区"),
        ("我们在五角场附近", "杨浦区"),
        ("张江的生物医药企业", "浦东新区"),
        ("漕河泾开发区有服务站吗", "徐汇区"),
        ("九亭这边的商标指导站", "松江区"),
    ],
)
def test_a_town_street_or_landmark_names_its_district(question, district):
    assert analyse(question).districts == (district,)
    assert analyse(question).places[0][1] == district


def test_short_district_names_are_found_however_they_overlap_and_never_as_something_else():
    assert districts_in("杨浦东") == ("杨浦区", "浦东新区")  # 杨浦 and 浦东 share 浦
    assert districts_in("黄浦江边的普陀山游客") == ()  # 黄浦江, 普陀山: a river and a mountain
    assert regions_in_order("浦东和杨浦比，市里呢") == ("浦东新区", "杨浦区", "上海市")


def test_a_street_named_after_a_district_is_in_its_own_district():
    assert districts_in("宝山路附近的企业") == ("静安区",)  # 宝山路 is in 静安区


@pytest.mark.parametrize(
    ("question", "written", "district"),
    [("淞江 中小学 知识产权教育", "淞江", "松江区"), ("扬浦区贴息多少", "扬浦", "杨浦区"), ("敏行区有什么政策", "敏行", "闵行区"),
     ("在曹河泾开公司", "曹河泾", "徐汇区")],
)  # fmt: skip
def test_a_district_or_place_written_with_a_character_that_sounds_the_same_is_read_as_meant(
    question, written, district
):
    info = analyse(question)
    assert info.districts == (district,) and (written, district) in info.places


def test_the_quick_window_test_never_misses_a_name_with_one_character_changed():
    from core.places import _known_names, _windows

    for name in sorted(_known_names()):
        for at in range(len(name)) if len(name) >= 2 else ():
            text = "在" + name[:at] + "某" + name[at + 1 :] + "办事"
            assert (len(name), 1) in _windows(text), (name, at)


def _every_window(text: str) -> list[tuple[int, int]]:
    """The windows some probe finds, looked for at every start (what _windows skips to in C)."""
    from core.places import _anchors

    found: set[tuple[int, int]] = set()
    for start in range(len(text) - 1):
        a, b, c = text[start], text[start + 1], text[start + 2 : start + 3]
        for key in (("0", a), ("1", b), ("01", a + b), ("12", b + c), ("02", a + c)):
            found.update((size, start) for size in _anchors().get(key, ()) if start + size <= len(text))
    return sorted(found)


_NAME_CHARS = "".join(sorted({char for name in gazetteer() for char in name}))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_NAME_CHARS + "区在的\n 。a1"), max_size=24))
def test_the_quick_window_test_skips_only_starts_no_probe_finds(text):
    # line breaks included: a window may hold one (its name is then refused as not all Chinese)
    from core.places import _windows

    assert _windows(text) == _every_window(text)


def test_sound_alike_reading_never_touches_words_written_right():
    # an everyday word that shares a sound with a place is not that place (进山 is not 金山; 民行: other tone)
    for text in ("进山", "民行", "风险补偿", "假定我们在浦东", "中小企业融资", "宝山路附近", "知识产权质押"):
        assert all(written in ("浦东", "宝山路") for written, _ in places_in(text)), text
    assert misspelt_places("松江区和杨浦区") == ()
    # a two-character name inside other words is not a place: 基金会 is not 金汇, 奖金会不会 neither
    for text in ("基金会的资助有多少", "成果转化奖金会不会占绩效工资总额"):
        assert analyse(text).districts == () and analyse(text).read == text


def test_the_answer_says_which_district_a_place_was_taken_for():
    assert place_note(analyse("淞江 中小学 知识产权教育")) == "（“淞江”按松江区理解）"
    assert place_note(analyse("九亭这边的商标指导站")) == "（“九亭”按松江区理解）"
    assert place_note(analyse("松江区的商标指导站")) == ""


def test_place_names_are_not_topic_words():
    assert "顾村" not in strip_places("顾村的专利资助")
    assert "专利资助" in strip_places("顾村的专利资助")


def test_every_gazetteer_place_belongs_to_one_of_the_sixteen_districts():
    assert len(set(gazetteer().values())) == 16
    assert places_in("松江大学城和江湾体育场") == (("大学城", "松江区"), ("江湾体育场", "杨浦区"))


def test_traditional_characters_are_read_as_simplified_and_the_question_kept_as_asked():
    info = analyse("楊浦區 公益訴訟 知識產權")
    assert info.districts == ("杨浦区",) and "公益诉讼" in info.read
    assert info.text == "楊浦區 公益訴訟 知識產權"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("处违法所得五倍以下的罚款", "处违法所得5倍以下的罚款"),
        ("三万元以上五百万元以下", "3万元以上500万元以下"),
        ("十五日内", "15日内"),
        ("百分之五十", "50%"),
        ("一些企业统一管理十分重要", "一些企业统一管理十分重要"),
        ("融资总额再提一次", "融资总额再提一次"),
    ],
)
def test_numerals_before_a_unit_read_as_figures(text, expected):
    assert arabic(text) == expected


def test_a_figure_matches_whichever_way_it_is_written():
    assert figure_in("5倍", "可以处违法所得五倍以下的罚款")
    assert figure_in("15天", "应当在十五日内提出")
    assert figure_in("第11条", "依照本法第十一条的规定")
    assert not figure_in("6倍", "可以处违法所得五倍以下的罚款")


@pytest.mark.parametrize("question", ["专利法第11条讲什么", "专利法11条", "专利法第十一条讲什么"])
def test_article_numbers_are_found_however_written(question):
    assert articles_in(question) == ("第十一条",)
    info = analyse(question)
    assert "第十一条" in info.read and "第十一条" in info.exact and "11" not in info.exact


@pytest.mark.parametrize("question", ["哪几家单位负责？", "责任单位是哪几个部门？"])
def test_which_units_asks_who_not_how_many(question):
    assert analyse(question).intent == "who"


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "还能享受优先权吗？有时间限制吗",
            ("还能享受优先权吗?", "有时间限制吗"),
        ),  # the last one without its ？
        ("专利法有什么要求？上海市里还要过哪道审查？", ("专利法有什么要求?", "上海市里还要过哪道审查?")),
        ("我们公司在杨浦，贴息比例是多少", ("贴息比例是多少",)),
        ("贴息比例是多少？谢谢", ("贴息比例是多少?",)),
    ],
)
def test_each_question_of_a_message_is_found_even_when_typed_without_a_question_mark(message, questions):
    assert analyse(message).questions == questions


def test_the_situation_told_before_a_question_is_not_what_it_asks():
    info = analyse("手上有几个专利，能申请贴息吗")  # 几个 tells the situation; the question is the yes/no
    assert info.asking == "能申请贴息吗"
    assert info.intent.value == "general"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("专利权的期限是多久", "duration"),  # how long, not which years a plan runs
        ("杨浦的方案是哪年到哪年的", "period"),
        ("杨浦区的工作方案是哪天印发的", "date"),
        ("发明专利权的期限从什么时候起算", "general"),  # from which event (自申请日起), not a date
        ("专利侵权的诉讼时效是几年？从什么时候开始算？", "quantity"),  # the first question decides
        ("上海对有突出贡献的单位有什么奖励", "general"),  # what kind of reward, not how much
        ("每件发明专利奖励多少", "quantity"),
    ],
)
def test_what_a_question_asks_for_is_read_from_how_it_asks(question, intent):
    assert analyse(question).intent.value == intent


def test_where_the_asker_says_they_are_is_told_apart_from_what_they_ask():
    info = analyse("我们在龙华有个研发中心，听说市里和区里都在搞高价值专利的培育中心，两边分别是怎么说的？")
    assert info.told == "我们在龙华有个研发中心"
    assert analyse("我在松江大学城读书，家在江湾体育场附近，区里有志愿者队伍吗").told == (
        "我在松江大学城读书，家在江湾体育场附近"
    )
    assert analyse("杨浦区贴息比例是多少").told == ""  # a district asked about is not the asker's place
