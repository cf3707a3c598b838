"""The three fund-ledger layouts, and a county's movements written as one of them.

A: the donor's ledger (xlsx): amounts in 万元, a 受援地 group over 县/乡镇/村, rows grouped by
   donor type with a 小计 after each group.
B: the recipient county's ledger (GB18030 CSV): amounts in 元 as text with thousands separators.
C: a legacy ledger (xls written by Excel 2003): dates as date cells or 20190527 text, 万元.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from sample_data.donors import Donor
from sample_data.funds import RULE_COLUMNS, Movement, code_of
from sample_data.geography import Geography
from sample_data.investment_vocab import CATEGORIES, DONOR_TYPES, FUND_SOURCES, written
from sample_data.projects import Project
from sample_data.source_plan import SourceSpec
from sample_data.table import Table
from sample_data.table_sinks import Header

HEADERS = {
    "A": Header(
        ("序号", "日期", "帮扶单位", "单位类型", "所属单位", "县", "乡镇", "村", "项目编号", "资金类别", "资金来源", "金额", "备注"),
        ("受援地", 5, 7),
    ),
    "B": Header(
        ("日期", "帮扶单位", "单位类型", "上级单位", "受援县", "受援乡镇", "受援村", "项目编号", "资金类别", "资金来源", "金额（元）")
    ),
    "C": Header(
        ("拨付日期", "帮扶单位名称", "帮扶主体类型", "受援县", "乡镇", "行政村", "项目代码", "帮扶类别", "资金性质", "投入资金（万元）")
    ),
}
_WIDTHS = {
    "A": (6, 16, 30, 10, 14, 14, 12, 12, 14, 12, 12, 12, 16),
    "B": (12, 30, 10, 14, 14, 12, 12, 14, 12, 12, 16),
    "C": (12, 30, 12, 14, 12, 12, 14, 14, 12, 14),
}
# Share of rows spelling the category and the fund source by their alias (产业扶贫 rather than 产业).
_ALIASES = {"A": (0.0, 0.2), "B": (0.5, 0.5), "C": (1.0, 0.5)}
_NOTES = {
    "A": ("注：1.金额含物资折款。2.受援地只填县的，资金由县统筹使用。", "制表人：", "审核人："),
    "B": ("备注：本表根据资金到位凭证汇总。", "填报人："),
    "C": ("说明：投入资金含财政资金和社会资金。", "审核人："),
}
# How far a 合计 row that does not add up is off, in yuan: a group left out, a figure mistyped.
_MISMATCHES = (50_000, -50_000, 100_000, 10_000)


def _wan(yuan: int) -> float:
    return yuan / 10_000


def _titles(spec: SourceSpec) -> tuple[str, str]:
    name = spec.name
    if spec.funds_layout == "A":
        return f"{spec.partner}2016-2020年对口帮扶{name}资金台账", "单位：万元"
    if spec.funds_layout == "B":
        return f"{name}2016-2020年帮扶资金到位情况表", f"填报单位：{name}扶贫开发办公室    单位：元"
    return f"{name}扶贫资金投入明细表（2016-2020年）", f"填报单位：{name}财政局    单位：万元"


def _cells(
    layout: str, m: Movement, donor: Donor, code: str, place: tuple[str, str, str], aliases: tuple[bool, bool], serial: int, as_date: bool
) -> list:
    day: date = m.written_day
    kind = DONOR_TYPES[donor.kind][1]
    category = written(CATEGORIES, m.category, aliases[0])
    source = written(FUND_SOURCES, m.source, aliases[1])
    county, township, village = place
    # A and B share the columns from the donor to the fund source; they differ around them.
    donor_to_source = [donor.name, kind, donor.parent, county, township, village, code, category, source]
    if layout == "A":
        return [serial, f"{day.year}年{day.month}月{day.day}日", *donor_to_source, _wan(m.written_amount), m.note]
    if layout == "B":
        return [f"{day.year}.{day.month}.{day.day}", *donor_to_source, f"{m.written_amount:,.2f}"]
    when = day if as_date else f"{day.year}{day.month:02d}{day.day:02d}"
    return [when, donor.name, kind, county, township, village, code, category, source, _wan(m.written_amount)]


def _total(layout: str, label: str, yuan: int, kind: str = "") -> list:
    width = len(HEADERS[layout].names)
    cells: list = [label] + [""] * (width - 1)
    if layout == "A":
        cells[3] = kind
        cells[11] = _wan(yuan)
    elif layout == "B":
        cells[10] = f"{yuan:,.2f}"
    else:
        cells[9] = _wan(yuan)
    return cells


def table(
    spec: SourceSpec, movements: list[Movement], projects: list[Project], donors: list[Donor], geo: Geography, rng: np.random.Generator
) -> Table:
    layout = spec.funds_layout
    file, sheet, kind = spec.funds_file()
    title, unit = _titles(spec)
    out = Table("funds", layout, spec.county.code, file, sheet, kind, title, unit, HEADERS[layout], _WIDTHS[layout])

    def order(m: Movement):
        donor = donors[m.donor]
        return (donor.kind if layout == "A" else 0, m.day, donor.name)

    ordered = sorted(movements, key=order)
    share = _ALIASES[layout]
    aliases = rng.random((len(ordered), 2)) < np.array(share)
    as_date = rng.random(len(ordered)) < 0.5
    blanks = set(rng.choice(len(ordered), size=min(len(ordered), int(rng.integers(0, 3))), replace=False).tolist())
    group_sum = total = 0
    for i, m in enumerate(ordered):
        township = geo.township_names[m.township] if m.township is not None else ""
        village = geo.village_names[m.village] if m.village is not None else ""
        place = (spec.name, township, village)
        rule = m.rule
        out.data(
            _cells(layout, m, donors[m.donor], code_of(m, projects), place, tuple(aliases[i].tolist()), i + 1, bool(as_date[i])),
            rule,
            RULE_COLUMNS.get(rule),
        )
        group_sum += m.written_amount
        total += m.written_amount
        if i in blanks:
            out.blank()
        kind = donors[m.donor].kind
        if layout == "A" and (i + 1 == len(ordered) or donors[ordered[i + 1].donor].kind != kind):
            out.total(_total(layout, "小计", group_sum, DONOR_TYPES[kind][1]))
            group_sum = 0
    if spec.total_mismatch:
        out.flagged.append((len(out.body), "total_mismatch", "amount"))
        total += int(rng.choice(_MISMATCHES))
    out.total(_total(layout, "合计", total))
    notes = _NOTES[layout]
    out.notes = list(notes[: int(rng.integers(1, len(notes) + 1))])
    return out
