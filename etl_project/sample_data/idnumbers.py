"""Resident ID numbers of household heads (GB 11643-1999), unique within a county by construction."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"), dtype=object)
FIRST_BIRTH, LAST_BIRTH = date(1940, 1, 1), date(1995, 12, 31)
_DAYS = (LAST_BIRTH - FIRST_BIRTH).days + 1
SEQUENCES = 999  # sequence numbers 001-999 per birth date and address
KEY_SPACE = _DAYS * SEQUENCES
_STRIDES = (1_000_003, 1_299_709, 2_750_159, 15_485_863, 32_452_843, 49_979_687)


def key_mapping(rng: np.random.Generator) -> tuple[int, int]:
    """An affine permutation k → (a·k + b) mod KEY_SPACE: distinct households get distinct
    (birth date, sequence) pairs without remembering the ones already handed out."""
    stride = next(s for s in np.roll(_STRIDES, int(rng.integers(len(_STRIDES)))).tolist() if math.gcd(s, KEY_SPACE) == 1)
    return stride, int(rng.integers(KEY_SPACE))


def birth_and_sequence(positions: np.ndarray, mapping: tuple[int, int]) -> tuple[np.ndarray, ...]:
    stride, offset = mapping
    keys = (positions.astype(np.int64) * stride + offset) % KEY_SPACE
    born = np.datetime64(FIRST_BIRTH.isoformat(), "D") + (keys // SEQUENCES)
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day, keys % SEQUENCES + 1


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
