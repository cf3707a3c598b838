"""Runs redo only what changed: an unchanged file is not read again, a changed one alone is, a
removed one leaves the warehouse, and a table whose declaration changed is migrated, not lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from assets import constraint_checks
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import Warehouse, opened
from etl_project.warehouse.serving import published_path
from schemas.tables import FACT_HOUSEHOLD, LOAD_AUDIT, MART_POVERTY_EXIT, QUARANTINE
from tests.builders import assert_same_rows, drop_first_household

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
WANGMO = "registry/望谟县扶贫对象信息.csv"


@pytest.fixture
def raw(tmp_path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE, target)
    return target


def _run(raw: Path, url: str) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_pipeline(raw, url, instance)
    assert result.success
    return result


def _statuses(db: Warehouse, run_id: str) -> dict[str, str]:
    audit = db.query(f"SELECT source_file, status FROM {db.name(LOAD_AUDIT)} WHERE run_id = :r", {"r": run_id})
    return dict(zip(audit["source_file"], audit["status"]))


def _county_registered(db: Warehouse, code: str) -> int:
    return int(
        db.scalar(
            f"SELECT registered_households FROM {db.name(MART_POVERTY_EXIT)} WHERE region_level = 'county' AND region_code = :c AND year = 2020",
            {"c": code},
        )
    )


def test_unchanged_files_are_not_read_again_and_a_changed_one_alone_is(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    first = _run(raw, url)
    with opened(url) as db:
        files = len(_statuses(db, first.run_id))
        assert set(_statuses(db, first.run_id).values()) == {"loaded"}
        before_mart = db.query(f"SELECT * FROM {db.name(MART_POVERTY_EXIT)} ORDER BY region_level, region_code, year")
        before_wangmo = _county_registered(db, "522326")

    second = _run(raw, url)
    # Nothing to read: no staging run at all, only the refresh of what depends on staging.
    assert len(second.run_ids) == 1 and not second.asset_materializations_for_node("staged_file")
    assert (second.files_to_read, second.files_unchanged) == (0, files)
    with opened(url) as db:
        assert _statuses(db, second.run_id) == {}
        after = db.query(f"SELECT * FROM {db.name(MART_POVERTY_EXIT)} ORDER BY region_level, region_code, year")
        pd.testing.assert_frame_equal(before_mart, after)

    # One clean household fewer in one county's file: that file alone is read again.
    path = raw / WANGMO
    text = path.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    header_end = next(i for i, line in enumerate(text) if line.startswith("望谟县,"))
    with opened(url) as db:
        quarantined_rows = set(
            db.query(f"SELECT source_row FROM {db.name(QUARANTINE)} WHERE source_file = :f", {"f": WANGMO})["source_row"]
        )
    clean_line = next(i for i in range(header_end, len(text)) if (i + 1) not in quarantined_rows and text[i].startswith("望谟县,"))
    identification_year = int(text[clean_line].split(",")[9].strip().removesuffix("年") or 0)
    del text[clean_line]
    path.write_bytes(("\ufeff" + "".join(text)).encode("utf-8"))

    third = _run(raw, url)
    with opened(url) as db:
        # The run covered that file's partition alone.
        assert _statuses(db, third.run_id) == {WANGMO: "loaded"}
        assert (third.files_to_read, third.files_unchanged) == (1, files - 1)
        assert identification_year <= 2020
        assert _county_registered(db, "522326") == before_wangmo - 1
        audit = db.query(f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE run_id = :r", {"r": third.run_id})
        assert (audit["rows_read"] == audit["rows_loaded"] + audit["rows_quarantined"] + audit["rows_skipped"]).all()
        # The file's fact rows were replaced in place, and have their names as a rebuild gives them.
        [fact] = third.asset_materializations_for_node("fact_household")
        assert fact.metadata["build"].value == "rows of 1 changed files replaced"
        rows, unnamed = db.one(
            f"SELECT COUNT(*), SUM(CASE WHEN county_name IS NULL OR village_name IS NULL OR attribute_name IS NULL "
            f"OR (main_cause_code IS NOT NULL AND main_cause_name IS NULL) THEN 1 ELSE 0 END) "
            f"FROM {db.name(FACT_HOUSEHOLD)} WHERE source_file = :f",
            {"f": WANGMO},
        )
        assert rows > 0 and unnamed == 0


def test_a_removed_file_leaves_the_warehouse(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _run(raw, url)
    (raw / WANGMO).unlink()
    result = _run(raw, url)
    with opened(url) as db:
        assert _statuses(db, result.run_id)[WANGMO] == "removed"
        for table in (FACT_HOUSEHOLD, QUARANTINE):
            assert db.scalar(f"SELECT COUNT(*) FROM {db.name(table)} WHERE source_file = :f", {"f": WANGMO}) == 0
        assert db.scalar(f"SELECT COUNT(*) FROM {db.name(MART_POVERTY_EXIT)} WHERE region_level = 'county' AND region_code = '522326'") == 0


def test_schema_drift_is_migrated_without_losing_rows(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _run(raw, url)
    with opened(url) as db:
        audit_rows = db.row_count(LOAD_AUDIT)
        with db.engine.begin() as connection:
            # An older release: one column fewer, one the registry no longer declares.
            connection.execute(sa.text(f"ALTER TABLE {db.name(LOAD_AUDIT)} DROP COLUMN rules_version"))
            connection.execute(sa.text(f"ALTER TABLE {db.name(LOAD_AUDIT)} DROP COLUMN file_mtime_ns"))
            connection.execute(sa.text(f"ALTER TABLE {db.name(LOAD_AUDIT)} ADD COLUMN retired_note TEXT"))
    result = _run(raw, url)
    with opened(url) as db:
        columns = db.query(f"SELECT * FROM {db.name(LOAD_AUDIT)} LIMIT 1").columns.tolist()
        assert columns == LOAD_AUDIT.column_names
        # The old rows are all kept; without a rules version every file is read again once.
        assert db.row_count(LOAD_AUDIT) == audit_rows + len(_statuses(db, result.run_id))
        assert set(_statuses(db, result.run_id).values()) == {"loaded"}
    staged = result.asset_materializations_for_node("staged_file")[-1]
    changes = staged.metadata["schema_changes"].value
    assert any(c.startswith("migrated audit.load_audit") and "rules_version" in c and "retired_note" in c for c in changes)
    assert any("file_mtime_ns" in c for c in changes)


def test_a_night_with_nothing_new_keeps_the_checks_answers_and_the_read_copy(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _run(raw, url)
    published = published_path(url)
    written = published.stat().st_mtime_ns

    derived = {constraint_checks.check_name(t): t.name for t in constraint_checks.checked_tables()}

    def computed(result, *tables: str) -> dict[str, str]:
        """How each check that keeps its answer computed it; with ``tables``, the derived checks of those."""
        return {
            e.check_name: e.metadata["computed"].value
            for e in result.get_asset_check_evaluations()
            if "computed" in e.metadata and (not tables or derived.get(e.check_name) in tables)
        }

    quiet = _run(raw, url)
    answers = computed(quiet)
    assert {"registry_villages_listed", "unstable_household_not_exited", "dates_out_of_order"} <= set(answers)
    # Each analytics table's check of its declared constraints keeps its answer too.
    assert set(derived) <= set(answers)
    assert all(text.startswith("earlier: ") for text in answers.values()), answers
    guarded = quiet.asset_materializations_for_node("personal_data_guard")[-1].metadata["tables"].value
    assert guarded and set(guarded.values()) == {"kept: unchanged since found clean"}
    assert published.stat().st_mtime_ns == written

    drop_first_household(raw / WANGMO)
    changed = _run(raw, url)
    answers = computed(changed)
    # The tables whose rows each come from a registry file look at that file's rows alone; a mart
    # built from them is looked at whole; the money tables did not change.
    one_file = "this run, over the rows of 1 changed file(s); the rest passed earlier and did not change"
    assert set(computed(changed, "fact_household", "fact_person").values()) == {one_file}
    assert set(computed(changed, "mart_poverty_exit").values()) == {"this run, over the whole table"}
    assert set(computed(changed, "fact_investment", "dim_project").values()) == {"earlier: the table has not changed since"}
    # The checks that read the registry whole look again; one over the monitoring spells alone keeps its answer.
    assert answers["registry_villages_listed"] == answers["unstable_household_not_exited"] == "this run"
    assert answers["dates_out_of_order"].startswith("earlier: ")
    assert published.stat().st_mtime_ns != written
    publishing = changed.asset_materializations_for_node("published_read_copy")[-1]
    assert publishing.metadata["written"].value.startswith("this run, as the published copy with what changed")
    # The copy brought up to date holds what the warehouse holds, row for row.
    assert_same_rows(url, f"duckdb:///{published}", ("fact_household", "mart_poverty_exit", "dim_region"))


def test_a_check_that_passed_looks_again_at_the_changed_files_alone_and_still_catches_them(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"

    def run() -> tuple[dict, dict]:
        with dg.DagsterInstance.ephemeral() as instance:
            result = run_pipeline(raw, url, instance)
        # the checks whose answer is kept while the table is unchanged (they say how it was computed)
        evaluations = {
            e.check_name: e
            for e in result.get_asset_check_evaluations()
            if e.asset_key.path == ["fact_household"] and "computed" in e.metadata
        }
        return {n: e.passed for n, e in evaluations.items()}, {n: e.metadata["computed"].value for n, e in evaluations.items()}

    passed, computed = run()
    assert passed == {"fact_household_constraints": True}
    assert set(computed.values()) == {"this run, over the whole table"}

    # A late supplement repeats one household of Wangmo's registry: only the new file's rows are
    # looked at, and the repeat is found.
    lines = (raw / WANGMO).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    first_household = next(i for i, line in enumerate(lines) if line.startswith("望谟县,"))
    supplement = raw / "registry" / "望谟县扶贫对象信息补报.csv"
    supplement.write_text("".join(lines[: first_household + 1]), encoding="utf-8-sig")
    passed, computed = run()
    assert passed == {"fact_household_constraints": False}
    assert set(computed.values()) == {"this run, over the rows of 1 changed file(s); the rest passed earlier and did not change"}

    # The key check failed last time, so it looks at the whole table again.
    supplement.unlink()
    passed, computed = run()
    assert passed == {"fact_household_constraints": True}
    assert computed == {"fact_household_constraints": "this run, over the whole table"}


def test_files_are_hashed_again_only_when_their_size_or_time_changed(raw, tmp_path, monkeypatch):
    from etl_project.ingest import resources

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _run(raw, url)
    hashed = []
    real = resources.file_sha256
    monkeypatch.setattr(resources, "file_sha256", lambda path: hashed.append(path) or real(path))
    _run(raw, url)
    assert hashed == []  # a night with nothing new reads no file, not even to hash it

    # Same size, new content, new time: hashed, found changed, read again.
    wangmo = raw / WANGMO
    text = wangmo.read_text(encoding="utf-8-sig")
    wangmo.write_text(text.replace("凉山镇", "凉水镇", 1), encoding="utf-8-sig")
    assert wangmo.stat().st_size == len(("\ufeff" + text).encode("utf-8"))
    result = _run(raw, url)
    assert [p.relative_to(raw).as_posix() for p in hashed] == [WANGMO]  # once: staging takes raw_file's hash
    with opened(url) as db:
        assert _statuses(db, result.run_id)[WANGMO] == "loaded"


def test_a_pass_reads_what_is_new_touched_or_failed_and_every_file_when_a_project_list_changed(raw, tmp_path):
    import os

    from etl_project.core.settings import Settings
    from etl_project.ingest import partitions
    from etl_project.ingest.incremental.pending import pending_files
    from etl_project.ingest.resources import RawFilesResource

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        registered = partitions.sync(instance, RawFilesResource(root=str(raw)))
    assert pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered).keys == registered  # a new warehouse knows no file
    _run(raw, url)
    assert pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered).keys == []

    # Touched, not changed: in the run, found unchanged by its hash, and then known by its new time.
    wangmo = raw / WANGMO
    stat = wangmo.stat()
    os.utime(wangmo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered).keys == [WANGMO]
    touched = _run(raw, url)
    with opened(url) as db:
        assert _statuses(db, touched.run_id) == {WANGMO: "unchanged"}
    assert pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered).keys == []

    # A file that failed is read again on the next pass, though it did not change since.
    broken = raw / "registry" / "zz_broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).files_failed
        registered = partitions.sync(instance, RawFilesResource(root=str(raw)))
    assert pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered).keys == ["registry/zz_broken.xlsx"]
    broken.unlink()

    # A changed project list: every ledger is judged against it again, so every file is in the run.
    project_list = sorted((raw / "projects").iterdir())[0]
    project_list.write_bytes(project_list.read_bytes() + b"\n")
    with dg.DagsterInstance.ephemeral() as instance:
        registered = partitions.sync(instance, RawFilesResource(root=str(raw)))
    pending = pending_files(Settings(raw_dir=str(raw), warehouse_url=url), registered)
    assert pending.everything and pending.keys == registered
