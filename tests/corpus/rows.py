"""Rows for the corpus: valid by default, each case breaks exactly what it is about."""

from __future__ import annotations

from tests.builders import fund_row, household, project_row, village_row
from tests.corpus.writers import id_number, wrong_check_digit

# Ledger rows name no project: a project code is checked against the project lists of a run, which
# `validate` cannot see, and the corpus compares the two.
NO_PROJECT = ""
INCOME = "人均纯收入（元）"


def hh(k: int, **overrides) -> list:
    """The k-th valid household of 紫云县 (distinct number and ID)."""
    values = {"户编号": f"52042500{k:05d}", "证件号码": id_number(k)}
    values.update(overrides)
    return household(**values)


def hh_bad_id(k: int, **overrides) -> list:
    """hh(k) but for its head's ID number, whose GB 11643 check digit is wrong."""
    row = hh(k, **overrides)
    row[5] = wrong_check_digit(row[5])
    return row


def households(n: int, start: int = 1) -> list[list]:
    return [hh(k) for k in range(start, start + n)]


def fund(k: int, **overrides) -> list:
    values = {"项目编号": NO_PROJECT}
    values.update(overrides)
    return fund_row(k, **values)


def project(code: str, **overrides) -> list:
    return project_row(项目编号=code, **overrides)


def village(name: str, **overrides) -> list:
    return village_row(行政村=name, **overrides)
