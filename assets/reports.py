"""Reports layer: every figure of every narrative report as a claim, reconciled with the warehouse.

Each report is a partition of staged_file, extracted when its content changed; a report that
cannot be read fails its own partition, the others load. Here the claim and finding tables are
published with their counts. Mismatches and a report's own contradictions are warnings: they never
block.
"""

import dagster as dg

from assets.checks import _md
from assets.metadata import FRAME_KINDS, OWNERS, WAREHOUSE_POOL, describe, table_asset, table_check, table_metadata
from assets.staging import STAGED_FILE, latest_file_states
from etl_project.ingest.resources import WarehouseResource
from etl_project.reports.reconciliation import as_read, reconcile
from etl_project.warehouse import figures
from etl_project.warehouse.incremental import tables
from etl_project.warehouse.names import named_frame
from schemas.report_tables import RECONCILIATION, REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM

_REPORT_TABLES = (REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM)


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(
            t.name,
            group_name="reports",
            owners=OWNERS,
            kinds=FRAME_KINDS,
            deps=[STAGED_FILE],
            description=describe(t, "Rows of each report are written by its staged_file partition."),
            metadata=table_metadata(t),
        )
        for t in _REPORT_TABLES
    ],
    can_subset=False,
)
def report_tables(warehouse: WarehouseResource):
    with warehouse.open() as db:
        for table in _REPORT_TABLES:
            db.ensure_table(table)
        counts = {table.name: db.row_count(table) for table in _REPORT_TABLES}
        versions = {table.name: tables.staged(db, table, removed_now=0).data_version for table in _REPORT_TABLES}
        state = latest_file_states(db)
    reports = state[state["source"] == "reports"]
    failed = dict(zip(reports.loc[reports["status"] == "failed", "source_file"], reports.loc[reports["status"] == "failed", "message"]))
    yield dg.MaterializeResult(
        asset_key=REPORT_CLAIM.name,
        metadata={
            **table_metadata(REPORT_CLAIM, counts[REPORT_CLAIM.name]),
            "reports": len(reports),
            "reports_failed": len(failed),
            "failed_reports": dg.MetadataValue.json(failed),
        },
        data_version=versions[REPORT_CLAIM.name],
    )
    for table in _REPORT_TABLES[1:]:
        yield dg.MaterializeResult(
            asset_key=table.name, metadata=table_metadata(table, counts[table.name]), data_version=versions[table.name]
        )


@table_asset(
    RECONCILIATION,
    group="reports",
    note="Tolerance: 1 % of the warehouse figure; a qualified figure matches inside the range its wording allows.",
    kinds=FRAME_KINDS,
)
def reconciliation(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        claims = db.query(f"SELECT * FROM {db.name(REPORT_CLAIM)} ORDER BY source_file, claim_index")
        frame = named_frame(db, RECONCILIATION, reconcile(db, claims))
        rows = db.replace(RECONCILIATION, frame)
        decision = tables.rewritten(db, RECONCILIATION)
        figure = figures.reconciliation_mismatches(db)
    return dg.MaterializeResult(
        metadata={
            **table_metadata(RECONCILIATION, rows),
            "by_status": dg.MetadataValue.json(frame["status"].value_counts().to_dict()),
            "mismatches": dg.MetadataValue.md(figure),
        },
        data_version=decision.data_version,
    )


@table_check(RECONCILIATION, "报告数字与仓库一致 / report figures agree with the warehouse")
def report_figures_reconcile(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        mismatches = db.query(
            f"SELECT r.source_file, r.claim_index, r.metric, r.region_code, r.period, r.claimed_value, r.warehouse_value, "
            f"r.difference, c.sentence, c.figure_text FROM {db.name(RECONCILIATION)} r JOIN {db.name(REPORT_CLAIM)} c "
            "ON c.report_id = r.report_id AND c.claim_index = r.claim_index WHERE r.status = 'mismatch' "
            "ORDER BY r.source_file, r.claim_index"
        )
        counts = db.query(f"SELECT status, COUNT(*) AS claims FROM {db.name(RECONCILIATION)} GROUP BY status ORDER BY status")
    return dg.AssetCheckResult(
        passed=mismatches.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"mismatches": len(mismatches), "by_status": _md(counts), "detail": _md(as_read(mismatches))},
    )


@table_check(REPORT_FINDING, "报告自身数字一致 / no report contradicts itself")
def reports_self_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        findings = db.query(f"SELECT source_file, rule, message_en, claim_indexes FROM {db.name(REPORT_FINDING)} ORDER BY source_file")
    return dg.AssetCheckResult(
        passed=findings.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"findings": len(findings), "detail": _md(findings)},
    )
