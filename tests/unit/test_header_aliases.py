"""Every header spelling of every column map maps its field in a file that writes it, and the
spellings of real exports (the national 建档立卡 export, provincial templates) do too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.grid import read_grids
from etl_project.ingest.readers.layout import locate
from tests.builders import FUND_HEADERS, PROJECT_HEADERS, VILLAGE_HEADERS, fund_row, project_row, village_row
from tests.corpus.rows import hh
from tests.corpus.writers import FLAT

_FUND_FLAT = [h if isinstance(h, str) else h[1] for h in FUND_HEADERS]
BASES = {
    "registry": (FLAT, hh(1)),
    "funds": (_FUND_FLAT, fund_row()),
    "projects": (PROJECT_HEADERS, project_row()),
    "villages": (VILLAGE_HEADERS, village_row()),
}

# As real exports and templates write them (line breaks, full-width brackets, * markers, numbers),
# written out here rather than read from the column maps.
REAL_EXPORTS = [
    ("registry", "county_name", "县（市、区、旗）"),
    ("registry", "county_name", "县名"),
    ("registry", "county_name", "县名称"),
    ("registry", "township_name", "镇（乡）"),
    ("registry", "village_name", "村名"),
    ("registry", "household_size", "人数"),
    ("registry", "household_size", "人口*"),
    ("registry", "status_code", "脱贫属性"),
    ("registry", "status_code", "是否脱贫"),
    ("registry", "id_number", "户主身份证号码*"),
    ("registry", "id_number", "户主身份证\n号码"),
    ("registry", "attribute_code", "农户属性*"),
    ("registry", "main_cause_code", "贫困原因*"),
    ("registry", "phone", "电话号码"),
    ("registry", "income_per_person", "2.家庭人均纯收入"),
    ("registry", "household_id", "①户编号"),
    ("registry", "township_name", "（二）乡镇"),
    ("funds", "county_name", "县（市、区、旗）"),
    ("funds", "township_name", "项目实施所在乡(镇)"),
    ("funds", "village_name", "挂钩村名称"),
    ("projects", "township_name", "项目实施所在乡(镇)"),
    ("villages", "county_name", "县（市、区、旗）"),
    ("villages", "township_name", "镇（乡）"),
]


def _declared() -> list[tuple[str, str, str]]:
    found = []
    for source in BASES:
        column_map = load_column_map(source)
        found += [(source, field, spelling) for field, spellings in column_map.spellings.items() for spelling in spellings]
    return found


def _column_of(source: str, field: str) -> int | None:
    headers, row = BASES[source]
    for col, header in enumerate(headers):
        if load_column_map(source).field_for(_key(header)) == field:
            return col
    return None


def _key(text: str) -> str:
    from etl_project.ingest.readers.column_map import header_key

    return header_key(text)


def _file_with(tmp_path: Path, source: str, field: str, spelling: str) -> tuple[Path, int]:
    headers, row = list(BASES[source][0]), list(BASES[source][1])
    col = _column_of(source, field)
    if col is None:
        headers.append("")
        row.append("")
        col = len(headers) - 1
    group, _, leaf = spelling.rpartition("/")
    top = list(headers)
    top[col] = group or leaf
    lines = [top]
    if group:
        lines.append(["" if c != col else leaf for c in range(len(headers))])
    path = tmp_path / f"{source}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([*lines, row])
    return path, col


@pytest.mark.parametrize(("source", "field", "spelling"), [pytest.param(*a, id=f"{a[0]}-{a[1]}-{a[2]}") for a in _declared()])
def test_every_declared_spelling_maps_its_field(tmp_path: Path, source: str, field: str, spelling: str):
    path, col = _file_with(tmp_path, source, field, spelling)
    layout = locate(read_grids(path)[0], load_column_map(source))
    assert layout.columns.get(field) == col, (spelling, layout.headers)


@pytest.mark.parametrize(("source", "field", "spelling"), [pytest.param(*a, id=f"{a[0]}-{a[1]}-{a[2]!r}") for a in REAL_EXPORTS])
def test_real_export_spellings_map_their_field(tmp_path: Path, source: str, field: str, spelling: str):
    path, col = _file_with(tmp_path, source, field, spelling)
    layout = locate(read_grids(path)[0], load_column_map(source))
    assert layout.columns.get(field) == col, (spelling, layout.headers)
