"""Cross-source checks: ledgers against their own totals and the project lists, registries against
the village lists, exits against the incidence threshold in force."""

import dagster as dg
import pandas as pd

from assets.checks import SAMPLE_ROWS, _md
from assets.metadata import table_check
from etl_project.core.amounts import money_text, yuan_text
from etl_project.ingest.resources import WarehouseResource
from etl_project.ingest.staging.investment import TOTAL_TOLERANCE_YUAN
from etl_project.warehouse.incremental.checks import kept_while_unchanged
from schemas.investment_tables import DIM_PROJECT, FACT_INVESTMENT, STG_LEDGER_TOTAL, STG_VILLAGE
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, MART_POVERTY_EXIT

BUDGET_OVERRUN_TOLERANCE = 0.10  # money booked may exceed the plan by 10 % before it is flagged
# Exit thresholds of poverty incidence: 3 % in the western provinces, 2 % elsewhere.
WESTERN_PROVINCES = ("15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
WEST_THRESHOLD, OTHER_THRESHOLD = 3.0, 2.0


@table_check(STG_LEDGER_TOTAL, "台账合计、小计与逐行加总一致 / every 合计 and 小计 row equals the rows it totals")
def ledger_totals_agree(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        mismatched = db.query(
            f"SELECT source_file, source_sheet, source_row, label, stated_yuan, computed_yuan, difference_yuan, unit "
            f"FROM {db.name(STG_LEDGER_TOTAL)} WHERE stated_yuan IS NULL OR ABS(difference_yuan) > :tolerance "
            "ORDER BY source_file, source_sheet, source_row",
            {"tolerance": TOTAL_TOLERANCE_YUAN},
        )
        checked = db.row_count(STG_LEDGER_TOTAL)
    difference = mismatched["difference_yuan"].dropna().sum() if not mismatched.empty else 0
    return dg.AssetCheckResult(
        passed=mismatched.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "totals_checked": checked,
            "mismatches": len(mismatched),
            "total_difference": yuan_text(difference),
            "total_difference_yuan": dg.MetadataValue.float(float(difference)),
            "detail": _md(_in_sheet_units(mismatched)),
        },
    )


def _in_sheet_units(totals: pd.DataFrame) -> pd.DataFrame:
    """Each total's figures as the sheet states them, next to yuan (790.974 万元 = 7 909 740 元)."""
    shown = totals.drop(columns=["stated_yuan", "computed_yuan", "difference_yuan", "unit"])
    for column in ("stated", "computed", "difference"):
        shown[column] = [money_text(v, u) for v, u in zip(totals[f"{column}_yuan"], totals["unit"])]
    return shown


@table_check(FACT_INVESTMENT, "每笔资金的项目都在项目库中 / every movement's project is a valid project")
def investments_have_projects(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        orphans = db.query(
            f"SELECT f.project_code, COUNT(*) AS movements, SUM(f.amount_yuan) AS amount_yuan, MIN(f.source_file) AS first_file "
            f"FROM {db.name(FACT_INVESTMENT)} f LEFT JOIN {db.name(DIM_PROJECT)} p ON p.project_code = f.project_code "
            "WHERE f.project_code IS NOT NULL AND p.project_code IS NULL GROUP BY f.project_code ORDER BY amount_yuan DESC"
        )
    return dg.AssetCheckResult(
        passed=orphans.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"projects_missing": len(orphans), "sample": _md(orphans)},
    )


@table_check(DIM_PROJECT, "项目拨付未超出计划投资 / money booked on a project within its planned investment (+10 %)")
def projects_within_budget(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        over = db.query(
            f"SELECT project_code, project_name, planned_investment_yuan, booked_yuan FROM {db.name(DIM_PROJECT)} "
            "WHERE booked_yuan > planned_investment_yuan * :limit ORDER BY booked_yuan - planned_investment_yuan DESC",
            {"limit": 1 + BUDGET_OVERRUN_TOLERANCE},
        )
    return dg.AssetCheckResult(
        passed=over.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"tolerance": BUDGET_OVERRUN_TOLERANCE, "projects_over_budget": len(over), "sample": _md(over)},
    )


# It reads the registry's villages, with their names, from the warehouse: it runs once they are built.
@table_check(
    STG_VILLAGE,
    "登记表中的行政村都在行政村名单里 / every registry village is in its county's village list",
    additional_deps=[FACT_HOUSEHOLD.name, DIM_REGION.name],
)
def registry_villages_listed(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        village_table = db.name(STG_VILLAGE)
        missing_sql = (
            f"SELECT DISTINCT h.county_code, h.village_code, d.region_name AS village_name "
            f"FROM {db.name(FACT_HOUSEHOLD)} h "
            f"JOIN {db.name(DIM_REGION)} d ON d.region_code = h.village_code AND d.region_level = 'village' "
            f"WHERE h.county_code IN (SELECT DISTINCT county_code FROM {village_table}) "
            f"AND h.village_code NOT IN (SELECT village_code FROM {village_table}) ORDER BY h.county_code, h.village_code"
        )
        unlisted_sql = (
            f"SELECT DISTINCT county_code FROM {db.name(FACT_HOUSEHOLD)} "
            f"WHERE county_code NOT IN (SELECT DISTINCT county_code FROM {village_table}) ORDER BY county_code"
        )

        def listed() -> tuple[bool, dict]:
            missing, unlisted_counties = db.query(missing_sql), db.query(unlisted_sql)
            return missing.empty, {
                "villages_missing": len(missing),
                "missing_village_codes": dg.MetadataValue.json(missing["village_code"].tolist()),
                "sample": _md(missing),
                "counties_without_village_list": dg.MetadataValue.json(unlisted_counties["county_code"].tolist()),
            }

        # It reads the national registry: a night that changed none of its tables keeps the answer.
        inputs = [FACT_HOUSEHOLD, DIM_REGION, STG_VILLAGE]
        decision, passed, metadata = kept_while_unchanged(db, "registry_villages_listed", inputs, missing_sql + unlisted_sql, listed)
    return dg.AssetCheckResult(
        passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata={**metadata, "answer_version": decision.version}
    )


@table_check(
    MART_POVERTY_EXIT,
    "出列/摘帽时贫困发生率低于标准（西部3%，其他2%）/ villages and counties exit only below the incidence threshold (3 % west, 2 % elsewhere)",
)
def exits_below_incidence_threshold(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        mart, dim = db.name(MART_POVERTY_EXIT), db.name(DIM_REGION)
        west = ", ".join(f"'{p}'" for p in WESTERN_PROVINCES)
        threshold = f"CASE WHEN SUBSTR(m.region_code, 1, 2) IN ({west}) THEN {WEST_THRESHOLD} ELSE {OTHER_THRESHOLD} END"
        early = db.query(
            f"""
            SELECT m.region_level, m.region_code, d.region_name, m.year, m.poverty_incidence, {threshold} AS threshold
            FROM {mart} m JOIN {dim} d ON d.region_code = m.region_code AND d.region_level = m.region_level
            WHERE m.poverty_incidence IS NOT NULL AND m.poverty_incidence >= {threshold}
              AND ((m.region_level = 'village' AND d.is_poor_village AND m.year = d.village_exit_year)
                OR (m.region_level = 'county' AND d.is_poverty_county AND m.year = d.county_exit_year))
            ORDER BY m.region_level, m.region_code
            """
        )
    return dg.AssetCheckResult(
        passed=early.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"exits_above_threshold": len(early), "sample": _md(early.head(SAMPLE_ROWS))},
    )
