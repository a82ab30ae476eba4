"""Shanghai's districts, their short names, and places outside Shanghai (data, kept once)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

from .sounds import is_han, readings, word_readings

DISTRICTS = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)  # fmt: skip
CITY = "上海市"
NATIONAL = "全国"  # the region of national law: 全国人大, 国务院, 最高人民法院 and ministries


def short_name(district: str) -> str:
    """杨浦区 → 杨浦, 浦东新区 → 浦东."""
    return district.removesuffix("新区") if district.endswith("新区") else district.removesuffix("区")


SHORT_NAMES = {short_name(d): d for d in DISTRICTS}
# Short district names that are also something else when followed by these characters.
_NOT_DISTRICT = {"黄浦": "江", "普陀": "山", "金山": "寺"}

OUTSIDE = (
    "北京 天津 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 "
    "海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门 深圳 广州 杭州 南京 苏州 无锡 宁波 "
    "合肥 武汉 成都 西安 长沙 郑州 济南 青岛 厦门 福州 大连 沈阳 哈尔滨 长春 昆明 贵阳 南宁 海口 南昌 太原 "
    "石家庄 呼和浩特 兰州 银川 西宁 乌鲁木齐 拉萨 东莞 佛山 珠海 温州 嘉兴 常州 南通 绍兴 烟台 徐州 "
    "美国 日本 韩国 欧盟 英国 德国 法国 新加坡"
).split()
# A Shanghai street named after a province or city is not that place (南京东路, 西藏中路, 四川北路 …).
_ROAD = re.compile(r"^[东西南北中]?路")
# led by a class of the first characters, as re does not skip by first character past a look-behind
_CITY_WORDS = re.compile(r"(?=[上全本市])(?:上海|全市|本市|市级|(?<![城都])市里)")

# Words that name a place, never a topic (the refusal rule does not count them as content).
PLACE_WORDS = frozenset({"上海", "上海市", "全市", "本市", "市级", "区", "市", *DISTRICTS, *SHORT_NAMES})


GAZETTEER = Path(__file__).resolve().parent / "data" / "shanghai_places.txt"


@cache
def gazetteer() -> dict[str, str]:
    """Place name → district, from the shipped gazetteer (街道, 镇, areas and landmarks of each district)."""
    places: dict[str, str] = {}
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        district, _, names = line.partition(":")
        if district.strip() not in DISTRICTS:
            raise ValueError(f"{GAZETTEER}: {district!r} is not one of Shanghai's districts")
        places.update((name, district.strip()) for name in names.split())
    return places


@cache
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(gazetteer(), key=len, reverse=True))))


@lru_cache(maxsize=512)  # a question's text is asked by several steps (analyse, districts, respelling)
def places_in(text: str) -> tuple[tuple[str, str], ...]:
    """(place, district) for each gazetteer place the text names (顾村 → 宝山区), longest match first,
    then each district or place written with one character that sounds the same (淞江 → 松江区)."""
    named = [(m.group(0), gazetteer()[m.group(0)]) for m in _place_pattern().finditer(text)]
    return tuple(dict.fromkeys([*named, *misspelt_places(_without_places(text))]))


@cache
def _sound_index() -> dict[str, list[tuple[str, str, str]]]:
    """Each name (district short names, gazetteer places) under each of its one-blank forms (?江 → 松江),
    with the blanked character's reading in that name."""
    names = {**{name: d for name, d in gazetteer().items() if len(name) >= 2}, **SHORT_NAMES}
    index: dict[str, list[tuple[str, str, str]]] = {}
    for name, district in names.items():
        if not all(map(is_han, name)):
            continue
        spoken = word_readings(name)  # read as a word: 闵行 min3 hang2
        for at in range(len(name)):
            index.setdefault(name[:at] + "?" + name[at + 1 :], []).append((spoken[at], name, district))
    return index


@cache
def _known_names() -> frozenset[str]:
    return frozenset(gazetteer()) | frozenset(SHORT_NAMES)


# Positions of a name such that one wrong character leaves at least one of them whole: a two-character
# name keeps its first or its second; a longer one its first two, its second and third, or its first
# and third.
_PROBES = {"0": (0,), "1": (1,), "01": (0, 1), "12": (1, 2), "02": (0, 2)}


def _probes(size: int) -> tuple[str, ...]:
    return ("0", "1") if size == 2 else ("01", "12", "02")


@cache
def _anchors() -> dict[tuple[str, str], tuple[int, ...]]:
    """(probe, the characters at its positions) → the lengths of the names having them: a text window can be
    a name with one wrong character only where some probe finds a name's characters (a quick test)."""
    sizes: dict[tuple[str, str], set[int]] = {}
    for name in _known_names():
        for probe in _probes(len(name)) if len(name) >= 2 else ():
            sizes.setdefault((probe, "".join(name[at] for at in _PROBES[probe])), set()).add(len(name))
    return {key: tuple(found) for key, found in sizes.items()}


@cache
def _leads() -> tuple[frozenset[str], frozenset[str]]:
    """The characters a window must begin with, or have second, for any probe to find a name there: every
    probe holds the window's first character (0, 01, 02) or its second (1, 12)."""
    anchors = _anchors()
    return (
        frozenset(chars[0] for probe, chars in anchors if probe.startswith("0")),
        frozenset(chars[0] for probe, chars in anchors if probe.startswith("1")),
    )


@cache
def _lead_pattern() -> re.Pattern[str]:
    """Where a window of two characters or more begins with a lead or has one second (see _leads)."""
    first, second = (f"[{''.join(map(re.escape, sorted(chars)))}]" for chars in _leads())
    return re.compile(f"(?=(?:{first}.|.{second}))" if _anchors() else "(?!)", re.DOTALL)


def _windows(text: str) -> list[tuple[int, int]]:
    """(size, start) of each window of the text that some probe finds (see _anchors), in that order.
    Only the starts _lead_pattern finds are looked at: no probe can find a name anywhere else (most
    windows), and the regex skips them in C."""
    anchors, found = _anchors(), set[tuple[int, int]]()
    for lead in _lead_pattern().finditer(text):
        start = lead.start()
        a, b = text[start], text[start + 1]
        c = text[start + 2 : start + 3]
        for key in (("0", a), ("1", b), ("01", a + b), ("12", b + c), ("02", a + c)):
            if sizes := anchors.get(key):
                found.update((size, start) for size in sizes if start + size <= len(text))
    return sorted(found)


@lru_cache(maxsize=512)  # a question is read by several steps (places, districts, the text as meant)
def misspellings(text: str) -> tuple[tuple[str, str, str], ...]:
    """(as written, as meant, district) for each district or place name written with one wrong character
    that reads the same (淞江 → 松江, 扬浦 → 杨浦, 黄埔 → 黄浦); names written right are places_in's."""
    index, known, found = _sound_index(), _known_names(), []
    for size, start in _windows(text):
        written = text[start : start + size]
        if written in known or not all(map(is_han, written)):
            continue
        if size == 2 and not _stands_alone(text, start, start + 2):
            continue
        for at in range(size):
            for reading, name, district in index.get(written[:at] + "?" + written[at + 1 :], ()):
                if reading in readings(written[at]):
                    found.append((written, name, district))
    return tuple(dict.fromkeys(found))


_BEFORE_A_PLACE = "在到去住于"  # 在淞江开厂


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A two-character name is read as a place only where a place stands: before 区/县, after 在/到/去, or
    set off from other Chinese (淞江 中小学) — never inside other words (基金会 is not 金汇, 奖金会不会)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return after in "区县" or before in _BEFORE_A_PLACE or not is_han(before) or not is_han(after)


def misspelt_places(text: str) -> tuple[tuple[str, str], ...]:
    """(as written, district) for each misspelt district or place name (see misspellings)."""
    return tuple(dict.fromkeys((written, district) for written, _, district in misspellings(text)))


def as_meant(text: str) -> str:
    """The text with misspelt district and place names written right (扬浦区 → 杨浦区)."""
    for written, name, _ in misspellings(_without_places(text)):
        text = text.replace(written, name)
    return text


@lru_cache(maxsize=512)  # about ten times a question, over one or two texts
def _without_places(text: str) -> str:
    """The text with gazetteer places blanked, so 宝山路 (in 静安区) does not name 宝山区."""
    return _place_pattern().sub(" ", text)


@cache
def _short_name_pattern() -> re.Pattern[str]:
    """Every district's short name at once, at every position (a lookahead, so 杨浦东 holds 杨浦 and 浦东)."""
    names = sorted(SHORT_NAMES, key=len, reverse=True)
    if any(a != b and b.startswith(a) for a in names for b in names):
        raise ValueError("a short district name begins another: one pass would miss one of them")
    return re.compile(f"(?=({'|'.join(map(re.escape, names))}))")


@lru_cache(maxsize=512)  # asked for the districts and for their order
def _short_names_at(text_only: str) -> tuple[tuple[int, str], ...]:
    """(position, district) of each short district name (杨浦, 浦东 …) in a text without gazetteer places,
    except where the name is something else (黄浦江, 普陀山, 金山寺)."""
    found = []
    for match in _short_name_pattern().finditer(text_only):
        short = match.group(1)
        end = match.start() + len(short)
        if _NOT_DISTRICT.get(short) != text_only[end : end + 1]:
            found.append((match.start(), SHORT_NAMES[short]))
    return tuple(found)


def districts_in(text: str) -> tuple[str, ...]:
    """The districts a text names (full or short name, or through a place such as 五角场)."""
    named = {district for _, district in _short_names_at(_without_places(text))}
    found = [district for district in SHORT_NAMES.values() if district in named]
    found.extend(d for _, d in places_in(text) if d not in found)
    return tuple(found)


def regions_in_order(text: str) -> tuple[str, ...]:
    """The districts a text names, and the city when it names it too (上海, 市里), in the text's order."""
    at: dict[str, int] = {}
    for start, district in _short_names_at(_without_places(text)):
        at.setdefault(district, start)
    for place, district in places_in(text):
        at[district] = min(at.get(district, len(text)), max(text.find(place), 0))
    if city := _CITY_WORDS.search(text):
        at[CITY] = city.start()
    return tuple(sorted(at, key=lambda region: at[region]))


def names_city(text: str) -> bool:
    """Whether the text speaks of Shanghai as a whole (上海, 全市, 本市, 市级)."""
    return bool(_CITY_WORDS.search(text))


@cache
def _outside_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, OUTSIDE)))


def outside_place(text: str) -> str:
    """The first place outside Shanghai the text names ('' when none; 南京东路 is a street of Shanghai)."""
    found = [m for m in _outside_pattern().finditer(text) if not _ROAD.match(text[m.end() :])]
    if not found:
        return ""
    named = {m.group(0) for m in found}
    return next(place for place in OUTSIDE if place in named)  # the list's order decides, as before


def region_of(text: str) -> str:
    """The district a text is about (by name), else 上海市 when it names the city, else ''."""
    counts = Counter({d: text.count(d) + text.count(short_name(d)) for d in DISTRICTS})
    district, hits = counts.most_common(1)[0]
    if hits:
        return district
    return CITY if "上海" in text or "本市" in text else ""


_PLACE_NAMES = re.compile(
    "|".join(
        map(re.escape, sorted([*DISTRICTS, *SHORT_NAMES, *OUTSIDE, CITY, "上海"], key=len, reverse=True))
    )
)


@lru_cache(maxsize=512)
def strip_places(text: str) -> str:
    """The text without place names, so 宝山区 does not count as a topic word (nor 山区 inside it)."""
    text = _PLACE_NAMES.sub(" ", _without_places(unicodedata.normalize("NFKC", text)))
    return re.sub(r"(?<= )[市区县省](?=\W|$)", " ", text)
