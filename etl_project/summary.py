"""The short report printed after a run: tables and rows, checks, quarantine and per-file accounting."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from etl_project.warehouse import Warehouse
from schemas.registry import CATALOG
from schemas.tables import LOAD_AUDIT


def table_counts(db: Warehouse) -> pd.DataFrame:
    rows = []
    for table in CATALOG.tables.values():
        if table.layer == "source":
            continue
        rows.append({"table": table.name, "layer": table.layer, "rows": db.row_count(table) if db.has_table(table) else None})
    frame = pd.DataFrame(rows)
    frame["rows"] = frame["rows"].astype("Int64")
    return frame


def file_accounting(db: Warehouse, run_id: str) -> pd.DataFrame:
    audit = db.reference(LOAD_AUDIT)
    columns = ["source_file", "status", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "message", "warnings"]
    if not db.has_table(LOAD_AUDIT):
        return pd.DataFrame(columns=columns)
    statement = sa.select(*[audit.c[c] for c in columns]).where(audit.c.run_id == run_id).order_by(audit.c.source_file)
    with db.engine.connect() as connection:
        return pd.read_sql(statement, connection)


def check_outcomes(evaluations: list[dg.AssetCheckEvaluation]) -> pd.DataFrame:
    rows = []
    for evaluation in evaluations:
        rows.append(
            {
                "check": evaluation.check_name,
                "asset": evaluation.asset_key.to_user_string(),
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
            }
        )
    return pd.DataFrame(rows, columns=["check", "asset", "passed", "severity"])


def render(tables: pd.DataFrame, checks: pd.DataFrame, files: pd.DataFrame) -> str:
    lines = ["", "Tables", tables.to_string(index=False), ""]
    if not checks.empty:
        passed = int(checks["passed"].sum())
        lines += [f"Checks: {passed} passed, {len(checks) - passed} failed", checks.to_string(index=False), ""]
    if not files.empty:
        shown = files.drop(columns=["message", "warnings"], errors="ignore")
        lines += [
            f"Files: {len(files)}, rows read {int(files['rows_read'].sum())}, loaded {int(files['rows_loaded'].sum())}, "
            f"quarantined {int(files['rows_quarantined'].sum())}, skipped {int(files['rows_skipped'].sum())}",
            shown.to_string(index=False),
        ]
        for row in files[files["status"] == "failed"].itertuples():
            lines.append(f"FAILED {row.source_file}: {row.message}")
        if "warnings" in files:
            for row in files[files["warnings"].notna() & (files["status"] == "loaded")].itertuples():
                lines += [f"WARNING {row.source_file}: {warning}" for warning in row.warnings.splitlines()]
    return "\n".join(lines)
