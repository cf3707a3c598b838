"""Dates as pages print them: 2020-05-28 08:16:55, 2020/5/28, 2020.05.28, 2020年5月28日."""

from __future__ import annotations

import re
from datetime import date

from etl_project.reports.numerals import fold

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)


def _iso(match: re.Match) -> str | None:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def first_date(text: str) -> str | None:
    for match in _DATE.finditer(fold(text)):
        found = _iso(match)
        if found:
            return found
    return None


def leading_date(line: str) -> str | None:
    """The date a line starts with (a dateline of its own, or a date before 来源 and the like)."""
    match = _DATE.match(fold(line))
    return _iso(match) if match else None
