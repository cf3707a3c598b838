"""The national system's per-person registry export, end to end: files the generator writes in the
real export's layout (.xlsx and .xls) load into households and persons equal to the generator's truth,
each broken household is quarantined whole with every row named, and no personal value of the
generated people reaches any table."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from etl_project.core.regions import RegionIndex
from etl_project.core.settings import Reading
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import SourceFileError, extract
from etl_project.ingest.staging.registry import stage_file
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from schemas.tables import FACT_HOUSEHOLD, FACT_PERSON
from tests.builders import PERSON_HEADERS, VALID_IDS, member, write_table
from tests.corpus.runs import generated_run
from tests.integration.test_end_to_end import _assert_matches_truth
from tests.integration.test_personal_data_routes import _hits, _tables

REAL_EXPORT = Path(__file__).resolve().parents[3] / "shared" / "real-samples" / "national_export_poor_household_list_header.xls"
PERSONAL = ("head_name", "id_number", "phone", "bank_name", "bank_card")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return generated_run(tmp_path_factory, households=1500, seed=5, per_person=2)


def _exports(truth: dict) -> list[dict]:
    return [entry for entry in truth["files"] if entry.get("layout") == "persons"]


def test_the_generator_writes_the_export_as_xlsx_and_xls(run):
    raw, truth, _, _ = run
    exports = _exports(truth)
    assert {Path(e["file"]).suffix for e in exports} == {".xlsx", ".xls"}
    for entry in exports:
        extracted = extract(raw / entry["file"], load_column_map("registry"))
        assert set(extracted.layouts.values()) == {"persons"}
        # The real export's headers, line breaks and all, and no 户编号 or 识别年度.
        assert extracted.headers["labour_skill"] == "劳动能力\n页面（劳动技能）"
        assert "household_id" not in extracted.headers and "identification_year" not in extracted.headers
        assert len(extracted.rows) == entry["data_rows"]


def test_households_persons_and_quarantine_equal_the_truth(run):
    _, truth, url, result = run
    assert result.success
    with opened(url) as db:
        _assert_matches_truth(db, truth)  # the mart, every quarantined row and every file's accounting
        households = db.query(f"SELECT source_file, COUNT(*) AS n FROM {db.name(FACT_HOUSEHOLD)} GROUP BY source_file").set_index(
            "source_file"
        )["n"]
        persons = db.query(
            f"SELECT source_file, COUNT(*) AS n, SUM(CASE WHEN is_head THEN 1 ELSE 0 END) AS heads "
            f"FROM {db.name(FACT_PERSON)} GROUP BY source_file"
        ).set_index("source_file")
        exports = _exports(truth)
        for entry in exports:
            assert households[entry["file"]] == entry["households"], entry["file"]
            assert persons.loc[entry["file"], "n"] == entry["persons"], entry["file"]
            assert persons.loc[entry["file"], "heads"] == entry["households"], entry["file"]
        assert set(persons.index) == {e["file"] for e in exports}
        # Each household's size is its members, whatever 人数 said.
        sizes = db.query(
            f"SELECT h.household_key, h.household_size, COUNT(*) AS members FROM {db.name(FACT_HOUSEHOLD)} h "
            f"JOIN {db.name(FACT_PERSON)} p ON p.household_key = h.household_key GROUP BY h.household_key, h.household_size"
        )
        assert (sizes["household_size"] == sizes["members"]).all() and len(sizes) == sum(e["households"] for e in exports)
        snapshot = db.query(f"SELECT DISTINCT as_of_year FROM {db.name(FACT_PERSON)}")["as_of_year"].tolist()
        assert snapshot == [exports[0]["as_of_year"]]
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["household_size_matches_members"].metadata["households"].value == sum(e["size_mismatches"] for e in exports)
    assert checks["person_in_one_household"].passed


def test_no_personal_value_of_the_generated_people_in_any_table(run):
    raw, truth, url, _ = run
    column_map = load_column_map("registry")
    values: set[str] = set()
    for entry in _exports(truth):
        rows = extract(raw / entry["file"], column_map).rows
        for column in PERSONAL:
            values |= {str(v).strip() for v in rows[column].dropna()}
    assert len(values) > 1000
    # Keyed fingerprints of names (audit.person_fingerprint) are numbers of ID length by nature.
    tables = {k: v for k, v in _tables(url).items() if not k.startswith("audit.") or k == "audit.quarantine"}
    # A two-character name is found inside place names (金平 in 金平苗族瑶族傣族自治县): names are
    # looked for inside texts from three characters on, and as whole values at any length.
    names = {v for v in values if not v[:1].isdigit() and len(v) >= 3}
    hits = _hits(tables, names)
    assert not hits, hits[:10]
    for name, frame in tables.items():
        text = {v.strip() for v in frame.astype(str).stack()}
        assert not text & values, (name, sorted(text & values)[:5])


# ---------------------------------------------------------------- the snapshot's year


def _export(path: Path, title: str = "贫困户信息列表") -> Path:
    rows = [member(**{"人数": "2"}), member(**{"姓名": "李花", "性别": "女", "证件号码": VALID_IDS[2], "人数": "2", "与户主关系": "配偶"})]
    write_table(path, PERSON_HEADERS, rows, title=title, unit_row="")
    return path


def test_the_year_comes_from_the_title_then_the_file_name_then_as_of(tmp_path):
    regions = RegionIndex()
    titled = _export(tmp_path / "罕台镇2016年贫困户信息列表.xlsx", title="罕台镇2018年贫困户信息列表")
    staged = stage_file(titled, "registry/罕台镇2016年贫困户信息列表.xlsx", regions, b"k")
    assert set(staged.staged["as_of_year"]) == {2018} and "its title" in " ".join(staged.warnings())
    named = _export(tmp_path / "罕台镇2016年贫困户信息列表.xlsx")
    assert set(stage_file(named, "registry/罕台镇2016年贫困户信息列表.xlsx", regions, b"k").staged["as_of_year"]) == {2016}
    bare = _export(tmp_path / "贫困户信息列表.xlsx")
    with pytest.raises(SourceFileError, match="--as-of"):
        stage_file(bare, "registry/贫困户信息列表.xlsx", regions, b"k")
    staged = stage_file(bare, "registry/贫困户信息列表.xlsx", regions, b"k", reading=Reading(as_of_year="2017"))
    assert set(staged.more["stg_person"]["as_of_year"]) == {2017} and "--as-of" in " ".join(staged.warnings())


@pytest.mark.skipif(not REAL_EXPORT.exists(), reason="the real samples folder is not here")
def test_the_real_exports_header_is_the_persons_layout():
    extracted = extract(REAL_EXPORT, load_column_map("registry"))
    assert set(extracted.layouts.values()) == {"persons"}
    expected = {
        "county_name",
        "township_name",
        "village_name",
        "head_name",
        "sex",
        "id_number",
        "household_size",
        "relation",
        "ethnicity",
        "education",
        "schooling",
        "health",
        "labour_skill",
        "work_status",
        "work_months",
        "status_code",
        "attribute_code",
        "main_cause_code",
        "income_per_person",
        "phone",
        "bank_name",
        "bank_card",
    }
    assert expected <= set(extracted.headers)


def test_a_person_in_two_counties_exports_is_flagged(tmp_path):
    """The same ID number in two counties' exports: each file loads, the warning check names the person once."""
    raw = tmp_path / "raw"
    (raw / "registry").mkdir(parents=True)
    shared = {"姓名": "李花", "性别": "女", "证件号码": VALID_IDS[2], "与户主关系": "配偶"}
    write_table(
        raw / "registry" / "紫云县2019年贫困户信息列表.xlsx",
        PERSON_HEADERS,
        [member(**{"人数": "2"}), member(**shared, **{"人数": "2"})],
        title="贫困户信息列表",
        unit_row="",
    )
    write_table(
        raw / "registry" / "望谟县2019年贫困户信息列表.xlsx",
        PERSON_HEADERS,
        [
            member(**{"县(市、区、旗)": "望谟县", "镇(乡)": "复兴镇", "证件号码": VALID_IDS[3], "人数": "3"}),
            member(**shared, **{"县(市、区、旗)": "望谟县", "镇(乡)": "复兴镇", "人数": "3"}),
        ],
        title="贫困户信息列表",
        unit_row="",
    )
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_pipeline(raw, url, instance)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["person_in_one_household"].passed
    assert checks["person_in_one_household"].metadata["persons"].value == 1
    # 望谟县's 人数 says 3 for its two members: loaded with 2, and listed.
    assert checks["household_size_matches_members"].metadata["households"].value == 1
    with opened(url) as db:
        assert db.row_count(FACT_PERSON) == 4 and db.row_count(FACT_HOUSEHOLD) == 2
