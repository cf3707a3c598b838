"""The shipped sample's monitoring exports, run through the whole pipeline, against the generator's truth.

The truth (data/sample_truth.json, key "monitoring") tells each household's story: where it lives,
when it was taken in, whether and how its risk was eliminated, the exports that list it, how its
income at elimination stands against its province's monitoring line, and the cases planted for the
checks. The spells, every row of the monitoring marts (each level, year and month, by category and
by risk type; tests/monitoring_marts.py) and the checks' findings are worked out from that story
alone, by the definitions the tables' descriptions give. A household is known to the warehouse
only by a keyed hash, so its key is found through provenance: the truth gives the Excel row of
each household in each export, and staging keeps the file and row every staged row came from.
Township and village codes are recomputed by the formula the README documents.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from schemas.investment_tables import STG_VILLAGE
from schemas.monitoring_sources import STG_MONITORING
from schemas.monitoring_tables import FACT_MONITORING_SPELL, MART_MONITORING, MART_MONITORING_CATEGORY, MART_MONITORING_RISK
from schemas.tables import DIM_REGION, STG_HOUSEHOLD
from tests.monitoring_marts import expected_marts

ROOT = Path(__file__).resolve().parents[2]

# Each warning check on the spells and the planted cases it is there to find.
CHECK_CASES = {
    "early_or_unhelped_elimination": ("eliminated_within_six_months", "eliminated_without_measure"),
    "eliminated_without_labour": ("eliminated_without_labour",),
    "unstable_household_not_exited": ("unstable_not_exited_in_registry",),
    "marginal_household_registered_poor": ("edge_household_registered_poor",),
    "household_in_two_counties": ("household_in_two_counties",),
    "dates_out_of_order": (),
}


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _plain_date(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    truth = json.loads((ROOT / "data" / "sample_truth.json").read_text(encoding="utf-8"))["monitoring"]
    url = f"duckdb:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_pipeline(ROOT / "data" / "raw", url, instance)
    assert outcome.success
    with opened(url) as db:
        staged = db.query(f"SELECT household_key, source_file, source_row FROM {db.name(STG_MONITORING)}")
        spells = db.query(f"SELECT * FROM {db.name(FACT_MONITORING_SPELL)}")
        marts = {
            table.name: db.query(f"SELECT * FROM {db.name(table)}")
            for table in (MART_MONITORING, MART_MONITORING_CATEGORY, MART_MONITORING_RISK)
        }
        marts[DIM_REGION.name] = db.query(
            f"SELECT region_level, region_code, region_name, parent_code FROM {db.name(DIM_REGION)} WHERE is_local_code"
        )
        # The places the registry and the village lists name, to tell a place only the monitoring lists name.
        marts["registry_and_village_list_places"] = db.query(
            " UNION ".join(f"SELECT township_code, village_code FROM {db.name(table)}" for table in (STG_HOUSEHOLD, STG_VILLAGE))
        )
    checks = {e.check_name: e for e in outcome.check_evaluations()}
    return truth, _keys(truth, staged), spells, marts, checks


def _keys(truth: dict, staged: pd.DataFrame) -> dict[str, str]:
    """Each truth household's warehouse key, by the file and row the truth says list it."""
    by_row = {(f, int(r)): k for k, f, r in staged[["household_key", "source_file", "source_row"]].itertuples(index=False)}
    keys: dict[str, set[str]] = {}
    for snapshot in truth["snapshots"]:
        for household_id, row in snapshot["rows"].items():
            found = by_row.get((snapshot["file"], row))
            assert found is not None, f"{snapshot['file']} row {row} ({household_id}) was not staged"
            keys.setdefault(household_id, set()).add(found)
    assert all(len(k) == 1 for k in keys.values()), "a household was keyed two ways across its exports"
    return {household_id: k.pop() for household_id, k in keys.items()}


def _local_code(parent_code: str, *names: str) -> str:
    """A township's or village's code as the README documents it."""
    county = parent_code.split("-")[0]
    return f"{parent_code}-{hashlib.sha1('/'.join((county, *names)).encode('utf-8')).hexdigest()[:6]}"


def _county_snapshots(truth: dict) -> dict[str, list[date]]:
    dates: dict[str, set[date]] = {}
    for snapshot in truth["snapshots"]:
        dates.setdefault(snapshot["county_code"], set()).add(_day(snapshot["snapshot_date"]))
    return {county: sorted(d) for county, d in dates.items()}


def _expected_spells(truth: dict, keys: dict[str, str]) -> dict[tuple, dict]:
    """The spell each listed household's story gives, as far as its exports can show it: an
    elimination no export has reported yet is not known."""
    county_snapshots = _county_snapshots(truth)
    spells = {}
    for h in truth["households"]:
        seen = sorted(_day(s) for s in h["snapshots"])
        if not seen:
            continue
        eliminated_on = _day(h["eliminated_date"])
        reported = eliminated_on is not None and seen[-1] >= eliminated_on
        later = [s for s in county_snapshots[h["county_code"]] if s > seen[-1]]
        dropped = h["last_listed"] is not None
        township = _local_code(h["county_code"], h["township"])
        spells[(keys[h["household_id"]], h["county_code"], _day(h["taken_in_date"]))] = {
            "household_id": h["household_id"],
            "township_code": township,
            "village_code": _local_code(township, h["township"], h["village"]),
            "category_code": h["category_code"],
            "risk_type_codes": h["risk_type_codes"],
            "measure_codes": h["measure_codes"],
            "household_size": h["household_size"],
            "labour_count": h["labour_count"],
            "risk_eliminated": reported,
            "eliminated_date": eliminated_on if reported else None,
            "elimination_method_code": h["elimination_method_code"] if reported else None,
            "income_at_entry_yuan": h["income_exit_yuan"] if reported and seen[0] >= eliminated_on else h["income_entry_yuan"],
            "income_at_exit_yuan": h["income_exit_yuan"] if reported else None,
            "first_snapshot_date": seen[0],
            "last_snapshot_date": seen[-1],
            "snapshots": len(seen),
            "missing_from_later_snapshot": dropped,
            "missing_since_date": later[0] if dropped else None,
        }
    return spells


def _got_spells(spells: pd.DataFrame) -> dict[tuple, dict]:
    got = {}
    for r in spells.to_dict("records"):
        got[(r["household_key"], r["county_code"], _plain_date(r["taken_in_date"]))] = {
            **{
                c: (None if pd.isna(r[c]) else r[c])
                for c in (
                    "township_code",
                    "village_code",
                    "category_code",
                    "risk_type_codes",
                    "measure_codes",
                    "elimination_method_code",
                    "income_at_entry_yuan",
                    "income_at_exit_yuan",
                )
            },
            "household_size": int(r["household_size"]),
            "labour_count": None if pd.isna(r["labour_count"]) else int(r["labour_count"]),
            "risk_eliminated": bool(r["risk_eliminated"]),
            "eliminated_date": _plain_date(r["eliminated_date"]),
            "first_snapshot_date": _plain_date(r["first_snapshot_date"]),
            "last_snapshot_date": _plain_date(r["last_snapshot_date"]),
            "snapshots": int(r["snapshots"]),
            "missing_from_later_snapshot": bool(r["missing_from_later_snapshot"]),
            "missing_since_date": _plain_date(r["missing_since_date"]),
        }
    return got


def test_spells_equal_the_truth(run):
    truth, keys, spells, _, _ = run
    want, got = _expected_spells(truth, keys), _got_spells(spells)
    assert len(want) == len(truth["households"]) > 0

    # Every county's count of spells, then each spell field by field.
    def counties(spells_by_key):
        return pd.Series([k[1] for k in spells_by_key]).value_counts().sort_index().to_dict()

    assert counties(got) == counties(want)
    assert set(got) == set(want)
    for key, expected in want.items():
        for column, value in expected.items():
            if column == "household_id":
                continue
            assert got[key][column] == value, f"{expected['household_id']} {column}: warehouse {got[key][column]!r}, truth {value!r}"


def test_flagged_households_are_those_their_stories_drop(run):
    """Flagged: a household no later export of its county lists, though never eliminated; its
    story ends at its last list before the county's last export. The planted one is among them."""
    truth, keys, spells, _, _ = run
    flagged = spells[spells["missing_from_later_snapshot"].astype(bool)]
    county_last = {county: dates[-1] for county, dates in _county_snapshots(truth).items()}
    last_seen = {h["household_id"]: max(map(_day, h["snapshots"])) for h in truth["households"] if h["snapshots"]}
    dropped = {
        keys[h["household_id"]]: last_seen[h["household_id"]]
        for h in truth["households"]
        if h["last_listed"] is not None and h["eliminated_date"] is None and last_seen[h["household_id"]] < county_last[h["county_code"]]
    }
    assert dropped and dict(zip(flagged["household_key"], flagged["last_snapshot_date"].map(_plain_date))) == dropped
    assert {keys[h] for h in truth["planted"]["missing_from_later_snapshot"]} <= set(dropped)


def test_every_place_of_the_lists_is_in_dim_region_with_its_name(run):
    """dim_region holds each township and village a monitoring list names, named as the list names
    it, under its county and township, whether or not a registry names it too."""
    truth, _, _, marts, _ = run
    dim = {(r.region_level, r.region_code): (r.region_name, r.parent_code) for r in marts[DIM_REGION.name].itertuples()}
    for h in truth["households"]:
        township = _local_code(h["county_code"], h["township"])
        village = _local_code(township, h["township"], h["village"])
        assert dim.get(("township", township)) == (h["township"], h["county_code"]), h["household_id"]
        assert dim.get(("village", village)) == (h["village"], township), h["household_id"]


def test_a_place_only_the_monitoring_lists_name_has_its_regions_and_mart_rows(run):
    """The planted household of a relocation site the registry and the village lists never name:
    dim_region learns its township and village from the monitoring lists alone, and mart_monitoring
    counts it there, every year and month, as its story says."""
    truth, keys, _, marts, _ = run
    (household_id,) = truth["planted"]["place_only_in_monitoring"]
    story = next(h for h in truth["households"] if h["household_id"] == household_id)
    county = story["county_code"]
    township = _local_code(county, story["township"])
    village = _local_code(township, story["township"], story["village"])
    named = marts["registry_and_village_list_places"]
    assert township not in set(named["township_code"]) and village not in set(named["village_code"])
    dim = {(r.region_level, r.region_code): (r.region_name, r.parent_code) for r in marts[DIM_REGION.name].itertuples()}
    assert dim[("township", township)] == (story["township"], county)
    assert dim[("village", village)] == (story["village"], township)
    want = {k: v for k, v in expected_marts(_expected_spells(truth, keys)).items() if k[1] in (township, village)}
    got = _got_marts(marts[MART_MONITORING.name], None, next(iter(want.values())))
    assert {k[:3] for k in want} == {
        (level, code, kind) for level, code in (("township", township), ("village", village)) for kind in ("year", "month")
    }
    _assert_marts_equal({k: v for k, v in got.items() if k[1] in (township, village)}, want)


def _got_marts(mart: pd.DataFrame, code: str | None, figures) -> dict[tuple, dict]:
    got = {}
    for r in mart.to_dict("records"):
        key = (r["region_level"], r["region_code"], r["period_kind"], _plain_date(r["period_start"]), r[code] if code else None)
        got[key] = {c: (None if pd.isna(r[c]) else (float(r[c]) if c.startswith(("median", "share")) else int(r[c]))) for c in figures}
    return got


def _assert_marts_equal(got: dict[tuple, dict], want: dict[tuple, dict]) -> None:
    assert set(got) == set(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    for key, expected in want.items():
        for column, value in expected.items():
            actual = got[key][column]
            same = actual == value if value is None or actual is None else abs(actual - value) < 1e-9
            assert same, f"{key} {column}: warehouse {actual!r}, truth {value!r}"


def test_mart_monitoring_every_level_year_and_month_equals_the_truth(run):
    truth, keys, _, marts, _ = run
    want = expected_marts(_expected_spells(truth, keys))
    levels = {key[0] for key in want}
    assert levels == {"province", "city", "county", "township", "village"} and {key[2] for key in want} == {"year", "month"}
    # Every figure is exercised by the sample: eliminations, medians and both shares somewhere.
    for column in (
        "eliminated_naturally_households",
        "median_days_to_elimination",
        "share_without_measure",
        "share_eliminated_within_six_months",
    ):
        assert any(row[column] for row in want.values()), column
    _assert_marts_equal(_got_marts(marts[MART_MONITORING.name], None, next(iter(want.values()))), want)


@pytest.mark.parametrize(
    ("table", "code", "codes_of"),
    [
        (MART_MONITORING_CATEGORY, "category_code", lambda spell: [spell["category_code"]]),
        (MART_MONITORING_RISK, "risk_type_code", lambda spell: spell["risk_type_codes"].split(",")),
    ],
    ids=["category", "risk_type"],
)
def test_marts_by_category_and_risk_type_equal_the_truth(run, table, code, codes_of):
    truth, keys, _, marts, _ = run
    want = expected_marts(_expected_spells(truth, keys), codes_of)
    assert len({key[4] for key in want}) > 1
    _assert_marts_equal(_got_marts(marts[table.name], code, next(iter(want.values()))), want)


def test_income_check_judges_each_elimination_as_the_truth_says(run):
    """Against the shipped lines: the eliminations at or below a known line are listed, those above
    pass, and those whose province has no known line of the year are counted as not judged; the
    check does not pass while any is listed or left unjudged."""
    truth, keys, _, _, checks = run
    stories = {h["household_id"]: h for h in truth["households"]}
    judged: dict[str, list[str]] = {}
    for spell in _expected_spells(truth, keys).values():
        if spell["risk_eliminated"]:  # an elimination an export has reported
            judged.setdefault(stories[spell["household_id"]]["income_line_judgement"], []).append(spell["household_id"])
    assert judged.get("at_or_below_line") and judged.get("line_unknown"), judged
    assert set(judged["at_or_below_line"]) == set(truth["planted"]["income_at_or_below_line"])
    evaluation = checks["income_above_monitoring_line"]
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert metadata["spells"] == len(judged["at_or_below_line"])
    assert metadata["eliminations_above_line"] == len(judged.get("above_line", []))
    assert metadata["eliminations_not_judged_line_unknown"] == len(judged["line_unknown"])
    assert not evaluation.passed
    assert {key for key in keys.values() if key in metadata["sample"]} == {keys[h] for h in judged["at_or_below_line"]}


@pytest.mark.parametrize("check_name", sorted(CHECK_CASES))
def test_cross_source_check_finds_the_planted_cases_and_only_those(run, check_name):
    truth, keys, _, _, checks = run
    evaluation = checks[check_name]
    planted = [h for case in CHECK_CASES[check_name] for h in truth["planted"][case]]
    expected_keys = {keys[h] for h in planted}
    counted = "households" if "households" in evaluation.metadata else "spells"
    expected_count = len(expected_keys) if counted == "households" else len(planted)
    assert evaluation.metadata[counted].value == expected_count
    assert evaluation.passed == (expected_count == 0)
    # The sample lists the households by key (a keyed hash, no personal data).
    sample = evaluation.metadata["sample"].value
    listed = {key for key in keys.values() if key in sample}
    assert listed == expected_keys
