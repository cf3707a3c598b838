"""The shipped monitoring lines (data/reference/monitoring_lines.csv): one row per province and year
the monitoring lists cover, each known line with the text it was read from, each other line stated
unknown and left empty, and the known lines as data/reference/SOURCES.md lists them."""

from __future__ import annotations

import re
from pathlib import Path

from etl_project.core.regions import RegionIndex
from etl_project.warehouse.monitoring import MONITORING_LINES_FILE, monitoring_lines

YEARS = range(2021, 2026)  # the years the monitoring lists cover
SOURCES_PAGE = Path(MONITORING_LINES_FILE).parent / "SOURCES.md"


def test_every_province_and_year_has_one_row_named_as_the_reference_names_it():
    regions = RegionIndex().regions
    provinces = dict(zip(*regions[regions["region_level"] == "province"][["region_code", "region_name"]].T.values))
    rows = [(line["province_code"], line["province_name"], line["year"]) for line in monitoring_lines()]
    assert len(rows) == len(set(rows))
    assert sorted(rows) == sorted((code, name, year) for code, name in provinces.items() for year in YEARS)


def test_a_known_line_names_where_it_was_read_and_an_unknown_one_says_so():
    for line in monitoring_lines():
        where = f"{line['province_name']} {line['year']}"
        if line["line_yuan"] is None:
            assert line["source"].startswith("unknown:"), where
        else:
            assert line["line_yuan"] > 0, where
            assert not line["source"].lower().startswith("unknown") and "read at http" in line["source"], where


def test_the_sources_page_lists_exactly_the_known_lines():
    page = SOURCES_PAGE.read_text(encoding="utf-8")
    entered = re.search(r"Entered so far: (.+?)\. Left unknown", page, re.S)
    assert entered, "SOURCES.md states no 'Entered so far' list"
    listed = {(name, int(year), float(line)) for name, year, line in re.findall(r"(\S+) (\d{4}) \((\d+)\)", entered.group(1))}
    known = {(line["province_name"], line["year"], line["line_yuan"]) for line in monitoring_lines() if line["line_yuan"] is not None}
    assert listed == known
