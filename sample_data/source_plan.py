"""What a county's investment sources look like: who pays, how much, in which ledger layout and files.

紫云县 follows the public figures of its pairing with 贵阳经济技术开发区 (27 departments and about
32 enterprises putting about 2386万元 into 127 projects over 2016-2020); other counties get partners
and sizes drawn from their own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data.counties import CountySpec

FUND_LAYOUTS = ("A", "B", "C")
WIDE_YEAR = 2019  # the year 紫云县 reports in its own wide ledger (紫云县2019年帮扶资金台账)
# (written as the ledgers' 所属单位, the prefix their enterprises' names carry)
PARTNERS = (
    ("宁波市", "宁波"),
    ("杭州市", "杭州"),
    ("大连市", "大连"),
    ("青岛市", "青岛"),
    ("苏州市", "苏州"),
    ("佛山市", "佛山"),
    ("东莞市", "东莞"),
    ("广州市", "广州"),
    ("珠海市", "珠海"),
    ("厦门市", "厦门"),
    ("福州市", "福州"),
    ("济南市", "济南"),
    ("常州市", "常州"),
    ("无锡市", "无锡"),
    ("天津市", "天津"),
)
# Project codes: showcase counties use letters of their names, others the county code.
_PREFIXES = {"ziyun": "ZY", "yongzhou_zone": "YZJK", "nagqu": "NQ", "wangmo": "WM", "xintian": "XT"}
# Showcase partners stay the same whatever the seed, so their ledgers keep their file names.
_SHOWCASE_PARTNERS = {
    "yongzhou_zone": ("广州市", "广州"),
    "nagqu": ("杭州市", "杭州"),
    "wangmo": ("宁波市", "宁波"),
    "xintian": ("佛山市", "佛山"),
}


@dataclass(frozen=True)
class SourceSpec:
    county: CountySpec
    funds_layout: str
    partner: str
    partner_short: str
    project_prefix: str
    projects: int
    target_yuan: int | None  # total the ledger should come to; None: whatever the projects cost
    donors: tuple[int, int, int, int]  # departments, enterprises, social organisations, individuals
    file_format: str  # "xlsx" or "csv", as asked for the whole sample
    total_mismatch: bool  # the ledger's 合计 row disagrees with its rows
    omit_village: bool  # one village with households is missing from the village list
    # The county's own ledger of one year, wide (one amount column per fund source), undated: that
    # year's movements are in it rather than in the ledger above.
    wide_year: int | None = None

    @property
    def _prefix(self) -> str:
        return "" if self.county.key in _PREFIXES else f"{self.county.code}_"

    @property
    def name(self) -> str:
        return self.county.written_name

    def funds_file(self) -> tuple[str, str, str]:
        """(path relative to OUT, sheet, kind) where kind is "xlsx", "xls" or the CSV encoding."""
        stem = f"funds/{self._prefix}"
        if self.funds_layout == "A":
            path = f"{stem}{self.partner}帮扶{self.name}资金台账"
            return (f"{path}.xlsx", "资金台账", "xlsx") if self.file_format == "xlsx" else (f"{path}.csv", "", "utf-8-sig")
        if self.funds_layout == "B":
            return f"{stem}{self.name}帮扶资金到位情况表.csv", "", "gb18030"
        path = f"{stem}{self.name}扶贫资金投入明细"
        return (f"{path}.xls", "Sheet1", "xls") if self.file_format == "xlsx" else (f"{path}.csv", "", "utf-8-sig")

    def wide_file(self) -> tuple[str, str, str]:
        """The wide ledger: its county and year in the title and the file name only."""
        path = f"funds/{self._prefix}{self.name}{self.wide_year}年帮扶资金台账"
        return (f"{path}.xlsx", "台账", "xlsx") if self.file_format == "xlsx" else (f"{path}.csv", "", "utf-8-sig")

    def projects_file(self) -> tuple[str, str, str]:
        return self._list_file(f"projects/{self._prefix}{self.name}扶贫项目库", "项目库")

    def villages_file(self) -> tuple[str, str, str]:
        return self._list_file(f"villages/{self._prefix}{self.name}行政村基本情况表", "行政村")

    def _list_file(self, path: str, sheet: str) -> tuple[str, str, str]:
        return (f"{path}.xlsx", sheet, "xlsx") if self.file_format == "xlsx" else (f"{path}.csv", "", "utf-8-sig")


def plan(
    county: CountySpec, index: int, file_format: str, rng: np.random.Generator, total_mismatch: bool, omit_village: bool
) -> SourceSpec:
    layout = FUND_LAYOUTS[index % len(FUND_LAYOUTS)]
    if county.key == "ziyun":
        return SourceSpec(
            county,
            layout,
            "贵阳经开区",
            "贵阳",
            "ZY",
            127,
            23_860_000,
            (27, 32, 0, 0),
            file_format,
            total_mismatch,
            omit_village,
            wide_year=WIDE_YEAR,
        )
    partner, short = _SHOWCASE_PARTNERS.get(county.key) or PARTNERS[int(rng.integers(len(PARTNERS)))]
    projects = int(rng.integers(30, 121))
    departments = int(rng.integers(max(3, projects // 10), max(4, projects // 4) + 1))
    enterprises = int(rng.integers(max(3, projects // 10), max(4, projects // 4) + 1))
    donors = (departments, enterprises, int(rng.integers(1, 5)), int(rng.integers(1, 4)))
    prefix = _PREFIXES.get(county.key, f"{county.code}-")
    return SourceSpec(county, layout, partner, short, prefix, projects, None, donors, file_format, total_mismatch, omit_village)
