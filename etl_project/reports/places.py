"""Places named in a report's body, and the report's own subject and recipient.

Counties and above are found by the reference vocabulary (full names, short names of autonomous
counties, zone short forms such as 永州经开区, and zones of known cities even when the 2023 list
lacks them, such as 贵阳经开区). Townships and villages have no vocabulary: a name is the two
characters before 乡/镇/村/街道 (more when it follows its county, 紫云县四大寨乡), unless a character
shows it is an ordinary word (贫困村, 全村, 驻村, 村民). Places joined by 、 are one place as written
(罗建村、金台村). A place that starts an organisation's name (永州市鸿地农业开发有限公司) is not one.

The subject is the first county-level-or-higher place in the title, else the most frequent one in
the first paragraph, else in the whole body. The recipient of a pairing report is the place other
than the subject that most often follows 帮扶/助力/带动/为 … .
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from etl_project.reports.regions import ZONE_FORMS, ReferenceRegions

LARGE = ("province", "city", "county")
_RANK = {"province": 0, "city": 1, "county": 2, "alias": 2, "township": 3, "village": 4}
_ZONE_SUFFIXES = (*ZONE_FORMS, *ZONE_FORMS.values(), "开发区")
BARE_ZONES = ("经开区", "开发区", "高新区")
_SMALL_SUFFIXES = re.compile("街道|乡|镇|村|县")
_LEVEL_OF_SUFFIX = {"街道": "township", "乡": "township", "镇": "township", "村": "village", "县": "county"}
# Characters that show the run before 乡/镇/村/县 is an ordinary word, not a name.
_NOT_IN_NAMES = set(
    "的了在为与和及对向把将从到是有个各每全该本此其这那一两多数贫困帮驻进入返回去来乡村城镇集等被由给让至往赴赶于以"
    "并或但而所们内外省市县区里级又走也都就还再已要会能可前后下上整"
)
_NOT_NAMES = {
    "重点",
    "行政",
    "自然",
    "示范",
    "出列",
    "深度",
    "美丽",
    "富美",
    "新建",
    "新修",
    "新增",
    "新型",
    "特色",
    "民族",
    "少数",
    "片区",
    "社区",
    "易地",
    "搬迁",
    "中心",
    "集中",
    "试点",
    "先进",
    "文明",
    "生态",
    "旅游",
    "产业",
    "小康",
    "农村",
    "传统",
    "边远",
    "偏远",
    "省级",
    "市级",
    "县级",
    "整个",
    "周边",
    "邻近",
    "附近",
}
# ... and characters after it that make a word of it (村民, 乡村, 县城).
_NOT_AFTER = {
    "村": set("民集级委干组庄落部容貌务规"),
    "乡": set("村亲里土贤镇愁"),
    "镇": set("村化"),
    "县": set("城委级域长里乡"),
    "街道": set("办"),
}
_ORGANISATION = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:有限公司|公司|集团|医院|大学|学院|小学|中学|学校|银行|日报|报社|电视台)")
_RECIPIENT_MARKER = re.compile("(?:帮扶|助力|援助|支援|帮助|带动|捐赠|捐助|协作|为|向)了?$")


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    name: str
    level: str  # province, city, county, township, village, or "alias" for a bare 经开区

    @property
    def large(self) -> bool:
        return self.level in LARGE


@cache
def _vocabulary(reference: ReferenceRegions) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    names = {name: level for name, level in reference.names().items() if len(name) >= 3}
    for stem in reference.zone_stems:
        for suffix in _ZONE_SUFFIXES:
            names.setdefault(stem + suffix, "county")
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[0], set()).add(len(name))
    return names, {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}


def _is_cjk(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _is_name(stem: str) -> bool:
    return _is_cjk(stem) and not set(stem) & _NOT_IN_NAMES and stem[-2:] not in _NOT_NAMES and stem[:2] not in _NOT_NAMES


def _known_places(text: str, reference: ReferenceRegions, skip) -> list[Place]:
    names, lengths = _vocabulary(reference)
    found, pos = [], 0
    while pos < len(text):
        for length in lengths.get(text[pos], ()):
            candidate = text[pos : pos + length]
            if candidate in names and not skip(pos):
                found.append(Place(pos, pos + length, candidate, names[candidate]))
                pos += length
                break
        else:
            pos += 1
    return found


def _small_places(text: str, known: list[Place], skip) -> list[Place]:
    ends = {p.end: p for p in known}
    covered = {i for p in known for i in range(p.start, p.end)}
    found: list[Place] = []
    for match in _SMALL_SUFFIXES.finditer(text):
        suffix, at = match.group(), match.start()
        if at in covered or skip(at) or text[match.end() : match.end() + 1] in _NOT_AFTER[suffix]:
            continue
        level = _LEVEL_OF_SUFFIX[suffix]
        starts = [ends[at - n].end for n in (2, 3, 4) if at - n in ends and _RANK[ends[at - n].level] < _RANK[level]] + [at - 2]
        for start in starts:
            stem = text[max(start, 0) : at]
            if start >= 0 and _is_name(stem):
                place = Place(start, match.end(), text[start : match.end()], level)
                found.append(place)
                ends[place.end] = place
                break
    return found


def _bare_zones(text: str, taken: list[Place], skip) -> list[Place]:
    covered = {i for p in taken for i in range(p.start, p.end)}
    pattern = re.compile("|".join(BARE_ZONES))
    return [
        Place(m.start(), m.end(), m.group(), "alias") for m in pattern.finditer(text) if m.start() not in covered and not skip(m.start())
    ]


def _joined(text: str, places: list[Place]) -> list[Place]:
    """罗建村、金台村 and 金台、东冲村 are one place as written."""
    merged: list[Place] = []
    for place in places:
        if place.level in ("township", "village"):
            head = place.start - 3
            if merged and merged[-1].level == place.level and merged[-1].end == place.start - 1 and text[place.start - 1] == "、":
                previous = merged.pop()
                place = Place(previous.start, place.end, text[previous.start : place.end], place.level)
            elif (
                head >= 0
                and text[place.start - 1] == "、"
                and _is_name(text[head : place.start - 1])
                and (head == 0 or text[head - 1] in _NOT_IN_NAMES or not _is_cjk(text[head - 1]))
            ):
                place = Place(head, place.end, text[head : place.end], place.level)
        merged.append(place)
    return merged


def _starts_organisation(text: str, place: Place) -> bool:
    organisation = _ORGANISATION.match(text[place.end :])
    return bool(organisation) and not _SMALL_SUFFIXES.search(organisation.group())


def find_places(text: str, reference: ReferenceRegions, skip) -> list[Place]:
    """``skip(pos)`` is true inside 《》 and quoted names, where places are part of a title."""
    known = [p for p in _known_places(text, reference, skip) if not _starts_organisation(text, p)]
    small = _small_places(text, known, skip)
    places = sorted(known + small, key=lambda p: p.start)
    places = sorted(places + _bare_zones(text, places, skip), key=lambda p: p.start)
    return _joined(text, places)


def subject_of(places: list[Place], title_end: int, first_paragraph_end: int) -> Place | None:
    large = [p for p in places if p.large]
    in_title = [p for p in large if p.end <= title_end]
    if in_title:
        return in_title[0]
    for limit in (first_paragraph_end, None):
        scope = [p for p in large if limit is None or p.end <= limit]
        if scope:
            counts = Counter(p.name for p in scope)
            best = max(counts.values())
            return next(p for p in scope if counts[p.name] == best)
    return None


def recipient_of(text: str, places: list[Place], is_subject) -> Place | None:
    """The pairing's receiving place, when the report is about helping another place."""
    received = [p for p in places if p.large and not is_subject(p) and _RECIPIENT_MARKER.search(text[max(0, p.start - 6) : p.start])]
    if not received:
        return None
    counts = Counter(p.name for p in received)
    best = max(counts.values())
    return next(p for p in received if counts[p.name] == best)


def after_recipient_marker(text: str, place: Place) -> bool:
    return bool(_RECIPIENT_MARKER.search(text[max(0, place.start - 6) : place.start]))
