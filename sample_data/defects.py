"""Which rows of a county get a defect, and how each defect corrupts its row.

A corrupted household leaves the clean model (the warehouse must quarantine it); a duplicate is
an extra copy of a clean row, so its original stays. Blank rows are planned here too, since they
shift row numbers the same way duplicates do.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from sample_data.households import EXITED_ATTRIBUTE, Batch
from sample_data.layouts import COL, Layout
from sample_data.vocab import EXITED_SUPPORTED, EXITED_UNSUPPORTED, UNKNOWN_VALUES

DUPLICATE = "duplicate_household"
CORRUPTING = ("id_check_digit", "exit_before_identification", "income_range", "unknown_code")
RULES = (DUPLICATE, *CORRUPTING)
RATE = 0.01  # of each rule, per household
BLANK = -1  # an event after a household: a blank row rather than the copy of a household

_UNKNOWN_FIELDS = (("attribute", "attribute_code"), ("cause", "main_cause_code"), ("status", "status_code"))


@dataclass
class Plan:
    corrupt: list[tuple[int, str]]  # (county position, rule), by position
    after: dict[int, list[int]]  # county position -> rows following it: BLANK or an original's position
    originals: set[int]

    def __post_init__(self) -> None:
        self._event_positions = sorted(self.after)

    def corrupt_between(self, start: int, end: int) -> list[tuple[int, str]]:
        first = bisect_left(self.corrupt, (start, ""))
        last = bisect_left(self.corrupt, (end, ""))
        return self.corrupt[first:last]

    def events_between(self, start: int, end: int) -> list[int]:
        """Positions in [start, end) that are followed by blank rows or duplicate copies."""
        return self._event_positions[bisect_left(self._event_positions, start) : bisect_left(self._event_positions, end)]


def plan(households: int, sheet_bounds: list[tuple[int, int]], rng: np.random.Generator, showcase: bool) -> Plan:
    counts = rng.binomial(households, RATE, size=len(RULES))
    if showcase and households >= 100:
        counts = np.maximum(counts, 1)
    while counts.sum() > households:  # only for a handful of households
        counts[int(np.argmax(counts))] -= 1
    picked = rng.choice(households, size=int(counts.sum()), replace=False).tolist()
    originals = picked[: counts[0]]
    corrupt: list[tuple[int, str]] = []
    cursor = int(counts[0])
    for rule, count in zip(CORRUPTING, counts[1:].tolist()):
        corrupt.extend((p, rule) for p in picked[cursor : cursor + count])
        cursor += count

    after: dict[int, list[int]] = {}
    for original in sorted(originals):
        end = next(e for s, e in sheet_bounds if s <= original < e)
        after.setdefault(int(rng.integers(original, end)), []).append(original)
    for start, end in sheet_bounds:
        if end - start >= 2:
            blanks = int(rng.integers(1, 4)) + int(rng.binomial(end - start, 0.001))
            for position in rng.integers(start, end - 1, size=blanks).tolist():
                after.setdefault(position, []).append(BLANK)
    return Plan(sorted(corrupt), after, set(originals))


def corrupt_values(batch: Batch, targets: list[tuple[int, str]], rng: np.random.Generator) -> None:
    """Apply the defects that live in the household's values, before the row is written."""
    for position, rule in targets:
        i = position - batch.start
        if rule == "id_check_digit":
            batch.old_id[i] = False
            batch.check_shift[i] = rng.integers(1, 11)
        elif rule == "exit_before_identification":
            batch.identified[i] = rng.integers(2015, 2021)
            batch.exited[i] = rng.integers(2014, batch.identified[i])
            batch.returned[i] = 0
            batch.status[i] = EXITED_SUPPORTED if rng.random() < 0.8 else EXITED_UNSUPPORTED
            batch.attribute[i] = EXITED_ATTRIBUTE[int(batch.attribute[i])]
        elif rule == "income_range":
            low = rng.random() < 0.5
            batch.income[i] = -100.0 * rng.integers(5, 50) if low else 10_000.0 * rng.integers(10, 200)
            batch.income_whole[i] = True


def corrupt_cells(
    columns: list[list], start: int, layout: Layout, targets: list[tuple[int, str]], rng: np.random.Generator
) -> dict[int, str]:
    """Apply the defects that live in written cells; returns the column each defect broke."""
    broken: dict[int, str] = {}
    for position, rule in targets:
        if rule == "unknown_code":
            field, column = _UNKNOWN_FIELDS[int(rng.integers(len(_UNKNOWN_FIELDS)))]
            form = getattr(layout, f"{field}_as")
            choices = UNKNOWN_VALUES[field, form]
            columns[COL[column]][position - start] = choices[int(rng.integers(len(choices)))]
            broken[position] = column
        else:
            broken[position] = {
                "id_check_digit": "id_number",
                "exit_before_identification": "exit_year",
                "income_range": "income_per_person",
            }[rule]
    return broken
