"""The short report printed after a run: tables and rows, checks, quarantine and per-file accounting."""

from __future__ import annotations

from pathlib import PurePosixPath

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse
from schemas.registry import CATALOG
from schemas.tables import LOAD_AUDIT, QUARANTINE


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


def quarantine_counts(db: Warehouse) -> tuple[int, int]:
    """What the quarantine holds: problems (its rows) and the source rows they were found in, which
    are fewer when a row breaks several rules."""
    if not db.has_table(QUARANTINE):
        return 0, 0
    q = db.name(QUARANTINE)
    problems = db.scalar(f"SELECT COUNT(*) FROM {q}")
    rows = db.scalar(f"SELECT COUNT(*) FROM (SELECT DISTINCT source_file, source_sheet, source_row FROM {q}) AS rejected")
    return int(problems), int(rows)


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


def reason_of(source_file: str, message: str | None) -> str:
    """A failed file's message without the file's name in front, which the line gives already."""
    message = message or ""
    names = (f"{source_file}: ", f"{PurePosixPath(source_file).name}: ")
    while message.startswith(names):
        message = message.removeprefix(next(name for name in names if message.startswith(name)))
    return message


def render(tables: pd.DataFrame, checks: pd.DataFrame, files: pd.DataFrame, quarantine: tuple[int, int] | None = None) -> str:
    lines = ["", "Tables", tables.to_string(index=False), ""]
    if quarantine is not None:
        problems, rows = quarantine
        lines += [f"Quarantine: {problems} problems in {rows} source rows (audit.quarantine has a row per problem)", ""]
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
            lines.append(f"FAILED {row.source_file}: {reason_of(row.source_file, row.message)}")
        if "warnings" in files:
            for row in files[files["warnings"].notna() & (files["status"] == "loaded")].itertuples():
                lines += [f"WARNING {row.source_file}: {warning}" for warning in row.warnings.splitlines()]
    return "\n".join(lines)
