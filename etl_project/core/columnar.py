"""Two ways of doing a column's text work without visiting every cell in Python, both giving
exactly what the cell-by-cell code gives.

- ``per_distinct``: a parser whose answer for a cell depends on that cell alone runs once per
  distinct value. A county's 40 000 rows hold a few hundred villages, ten years, two flags.
- ``ascii_text``: cells of ASCII and CJK ideographs are cleaned in Arrow (NFKC leaves them as they
  are, so only ASCII whitespace remains to trim or drop); the others go through the cell-by-cell code.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# The ASCII characters Python counts as whitespace (str.isspace, re's \s): \x1c-\x1f as well.
ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_ASCII_SPACE_RUN = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]+"
_NULL_TEXT = pa.scalar(None, pa.string())


def per_distinct(parse: Callable) -> Callable:
    """``parse(series, *args)`` computed on the distinct values of ``series`` and spread back to
    every row. Returns what ``parse`` returns (a Series or a tuple of Series), indexed like
    ``series``. Missing cells are handed to ``parse`` as one None."""

    @wraps(parse)
    def run(series: pd.Series, *args, **kwargs):
        if len(series) <= _FEW or _mostly_distinct(series):
            return parse(series, *args, **kwargs)
        grouped = _distinct(series)
        if grouped is None:
            return parse(series, *args, **kwargs)
        codes, values = grouped
        found = parse(values, *args, **kwargs)
        if isinstance(found, tuple):
            return tuple(_spread(part, codes, series.index) for part in found)
        return _spread(found, codes, series.index)

    return run


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """Each cell's position among the distinct values, and those values (plus one None if any
    cell is missing); None when grouping would not pay or cannot be done exactly. Arrow compares
    the whole of each text (pandas' own factorize stops at a NUL character: "4\\x00x" is not "4")."""
    column = as_arrow(series)
    if column is None:
        return None
    encoded = pc.dictionary_encode(column)
    distinct = encoded.dictionary
    if len(distinct) * 2 > len(series):
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    values = list(distinct.to_pylist())
    if encoded.indices.null_count:
        codes = np.where(pc.is_null(encoded.indices).to_numpy(zero_copy_only=False), len(values), codes)
        values.append(None)
    return codes.astype(np.intp), pd.Series(np.array(values, dtype=object), dtype=series.dtype)


_SAMPLE = 2000
# Up to this many cells a column is parsed as it is: grouping it first costs more than it saves.
_FEW = 256


def _mostly_distinct(series: pd.Series) -> bool:
    """Whether a leading sample is mostly distinct values (ID numbers, names, amounts): then
    grouping the column first would cost more than it saves."""
    if len(series) <= 4 * _SAMPLE:
        return False
    sample = series.iloc[:_SAMPLE]
    return sample.nunique(dropna=True) * 2 > _SAMPLE


def _spread(per_value: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(per_value.array.take(codes), index=index, name=per_value.name)


def as_arrow(series: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array, or None when it holds anything but text and nulls."""
    try:
        return pa.array(
            series.array if isinstance(series.dtype, pd.StringDtype) else series.to_numpy(dtype=object), type=pa.string(), from_pandas=True
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def from_arrow(column: pa.Array, index: pd.Index, name=None) -> pd.Series:
    """An Arrow string array as a pandas "string" Series."""
    return pd.Series(pd.StringDtype().__from_arrow__(column), index=index, name=name)


def ascii_text(series: pd.Series, squeeze: bool, exact: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Cell text after NFKC, trimmed of whitespace (``squeeze``: without any whitespace), empty as
    NA: what ``exact`` gives, which still does columns holding anything but text."""
    column = as_arrow(series)
    if column is None:
        return exact(series)
    plain = _nfkc_stable(column)
    cleaned = pc.replace_substring_regex(column, _ASCII_SPACE_RUN, "") if squeeze else pc.utf8_trim(column, ASCII_SPACE)
    cleaned = pc.if_else(pc.equal(cleaned, ""), _NULL_TEXT, cleaned)
    others = ~plain.to_numpy(zero_copy_only=False)
    if not others.any():
        return from_arrow(cleaned, series.index, series.name)
    clean = _squeezed if squeeze else _stripped
    values = cleaned.to_numpy(zero_copy_only=False)
    values[others] = [clean(v) for v in series.to_numpy(dtype=object)[others]]
    return pd.Series(pd.array(values, dtype="string"), index=series.index, name=series.name)


# Characters NFKC leaves as they are and that are never whitespace, besides ASCII: the CJK unified
# ideographs and extension A (checked one by one against unicodedata), in which Chinese names of
# places and people are written. Text of ASCII and these alone needs no NFKC, and its only
# whitespace is ASCII whitespace.
_NFKC_STABLE = "^[\\x00-\\x7f\\x{3400}-\\x{4dbf}\\x{4e00}-\\x{9fff}]*$"


def _nfkc_stable(column: pa.Array) -> pa.Array:
    """True where the cell's text is plain as above (or missing)."""
    ascii_only = pc.fill_null(pc.string_is_ascii(column), True)
    if pc.all(ascii_only).as_py():
        return ascii_only
    return pc.fill_null(pc.match_substring_regex(column, _NFKC_STABLE), True)


# Python's str.split() and str.strip() cut at the characters re's \s matches (str.isspace).
def _stripped(value: str) -> str | None:
    return unicodedata.normalize("NFKC", value).strip() or None


def _squeezed(value: str) -> str | None:
    return "".join(unicodedata.normalize("NFKC", value).split()) or None


def upper(series: pd.Series) -> pd.Series:
    """``series.str.upper()``: by Arrow when every cell is ASCII (where both map a-z alone), else
    by Python, whose upper() also maps the rest of Unicode ("ß" → "SS")."""
    column = as_arrow(series)
    if column is None or not pc.all(pc.fill_null(pc.string_is_ascii(column), True)).as_py():
        return series.str.upper()
    return from_arrow(pc.ascii_upper(column), series.index, series.name)


def fullmatch(series: pd.Series, pattern: str) -> pd.Series:
    """``series.str.fullmatch(pattern).fillna(False).astype(bool)``: ASCII cells by RE2 (where
    \\d and \\s mean what they mean to Python on ASCII), the others by Python's re."""
    column = as_arrow(series)
    if column is None:
        return series.str.fullmatch(pattern).fillna(False).astype(bool)
    plain = pc.fill_null(pc.string_is_ascii(column), True)
    found = pc.fill_null(pc.match_substring_regex(column, f"^(?:{pattern})$"), False).to_numpy(zero_copy_only=False)
    others = ~plain.to_numpy(zero_copy_only=False)
    if others.any():
        found[others] = series[others].str.fullmatch(pattern).fillna(False).astype(bool).to_numpy()
    return pd.Series(found, index=series.index)
