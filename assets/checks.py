"""Asset checks: what an engineer sees pass or fail in the Dagster UI, with counts and samples.

Blocking checks guard what must not flow on (unbalanced row accounting, personal data in an
analyst-facing table, inconsistent marts); rejected rows are a warning with their rules and a sample.
"""


import inspect
from collections.abc import Callable

import dagster as dg
import pandas as pd

from assets.metadata import WAREHOUSE_POOL
from assets.staging import latest_file_states
from etl_project import fingerprint
from etl_project.resources import WarehouseResource
from etl_project.staging import generation
from schemas.registry import Table
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, LOAD_AUDIT, MART_POVERTY_EXIT, QUARANTINE

SAMPLE_ROWS = 10
ID_LIKE = r"(^|[^0-9])([0-9]{17}[0-9Xx]|[0-9]{15})([^0-9]|$)"
PHONE_LIKE = r"(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"


def _md(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(SAMPLE_ROWS).to_markdown(index=False) if not frame.empty else "none")


STAGED_ASSETS = {"registry": "stg_household", "funds": "stg_fund_movement", "projects": "stg_project", "villages": "stg_village"}
SOURCE_NAMES = {"registry": "登记", "funds": "资金台账", "projects": "项目库", "villages": "行政村名单"}


def _rows_valid_check(source: str, asset: str):
    @dg.asset_check(
        pool=WAREHOUSE_POOL,
        name=f"{source}_rows_valid",
        asset=asset,
        description=f"被隔离的{SOURCE_NAMES[source]}行（按规则统计）/ {source} rows rejected into quarantine, by rule",
    )
    def rows_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        db = warehouse.open()
        try:
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
        finally:
            db.close()
        return dg.AssetCheckResult(
            passed=int(rows) == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined_rows": int(rows), "failures_by_rule": _md(by_rule), "sample": _md(sample)},
        )

    return rows_valid


source_checks = [_rows_valid_check(source, asset) for source, asset in STAGED_ASSETS.items()]


@dg.asset_check(pool=WAREHOUSE_POOL, asset="load_audit", blocking=True, description="读取 = 装载 + 隔离 + 跳过（逐文件）/ read = loaded + quarantined + skipped, per file")
def load_audit_balanced(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()
    try:
        # Every file as it stands now: its latest load, whichever run made it.
        state = latest_file_states(db)
    finally:
        db.close()
    counted = state[state["status"] != "failed"]
    unbalanced = counted[counted["rows_read"] != counted["rows_loaded"] + counted["rows_quarantined"] + counted["rows_skipped"]]
    columns = ["source_file", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"]
    return dg.AssetCheckResult(passed=unbalanced.empty, metadata={"files_audited": len(state), "unbalanced": _md(unbalanced[columns])})


def personal_data_hits(db, table: Table, columns: list[str]) -> pd.DataFrame:
    """Values in text columns that look like an ID number or a mobile phone number."""
    pattern_sql = "regexp_matches({col}, :pattern)" if db.dialect == "duckdb" else "{col} ~ :pattern"
    hits = []
    for column in columns:
        col = db.quote(column)
        for label, pattern in (("id_number", ID_LIKE), ("phone", PHONE_LIKE)):
            condition = pattern_sql.format(col=col)
            found = db.query(
                f"SELECT {col} AS value FROM {db.name(table)} WHERE {condition} LIMIT 3", {"pattern": pattern}
            )
            for value in found["value"]:
                hits.append({"table": table.name, "column": column, "looks_like": label, "value_masked": str(value)[:4] + "…"})
    return pd.DataFrame(hits, columns=["table", "column", "looks_like", "value_masked"])


def _memoised(db, step: str, tables: list[Table], compute: Callable[[], tuple[bool, dict]]) -> tuple[bool, dict]:
    """The check's answer, computed again only when a table it reads changed since it was last
    computed (or the check's code did): a night with nothing new does not scan a national table."""
    key = fingerprint.fingerprints(db, tables, recipe=generation.recipe(inspect.getsource(compute)))
    stored = fingerprint.recall(db, step, key)
    if stored is not None:
        metadata = {k: dg.MetadataValue.md(v["md"]) if isinstance(v, dict) and "md" in v else v for k, v in stored["metadata"].items()}
        return stored["passed"], {**metadata, "computed": "earlier: the table has not changed since"}
    passed, metadata = compute()
    plain = {k: {"md": v.value} if isinstance(v, dg.MarkdownMetadataValue) else v for k, v in metadata.items()}
    fingerprint.remember(db, step, key, {"passed": passed, "metadata": plain})
    return passed, {**metadata, "computed": "this run"}


@dg.asset_check(pool=WAREHOUSE_POOL, asset="fact_household", blocking=True, description="事实表不含身份证号、电话等个人信息 / no ID-number-like or phone-like values in the fact table")
def fact_household_has_no_personal_data(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()

    def scan() -> tuple[bool, dict]:
        text_columns = [f.name for f in FACT_HOUSEHOLD.fields if f.type in ("string", "code")]
        hits = personal_data_hits(db, FACT_HOUSEHOLD, text_columns)
        return hits.empty, {"hits": len(hits), "sample": _md(hits)}

    try:
        passed, metadata = _memoised(db, "fact_household_has_no_personal_data", [FACT_HOUSEHOLD], scan)
    finally:
        db.close()
    return dg.AssetCheckResult(passed=passed, metadata=metadata)


@dg.asset_check(pool=WAREHOUSE_POOL, asset="fact_household", description="每户只出现一次 / each household appears once (across files too)")
def fact_household_key_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()

    def count() -> tuple[bool, dict]:
        fact = db.name(FACT_HOUSEHOLD)
        candidates = ""
        if db.dialect == "duckdb":
            # Grouping 30 million 64-bit hashes is several times faster than grouping the keys; only
            # keys whose hash repeats are then grouped themselves, so the answer is the same.
            candidates = (
                f"WHERE hash(household_key) IN (SELECT hash(household_key) FROM {fact} "
                "GROUP BY hash(household_key) HAVING COUNT(*) > 1)"
            )
        dupes = db.query(
            f"SELECT household_key, COUNT(*) AS copies, MIN(source_file) AS first_file, MAX(source_file) AS last_file "
            f"FROM {fact} {candidates} GROUP BY household_key HAVING COUNT(*) > 1 ORDER BY copies DESC LIMIT 50"
        )
        return dupes.empty, {"duplicated_keys": len(dupes), "sample": _md(dupes)}

    try:
        passed, metadata = _memoised(db, "fact_household_key_unique", [FACT_HOUSEHOLD], count)
    finally:
        db.close()
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)


@dg.asset_check(pool=WAREHOUSE_POOL, asset="mart_poverty_exit", blocking=True, description="各级汇总一致、剩余 = 识别 − 脱贫 + 返贫 / levels add up and remaining = registered − exited + returned")
def mart_poverty_exit_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()
    try:
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
    finally:
        db.close()
    return dg.AssetCheckResult(
        passed=parent_mismatch.empty and arithmetic.empty,
        metadata={"parent_child_mismatches": _md(parent_mismatch), "arithmetic_failures": _md(arithmetic)},
    )
