"""Splitting a whole number of households over counties or villages in proportion to weights."""

from __future__ import annotations

import numpy as np


def split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to exactly ``total`` (largest remainder).

    Ties go to the earlier position, so the split never depends on anything but its inputs.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if len(weights) == 0:
        return np.zeros(0, dtype=np.int64)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[:short]] += 1
    return counts
