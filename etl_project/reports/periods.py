"""The period a figure speaks of: the nearest time expression before it in its sentence.

"2014年、2015年、2016年累计脱贫393户" → 2014-2016; "2018年至2019年" → 2018-2019; "十三五" → 2016-2020;
今年/去年/前年 count from the report's date and stay unknown without one. When nothing comes
before the figure, the first expression after it in the same clause is used ("脱贫300户(2019年)").
"""

from __future__ import annotations

import re

from etl_project.reports.numerals import DIGITS

_YEAR = r"(?:19[5-9]\d|20\d\d)"
_CN_YEAR = "[零一二三四五六七八九]{4}"
# Typeset text may put a space between the year and 年 ("2021 年").
_NIAN = "[^\\S\\n]?年"
_EXPRESSION = re.compile(
    rf"(?P<range>(?P<from>{_YEAR})(?:{_NIAN})?度?\s*(?:至|到|-|—|–|~)\s*(?P<to>{_YEAR}){_NIAN})"
    rf"|(?P<list>{_YEAR}{_NIAN}(?:\s*[、,，和及与]\s*{_YEAR}{_NIAN})+)"
    rf"|(?P<year>{_YEAR}){_NIAN}(?!\d)"
    rf"|(?P<cn>{_CN_YEAR})年"
    r"|(?P<plan>十[一二三四五])五"
    r"|(?P<relative>今年|本年|去年|上年|前年)"
)
_PLAN_START = {"一": 2006, "二": 2011, "三": 2016, "四": 2021, "五": 2026}
_RELATIVE = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2}


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _period(match: re.Match, report_year: int | None) -> str | None:
    if match.group("range"):
        return _span(int(match.group("from")), int(match.group("to")))
    if match.group("list"):
        years = [int(y) for y in re.findall(_YEAR, match.group("list"))]
        return _span(min(years), max(years))
    if match.group("year"):
        return match.group("year")
    if match.group("cn"):
        return "".join(str(DIGITS[ch]) for ch in match.group("cn"))
    if match.group("plan"):
        start = _PLAN_START[match.group("plan")[1]]
        return _span(start, start + 4)
    if report_year is None:
        return None
    return str(report_year + _RELATIVE[match.group("relative")])


def period_of(sentence: str, offset: int, clause_end: int, report_year: int | None) -> str | None:
    """``offset`` is the figure's start within ``sentence``; ``clause_end`` the end of its clause there."""
    before = [m for m in _EXPRESSION.finditer(sentence) if m.end() <= offset]
    if before:
        return _period(before[-1], report_year)
    for match in _EXPRESSION.finditer(sentence, offset, clause_end):
        return _period(match, report_year)
    return None
