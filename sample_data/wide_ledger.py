"""A county's own ledger of one year as a wide table ("紫云县2019年帮扶资金台账"): one row per
project, or per village where money came without one, from each donor for one category; one amount
column per fund source in 万元 under 资金来源（万元）, led by a 合计 column; a 合计 row at the foot.
No date and no county column: the title and the file name give both.

A row adds up the year's movements it stands for; each filled cell is one movement to the
warehouse, so the money per place, year, category and donor type is the model's. One row carries a
negative amount in one cell: the whole row is rejected, and with it every movement it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sample_data.donors import Donor
from sample_data.funds import Movement, code_of
from sample_data.geography import Geography
from sample_data.investment_vocab import CATEGORIES, DONOR_TYPES, FUND_SOURCES, INDIVIDUAL, written
from sample_data.projects import Project
from sample_data.source_plan import SourceSpec
from sample_data.table import Table
from sample_data.table_sinks import Header

GROUP = "资金来源（万元）"
_PLACE = ("序号", "乡镇", "村", "项目编号", "帮扶单位", "单位类型", "资金类别")
# The 合计 column comes first in the group, then one per fund source.
HEADER = Header((*_PLACE, "合计", *(name for _, name, _ in FUND_SOURCES)), (GROUP, len(_PLACE), len(_PLACE) + len(FUND_SOURCES)))
_WIDTHS = (6, 12, 12, 14, 30, 10, 12, 12, *(12,) * len(FUND_SOURCES))
_NOTES = ("注：1.本表金额单位为万元，含物资折款。2.未填乡镇、村的资金由县统筹使用。", "填表人：", "审核人：")
REJECTED = "amount_not_positive"


@dataclass
class Row:
    township: int | None
    village: int | None
    code: str
    donor: int
    category: int
    yuan: list[int] = field(default_factory=lambda: [0] * len(FUND_SOURCES))  # per fund source, as the model has it
    filled: list[bool] = field(default_factory=lambda: [False] * len(FUND_SOURCES))
    movements: list[Movement] = field(default_factory=list)


def _wan(yuan: int) -> float:
    return yuan / 10_000


def rows_of(movements: list[Movement], projects: list[Project], donors: list[Donor], geo: Geography) -> list[Row]:
    """The movements gathered by place, project, donor and category; rows in the order of the
    county's townships and villages, money for the whole county last."""
    rows: dict[tuple, Row] = {}
    for m in movements:
        key = (m.township, m.village, code_of(m, projects), m.donor, m.category)
        row = rows.setdefault(key, Row(*key))
        row.yuan[m.source] += m.amount_yuan
        row.filled[m.source] = True
        row.movements.append(m)

    def order(row: Row):
        township = len(geo.township_names) if row.township is None else row.township
        village = -1 if row.village is None else row.village
        return (township, village, row.code, donors[row.donor].name, row.category)

    return sorted(rows.values(), key=order)


def table(
    spec: SourceSpec,
    movements: list[Movement],
    projects: list[Project],
    donors: list[Donor],
    geo: Geography,
    rng: np.random.Generator,
    showcase: bool,
) -> Table:
    file, sheet, kind = spec.wide_file()
    out = Table(
        "funds", "wide", spec.county.code, file, sheet, kind, f"{spec.name}{spec.wide_year}年帮扶资金台账", "单位：万元", HEADER, _WIDTHS
    )
    rows = rows_of(movements, projects, donors, geo)
    # A unit's row is broken, not a person's gift: a typo in a unit's figures is what offices send.
    candidates = [i for i, row in enumerate(rows) if donors[row.donor].kind != INDIVIDUAL]
    broken = int(rng.choice(candidates)) if showcase and candidates else None
    totals = [0] * len(FUND_SOURCES)
    for serial, row in enumerate(rows, start=1):
        amounts = list(row.yuan)
        rule = None
        if serial - 1 == broken:
            source = next(s for s, filled in enumerate(row.filled) if filled)
            amounts[source] = -amounts[source]
            rule = REJECTED
            for m in row.movements:
                m.rule = REJECTED
        donor = donors[row.donor]
        township = geo.township_names[row.township] if row.township is not None else ""
        village = geo.village_names[row.village] if row.village is not None else ""
        cells = [
            serial,
            township,
            village,
            row.code,
            donor.name,
            DONOR_TYPES[donor.kind][1],
            written(CATEGORIES, row.category, False),
            _wan(sum(amounts)),
        ]
        cells += [_wan(a) if filled else None for a, filled in zip(amounts, row.filled)]
        out.data(cells, rule, "amount" if rule else None)
        # The 合计 row adds up what is written, the rejected row too: what its author added up.
        totals = [t + a for t, a, filled in zip(totals, amounts, row.filled)]
    out.total(["合计", *[""] * (len(_PLACE) - 1), _wan(sum(totals)), *(_wan(t) for t in totals)])
    out.notes = list(_NOTES[: int(rng.integers(1, len(_NOTES) + 1))])
    return out
