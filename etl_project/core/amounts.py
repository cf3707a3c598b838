"""Amounts as people read them: yuan with their digits grouped, and the sheet's own unit beside
them when it is not 元 ("790.974 万元 = 7 909 740 元").

Every amount goes through Decimal, a float from its shortest repr, and is written out in full:
7909740.0 reads 7 909 740, never 7.90974e+06, and 1e16 reads 10 000 000 000 000 000. Digits are
grouped in threes by a plain space (GB/T 15835 allows it), which every terminal, log line and
Markdown table shows as it is, and which no reader takes for a decimal mark.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from etl_project.core.money_units import UNIT_SCALES

GROUP_SEPARATOR = " "
UNKNOWN = "—"
_FEN = Decimal("0.01")
_UNIT_OF_SCALE = {scale: name for name, scale in UNIT_SCALES.items()}


def as_decimal(value) -> Decimal | None:
    """The exact amount a value stands for; None for a missing or infinite one."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool):
        raise TypeError("a flag is not an amount")
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    number = float(value)
    # repr is the shortest text that reads back as the same double: 0.1 + 0.2 stays 0.30000000000000004
    # here, and becomes 0.30 only where fen are shown.
    return Decimal(repr(number)) if math.isfinite(number) else None


def _plain(value: Decimal) -> str:
    """Digits without exponent or trailing fractional zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _grouped(text: str) -> str:
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return sign + GROUP_SEPARATOR.join(groups) + dot + fraction


def number_text(value) -> str:
    """A plain number written out in full with grouped digits: 1234567.5 → "1 234 567.5"."""
    amount = as_decimal(value)
    return UNKNOWN if amount is None else _grouped(_plain(amount))


def yuan_text(value) -> str:
    """An amount in yuan, to the fen when it has fen: "7 909 740 元", "1 234.50 元"."""
    amount = as_decimal(value)
    if amount is None:
        return UNKNOWN
    fen = amount.quantize(_FEN, rounding=ROUND_HALF_UP)
    text = format(fen, "f") if fen != fen.to_integral_value() else _plain(fen)
    return f"{_grouped('0' if text == '-0' else text)} 元"


def unit_of_scale(scale: float | None) -> str | None:
    """元, 千元, 万元 or 亿元 for a unit's scale (10 000.0 → 万元); None for a scale of no unit."""
    if as_decimal(scale) is None:
        return None
    return _UNIT_OF_SCALE.get(float(scale))


def unit_name(unit: str | float | None) -> str:
    """元, 千元, 万元 or 亿元 for a unit given by name or by its scale (10 000.0 → 万元); 元 when none."""
    if isinstance(unit, str):
        if unit not in UNIT_SCALES:
            raise ValueError(f"{unit!r} is not a money unit ({', '.join(UNIT_SCALES)})")
        return unit
    if as_decimal(unit) is None:
        return "元"
    name = unit_of_scale(unit)
    if name is None:
        raise ValueError(f"{unit!r} is not the scale of a money unit ({', '.join(UNIT_SCALES)})")
    return name


def money_text(value_yuan, unit: str | float | None = None) -> str:
    """An amount in yuan as the sender wrote it, in ``unit`` (the sheet's: 万元, or its scale
    10 000.0), next to yuan: "790.974 万元 = 7 909 740 元"; in yuan alone when the unit is 元."""
    name = unit_name(unit)
    amount = as_decimal(value_yuan)
    if amount is None or name == "元":
        return yuan_text(amount)
    in_unit = amount / Decimal(int(UNIT_SCALES[name]))
    return f"{number_text(in_unit)} {name} = {yuan_text(amount)}"


def written_unit(figure_text: str | None) -> str:
    """The money unit a figure is written in: "2386万余元" → 万元, "3.2亿元" → 亿元, "1,074,270元" → 元."""
    text = figure_text or ""
    if "万亿" in text or "萬億" in text:
        return "元"  # no sheet states money in 万亿元: the amount is shown in yuan alone
    for marks, name in ((("亿", "億"), "亿元"), (("万", "萬"), "万元"), (("千",), "千元")):
        if any(mark in text for mark in marks):
            return name
    return "元"


def money_columns_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table to show: columns of yuan (named ``*_yuan``) as yuan text, other decimal
    columns written out in full, so no figure reaches a reader in scientific notation."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if str(column).endswith("_yuan"):
            shown[column] = values.map(yuan_text).astype(object)
        elif values.dtype == object or pd.api.types.is_float_dtype(values):
            shown[column] = values.map(_decimal_as_text).astype(object)
    return shown


def _decimal_as_text(value):
    return number_text(value) if isinstance(value, (float, Decimal)) else value
