"""Turning cell text into typed values, column at a time.

Every parser returns the typed column and a mask of the cells that held something it could not
read, so the caller can quarantine exactly those cells with their original text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.readers.columnar import as_arrow, ascii_text, from_arrow, per_distinct
from schemas.vocabularies import Vocabulary

_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?(?:年度?|年)?$")
_INTEGER = re.compile(r"^([+-]?\d+)(?:\.0+)?(?:人|户|口|个)?$")
_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万|亿)?(?:元)?$")
MULTIPLIERS = {None: 1.0, "万": 1e4, "亿": 1e8}


def normalise(series: pd.Series) -> pd.Series:
    """NFKC (full-width digits, letters and spaces to half-width), trimmed; empty text becomes NA."""
    return ascii_text(series, squeeze=False, exact=_normalise)


def squeeze(series: pd.Series) -> pd.Series:
    """Normalised and with every inner space removed: for names and codes, where spaces are noise."""
    return ascii_text(series, squeeze=True, exact=_squeeze)


def _normalise(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.normalize("NFKC").str.strip()
    return text.mask(text == "")


def _squeeze(series: pd.Series) -> pd.Series:
    return _normalise(series).str.replace(_SPACES, "", regex=True)


def _unreadable(text: pd.Series, parsed: pd.Series) -> pd.Series:
    return (text.notna() & parsed.isna()).fillna(False).astype(bool)


@per_distinct
def parse_year(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = squeeze(series)
    digits = text.str.extract(_YEAR, expand=False)
    years = pd.to_numeric(digits, errors="coerce").astype("Int64")
    return years, _unreadable(text, years)


@per_distinct
def parse_integer(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = squeeze(series)
    digits = text.str.extract(_INTEGER, expand=False)
    values = pd.to_numeric(digits, errors="coerce").astype("Int64")
    return values, _unreadable(text, values)


def parse_money(series: pd.Series, multiplier: float | pd.Series = 1.0) -> tuple[pd.Series, pd.Series]:
    """Amounts as written: thousands separators, 万/亿 suffixes, a trailing 元; scaled to yuan by
    the suffix and by ``multiplier`` (the unit the file states, per row), then rounded to the fen."""
    written, amount = _money_as_written(series)
    multiplier = multiplier.to_numpy() if isinstance(multiplier, pd.Series) else multiplier
    values = pd.Series(np.round(amount.to_numpy() * multiplier, 2), index=series.index).astype("Float64")
    # inf and NaN spelt out are not amounts.
    values = values.mask(~np.isfinite(values.astype(float).fillna(0.0)))
    return values, (written & values.isna()).fillna(False).astype(bool)


@per_distinct
def _money_as_written(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whether each cell holds text, and its amount with the 万/亿 suffix applied (NaN if none)."""
    text = squeeze(series)
    digits, suffix = _money_parts(text)
    number = pd.to_numeric(digits, errors="coerce")
    scale = _suffix_scale(suffix)
    return text.notna(), pd.Series(number.to_numpy() * scale.to_numpy(), index=series.index)


def _money_parts(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The number and the 万/亿 suffix of each amount, thousands separators dropped: what
    ``str.extract(_MONEY)`` gives. An ASCII amount has no suffix; its number is the whole text
    when it is one, which Arrow tells for all of them at once."""
    column = as_arrow(text)
    if column is None:
        parts = text.str.replace(r"[,，]", "", regex=True).str.extract(_MONEY)
        return parts[0], parts[1]
    plain = pc.fill_null(pc.string_is_ascii(column), True)
    bare = pc.replace_substring(column, ",", "")
    numeric = pc.match_substring_regex(bare, r"^[+-]?[0-9]+(?:\.[0-9]+)?$")
    digits = from_arrow(pc.if_else(numeric, bare, pa.scalar(None, pa.string())), text.index, 0)
    suffix = pd.Series(pd.NA, index=text.index, dtype="string", name=1)
    others = ~plain.to_numpy(zero_copy_only=False)
    if others.any():
        parts = text[others].str.replace(r"[,，]", "", regex=True).str.extract(_MONEY)
        digits[others] = parts[0].array
        suffix[others] = parts[1].array
    return digits, suffix


@per_distinct
def _suffix_scale(suffix: pd.Series) -> pd.Series:
    return suffix.map(MULTIPLIERS).astype(float).fillna(1.0)


@per_distinct
def parse_code(series: pd.Series, vocabulary: Vocabulary) -> pd.Series:
    """Codes or names mapped to the vocabulary's code; anything unknown is kept as written so the
    vocabulary rule can report the value itself."""
    text = squeeze(series).str.replace(r"[()]", lambda m: "（" if m.group() == "(" else "）", regex=True)
    lookup = vocabulary.lookup()
    lookup.update({k.replace("(", "（").replace(")", "）"): v for k, v in lookup.items()})
    # Numeric cells arrive as "1" or "1.0"; a code never has a fractional part.
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    coded = text.map(lookup)
    return coded.fillna(text).astype("string")


@per_distinct
def parse_flag(series: pd.Series, vocabulary: Vocabulary) -> tuple[pd.Series, pd.Series]:
    text = squeeze(series)
    coded = text.map(vocabulary.lookup())
    flags = coded.map({"1": True, "0": False}).astype("boolean")
    return flags, _unreadable(text, flags)


_DATE_PATTERNS = (
    # 2019年5月27日, 2019年05月, 2019.5.27, 2019-5-27, 2019/5/27
    re.compile(r"^(?P<y>\d{4})\s*[年.\-/]\s*(?P<m>\d{1,2})(?:\s*[月.\-/]\s*(?P<d>\d{1,2})\s*日?)?\s*月?(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    # 20190527
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


@per_distinct
def parse_date(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as counties write them, and Excel serial numbers (days since 1899-12-30); a date given
    only to the month is taken as its first day."""
    text = normalise(series)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    pending = text.notna()
    serial = pending & text.str.fullmatch(_SERIAL).fillna(False).astype(bool)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        result[serial] = EXCEL_EPOCH + pd.to_timedelta(days.round(), unit="D")
        pending &= ~serial
    for pattern in _DATE_PATTERNS:
        if not pending.any():
            break
        parts = text[pending].str.extract(pattern)
        matched = parts["y"].notna()
        if matched.any():
            frame = pd.DataFrame(
                {"year": parts["y"], "month": parts["m"], "day": parts["d"].fillna("1")}
            )[matched].astype(int)
            result[frame.index] = pd.to_datetime(frame, errors="coerce")
            pending[frame.index] = False
    return result, _unreadable(text, result)


_SCALE = re.compile(r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<multiplier>万|千)?\s*(?P<unit>\D{1,6})$")


@per_distinct
def parse_scale(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Construction scale as written ("200亩", "485盏", "2公里", "1.2万平方米") → value and unit."""
    text = squeeze(series).str.replace(r"[,，]", "", regex=True)
    parts = text.str.extract(_SCALE)
    number = pd.to_numeric(parts["value"], errors="coerce")
    scale = parts["multiplier"].map({"万": 1e4, "千": 1e3}).astype(float).fillna(1.0)
    value = (number * scale).astype("Float64")
    return value, parts["unit"].astype("string"), _unreadable(text, value)
