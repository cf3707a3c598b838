"""The shipped sample's monitoring exports, run through the whole pipeline, against the generator's truth.

The truth (data/sample_truth.json, key "monitoring") tells each household's story: when it was
taken in, whether and how its risk was eliminated, the exports that list it, and the cases planted
for the checks. The spells, the mart's county-year figures and the checks' findings are worked out
here from that story alone. A household is known to the warehouse only by a keyed hash, so its
key is found through provenance: the truth gives the Excel row of each household in each export,
and staging keeps the file and row every staged row came from.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from etl_project.runner import run_pipeline
from etl_project.warehouse import Warehouse
from schemas.monitoring_sources import STG_MONITORING
from schemas.monitoring_tables import FACT_MONITORING_SPELL, MART_MONITORING

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
    db = Warehouse(url)
    try:
        staged = db.query(f"SELECT household_key, source_file, source_row FROM {db.name(STG_MONITORING)}")
        spells = db.query(f"SELECT * FROM {db.name(FACT_MONITORING_SPELL)}")
        mart = db.query(f"SELECT * FROM {db.name(MART_MONITORING)} WHERE region_level = 'county' AND period_kind = 'year'")
    finally:
        db.close()
    checks = {e.check_name: e for e in outcome.check_evaluations()}
    return truth, _keys(truth, staged), spells, mart, checks


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
        spells[(keys[h["household_id"]], h["county_code"], _day(h["taken_in_date"]))] = {
            "household_id": h["household_id"],
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
            **{c: (None if pd.isna(r[c]) else r[c]) for c in ("category_code", "risk_type_codes", "measure_codes", "elimination_method_code",
                                                              "income_at_entry_yuan", "income_at_exit_yuan")},
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


def test_flagged_households_are_the_planted_missing_ones(run):
    truth, keys, spells, _, _ = run
    flagged = set(spells.loc[spells["missing_from_later_snapshot"].astype(bool), "household_key"])
    planted = truth["planted"]["missing_from_later_snapshot"]
    assert planted and flagged == {keys[h] for h in planted}


def _expected_mart(truth: dict) -> pd.DataFrame:
    """County × year figures from the stories: under monitoring at the year's end means taken in by
    then, not eliminated by then, and still listed by its county at that date or later."""
    households = [h for h in truth["households"] if h["snapshots"]]
    last_export = max(_day(s["snapshot_date"]) for s in truth["snapshots"])
    first_year = min(_day(h["taken_in_date"]).year for h in households)
    rows = []
    for county in sorted({h["county_code"] for h in households}):
        for year in range(first_year, last_export.year + 1):
            start, end = date(year, 1, 1), date(year, 12, 31)
            row = dict(region_code=county, year=year, newly_taken_in_households=0, newly_taken_in_persons=0,
                       monitored_households_at_end=0, monitored_persons_at_end=0, cumulative_taken_in_households=0,
                       eliminated_households=0, eliminated_by_help_households=0, eliminated_naturally_households=0,
                       cumulative_eliminated_households=0)
            for h in households:
                taken = _day(h["taken_in_date"])
                if h["county_code"] != county or taken > end:
                    continue
                eliminated_on = _day(h["eliminated_date"])
                if eliminated_on is not None and eliminated_on > last_export:
                    eliminated_on = None  # not reported by any export yet
                size = h["household_size"]
                row["cumulative_taken_in_households"] += 1
                if taken >= start:
                    row["newly_taken_in_households"] += 1
                    row["newly_taken_in_persons"] += size
                still_listed = h["last_listed"] is None or _day(h["last_listed"]) >= end
                if (eliminated_on is None or eliminated_on > end) and still_listed:
                    row["monitored_households_at_end"] += 1
                    row["monitored_persons_at_end"] += size
                if eliminated_on is not None and eliminated_on <= end:
                    row["cumulative_eliminated_households"] += 1
                    if eliminated_on >= start:
                        row["eliminated_households"] += 1
                        method = "eliminated_by_help_households" if h["elimination_method_code"] == "by_help" else "eliminated_naturally_households"
                        row[method] += 1
            if row["cumulative_taken_in_households"]:
                rows.append(row)
    return pd.DataFrame(rows)


def test_mart_monitoring_county_years_equal_the_truth(run):
    truth, _, _, mart, _ = run
    want = _expected_mart(truth)
    assert len(want) > 0
    columns = list(want.columns)
    got = mart.assign(year=mart["year"].astype(int))[columns]
    got = got.astype({c: "int64" for c in columns if c != "region_code"}).sort_values(["region_code", "year"]).reset_index(drop=True)
    want = want.sort_values(["region_code", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


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
