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

from etl_project.core.columnar import as_arrow, ascii_text, from_arrow, per_distinct
from schemas.vocabularies import Vocabulary

_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?(?:年度?|年)?$")
_INTEGER = re.compile(r"^([+-]?\d+)(?:\.0+)?(?:人|户|口|个)?$")
_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万|亿)?(元)?$")
MULTIPLIERS = {None: 1.0, "万": 1e4, "亿": 1e8}

# Characters nobody sees, that cells pick up from web forms, pasted text and files pasted
# together: C0/C1 controls other than whitespace (whitespace is trimmed or squeezed as such),
# soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space and non-joiner,
# direction marks, embeddings and isolates, word joiner and invisible operators, byte-order
# marks, interlinear annotation marks.
_INVISIBLE_RANGES = (
    (0x00, 0x08),
    (0x0E, 0x1B),
    (0x7F, 0x84),
    (0x86, 0x9F),
    (0xAD, 0xAD),
    (0x61C, 0x61C),
    (0x180E, 0x180E),
    (0x200B, 0x200C),
    (0x200E, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
)
_INVISIBLE = "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in _INVISIBLE_RANGES)  # RE2, for Arrow
_INVISIBLE_PY = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _INVISIBLE_RANGES) + "]")
# The zero-width joiner also binds emoji into one (👨‍👩‍👧): it stays after an emoji or a variation
# selector, and goes everywhere else. Python's re, as RE2 has no look-behind.
_ZWJ = "\u200d"
_STRAY_ZWJ = re.compile("(?<![\U00010000-\U0010ffff\u2600-\u27bf\ufe0f])\u200d")


def normalise(series: pd.Series) -> pd.Series:
    """NFKC (full-width digits, letters and spaces to half-width), without invisible characters,
    trimmed; empty text becomes NA."""
    return ascii_text(visible(series), squeeze=False, exact=_normalise)


def squeeze(series: pd.Series) -> pd.Series:
    """Normalised and with every inner space removed: for names and codes, where spaces are noise."""
    return ascii_text(visible(series), squeeze=True, exact=_squeeze)


def visible(series: pd.Series) -> pd.Series:
    """The cells without the characters nobody sees (controls, direction and zero-width marks,
    byte-order marks), so that 紫云县 with a mark is still 紫云县. A column without any is
    returned as it is, after one scan in Arrow."""
    column = as_arrow(series)
    if column is None:
        return series  # not all text: the cell-by-cell path cleans it
    if not pc.any(pc.match_substring_regex(column, f"[{_INVISIBLE}{_ZWJ}]")).as_py():
        return series
    cleaned = pc.replace_substring_regex(column, f"[{_INVISIBLE}]", "")
    joined = pc.fill_null(pc.match_substring(cleaned, _ZWJ), False).to_numpy(zero_copy_only=False)
    text = from_arrow(cleaned, series.index, series.name)
    if joined.any():
        text[joined] = text[joined].str.replace(_STRAY_ZWJ, "", regex=True)
    return text


def invisible_removed(value: str) -> str:
    """One text without the characters ``visible`` removes."""
    return _STRAY_ZWJ.sub("", _INVISIBLE_PY.sub("", value))


def _normalise(series: pd.Series) -> pd.Series:
    text = series.astype("string").map(invisible_removed, na_action="ignore").astype("string").str.normalize("NFKC").str.strip()
    return text.mask(text == "")


def _squeeze(series: pd.Series) -> pd.Series:
    return _normalise(series).str.replace(_SPACES, "", regex=True)


def _unreadable(text: pd.Series, parsed: pd.Series) -> pd.Series:
    return (text.notna() & parsed.isna()).fillna(False).astype(bool)


def _whole_numbers(series: pd.Series, pattern: re.Pattern) -> tuple[pd.Series, pd.Series]:
    text = squeeze(series)
    numbers = pd.to_numeric(text.str.extract(pattern, expand=False), errors="coerce").astype("Int64")
    return numbers, _unreadable(text, numbers)


@per_distinct
def parse_year(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    return _whole_numbers(series, _YEAR)


@per_distinct
def parse_integer(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    return _whole_numbers(series, _INTEGER)


def parse_money(series: pd.Series, multiplier: float | pd.Series = 1.0, limit: float | None = None) -> tuple[pd.Series, pd.Series]:
    """Amounts as written: thousands separators, 万/亿 suffixes, a trailing 元; scaled to yuan by
    the unit the cell writes (万, 亿, 元), else by ``multiplier`` (the unit the file states, per
    row), then rounded to the fen, a half fen away from zero. A cell's own unit replaces the
    file's: "1.5万" under 单位：万元 is 15 000 yuan, as a person reads it. An amount of ``limit``
    or more (the most the warehouse column holds) is not read as one."""
    written, amount, own_unit = _money_as_written(series)
    multiplier = multiplier.to_numpy() if isinstance(multiplier, pd.Series) else multiplier
    scale = np.where(own_unit.to_numpy(dtype=bool), 1.0, multiplier)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308万 overflows to inf, refused below
        values = pd.Series(_fen_half_up(amount.to_numpy() * scale), index=series.index).astype("Float64")
    # inf and NaN spelt out are not amounts.
    plain = values.astype(float).fillna(0.0)
    unreadable = ~np.isfinite(plain) | (np.abs(plain) >= limit if limit is not None else False)
    values = values.mask(unreadable)
    return values, (written & values.isna()).fillna(False).astype(bool)


def _fen_half_up(yuan: np.ndarray) -> np.ndarray:
    """Yuan rounded to the fen, halves away from zero, as the databases round a DECIMAL: 0.125 is
    0.13 (numpy's round goes to even, 0.12). Fen are first taken to six decimals, so that a half fen
    as written is a half again (1.005 × 100 is 100.49999… in doubles)."""
    fen = np.round(yuan * 100, 6)
    return np.copysign(np.floor(np.abs(fen) + 0.5), fen) / 100


@per_distinct
def _money_as_written(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Whether each cell holds text, its amount with the 万/亿 suffix applied (NaN if none), and
    whether it writes its own unit (万, 亿 or 元)."""
    text = squeeze(series)
    digits, suffix, yuan = _money_parts(text)
    number = pd.to_numeric(digits, errors="coerce")
    scale = _suffix_scale(suffix)
    own_unit = (suffix.notna() | yuan.notna()).fillna(False).astype(bool)
    return text.notna(), pd.Series(number.to_numpy() * scale.to_numpy(), index=series.index), own_unit


def _money_parts(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The number, the 万/亿 suffix and the trailing 元 of each amount, thousands separators
    dropped: what ``str.extract(_MONEY)`` gives. An ASCII amount has no unit; its number is the
    whole text when it is one, which Arrow tells for all of them at once."""
    column = as_arrow(text)
    if column is None:
        parts = text.str.replace(r"[,，]", "", regex=True).str.extract(_MONEY)
        return parts[0], parts[1], parts[2]
    plain = pc.fill_null(pc.string_is_ascii(column), True)
    bare = pc.replace_substring(column, ",", "")
    numeric = pc.match_substring_regex(bare, r"^[+-]?[0-9]+(?:\.[0-9]+)?$")
    digits = from_arrow(pc.if_else(numeric, bare, pa.scalar(None, pa.string())), text.index, 0)
    suffix = pd.Series(pd.NA, index=text.index, dtype="string", name=1)
    yuan = pd.Series(pd.NA, index=text.index, dtype="string", name=2)
    others = ~plain.to_numpy(zero_copy_only=False)
    if others.any():
        parts = text[others].str.replace(r"[,，]", "", regex=True).str.extract(_MONEY)
        digits[others] = parts[0].array
        suffix[others] = parts[1].array
        yuan[others] = parts[2].array
    return digits, suffix, yuan


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
    re.compile(
        r"^(?P<y>\d{4})\s*[年.\-/]\s*(?P<m>\d{1,2})(?:\s*[月.\-/]\s*(?P<d>\d{1,2})\s*日?)?\s*月?(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
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
            frame = pd.DataFrame({"year": parts["y"], "month": parts["m"], "day": parts["d"].fillna("1")})[matched].astype(int)
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
