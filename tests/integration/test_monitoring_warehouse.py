"""Monitoring spells, marts and rules from hand-made snapshots whose truth is known.

Two counties send exports as of several dates: 紫云县 (520425) three, 东莞市 (441900, a city that is its
own county) two. Each household below is made to show one case; the spells, the marts (through
tests/monitoring_marts.py) and the rules' findings are worked out from the story of each
household, not from the code's output.
"""

from __future__ import annotations

import csv
import statistics
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from etl_project.warehouse import monitoring_build as build
from etl_project.warehouse.engine import Warehouse, opened
from schemas.monitoring_sources import STG_MONITORING
from schemas.monitoring_tables import (
    FACT_MONITORING_SPELL,
    MART_MONITORING,
    MART_MONITORING_CATEGORY,
    MART_MONITORING_EXITED,
    MART_MONITORING_RISK,
)
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD
from tests.monitoring_marts import expected_marts, six_months_after

ZIYUN, DONGGUAN = "520425", "441900"
A1, A2, A3 = date(2021, 6, 30), date(2021, 12, 31), date(2022, 6, 30)  # 紫云县's exports
B1, B2 = date(2021, 12, 31), date(2022, 6, 30)  # 东莞市's exports
V1, V2 = "520425-aaaaaa-bbbbbb", "520425-aaaaaa-cccccc"  # two villages of one township of 紫云县
V9 = "441900-dddddd-eeeeee"  # a village of 东莞市


def _story(key, village, category, taken, risks, measures, size, labour, open_in, eliminated=None, eliminated_in=None) -> dict:
    """One spell of a household; its county and township are those of the village's code."""
    story = dict(locals(), county=village.split("-")[0], town=village.rsplit("-", 1)[0])  # the arguments by name
    story["eliminated_in"] = eliminated_in or {}
    return story


# Each household's spell(s): where, what, and which exports list it in what state. Columns: key, village,
# category, taken in, risk types, help measures, size, labour; {export: income} while open; then, if
# eliminated, (date, method) and {export: income} of the exports that list it eliminated.
HOUSEHOLDS = [
    # h1: eliminated by help after 255 days, with measures: breaks nothing.
    _story("h1", V1, "01", date(2021, 3, 10), "01,05", "01,02", 4, 2, {A1: 5000}, (date(2021, 11, 20), "by_help"), {A2: 8000, A3: 8500}),
    # h2: eliminated naturally after four months: before six months.
    _story("h2", V1, "02", date(2021, 5, 1), "07", "03", 3, 1, {A1: 5500}, (date(2021, 9, 1), "natural"), {A2: 7000}),
    # h2 again: taken in anew in 2022, still open.
    _story("h2", V1, "02", date(2022, 2, 1), "01", "02", 3, 1, {A3: 4800}),
    # h3: open all along, no help measure, no labour (open, so no rule applies).
    _story("h3", V1, "03", date(2021, 6, 1), "04", "", 2, 0, {A1: 3000, A2: 3500, A3: 4000}),
    # h4: listed once, then gone from the county's later exports without elimination.
    _story("h4", V2, "02", date(2021, 4, 1), "01", "05", 5, 2, {A1: 5200}),
    # h5: no labour at all, marked eliminated (at exactly the 2021 line of the test).
    _story("h5", V2, "01", date(2021, 2, 1), "08", "08", 1, 0, {A1: 4000}, (date(2021, 10, 15), "by_help"), {A2: 6000}),
    # h6: already eliminated in its first export, without any measure and before six months.
    _story("h6", V2, "01", date(2021, 1, 10), "09", "", 2, 1, {}, (date(2021, 6, 1), "by_help"), {A1: 6500}),
    # h7: 东莞市, eliminated in 2022 (no line of that year known to the test).
    _story("h7", V9, "01", date(2021, 8, 1), "02", "04", 2, 1, {B1: 5000}, (date(2022, 3, 1), "by_help"), {B2: 9000}),
    # h8: listed by both counties, open.
    _story("h8", V2, "03", date(2022, 1, 5), "01,04", "07", 6, 3, {A3: 2000}),
    _story("h8", V9, "03", date(2022, 1, 5), "01,04", "07", 6, 3, {B2: 2000}),
]
COUNTY_SNAPSHOTS = {ZIYUN: [A1, A2, A3], DONGGUAN: [B1, B2]}

# The registry: (key, county, exit year, status). 1 = exited; 2 = poor.
REGISTRY = [
    ("h1", ZIYUN, 2016, "1"),  # a 脱贫不稳定户 that did exit
    ("h5", ZIYUN, 2019, "1"),
    ("h7", DONGGUAN, 2018, "1"),
    ("h2", ZIYUN, None, "2"),  # a 边缘易致贫户 that is a registered poor household
    ("r1", ZIYUN, 2016, "1"),  # exited, never monitored
    ("r2", ZIYUN, 2018, "1"),
    ("r3", DONGGUAN, 2018, "1"),
]
SIZES = {"h1": 4, "h5": 1, "h7": 2, "h2": 3, "r1": 3, "r2": 2, "r3": 5}


def _staging_rows(households: list[dict] = HOUSEHOLDS) -> pd.DataFrame:
    rows = []
    for h in households:
        states = [(when, income, False) for when, income in h["open_in"].items()]
        states += [(when, income, True) for when, income in h["eliminated_in"].items()]
        for row, (when, income, eliminated) in enumerate(states):
            rows.append(
                {
                    "household_key": h["key"],
                    "county_code": h["county"],
                    "township_code": h["town"],
                    "village_code": h["village"],
                    "township_name": None,
                    "village_name": None,
                    "snapshot_date": pd.Timestamp(when),
                    "household_size": h["size"],
                    "labour_count": h["labour"],
                    "category_code": h["category"],
                    "taken_in_date": pd.Timestamp(h["taken"]),
                    "risk_type_codes": h["risks"],
                    "measure_codes": h["measures"] or None,
                    "income_per_person_yuan": float(income),
                    "risk_eliminated": eliminated,
                    "eliminated_date": pd.Timestamp(h["eliminated"][0]) if eliminated else pd.NaT,
                    "elimination_method_code": h["eliminated"][1] if eliminated else None,
                    "source_file": f"monitoring/{h['county']}_{when:%Y%m}.xlsx",
                    "source_sheet": "监测对象",
                    "source_row": 4 + row,
                }
            )
    frame = pd.DataFrame(rows)
    frame["risk_eliminated"] = frame["risk_eliminated"].astype("boolean")
    return frame[STG_MONITORING.column_names]


def _every_column(frame: pd.DataFrame, table) -> pd.DataFrame:
    """``frame`` with the table's other columns empty, in the table's order."""
    for column in table.column_names:
        if column not in frame:
            frame[column] = None
    return frame[table.column_names]


def _regions(db: Warehouse) -> None:
    rows = [
        ("440000", "广东省", "province", None, "440000", None, None, None),
        ("441900", "东莞市", "city", "440000", "440000", "441900", None, None),
        ("441900", "东莞市", "county", "441900", "440000", "441900", "441900", None),
        ("520000", "贵州省", "province", None, "520000", None, None, None),
        ("520400", "安顺市", "city", "520000", "520000", "520400", None, None),
        ("520425", "紫云县", "county", "520400", "520000", "520400", "520425", None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["region_code", "region_name", "region_level", "parent_code", "province_code", "city_code", "county_code", "township_code"],
    )
    db.replace(DIM_REGION, _every_column(frame, DIM_REGION))


def _registry(db: Warehouse) -> None:
    frame = pd.DataFrame(
        [
            {
                "household_key": key,
                "county_code": county,
                "township_code": f"{county}-t",
                "village_code": f"{county}-t-v",
                "household_size": SIZES[key],
                "exit_year": year,
                "status_code": status,
                "attribute_code": "04" if year else "01",
                "main_cause_code": "01",
                "source_file": "registry/r.xlsx",
                "source_row": i + 5,
            }
            for i, (key, county, year, status) in enumerate(REGISTRY)
        ]
    )
    db.replace(FACT_HOUSEHOLD, _every_column(frame, FACT_HOUSEHOLD))


@pytest.fixture(params=["duckdb", "postgresql"], scope="module")
def built(request, tmp_path_factory):
    """The warehouse after the monitoring steps ran over the hand-made snapshots."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('mon') / 'w.duckdb'}"
    else:
        url = request.getfixturevalue("postgres_database_module")
    with opened(url) as db:
        _regions(db)
        _registry(db)
        db.replace(STG_MONITORING, _staging_rows())
        build.build_spells(db)
        for mart in build.MARTS_BY:
            build.build_mart(db, mart)
        build.build_exited(db)
        yield db


# --- The truth, from the households' stories ---------------------------------------------------


def _expected_spells() -> dict[tuple, dict]:
    spells = {}
    for h in HOUSEHOLDS:
        seen = sorted([*h["open_in"], *h["eliminated_in"]])
        later = [d for d in COUNTY_SNAPSHOTS[h["county"]] if d > seen[-1]]
        entry_income = {**h["open_in"], **h["eliminated_in"]}[seen[0]]
        eliminated = h["eliminated"] is not None
        spells[(h["key"], h["county"], h["taken"])] = {
            "township_code": h["town"],
            "village_code": h["village"],
            "category_code": h["category"],
            "risk_type_codes": h["risks"],
            "measure_codes": h["measures"] or None,
            "household_size": h["size"],
            "labour_count": h["labour"],
            "income_at_entry_yuan": entry_income,
            "income_at_exit_yuan": h["eliminated_in"][min(h["eliminated_in"])] if eliminated else None,
            "risk_eliminated": eliminated,
            "eliminated_date": h["eliminated"][0] if eliminated else None,
            "elimination_method_code": h["eliminated"][1] if eliminated else None,
            "days_to_elimination": (h["eliminated"][0] - h["taken"]).days if eliminated else None,
            "first_snapshot_date": seen[0],
            "last_snapshot_date": seen[-1],
            "snapshots": len(seen),
            "missing_from_later_snapshot": not eliminated and bool(later),
            "missing_since_date": later[0] if not eliminated and later else None,
        }
    return spells


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float, bool)):
        value = float(value)
        return int(value) if value.is_integer() else value
    return value


def test_one_spell_per_household_taking_in_with_entry_exit_and_snapshots(built):
    got = built.query(f"SELECT * FROM {built.name(FACT_MONITORING_SPELL)}")
    actual = {
        (r["household_key"], r["county_code"], _plain(r["taken_in_date"])): {
            k: _plain(r[k]) for k in _expected_spells()[("h1", ZIYUN, date(2021, 3, 10))]
        }
        for _, r in got.iterrows()
    }
    assert actual == _expected_spells()
    assert set(got["category_name"]) == {"脱贫不稳定户", "边缘易致贫户", "突发严重困难户"}


def _mart(db: Warehouse, table, code: str | None = None) -> dict[tuple, dict]:
    got = db.query(f"SELECT * FROM {db.name(table)}")
    figures = next(iter(expected_marts(_expected_spells()).values())).keys()
    return {
        (r["region_level"], r["region_code"], r["period_kind"], _plain(r["period_start"]), r[code] if code else None): {
            k: _plain(r[k]) for k in figures
        }
        for _, r in got.iterrows()
    }


def test_mart_monitoring_counts_every_level_and_period_as_the_stories_say(built):
    expected = expected_marts(_expected_spells())
    assert _mart(built, MART_MONITORING) == expected
    # A few figures stated outright, as a reader of the stories would: end of 2021 in 紫云县.
    ziyun_2021 = expected[("county", ZIYUN, "year", date(2021, 1, 1), None)]
    assert ziyun_2021["monitored_households_at_end"] == 1  # h3 (h4 dropped at the December export)
    assert ziyun_2021["eliminated_households"] == 4  # h1, h2, h5, h6


def test_marts_by_category_and_by_risk_type(built):
    spells = _expected_spells()
    assert _mart(built, MART_MONITORING_CATEGORY, "category_code") == expected_marts(spells, lambda s: [s["category_code"]])
    assert _mart(built, MART_MONITORING_RISK, "risk_type_code") == expected_marts(spells, lambda s: s["risk_type_codes"].split(","))


def test_exited_households_back_at_risk_by_exit_year(built):
    got = built.query(f"SELECT * FROM {built.name(MART_MONITORING_EXITED)} WHERE region_level = 'county'")
    actual = {
        (r["region_code"], int(r["exit_year"])): (
            int(r["exited_households"]),
            int(r["exited_persons"]),
            int(r["monitored_households"]),
            int(r["monitored_persons"]),
            int(r["monitored_now_households"]),
        )
        for _, r in got.iterrows()
    }
    monitored = {h["key"] for h in HOUSEHOLDS}
    open_now = {
        h["key"]
        for h, s in zip(HOUSEHOLDS, _expected_spells().values())
        if not s["risk_eliminated"] and not s["missing_from_later_snapshot"]
    }
    expected: dict = {}
    for key, county, year, _status in REGISTRY:
        if year is None:
            continue
        e = expected.setdefault((county, year), [0, 0, 0, 0, 0])
        e[0] += 1
        e[1] += SIZES[key]
        e[2] += key in monitored
        e[3] += SIZES[key] if key in monitored else 0
        e[4] += key in open_now
    assert actual == {k: tuple(v) for k, v in expected.items()}


def _keys(frame: pd.DataFrame) -> set:
    return set(frame["household_key"])


def test_each_rule_lists_the_households_that_break_it_and_only_those(built):
    assert _keys(build.findings(built, "early_or_unhelped_elimination")) == {"h2", "h6"}
    assert _keys(build.findings(built, "eliminated_without_labour")) == {"h5"}
    assert _keys(build.findings(built, "household_in_two_counties")) == {"h8"}
    assert _keys(build.findings(built, "unstable_household_not_exited")) == {"h6"}
    assert _keys(build.findings(built, "marginal_household_registered_poor")) == {"h2"}
    assert build.findings(built, "dates_out_of_order").empty


def test_income_rule_judges_known_lines_only_and_counts_the_rest(built):
    guizhou_2021 = [
        {"province_code": "520000", "year": 2021, "line_yuan": 6000.0},
        {"province_code": "440000", "year": 2022, "line_yuan": None},
    ]
    listed, unjudged = build.income_findings(built, guizhou_2021)
    assert _keys(listed) == {"h5"}  # at the line exactly; h1, h2, h6 above it
    assert unjudged == 1  # h7, eliminated in 东莞市 in 2022
    judged = build.income_judgements(built, guizhou_2021)
    assert dict(zip(judged["household_key"], judged["judgement"])) == {
        "h1": "above_line",
        "h2": "above_line",
        "h5": "at_or_below_line",
        "h6": "above_line",
        "h7": "line_unknown",
    }
    # No line known at all: nothing is listed, every elimination is left unjudged.
    listed, unjudged = build.income_findings(built, [])
    assert listed.empty and unjudged == sum(h["eliminated"] is not None for h in HOUSEHOLDS)


def _shipped_lines() -> dict[tuple[str, int], float]:
    """The known lines of the shipped reference table, read here on their own."""
    with open(Path(__file__).resolve().parents[2] / "data" / "reference" / "monitoring_lines.csv", encoding="utf-8", newline="") as handle:
        return {(r["province_code"], int(r["year"])): float(r["line_yuan"]) for r in csv.DictReader(handle) if r["line_yuan"].strip()}


def _eliminated_in(db: Warehouse, county: str, stories: list[tuple[str, int, float]]) -> None:
    """Spells of ``county``, one per (key, year of elimination, income at elimination): each taken in
    on 1 March of the year before, listed open at its 30 June, eliminated on 1 June of its year."""
    village = f"{county}-t-v"
    households = [
        _story(
            key,
            village,
            category="02",
            taken=date(year - 1, 3, 1),
            risks="01",
            measures="02",
            size=3,
            labour=1,
            open_in={date(year - 1, 6, 30): 3000.0},
            eliminated=(date(year, 6, 1), "by_help"),
            eliminated_in={date(year, 6, 30): income},
        )
        for key, year, income in stories
    ]
    _regions(db)
    db.replace(STG_MONITORING, _staging_rows(households))
    build.build_spells(db)


def _income_check(url: str):
    from assets import monitoring_checks
    from etl_project.ingest.resources import WarehouseResource

    result = monitoring_checks.income_above_monitoring_line(warehouse=WarehouseResource(url=url))
    return result, {k: v.value for k, v in result.metadata.items()}


def test_income_check_against_the_shipped_lines_lists_what_is_below_and_cannot_tell_the_rest(tmp_path):
    """With the lines as shipped: in a province and year whose line is known, an elimination below
    it and one at it are listed, one above it passes; the same province in a year whose line is
    unknown cannot tell, and the check does not pass on it, even when it is all there is."""
    lines = _shipped_lines()
    (province, year), line = min(lines.items())
    unknown_year = next(y for y in range(2021, 2026) if (province, y) not in lines)
    county = province[:2] + "0102"
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with opened(url) as db:
        _eliminated_in(
            db, county, [("below", year, line - 1), ("at", year, line), ("above", year, line + 1), ("unknown", unknown_year, 1.0)]
        )
        judged = build.income_judgements(db)
    assert dict(zip(judged["household_key"], judged["judgement"])) == {
        "below": "at_or_below_line",
        "at": "at_or_below_line",
        "above": "above_line",
        "unknown": "line_unknown",
    }
    result, metadata = _income_check(url)
    assert not result.passed and result.severity.value == "WARN"
    assert (metadata["spells"], metadata["eliminations_above_line"], metadata["eliminations_not_judged_line_unknown"]) == (2, 1, 1)
    assert (
        metadata["verdict"].startswith("eliminations at or below") and "below" in metadata["sample"] and "above" not in metadata["sample"]
    )
    assert metadata["lines_unknown_for"] == f"{province} {unknown_year}: 1"

    url = f"duckdb:///{tmp_path / 'unknown_only.duckdb'}"
    with opened(url) as db:
        _eliminated_in(db, county, [("unknown", unknown_year, 1.0)])
    result, metadata = _income_check(url)
    assert not result.passed and metadata["spells"] == 0 and metadata["eliminations_not_judged_line_unknown"] == 1
    assert metadata["verdict"].startswith("no elimination at or below a known line, but some could not be judged")

    url = f"duckdb:///{tmp_path / 'above_only.duckdb'}"
    with opened(url) as db:
        _eliminated_in(db, county, [("above", year, line + 1)])
    result, metadata = _income_check(url)
    assert result.passed and metadata["verdict"].startswith("every elimination above its line")


def test_dates_out_of_order_are_listed(tmp_path):
    with opened(f"duckdb:///{tmp_path / 'w.duckdb'}") as db:
        _regions(db)
        rows = _staging_rows()
        h1 = rows["household_key"] == "h1"
        rows.loc[h1 & rows["risk_eliminated"], "eliminated_date"] = pd.Timestamp(date(2021, 3, 10) - timedelta(days=1))
        db.replace(STG_MONITORING, rows)
        build.build_spells(db)
        assert _keys(build.findings(db, "dates_out_of_order")) == {"h1"}


def _shipped_query(db: Warehouse, name: str) -> pd.DataFrame:
    return db.query((Path(__file__).resolve().parents[2] / "docs" / "sql" / name).read_text(encoding="utf-8"))


def _open_now(h: dict, s: dict) -> bool:
    return not s["risk_eliminated"] and not s["missing_from_later_snapshot"]


def test_query_under_monitoring_now_by_county(built):
    got = _shipped_query(built, "monitoring_now_by_county.sql")
    expected: dict = {}
    for h, s in zip(HOUSEHOLDS, _expected_spells().values()):
        if _open_now(h, s):
            households, persons = expected.get(h["county"], (0, 0))
            expected[h["county"]] = (households + 1, persons + h["size"])
    assert {r.county_code: (int(r.monitored_households_at_end), int(r.monitored_persons_at_end)) for r in got.itertuples()} == expected
    assert {_plain(d) for d in got["month"]} == {date(2022, 6, 1)}
    assert dict(zip(got["county_code"], got["county"])) == {ZIYUN: "紫云县", DONGGUAN: "东莞市"}


def test_query_elimination_speed_by_category(built):
    got = _shipped_query(built, "elimination_speed_by_category.sql").set_index("category_code")
    eliminated = [(h, s) for h, s in zip(HOUSEHOLDS, _expected_spells().values()) if s["risk_eliminated"]]
    categories = sorted({h["category"] for h, _ in eliminated})
    assert list(got.index) == categories
    for category in categories:
        mine = [(h, s) for h, s in eliminated if h["category"] == category]
        row = got.loc[category]
        assert int(row["eliminated_households"]) == len(mine)
        assert int(row["eliminated_naturally"]) == sum(s["elimination_method_code"] == "natural" for _, s in mine)
        assert float(row["median_days_to_elimination"]) == statistics.median(s["days_to_elimination"] for _, s in mine)
        early = sum(s["eliminated_date"] < six_months_after(h["taken"]) for h, s in mine)
        assert float(row["percent_before_six_months"]) == round(100 * early / len(mine), 1)


def test_query_exited_back_at_risk_by_exit_year(built):
    got = _shipped_query(built, "exited_back_at_risk_by_exit_year.sql")
    monitored = {h["key"] for h in HOUSEHOLDS}
    now = {h["key"] for h, s in zip(HOUSEHOLDS, _expected_spells().values()) if _open_now(h, s)}
    expected: dict = {}
    for key, _county, year, _status in REGISTRY:
        if year is not None:
            e = expected.setdefault(year, [0, 0, 0])
            e[0] += 1
            e[1] += key in monitored
            e[2] += key in now
    assert {
        int(r.exit_year): [int(r.exited_households), int(r.ever_monitored_households), int(r.monitored_now_households)]
        for r in got.itertuples()
    } == expected
    assert {int(r.exit_year): float(r.percent_ever_monitored) for r in got.itertuples()} == {
        year: round(100 * e[1] / e[0], 1) for year, e in expected.items()
    }


def test_the_checks_warn_with_counts_and_samples(tmp_path):
    """The asset checks as Dagster runs them: a warning per broken rule, with how many and a sample;
    the income rule, which knows no line of 贵州省 or 广东省 for 2021-2022, cannot tell and does not pass."""
    from assets import monitoring_checks
    from etl_project.ingest.resources import WarehouseResource

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with opened(url) as db:
        _regions(db)
        _registry(db)
        db.replace(STG_MONITORING, _staging_rows())
        build.build_spells(db)
    warehouse = WarehouseResource(url=url)
    results = {
        c.check_specs_by_output_name[next(iter(c.check_specs_by_output_name))].name: c(warehouse=warehouse)
        for c in monitoring_checks.monitoring_rule_checks
    }
    spells_of = {"h2": 2}  # h2 was taken in twice: both its spells are listed where h2 breaks a rule
    expected = {
        "early_or_unhelped_elimination": 2,
        "eliminated_without_labour": 1,
        "dates_out_of_order": 0,
        "household_in_two_counties": 1,
        "unstable_household_not_exited": 1,
        "marginal_household_registered_poor": spells_of["h2"],
    }
    assert {name: int(next(v.value for k, v in r.metadata.items() if k != "sample")) for name, r in results.items()} == expected
    for name, result in results.items():
        assert result.passed == (expected[name] == 0) and result.severity.value == "WARN"
        assert (result.metadata["sample"].value != "none") == (expected[name] > 0)
    income = monitoring_checks.income_above_monitoring_line(warehouse=warehouse)
    assert not income.passed and income.metadata["spells"].value == 0
    assert income.metadata["eliminations_not_judged_line_unknown"].value == sum(h["eliminated"] is not None for h in HOUSEHOLDS)


def test_assets_build_the_tables_and_keep_them_while_their_inputs_hold(tmp_path):
    """The monitoring assets materialised by Dagster: built once, then kept as they are while the
    monitoring staging and the tables the marts read have not changed."""
    import dagster as dg

    from assets import monitoring
    from etl_project.ingest.resources import WarehouseResource
    from schemas.tables import LOAD_AUDIT

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with opened(url) as db:
        _regions(db)
        _registry(db)
        db.ensure_table(LOAD_AUDIT)
        db.replace(STG_MONITORING, _staging_rows())
    steps = [
        monitoring.fact_monitoring_spell,
        monitoring.mart_monitoring,
        monitoring.mart_monitoring_category,
        monitoring.mart_monitoring_risk,
        monitoring.mart_monitoring_exited,
    ]
    builds = []
    for _ in range(2):
        result = dg.materialize(steps, resources={"warehouse": WarehouseResource(url=url)})
        assert result.success
        builds.append(
            {
                step.key.path[-1]: next(iter(result.asset_materializations_for_node(step.key.path[-1]))).metadata["build"].value
                for step in steps
            }
        )
    assert set(builds[0].values()) == {"rebuilt"} and set(builds[1].values()) == {"unchanged"}, builds
    with opened(url) as db:
        assert db.row_count(FACT_MONITORING_SPELL) == len(HOUSEHOLDS)
        assert db.row_count(MART_MONITORING) == len(expected_marts(_expected_spells()))
