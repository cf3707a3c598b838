"""Every written quantity with a unit or classifier, normalised to the base unit.

What is deliberately not a figure:
- dates and years: 年, 月, 日 are not units, so "2017年" and "27日" never match;
- ordinals and list numbers: a number after 第, and "一是" / "1." which carry no unit;
- names: a number glued to a noun that is not a unit ("300医院"), and slogans or programme
  names such as "七大行动" or "五个一批": 大 is no classifier, and a classifier followed by another
  numeral is a slogan, not a count;
- 一 as an article ("一个目标", "一张成绩单"), and vague counts (数十户, 几百人, 上千户);
- anything inside 《》 or a short quoted name (“六大战役”);
- phone numbers, and numbers with a leading zero (area codes) or glued to Latin letters (5G, G20).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from etl_project.reports.numerals import (
    CHINESE_NUMERAL_CHARS,
    DIGITS,
    THOUSANDS_SPACES,
    arabic_to_decimal,
    chinese_to_decimal,
    plain_number,
)
from etl_project.reports.segments import Segments
from etl_project.reports.units import ALL_WORDS, DURATIONS, unit_of

# Groups of three digits split by commas, or by a space ("1 234 户") when no fourth digit follows.
_ARABIC = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:[{THOUSANDS_SPACES}]\d{{3}})+(?!\d)|\d+)(?:\.\d+)?"
_CHINESE = f"[{CHINESE_NUMERAL_CHARS}]+"
_NUMBER = f"(?:{_ARABIC}|{_CHINESE})"
_MULTIPLIER = "万亿|万|亿|千"
_UNIT = "|".join(re.escape(word) for word in ALL_WORDS)
_FIGURE = re.compile(
    rf"(?P<pre>大约|约|将近|接近|近|超过|超|逾|不足|不到)?"
    rf"(?P<n1>{_NUMBER})(?P<q1>余|多|来)?(?P<m1>{_MULTIPLIER})?"
    rf"(?:\s*(?:至|到|-|—|–|~)\s*(?P<n2>{_NUMBER})(?P<q2>余|多)?(?P<m2>{_MULTIPLIER})?)?"
    rf"(?P<q3>余|多)?(?:[{THOUSANDS_SPACES}]?(?P<unit>{_UNIT}))?(?P<post>左右|以上|以下|以内|上下|之多|多)?"
)
_PERCENT_WORDS = re.compile(rf"百分之(?P<n1>[{CHINESE_NUMERAL_CHARS}]+)")
MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "万亿": Decimal(10**12), "千": Decimal(1000)}

# A 万/亿 amount with no 元 is money when money is named next to it ("60万专项资金", "总投资17亿").
_MONEY_AFTER = re.compile(r"^[\u4e00-\u9fff]{0,4}?(?:资金|经费|元|款)")
_MONEY_BEFORE = re.compile(r"(?:资金|投资|投入|总值|产值|增加值|收入|金额|资产|捐款|经费|贷款)[^，。；,;]{0,3}$")
_PHONE_WORDS = re.compile(r"(?:电话|手机|热线|传真|联系|号码|邮编|QQ|微信号)[^，。；]{0,8}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_VAGUE_BEFORE = "数几上成好"
# The qualifier is the end of another word here: 签约3个项目, 附近3个村, 赶超.
_NOT_QUALIFIER_AFTER = {"约": "签合契制预节公条规相邀", "近": "最附亲靠临", "超": "赶高"}


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    value: int | float
    unit: str
    approx: bool
    range_high: int | float | None


def _number(text: str) -> Decimal | None:
    if text[0].isdigit():
        return arabic_to_decimal(text)
    if text[0] in "点万亿":
        return None
    # 三点五万: the multiplier comes after the decimal part.
    for word in ("万亿", "万", "亿"):
        if "点" in text and text.endswith(word) and len(text) > len(word):
            value = chinese_to_decimal(text[: -len(word)])
            return None if value is None else value * MULTIPLIERS[word]
    return chinese_to_decimal(text)


def _scale(match: re.Match, which: str) -> Decimal:
    own = match.group(f"m{which}")
    # "3至5万元": the upper bound's multiplier applies to a bare lower bound.
    other = match.group("m2") if which == "1" else match.group("m1")
    return MULTIPLIERS.get(own or other or "", Decimal(1))


def _is_excluded(match: re.Match, text: str, segments: Segments) -> bool:
    start = match.start("n1")
    number = match.group("n1")
    before = text[start - 1] if start else ""
    if before == "第" or (before.isascii() and (before.isalnum() or before == ".")):
        return True
    if segments.is_protected(start):
        return True
    if number[0].isdigit():
        digits = arabic_to_decimal(number.split(".")[0]).to_eng_string()
        if len(digits) > 1 and digits.startswith("0"):
            return True
        sentence_start = segments.sentence_at(start)[0]
        if len(digits) >= 7 and (_MOBILE.match(digits) or _PHONE_WORDS.search(text[sentence_start:start])):
            return True
    else:
        if number == "一" or (before and before in _VAGUE_BEFORE):
            return True
    return False


def _unit_word_is_wrong(word: str, match: re.Match, text: str, segments: Segments) -> bool:
    following = text[match.end("unit") :]
    if following[:1] in DIGITS:
        return True  # 五个一批: a slogan
    if word == "个" and following.startswith(DURATIONS):
        return True
    if word == "度":
        start, end = segments.sentence_at(match.start())
        return "电" not in text[start:end]
    return False


def _figure(match: re.Match, text: str, segments: Segments) -> Figure | None:
    if _is_excluded(match, text, segments):
        return None
    low = _number(match.group("n1"))
    if low is None:
        return None
    high = _number(match.group("n2")) if match.group("n2") else None
    word = match.group("unit")
    clause_start, clause_end = segments.clause_at(match.start())
    preceding = text[clause_start : match.start()]
    if word is None:
        has_multiplier = match.group("m1") or match.group("m2") or match.group("n1")[-1] in "万亿"
        if not has_multiplier or match.group("post"):
            return None
        if not (_MONEY_AFTER.match(text[match.end() :]) or _MONEY_BEFORE.search(preceding)):
            return None
        unit, factor = "yuan", Decimal(1)
    else:
        if _unit_word_is_wrong(word, match, text, segments):
            return None
        ends_clause = match.end() >= clause_end or not "\u4e00" <= text[match.end()] <= "\u9fff"
        unit, factor = unit_of(word, text[match.end("unit") : clause_end], preceding, ends_clause)
    start, qualifiers = match.start(), ("pre", "q1", "q2", "q3", "post")
    pre = match.group("pre")
    if pre and start and text[start - 1] in _NOT_QUALIFIER_AFTER.get(pre, ""):
        start, qualifiers = match.start("n1"), qualifiers[1:]
    approx = any(match.group(g) for g in qualifiers)
    value = plain_number(low * _scale(match, "1") * factor)
    range_high = plain_number(high * _scale(match, "2") * factor) if high is not None else None
    return Figure(start, match.end(), value, unit, approx, range_high)


def find_figures(text: str, segments: Segments) -> list[Figure]:
    """``text`` is the folded body (see numerals.fold); offsets are the body's."""
    figures = []
    for match in _FIGURE.finditer(text):
        figure = _figure(match, text, segments)
        if figure:
            figures.append(figure)
    for match in _PERCENT_WORDS.finditer(text):
        value = chinese_to_decimal(match.group("n1"))
        if value is not None and not segments.is_protected(match.start()):
            figures.append(Figure(match.start(), match.end(), plain_number(value), "percent", False, None))
    return sorted(figures, key=lambda f: f.start)
