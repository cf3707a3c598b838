"""Reports layer: every figure of every narrative report as a claim, reconciled with the warehouse.

A report that cannot be read fails alone (its reason in the metadata and the readable check); the
others are extracted. Mismatches and a report's own contradictions are warnings: they never block.
"""

import hashlib

import dagster as dg
import pandas as pd

from assets.checks import _md
from assets.metadata import FRAME_KINDS, OWNERS, WAREHOUSE_POOL, describe, table_metadata
from assets.raw import RAW_REPORTS
from etl_project.reconciliation import qualifier_of, reconcile
from etl_project.reports import UnreadableReport, default_regions, extract_report
from etl_project.resources import REPORT_SUFFIXES, RawFilesResource, WarehouseResource
from schemas.report_tables import RECONCILIATION, REPORT_CLAIM, REPORT_FINDING

QUALIFIER_WINDOW = 3  # characters either side of a figure where its qualifier may stand


def _period_bounds(period: str | None) -> tuple[int | None, int | None]:
    if not period:
        return None, None
    years = [int(p) for p in str(period).split("-") if p.strip().isdigit()]
    return (years[0], years[-1]) if years else (None, None)


def claim_rows(report: dict, report_id: str, source_file: str) -> pd.DataFrame:
    body = report["body"]
    rows = []
    for index, claim in enumerate(report["claims"]):
        start, end = claim["start"], claim["end"]
        first, last = _period_bounds(claim.get("period"))
        window = body[max(0, start - QUALIFIER_WINDOW) : end + QUALIFIER_WINDOW]
        rows.append(
            {
                "report_id": report_id,
                "source_file": source_file,
                "report_date": pd.Timestamp(report["report_date"]) if report.get("report_date") else pd.NaT,
                "claim_index": index,
                "value": float(claim["value"]),
                "range_high": claim.get("range_high"),
                "unit": claim["unit"],
                "approx": bool(claim.get("approx")),
                "qualifier": qualifier_of(window) if claim.get("approx") else None,
                "figure_text": body[start:end],
                "metric": claim["metric"],
                "period": claim.get("period"),
                "period_start": first,
                "period_end": last,
                "region": claim.get("region"),
                "region_code": claim.get("region_code"),
                "sentence": claim.get("text"),
                "start_offset": start,
                "end_offset": end,
            }
        )
    frame = pd.DataFrame(rows, columns=REPORT_CLAIM.column_names)
    for column in ("period_start", "period_end"):
        frame[column] = frame[column].astype("Int64")
    return frame


def finding_rows(report: dict, report_id: str, source_file: str) -> pd.DataFrame:
    rows = [
        {
            "report_id": report_id,
            "source_file": source_file,
            "rule": finding["rule"],
            "message_zh": finding.get("message_zh"),
            "message_en": finding.get("message_en"),
            "claim_indexes": ",".join(str(i) for i in finding.get("claims", [])),
        }
        for finding in report["findings"]
    ]
    return pd.DataFrame(rows, columns=REPORT_FINDING.column_names)


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(t.name, group_name="reports", owners=OWNERS, kinds=FRAME_KINDS, deps=[RAW_REPORTS],
                     description=describe(t), metadata=table_metadata(t))
        for t in (REPORT_CLAIM, REPORT_FINDING)
    ],
    can_subset=False,
)
def report_extraction(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource):
    regions = default_regions()
    claims, findings, failed = [], [], {}
    for raw in raw_files.files("reports", REPORT_SUFFIXES):
        try:
            report = extract_report(raw.path, regions)
        except UnreadableReport as exc:
            context.log.error(f"{raw.relative}: {exc}")
            failed[raw.relative] = str(exc)
            continue
        report_id = hashlib.sha256(raw.path.read_bytes()).hexdigest()[:16]
        claims.append(claim_rows(report, report_id, raw.relative))
        findings.append(finding_rows(report, report_id, raw.relative))
    db = warehouse.open()
    try:
        claim_count = db.replace(REPORT_CLAIM, claims or [pd.DataFrame(columns=REPORT_CLAIM.column_names)])
        finding_count = db.replace(REPORT_FINDING, findings or [pd.DataFrame(columns=REPORT_FINDING.column_names)])
    finally:
        db.close()
    yield dg.MaterializeResult(
        asset_key=REPORT_CLAIM.name,
        metadata={
            **table_metadata(REPORT_CLAIM, claim_count),
            "reports_read": len(claims),
            "reports_failed": len(failed),
            "failed_reports": dg.MetadataValue.json(failed),
        },
    )
    yield dg.MaterializeResult(asset_key=REPORT_FINDING.name, metadata=table_metadata(REPORT_FINDING, finding_count))


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="reports",
    owners=OWNERS,
    kinds=FRAME_KINDS,
    deps=["report_claim", "mart_investment", "mart_poverty_exit", "dim_project", "dim_region"],
    description=describe(RECONCILIATION, "Tolerance: 1 % of the warehouse figure; a qualified figure matches inside the range its wording allows."),
    metadata=table_metadata(RECONCILIATION),
)
def reconciliation(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        claims = db.query(f"SELECT * FROM {db.name(REPORT_CLAIM)} ORDER BY source_file, claim_index")
        frame = reconcile(db, claims)
        rows = db.replace(RECONCILIATION, frame)
    finally:
        db.close()
    return dg.MaterializeResult(
        metadata={**table_metadata(RECONCILIATION, rows), "by_status": dg.MetadataValue.json(frame["status"].value_counts().to_dict())}
    )


@dg.asset_check(pool=WAREHOUSE_POOL, asset="report_claim", description="每份报告都能读取 / every report could be read")
def report_files_readable(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    materialization = context.instance.get_latest_materialization_event(dg.AssetKey("report_claim"))
    failed = {}
    if materialization is not None:
        entry = materialization.asset_materialization.metadata.get("failed_reports")
        failed = entry.value if entry is not None else {}
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failed_reports": dg.MetadataValue.json(failed)},
    )


@dg.asset_check(pool=WAREHOUSE_POOL, asset="reconciliation", description="报告数字与仓库一致 / report figures agree with the warehouse")
def report_figures_reconcile(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()
    try:
        mismatches = db.query(
            f"SELECT r.source_file, r.claim_index, r.metric, r.region_code, r.period, r.claimed_value, r.warehouse_value, "
            f"r.difference, c.sentence FROM {db.name(RECONCILIATION)} r JOIN {db.name(REPORT_CLAIM)} c "
            "ON c.report_id = r.report_id AND c.claim_index = r.claim_index WHERE r.status = 'mismatch' "
            "ORDER BY r.source_file, r.claim_index"
        )
        counts = db.query(f"SELECT status, COUNT(*) AS claims FROM {db.name(RECONCILIATION)} GROUP BY status ORDER BY status")
    finally:
        db.close()
    return dg.AssetCheckResult(
        passed=mismatches.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"mismatches": len(mismatches), "by_status": _md(counts), "detail": _md(mismatches)},
    )


@dg.asset_check(pool=WAREHOUSE_POOL, asset="report_finding", description="报告自身数字一致 / no report contradicts itself")
def reports_self_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    db = warehouse.open()
    try:
        findings = db.query(f"SELECT source_file, rule, message_en, claim_indexes FROM {db.name(REPORT_FINDING)} ORDER BY source_file")
    finally:
        db.close()
    return dg.AssetCheckResult(
        passed=findings.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"findings": len(findings), "detail": _md(findings)},
    )
