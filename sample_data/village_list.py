"""A county's village list (行政村基本情况表) as the county writes it."""

from __future__ import annotations

import numpy as np

from sample_data.geography import Geography
from sample_data.source_plan import SourceSpec
from sample_data.table import Table
from sample_data.table_sinks import Header
from sample_data.villages import Listing

HEADER = Header(("县", "乡镇", "行政村", "是否贫困村", "出列年度", "户籍人口", "农业人口", "村集体经济收入（万元）"))
_WIDTHS = (12, 12, 12, 10, 10, 10, 10, 16)
_NOTES = ("注：出列年度以省级人民政府批复为准。", "填表人：", "审核人：")


def table(spec: SourceSpec, listing: Listing, geo: Geography, rng: np.random.Generator) -> Table:
    file, sheet, kind = spec.villages_file()
    out = Table(
        "villages", "A", spec.county.code, file, sheet, kind, f"{spec.name}行政村基本情况表（2020年）", "单位：人、万元", HEADER, _WIDTHS
    )
    suffixed = rng.random(len(listing.villages)) < 0.3
    blanks = set(rng.choice(len(listing.villages), size=min(len(listing.villages), int(rng.integers(0, 2))), replace=False).tolist())
    totals = [0, 0, 0]
    for i, v in enumerate(listing.villages):
        year = "" if v.exit_year is None else f"{v.exit_year}年" if suffixed[i] else v.exit_year
        out.data(
            [
                spec.name,
                geo.township_names[v.township],
                v.name,
                "是" if v.poor else "否",
                year,
                v.population,
                v.agricultural,
                v.income_yuan / 10_000,
            ]
        )
        totals = [totals[0] + v.population, totals[1] + v.agricultural, totals[2] + v.income_yuan]
        if i in blanks:
            out.blank()
    out.total(["合计", "", "", "", "", totals[0], totals[1], totals[2] / 10_000])
    out.notes = list(_NOTES[: int(rng.integers(1, len(_NOTES) + 1))])
    return out
