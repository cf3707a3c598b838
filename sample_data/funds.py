"""A county's fund movements: who paid how much, when, for which project and where it went.

Most movements pay part of a project's planned investment; the rest are given to a village, a
township or the county as a whole without a project. A county with a known total (紫云县) has its
amounts scaled to it. Movements are in whole yuan, mostly round hundreds, as transfers are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sample_data.donors import Donor
from sample_data.geography import Geography
from sample_data.investment_vocab import (
    CATEGORY_P,
    EDUCATION,
    HEALTH,
    INDIVIDUAL,
    OTHER,
    SOURCE_P,
)
from sample_data.projects import Project, unknown_code

FIRST_DAY, LAST_DAY = date(2016, 1, 1), date(2020, 12, 31)
RULES = ("amount_not_positive", "unknown_project", "date_out_of_range")
RULE_COLUMNS = {"amount_not_positive": "amount", "unknown_project": "project_code", "date_out_of_range": "fund_date"}
_SPLITS = np.array([0.75, 0.2, 0.05])  # one, two or three transfers per project
_BAD_YEARS = (2008, 2010, 2011, 2012, 2022, 2026, 2091)
_NOTES = ("东西部协作资金", "含物资折价", "第一批", "第二批", "直接拨付到村")


@dataclass
class Movement:
    day: date
    donor: int  # position in the county's donor roster
    township: int | None  # named only when the ledger says where in the county the money went
    village: int | None
    project: int | None  # position in the county's project list
    category: int
    source: int
    amount_yuan: int
    note: str = ""
    rule: str | None = None  # the defect the row carries, if any
    written_day: date | None = None
    written_amount: int | None = None
    written_code: str | None = None

    def __post_init__(self) -> None:
        self.written_day = self.day
        self.written_amount = self.amount_yuan


def _round_hundreds(value: float) -> int:
    return max(100, int(round(value / 100)) * 100)


def _day_between(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _project_day(rng: np.random.Generator, start: date) -> date:
    if start > LAST_DAY:  # money set aside in late 2020 for works starting in 2021
        return _day_between(rng, date(2020, 7, 1), LAST_DAY)
    return _day_between(rng, max(start - timedelta(days=90), FIRST_DAY), min(start + timedelta(days=240), LAST_DAY))


def _split(rng: np.random.Generator, total: int, parts: int) -> list[int]:
    parts = max(1, min(parts, total // 100))
    shares = rng.dirichlet(np.full(parts, 2.0))
    pieces = [_round_hundreds(total * s) for s in shares[:-1]]
    pieces.append(total - sum(pieces))
    return pieces if pieces[-1] > 0 else [total]


def build(
    projects: list[Project],
    donors: list[Donor],
    geo: Geography,
    village_households: np.ndarray,
    target_yuan: int | None,
    rng: np.random.Generator,
) -> list[Movement]:
    """The county's clean movements, in no particular order; may rescale the projects' costs."""
    funded_share = rng.uniform(0.3, 1.0, size=len(projects))
    parts = rng.choice(len(_SPLITS), size=len(projects), p=_SPLITS) + 1
    people = [i for i, d in enumerate(donors) if d.kind == INDIVIDUAL]
    others = [i for i, d in enumerate(donors) if d.kind != INDIVIDUAL]
    loose = max(1, int(round(parts.sum() * rng.uniform(0.12, 0.22))))
    loose_raw = np.clip(rng.lognormal(np.log(50_000), 0.9, size=loose), 5_000, 1_000_000)
    gifts = [_round_hundreds(v) for v in np.clip(rng.lognormal(np.log(10_000), 0.8, size=len(people)), 1_000, 100_000)]

    if target_yuan is not None:
        bound = sum(p.planned_yuan * s for p, s in zip(projects, funded_share))
        factor = (target_yuan - sum(gifts)) / (bound + loose_raw.sum())
        for project in projects:
            project.planned_yuan = _round_hundreds(project.planned_yuan * factor)
        loose_raw = loose_raw * factor

    movements: list[Movement] = []
    for index, project in enumerate(projects):
        total = _round_hundreds(project.planned_yuan * funded_share[index])
        for amount in _split(rng, total, int(parts[index])):
            where = rng.random()
            township = int(geo.village_township[project.village]) if where < 0.75 else None
            village = project.village if where < 0.7 else None
            movements.append(Movement(_project_day(rng, project.start), -1, township, village, index, project.category, -1, amount))
    weights = village_households.astype(np.float64) + 0.5
    for amount in loose_raw.tolist():
        where = rng.random()
        village = int(rng.choice(len(weights), p=weights / weights.sum()))
        township = int(geo.village_township[village]) if where < 0.7 else None
        movements.append(
            Movement(
                _day_between(rng, FIRST_DAY, LAST_DAY),
                -1,
                township,
                village if where < 0.6 else None,
                None,
                int(rng.choice(len(CATEGORY_P), p=CATEGORY_P)),
                -1,
                _round_hundreds(amount),
            )
        )

    # Every partner unit appears at least once, the rest of the transfers go to any of them.
    order = rng.permutation(len(movements)).tolist()
    givers = others + rng.choice(others, size=max(0, len(order) - len(others))).tolist()
    for position, giver in zip(order, givers):
        movements[position].donor = int(giver)
    for person, amount in zip(people, gifts):
        category = (EDUCATION, HEALTH, OTHER)[int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
        movements.append(Movement(_day_between(rng, FIRST_DAY, LAST_DAY), person, None, None, None, category, -1, amount))
    for movement in movements:
        kind = donors[movement.donor].kind
        movement.source = int(rng.choice(len(SOURCE_P[kind]), p=SOURCE_P[kind]))
        if rng.random() < 0.15:  # some transfers are not round: a settled bill, an exact quote
            movement.amount_yuan = movement.written_amount = max(1, movement.amount_yuan + int(rng.integers(-99, 100)))
        if rng.random() < 0.1:
            movement.note = _NOTES[int(rng.integers(len(_NOTES)))]
    return movements


def corrupt(movements: list[Movement], prefix: str, rng: np.random.Generator, rate: float, at_least_one: bool) -> None:
    """Plants the row defects: each rule on about ``rate`` of the rows, a row carrying at most one."""
    counts = rng.binomial(len(movements), rate, size=len(RULES))
    if at_least_one:
        counts = np.maximum(counts, 1)
    picked = rng.choice(len(movements), size=min(int(counts.sum()), len(movements)), replace=False).tolist()
    cursor = 0
    for rule, count in zip(RULES, counts.tolist()):
        for serial, index in enumerate(picked[cursor : cursor + count]):
            movement = movements[index]
            movement.rule = rule
            if rule == "amount_not_positive":
                movement.written_amount = 0 if rng.random() < 0.3 else -movement.amount_yuan
            elif rule == "unknown_project":
                movement.written_code = unknown_code(prefix, movement.day.year, serial)
            else:
                day = movement.day
                movement.written_day = date(int(rng.choice(_BAD_YEARS)), day.month, min(day.day, 28))
        cursor += count


def code_of(movement: Movement, projects: list[Project]) -> str:
    if movement.written_code is not None:
        return movement.written_code
    return "" if movement.project is None else projects[movement.project].code
