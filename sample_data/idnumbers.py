"""Resident ID numbers of household heads (GB 11643-1999), unique within a county by construction."""

from __future__ import annotations

from datetime import date

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"), dtype=object)
FIRST_BIRTH, LAST_BIRTH = date(1940, 1, 1), date(1995, 12, 31)
DAYS = (LAST_BIRTH - FIRST_BIRTH).days + 1
SEQUENCES = 999  # 001-999 for each birth date within one address code
_SEQUENCE_STRIDE = 100  # coprime with 999, so one date's numbers never repeat before all are used


class Allocator:
    """Hands out (birth date, sequence) pairs for one county's heads, never the same pair twice.

    Remembering one counter per birth date (twenty thousand of them) rather than every number
    handed out keeps the memory flat however many households the county has.
    """

    def __init__(self, rng: np.random.Generator, first: date = FIRST_BIRTH, last: date = LAST_BIRTH):
        self.first = first
        self.days = (last - first).days + 1
        self._offset = rng.integers(0, SEQUENCES, size=self.days)
        self._used = np.zeros(self.days, dtype=np.int64)

    def draw(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # Heads of registered households were mostly born in the 1950s-1970s.
        days = np.minimum((rng.beta(2.2, 2.0, size=count) * self.days).astype(np.int64), self.days - 1)
        return self.take(days)

    def take(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Numbers for persons born on the given days (counted from ``first``), never one handed out before."""
        count = len(days)
        order = np.argsort(days, kind="stable")
        ordered = days[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        rank = np.empty(count, dtype=np.int64)
        rank[order] = np.arange(count) - np.repeat(starts, np.diff(np.r_[starts, count]))
        taken = self._used[days] + rank
        if count and taken.max() >= SEQUENCES:
            raise ValueError("too many households in one county for distinct ID numbers")
        self._used += np.bincount(days, minlength=self.days)
        sequence = (self._offset[days] + taken * _SEQUENCE_STRIDE) % SEQUENCES + 1
        born = np.datetime64(self.first.isoformat(), "D") + days
        year = born.astype("datetime64[Y]").astype(np.int64) + 1970
        month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
        return year, month, day, sequence


def _digit_sum(values: np.ndarray, width: int, weights: np.ndarray) -> np.ndarray:
    total = np.zeros(len(values), dtype=np.int64)
    for i in range(width):
        total += (values // 10 ** (width - 1 - i)) % 10 * weights[i]
    return total


def check_index(address: str, year, month, day, sequence) -> np.ndarray:
    """Position in "10X98765432" of each number's check character."""
    fixed = sum(int(c) * int(w) for c, w in zip(address, WEIGHTS[:6]))
    total = (
        fixed
        + _digit_sum(year, 4, WEIGHTS[6:10])
        + _digit_sum(month, 2, WEIGHTS[10:12])
        + _digit_sum(day, 2, WEIGHTS[12:14])
        + _digit_sum(sequence, 3, WEIGHTS[14:17])
    )
    return total % 11


def render(address: str, year, month, day, sequence, old: np.ndarray, check_shift: np.ndarray) -> list[str]:
    """18-character numbers, or 15-digit pre-1999 ones where ``old``; a non-zero ``check_shift``
    moves the check character to a wrong one."""
    checks = CHECK_CHARS[(check_index(address, year, month, day, sequence) + check_shift) % 11].tolist()
    return [
        f"{address}{y % 100:02d}{m:02d}{d:02d}{s:03d}" if o else f"{address}{y}{m:02d}{d:02d}{s:03d}{c}"
        for y, m, d, s, o, c in zip(year.tolist(), month.tolist(), day.tolist(), sequence.tolist(), old.tolist(), checks)
    ]
