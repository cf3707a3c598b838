"""Townships and villages of one county, and how many households each village registers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from sample_data.names import unique_names
from sample_data.shares import split


def local_code(county_code: str, *names: str) -> str:
    """Township or village code: the parent's code plus six hex digits of SHA-1 over the names.

    Part of the project's public contract (townships and villages have no public codes), computed
    here independently so the truth file checks the warehouse rather than repeats it.
    """
    parent = county_code
    for depth in range(1, len(names) + 1):
        digest = hashlib.sha1("/".join((county_code, *names[:depth])).encode("utf-8")).hexdigest()[:6]
        parent = f"{parent}-{digest}"
    return parent


@dataclass(frozen=True)
class Geography:
    township_names: list[str]
    township_codes: list[str]
    village_names: np.ndarray  # object array, one per village, villages grouped by township
    village_codes: list[str]
    village_township: np.ndarray  # township position of each village
    village_number: np.ndarray  # 1-based position of the village within its township
    village_start: np.ndarray  # county-wide position of each village's first household
    sheet_bounds: list[tuple[int, int]]  # [start, end) of the households on each sheet
    township_bounds: list[tuple[int, int]]  # [start, end) of each township's households

    def village_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.village_start, positions, side="right") - 1


def build(county_code: str, households: int, sheets: int | None, rng: np.random.Generator, tibetan: bool) -> Geography:
    """``sheets`` split the townships between them; None: one sheet per township."""
    # Small counties keep few, well-filled villages; large ones spread over up to 20 × 15.
    township_count = int(rng.integers(5, min(20, max(6, 6 + households // 1500)) + 1))
    township_names = unique_names(rng, township_count, ("镇", "乡"), (0.6, 0.4), tibetan)
    village_cap = min(15, max(4, 4 + households // (township_count * 150)))
    village_names: list[str] = []
    village_codes: list[str] = []
    village_township: list[int] = []
    village_number: list[int] = []
    for t, township in enumerate(township_names):
        count = int(rng.integers(3, village_cap + 1))
        for v, village in enumerate(unique_names(rng, count, ("村",), (1.0,), tibetan)):
            village_names.append(village)
            village_codes.append(local_code(county_code, township, village))
            village_township.append(t)
            village_number.append(v + 1)
    per_village = split(households, rng.uniform(0.4, 1.6, size=len(village_names)))
    village_start = np.concatenate(([0], np.cumsum(per_village)[:-1])).astype(np.int64)
    village_township_arr = np.array(village_township, dtype=np.int64)

    def bounds_of(groups) -> list[tuple[int, int]]:
        bounds = []
        for group in groups:
            members = np.flatnonzero(np.isin(village_township_arr, group))
            bounds.append((int(village_start[members[0]]), int(village_start[members[-1]] + per_village[members[-1]])))
        return bounds

    townships = [[t] for t in range(township_count)]
    return Geography(
        township_names=township_names,
        township_codes=[local_code(county_code, t) for t in township_names],
        village_names=np.array(village_names, dtype=object),
        village_codes=village_codes,
        village_township=village_township_arr,
        village_number=np.array(village_number, dtype=np.int64),
        village_start=village_start,
        sheet_bounds=bounds_of(np.array_split(np.arange(township_count), sheets) if sheets is not None else townships),
        township_bounds=bounds_of(townships),
    )
