"""Money units as senders state them: in a header ("金额（万元）", "金额（亿元）") or in a line above
the table ("单位：人民币万元", "单位（万元）", "金额单位：万元", "单位：元、%"). A unit the project
cannot be sure of is reported, never quietly taken for 元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UNIT_SCALES = {"亿元": 1e8, "万元": 1e4, "千元": 1e3, "元": 1.0}
# Units of counts and shares that sit beside money units in a unit line ("单位：人、万元"); they
# say nothing about money.
OTHER_UNITS = frozenset(
    "人 户 个 亩 % ‰ 年 月 天 次 人次 项 处 座 所 间 套 条 只 头 吨 公斤 千克 斤 米 公里 千米 平方米 立方米 公顷 万人 万户 万亩 岁 名 家 村".split()
)
_CURRENCY_NAMES = ("人民币", "RMB", "CNY")
# Text that speaks of money without being a unit the project knows (美元, 港币, a bare 万).
_MONEY_LIKE = re.compile(r"元|币|镑|美金|^[万亿千百]$")
_PARTS = re.compile(r"[、,，;；/和及]")
# "单位" as a unit statement: at the start of the text or after a separator, optionally as 金额单位
# or 计量单位; 填报单位 and 帮扶单位 name an office, not a unit.
_STATEMENT = re.compile(
    r"(?:^|(?<=[\s,，;；、。(（\[【]))(?:金额|计量|货币|资金)?单位\s*"
    r"(?:[:：]\s*[(（\[【]?\s*(?P<after>[^\s()（）\[\]【】]+)|[(（\[【]\s*(?P<inside>[^)）\]】]+)[)）\]】])"
)
_BRACKETED = re.compile(r"[(（\[【]\s*([^()（）\[\]【】]*?)\s*[)）\]】]")
_TRAILING = re.compile(r"(亿元|万元|千元)$")


@dataclass(frozen=True)
class UnitStatement:
    """What one statement of units says about money."""

    text: str  # as written, after NFKC
    scale: float | None  # the money unit's scale; None when it names none or cannot be read
    doubt: str | None = None  # why the money unit cannot be taken from it (unknown, several)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _money_unit(part: str) -> str:
    for name in _CURRENCY_NAMES:
        if part.upper().startswith(name):
            part = part[len(name) :]
    return part.strip("()（）")


def read_units(text: str) -> UnitStatement:
    """The money unit of a list of units ("人民币万元", "万元/人", "元、%", "人、万元")."""
    text = _normal(text).strip()
    money, unknown = set(), []
    for part in filter(None, (p.strip() for p in _PARTS.split(text))):
        unit = _money_unit(part)
        if unit in UNIT_SCALES:
            money.add(unit)
        elif unit not in OTHER_UNITS and _MONEY_LIKE.search(unit):
            unknown.append(part)
    if unknown:
        return UnitStatement(text, None, f"{'、'.join(unknown)} is not a money unit the pipeline knows ({', '.join(UNIT_SCALES)})")
    if len(money) > 1:
        return UnitStatement(
            text,
            None,
            f"it names several money units ({', '.join(sorted(money, key=UNIT_SCALES.get))}) without saying which column is in which",
        )
    return UnitStatement(text, UNIT_SCALES[money.pop()] if money else None)


def is_unit_list(text: str) -> bool:
    """Whether bracketed header text is only units ("元", "人民币万元", "万元/人", "人"): what a
    header key leaves out."""
    parts = [_money_unit(p.strip()) for p in _PARTS.split(_normal(text)) if p.strip()]
    return bool(parts) and all(p in UNIT_SCALES or p in OTHER_UNITS for p in parts)


def header_scale(header: str) -> float | None:
    """The money unit a header states for its column ("金额（亿元）", "计划投资万元"), if any."""
    text = _normal(header).replace(" ", "")
    for inside in _BRACKETED.findall(text):
        scale = read_units(inside).scale
        if scale is not None:
            return scale
    trailing = _TRAILING.search(text)
    return UNIT_SCALES[trailing.group(1)] if trailing else None


def unit_name(scale: float) -> str:
    """The name of a money unit's scale (10 000 → 万元)."""
    return next((name for name, known in UNIT_SCALES.items() if known == scale), f"×{scale:g} 元")


def units_read(sheet_scale: float, headers) -> str:
    """The money units a sheet was read in, said once: the sheet's, and the headers that state
    another of their own ("元; 表头另注 / by header: 计划投资（万元）=万元")."""
    own = sorted({f"{' '.join(h.split())}={unit_name(s)}" for h in headers if (s := header_scale(h)) is not None and s != sheet_scale})
    return unit_name(sheet_scale) + (f"; 表头另注 / by header: {', '.join(own)}" if own else "")


def unit_statements(text: str) -> list[UnitStatement]:
    """Every unit statement in a line of text (a title or unit row, its cells joined by spaces)."""
    found = []
    for match in _STATEMENT.finditer(_normal(text)):
        found.append(read_units(match.group("after") or match.group("inside")))
    return found
