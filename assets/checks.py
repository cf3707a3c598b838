"""Asset checks: what an engineer sees pass or fail in the Dagster UI, with counts and samples.

Blocking checks guard what must not flow on (unbalanced row accounting, inconsistent marts; personal
data is masked where found, by the guard in assets/privacy.py); rejected rows are a warning with their rules and a sample.
"""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from assets.metadata import WAREHOUSE_POOL, table_check
from assets.staging import latest_file_states
from etl_project.core import personal_data
from etl_project.core.amounts import money_columns_as_text
from etl_project.ingest.resources import WarehouseResource
from schemas import source_catalog
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, FACT_PERSON, LOAD_AUDIT, MART_POVERTY_EXIT, QUARANTINE

SAMPLE_ROWS = 10


def _md(frame: pd.DataFrame) -> dg.MetadataValue:
    """A sample as a table for the UI; Dagster keeps it in its event log, so it is masked by value
    like anything else that leaves the warehouse. Amounts are written out in full (tabulate would
    print 7909740.0 as 7.90974e+06)."""
    if frame.empty:
        return dg.MetadataValue.md("none")
    shown, _ = personal_data.mask_frame(frame.head(SAMPLE_ROWS))
    return dg.MetadataValue.md(money_columns_as_text(shown).to_markdown(index=False))


def _rows_valid_check(declared: source_catalog.Source):
    source = declared.name

    @dg.asset_check(
        pool=WAREHOUSE_POOL,
        name=f"{source}_rows_valid",
        asset=declared.staged[0].name,
        description=f"被隔离的{declared.zh}行（按规则统计）/ {declared.en} rows ({source}) rejected into quarantine, by rule",
    )
    def rows_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.open() as db:
            q = db.name(QUARANTINE)
            params = {"source": source}
            by_rule = db.query(
                f"SELECT rule, COUNT(*) AS failures FROM {q} WHERE source = :source GROUP BY rule ORDER BY failures DESC, rule", params
            )
            sample = db.query(
                f"SELECT source_file, source_sheet, source_row, source_header, rule, message_en, value_masked FROM {q} "
                "WHERE source = :source ORDER BY source_file, source_sheet, source_row LIMIT :limit",
                {**params, "limit": SAMPLE_ROWS},
            )
            rows = db.scalar(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT source_file, source_sheet, source_row FROM {q} WHERE source = :source) AS rejected",
                params,
            )
        return dg.AssetCheckResult(
            passed=int(rows) == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "quarantined_rows": int(rows),
                "problems": int(by_rule["failures"].sum()),
                "failures_by_rule": _md(by_rule),
                "sample": _md(sample),
            },
        )

    return rows_valid


def build_source_checks() -> list[dg.AssetChecksDefinition]:
    """One check of rejected rows per tabular source declared when the definitions are built."""
    return [_rows_valid_check(declared) for declared in source_catalog.tabular_sources()]


@table_check(LOAD_AUDIT, "读取 = 装载 + 隔离 + 跳过（逐文件）/ read = loaded + quarantined + skipped, per file", blocking=True)
def load_audit_balanced(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        # Every file as it stands now: its latest load, whichever run made it.
        state = latest_file_states(db)
    counted = state[state["status"] != "failed"]
    unbalanced = counted[counted["rows_read"] != counted["rows_loaded"] + counted["rows_quarantined"] + counted["rows_skipped"]]
    columns = ["source_file", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"]
    return dg.AssetCheckResult(passed=unbalanced.empty, metadata={"files_audited": len(state), "unbalanced": _md(unbalanced[columns])})


@table_check(
    MART_POVERTY_EXIT,
    "各级汇总一致、剩余 = 识别 − 脱贫 + 返贫 / levels add up and remaining = registered − exited + returned",
    blocking=True,
)
def mart_poverty_exit_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        mart, dim = db.name(MART_POVERTY_EXIT), db.name(DIM_REGION)
        parent_mismatch = db.query(
            f"""
            SELECT p.region_code, p.year, p.registered_households, SUM(c.registered_households) AS children_sum
            FROM {mart} c
            JOIN {dim} d ON d.region_code = c.region_code AND d.region_level = c.region_level
            JOIN {mart} p ON p.region_code = d.parent_code AND p.year = c.year
             AND p.region_level = CASE c.region_level WHEN 'village' THEN 'township' WHEN 'township' THEN 'county'
                                                      WHEN 'county' THEN 'city' ELSE 'province' END
            WHERE c.region_level <> 'province'
            GROUP BY p.region_code, p.year, p.registered_households
            HAVING p.registered_households <> SUM(c.registered_households)
            LIMIT 20"""
        )
        arithmetic = db.query(
            f"SELECT region_code, year FROM {mart} WHERE remaining_households < 0 OR registered_persons < registered_households "
            "OR cumulative_exited_households > registered_households OR exited_households > cumulative_exited_households LIMIT 20"
        )
    return dg.AssetCheckResult(
        passed=parent_mismatch.empty and arithmetic.empty,
        metadata={"parent_child_mismatches": _md(parent_mismatch), "arithmetic_failures": _md(arithmetic)},
    )


def _listed_warning(warehouse: WarehouseResource, counted: str, count_label: str, rows_sql: Callable) -> dg.AssetCheckResult:
    """A warning check that counts the rows of ``rows_sql(db)`` and shows a sample, ordered by ``counted``."""
    with warehouse.open() as db:
        rows_sql = rows_sql(db)
        count = int(db.scalar(f"SELECT COUNT(*) FROM ({rows_sql}) AS found"))
        listed = db.query(f"{rows_sql} ORDER BY {counted} LIMIT :limit", {"limit": SAMPLE_ROWS})
    return dg.AssetCheckResult(
        passed=count == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={count_label: count, "sample": _md(listed)},
    )


@table_check(FACT_HOUSEHOLD, "人数与所列家庭成员数一致 / 人数 as written equals the members a per-person export lists")
def household_size_matches_members(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """household_size counts the members; where the file's 人数 says otherwise, the household is listed."""
    return _listed_warning(
        warehouse,
        "source_file, source_sheet, source_row",
        "households",
        lambda db: (
            "SELECT household_key, source_file, source_sheet, source_row, stated_household_size, household_size AS members "
            f"FROM {db.name(FACT_HOUSEHOLD)} WHERE stated_household_size IS NOT NULL AND stated_household_size <> household_size"
        ),
    )


@table_check(FACT_PERSON, "每人只属一户、一县（按证件号码）/ each person (by ID number) in one household and one county")
def person_in_one_household(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """A person listed in two households, or in two counties' exports: the duplicate-person rule of
    the registry's data-quality lists, across files (within a file, the second row is quarantined)."""
    return _listed_warning(
        warehouse,
        "person_key",
        "persons",
        lambda db: (
            "SELECT person_key, COUNT(DISTINCT household_key) AS households, COUNT(DISTINCT county_code) AS counties, "
            f"MIN(source_file) AS first_file, MAX(source_file) AS last_file FROM {db.name(FACT_PERSON)} GROUP BY person_key "
            "HAVING COUNT(DISTINCT household_key) > 1 OR COUNT(DISTINCT county_code) > 1"
        ),
    )
