"""The clean household model: what each registered household really is, before anyone types it.

Households are produced in batches of consecutive county positions (villages in order), so a
county of any size is generated in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data import names
from sample_data.geography import Geography
from sample_data.idnumbers import Allocator
from sample_data.vocab import (
    EXITED_SUPPORTED,
    EXITED_UNSUPPORTED,
    FIRST_YEAR,
    LAST_EXIT_YEAR,
    LAST_RETURN_YEAR,
    NOT_EXITED,
    RETURNED,
)

_IDENTIFIED = np.arange(FIRST_YEAR, LAST_EXIT_YEAR + 1)
# Most households were identified in the 2014 nationwide registration and its 2015-2016 reviews.
_IDENTIFIED_P = np.array([0.03, 0.46, 0.2, 0.15, 0.07, 0.04, 0.03, 0.02])
_SIZE_P = np.array([0.12, 0.17, 0.2, 0.2, 0.14, 0.09, 0.05, 0.03])
_EXIT_DELAY_P = np.array([0.04, 0.2, 0.26, 0.2, 0.15, 0.1, 0.05])
_CAUSE_P = np.array([0.3, 0.12, 0.08, 0.03, 0.06, 0.03, 0.12, 0.1, 0.09, 0.02, 0.03, 0.02])
_POOR_ATTRIBUTE_P = np.array([0.68, 0.27, 0.05])  # 一般 / 低保 / 特困供养
_EDGE, _UNSTABLE = 6, 7  # positions of 边缘易致贫户 and 脱贫不稳定户
# The attribute a household carries once it has exited: 一般贫困户 becomes 一般脱贫户, and so on.
EXITED_ATTRIBUTE = (3, 4, 5, 3, 4, 5, _UNSTABLE, _UNSTABLE)


@dataclass
class Batch:
    """Households at county positions [start, start + size); one array entry per household."""

    start: int
    village: np.ndarray
    number: np.ndarray  # the ten digits after the county code in the household number
    head: list[str]
    birth_year: np.ndarray
    birth_month: np.ndarray
    birth_day: np.ndarray
    sequence: np.ndarray
    old_id: np.ndarray
    check_shift: np.ndarray  # non-zero only where a wrong check character is written
    size: np.ndarray
    attribute: np.ndarray  # positions in vocab.ATTRIBUTES
    cause: np.ndarray
    status: np.ndarray  # positions in vocab.STATUSES
    identified: np.ndarray
    exited: np.ndarray  # 0: not exited
    returned: np.ndarray  # 0: not returned
    income: np.ndarray
    income_whole: np.ndarray
    secure: np.ndarray  # (4, n): housing, water, schooling, medical
    phone: np.ndarray

    def __len__(self) -> int:
        return len(self.village)


class Model:
    """Generates one county's households in order; draws come from the county's own stream."""

    def __init__(self, geography: Geography, rng: np.random.Generator, tibetan: bool, old_id_share: float):
        self.geo = geography
        self.rng = rng
        self.tibetan = tibetan
        self.old_id_share = old_id_share
        self.ids = Allocator(rng)

    def batch(self, start: int, end: int) -> Batch:
        rng, n = self.rng, end - start
        positions = np.arange(start, end, dtype=np.int64)
        village = self.geo.village_of(positions)
        serial = positions - self.geo.village_start[village] + 1
        if n and serial.max() >= 10**6:
            raise ValueError("a village holds more than 999 999 households; use more counties")
        number = (self.geo.village_township[village] + 1) * 10**8 + self.geo.village_number[village] * 10**6 + serial
        year, month, day, sequence = self.ids.draw(rng, n)

        identified = rng.choice(_IDENTIFIED, size=n, p=_IDENTIFIED_P)
        size = rng.choice(np.arange(1, 9), size=n, p=_SIZE_P)
        large = rng.random(n) < 0.003
        size[large] = rng.integers(9, 13, size=int(large.sum()))

        # Late registrations had less time to exit before the 2020 deadline; the first exits
        # were counted in 2014, even for households registered in 2013.
        never = rng.random(n) < np.where(identified >= 2019, 0.3, 0.03)
        exited = np.clip(
            identified + rng.choice(len(_EXIT_DELAY_P), size=n, p=_EXIT_DELAY_P), np.maximum(identified, FIRST_YEAR + 1), LAST_EXIT_YEAR
        )
        came_back = ~never & (rng.random(n) < 0.02)
        returned = np.where(came_back, exited + rng.integers(1, LAST_RETURN_YEAR - exited + 1), 0)
        exited = np.where(never, 0, exited)
        status = np.where(
            never,
            NOT_EXITED,
            np.where(came_back, RETURNED, np.where(rng.random(n) < 0.8, EXITED_SUPPORTED, EXITED_UNSUPPORTED)),
        )

        poor = rng.choice(3, size=n, p=_POOR_ATTRIBUTE_P)
        still_poor = (status == NOT_EXITED) | (status == RETURNED)
        attribute = np.where(still_poor, poor, poor + 3)
        fringe = rng.random(n) < 0.03
        attribute = np.where(fringe, np.where(still_poor, _EDGE, _UNSTABLE), attribute)
        cause = rng.choice(len(_CAUSE_P), size=n, p=_CAUSE_P)

        income = np.clip(rng.lognormal(np.log(6500), 0.45, size=n) * np.where(still_poor, 1.0, 1.35), 2000, 30000)
        income_whole = rng.random(n) < 0.35
        income = np.where(income_whole, np.round(income), np.round(income, 2))
        secure = rng.random((4, n)) < np.where(still_poor, 0.85, 0.985)
        phone = rng.integers(3, 10, size=n) * 10**9 + rng.integers(0, 10**9, size=n)
        head = names.head_names(rng, sequence % 2 == 1, self.tibetan)
        old_id = rng.random(n) < self.old_id_share
        return Batch(
            start=start,
            village=village,
            number=number,
            head=head,
            birth_year=year,
            birth_month=month,
            birth_day=day,
            sequence=sequence,
            old_id=old_id,
            check_shift=np.zeros(n, dtype=np.int64),
            size=size,
            attribute=attribute,
            cause=cause,
            status=status,
            identified=identified,
            exited=exited,
            returned=returned,
            income=income,
            income_whole=income_whole,
            secure=secure,
            phone=phone,
        )
