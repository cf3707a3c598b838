"""Pandera checks the built-ins do not cover, registered so that DataFrameModels can name them.

Frame checks must treat missing values themselves (pandera only drops nulls for column checks):
a missing year is the required rule's business, not these.
"""

from __future__ import annotations

import pandas as pd
from pandera import extensions

from etl_project.core import idcard, personal_data
from schemas.vocabularies import EXITED_STATUSES


def _register(fn, **kwargs):
    # Importing this module twice (tests, Dagster reloads) must not fail on re-registration.
    try:
        return extensions.register_check_method(check_type="vectorized", **kwargs)(fn)
    except ValueError:
        return fn


def id_number_format(series: pd.Series) -> pd.Series:
    return idcard.well_formed(series)


def id_check_digit(series: pd.Series) -> pd.Series:
    return idcard.check_digit_valid(series)


def no_personal_number(series: pd.Series) -> pd.Series:
    """False for a value that holds an ID, phone or bank card number: in a place-name column it is
    a column shifted by one, and the number is personal data besides."""
    return ~personal_data.holds_personal_number(series)


def exit_not_before_identification(frame: pd.DataFrame) -> pd.Series:
    ok = frame["exit_year"] >= frame["identification_year"]
    return ok.fillna(True).astype(bool)


def returned_after_exit(frame: pd.DataFrame) -> pd.Series:
    ok = frame["returned_year"] > frame["exit_year"]
    return ok.fillna(True).astype(bool)


def status_consistent(frame: pd.DataFrame) -> pd.Series:
    """Status 0 has no exit year; 1 and 4 have one and no return; 3 has both exit and return years."""
    status = frame["status_code"]
    has_exit = frame["exit_year"].notna()
    has_return = frame["returned_year"].notna()
    known = status.isin(["0", *EXITED_STATUSES])
    ok = (
        ((status == "0") & ~has_exit & ~has_return)
        | (status.isin(["1", "4"]) & has_exit & ~has_return)
        | ((status == "3") & has_exit & has_return)
    )
    # An unknown status is the vocabulary rule's failure; don't report it twice.
    return (ok | ~known).fillna(True).astype(bool)


def first_occurrence(frame: pd.DataFrame, *, keys: tuple[str, ...]) -> pd.Series:
    """False for a row whose value in any of ``keys`` appeared on an earlier row (within the frame)."""
    repeated = pd.Series(False, index=frame.index)
    for key in keys:
        values = frame[key]
        repeated |= values.duplicated(keep="first") & values.notna()
    return ~repeated


def date_in_range(series: pd.Series, *, first: str, last: str) -> pd.Series:
    return (series >= pd.Timestamp(first)) & (series <= pd.Timestamp(last))


def end_not_before_start(frame: pd.DataFrame) -> pd.Series:
    return (frame["end_date"] >= frame["start_date"]).fillna(True).astype(bool) | frame["end_date"].isna() | frame["start_date"].isna()


def exit_only_if_poor(frame: pd.DataFrame) -> pd.Series:
    return (frame["exit_year"].isna() | frame["is_poor_village"].fillna(False)).astype(bool)


def agricultural_within_registered(frame: pd.DataFrame) -> pd.Series:
    ok = frame["agricultural_population"] <= frame["registered_population"]
    return ok.fillna(True).astype(bool)


def first_occurrence_of_combination(frame: pd.DataFrame, *, keys: tuple[str, ...]) -> pd.Series:
    """False for a row whose combination of ``keys`` appeared on an earlier row."""
    subset = frame[list(keys)]
    return ~(subset.duplicated(keep="first") & subset.notna().all(axis=1))


for _fn in (id_number_format, id_check_digit, no_personal_number):
    _register(_fn)
for _fn in (exit_not_before_identification, returned_after_exit, status_consistent):
    _register(_fn)
_register(first_occurrence, statistics=["keys"])
_register(first_occurrence_of_combination, statistics=["keys"])
_register(date_in_range, statistics=["first", "last"])
for _fn in (end_not_before_start, exit_only_if_poor, agricultural_within_registered):
    _register(_fn)
