"""Which counties get a registry, under what name, in which layout, file format and file name.

Five showcase counties are always written: each stands for a way real county offices send their
registries (short names, statistical zones, names retired since, other encodings, several sheets).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sample_data.layouts import LAYOUTS, Layout
from sample_data.registry_forms import NUMBERED, PLAIN, SECTIONS, TOWNSHIP_SHEETS, Form

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

_NOTES = (
    "注：1.本表由乡镇填报，县扶贫办汇总。2.人均纯收入为上年度数据。",
    "填表人：",
    "审核人：",
)


@dataclass(frozen=True)
class CountySpec:
    key: str
    code: str  # 2023 statistical code: the county the warehouse must credit
    written_name: str  # as the 县 column, the title and the file name spell it
    layout: Layout
    file_format: str  # "xlsx" or "csv"
    encoding: str  # of a CSV file
    file_stem: str
    sheets: tuple[str, ...]  # xlsx sheet names; several sheets split the townships between them
    titles: tuple[str, ...]  # one per sheet
    unit_line: str
    notes: tuple[str, ...] = _NOTES
    tibetan: bool = False
    old_id_share: float = 0.0  # heads still carrying a 15-digit ID from before 1999
    per_person: bool = False  # the national system's per-person export (sample_data/person_export.py)
    form: Form = PLAIN  # where the table puts what (registry_forms); with one sheet per township, ``sheets`` is ()

    def outputs(self, sheets: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """(path relative to OUT, sheet) of each sheet; a CSV file holds one sheet, named ""."""
        sheets = self.sheets if sheets is None else sheets
        if self.file_format == "xlsx":
            return [(f"registry/{self.file_stem}.xlsx", sheet) for sheet in sheets]
        if len(sheets) == 1:
            return [(f"registry/{self.file_stem}.csv", "")]
        return [(f"registry/{self.file_stem}_{sheet}.csv", "") for sheet in sheets]


def _unit(office: str, date: str = "2020年12月31日") -> str:
    return f"填报单位：{office}    统计时间：{date}    单位：人、元"


def showcase(file_format: str) -> list[CountySpec]:
    """The five showcase counties; with CSV output the xlsx ones become UTF-8 CSV files."""

    def fmt(native: str) -> tuple[str, str]:
        if native == "xlsx" and file_format == "xlsx":
            return "xlsx", ""
        return "csv", "gb18030" if native == "gb18030" else "utf-8-sig"

    # 新田县 sends one sheet per township, named after it, without a township column; as CSV files
    # (which cannot say a township but in their name) it sends one per 片区, with the column.
    xintian_by_township = file_format == "xlsx"
    return [
        CountySpec(
            "ziyun",
            "520425",
            "紫云县",
            LAYOUTS["A"],
            *fmt("xlsx"),
            "紫云县建档立卡贫困户信息表",
            ("建档立卡户",),
            ("紫云县建档立卡贫困户信息表（2020年度）",),
            _unit("紫云县扶贫开发办公室"),
            form=NUMBERED,
        ),
        CountySpec(
            "yongzhou_zone",
            "431171",
            "永州经济技术开发区",
            LAYOUTS["B"],
            *fmt("xlsx"),
            "永州经济技术开发区建档立卡户花名册",
            ("Sheet1",),
            ("永州经济技术开发区建档立卡户花名册（2020年）",),
            "填报单位（盖章）：永州经济技术开发区社会事务局    截止日期：2020年12月31日",
            notes=("注：户属性、致贫原因、贫困户状态填写代码。", "填表人：", "审核人："),
        ),
        CountySpec(
            "nagqu",
            "540602",
            "那曲县",
            LAYOUTS["C"],
            *fmt("gb18030"),
            "那曲县建档立卡贫困户",
            ("",),
            ("那曲县建档立卡贫困户信息表（2020年度）",),
            "填报单位：那曲县扶贫办    单位：人、元",
            notes=("备注：数据来源于全国扶贫开发信息系统。", "制表人："),
            tibetan=True,
        ),
        CountySpec(
            "wangmo",
            "522326",
            "望谟县",
            LAYOUTS["D"],
            *fmt("utf-8-sig"),
            "望谟县扶贫对象信息",
            ("",),
            ("望谟县扶贫对象信息表",),
            "统计时间：2020年12月    单位：人、元",
            old_id_share=0.03,
            form=SECTIONS,
        ),
        CountySpec(
            "xintian",
            "431128",
            "新田县",
            LAYOUTS["A"],
            *fmt("xlsx"),
            "新田县建档立卡贫困户信息表",
            () if xintian_by_township else ("第一片区", "第二片区"),
            ("新田县建档立卡贫困户信息表",)
            if xintian_by_township
            else ("新田县建档立卡贫困户信息表（第一片区）", "新田县建档立卡贫困户信息表（第二片区）"),
            _unit("新田县扶贫开发办公室"),
            form=TOWNSHIP_SHEETS if xintian_by_township else PLAIN,
        ),
    ]


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def extra(count: int, file_format: str, taken: set[str]) -> list[CountySpec]:
    """``count`` further poverty counties, spread evenly over the 832 list in code order.

    A county whose 2023 name is shared with another county is passed over: its registry could not
    say which of them it belongs to.
    """
    if count <= 0:
        return []
    names, picks = _picks(count, taken)
    specs = []
    for i, code in enumerate(picks):
        name = names[code]
        layout = LAYOUTS["A" if i % 2 == 0 else "D"]
        specs.append(
            CountySpec(
                f"extra_{code}",
                code,
                name,
                layout,
                file_format,
                "" if file_format == "xlsx" else "utf-8-sig",
                f"{code}_{name}建档立卡户",
                ("Sheet1",),
                (f"{name}建档立卡贫困户信息表（2020年度）",),
                _unit(f"{name}扶贫开发办公室"),
            )
        )
    return specs


def _picks(count: int, taken: set[str], shift: float = 0.0) -> tuple[dict[str, str], list[str]]:
    """County names by code, and ``count`` poverty counties spread evenly over the 832 list in code
    order (``shift``: how far into each step), none of ``taken``."""
    names = _county_names()
    pool = _pool(names, taken)
    if count > len(pool):
        raise ValueError(f"only {len(pool) + len(taken)} counties are available, {count + len(taken)} asked for")
    return names, [pool[int((i + shift) * len(pool) / count)] for i in range(count)]


def _county_names() -> dict[str, str]:
    return {r["region_code"]: r["region_name"] for r in _read("regions_2023.csv") if r["region_level"] == "county"}


def _pool(names: dict[str, str], taken: set[str]) -> list[str]:
    """The poverty counties not ``taken`` whose name no other county shares, in code order."""
    name_uses: dict[str, int] = {}
    for name in names.values():
        name_uses[name] = name_uses.get(name, 0) + 1
    return sorted(
        code
        for code in (r["region_code"] for r in _read("poverty_counties_832.csv"))
        if code not in taken and code in names and name_uses[names[code]] == 1
    )


def person_exports(count: int, taken: set[str]) -> list[CountySpec]:
    """``count`` counties whose registry is the national system's per-person export, as .xlsx and
    as .xls in turn; the year it is as of is in its file name only, as the system names its exports."""
    from sample_data.person_export import AS_OF

    if count <= 0:
        return []
    names, picks = _picks(count, taken, shift=0.5)
    return [
        CountySpec(
            f"persons_{code}",
            code,
            names[code],
            LAYOUTS["A"],
            "xlsx" if i % 2 == 0 else "xls",
            "",
            f"{code}_{names[code]}{AS_OF}年贫困户信息列表",
            ("贫困户信息列表",),
            ("贫困户信息列表",),
            "",
            per_person=True,
        )
        for i, code in enumerate(picks)
    ]


def plan(counties: int, file_format: str, per_person: int = 0) -> list[CountySpec]:
    """The showcase counties, ``counties`` in all with the further ones, and ``per_person`` more
    sending the per-person export. Where the 832 are all asked for (the national sample), the
    per-person counties are among them rather than beyond them: there are no more to draw."""
    specs = showcase(file_format)
    if counties < len(specs):
        raise ValueError(f"at least {len(specs)} counties are written (the showcase ones), {counties} asked for")
    beyond = max(0, counties + per_person - available_counties(file_format))
    specs += extra(counties - len(specs) - min(beyond, per_person), file_format, {s.code for s in specs})
    return specs + person_exports(per_person, {s.code for s in specs})


def available_counties(file_format: str) -> int:
    """How many counties a sample can hold: the showcase ones and every poverty county that can
    be told apart by its name."""
    taken = {s.code for s in showcase(file_format)}
    return len(taken) + len(_pool(_county_names(), taken))
