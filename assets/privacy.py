"""The personal-data guard's last look: after every analytics and staging table is built and before
the read copy is published, each is searched by value and what is found is masked in place."""

import dagster as dg

from assets.checks import _md
from assets.metadata import OWNERS, WAREHOUSE_POOL
from etl_project.ingest.resources import RawFilesResource, WarehouseResource
from etl_project.warehouse.known_persons import known_persons
from etl_project.warehouse.personal_data_sweep import sweep_tables
from schemas.registry import CATALOG

GUARD = "personal_data_guard"
NOTHING_LEFT = "no_personal_data_left"
SWEPT_TABLES = sorted(
    (t for t in CATALOG.tables.values() if t.schema in ("analytics", "staging") or t.name == "quarantine"),
    key=lambda t: t.name,
)


@dg.asset(
    pool=WAREHOUSE_POOL,
    name=GUARD,
    group_name="serving",
    owners=OWNERS,
    kinds={"pandas"},
    deps=[t.name for t in SWEPT_TABLES],
    check_specs=[
        dg.AssetCheckSpec(
            NOTHING_LEFT,
            asset=GUARD,
            description=(
                "分析与暂存表中无身份证号、电话、银行卡号或已知人员姓名（发现即遮蔽）/ no ID, phone or bank card number "
                "or known person's name in any analytics, staging or quarantine table (what is found is masked in place)"
            ),
        )
    ],
    description=(
        "个人信息最终检查 / Personal-data guard\n\n"
        "Every text column of every analytics, staging and quarantine table searched by value for ID numbers (any "
        "spelling), phone and bank card numbers and the names of the persons the registries and ledgers name; what is "
        "found is masked where it stands, counted and reported. Runs before the read copy is published; a hit never "
        "stops the run. A table unchanged since it was found clean is not searched again."
    ),
)
def personal_data_guard(warehouse: WarehouseResource, raw_files: RawFilesResource):
    with warehouse.open() as db:
        hits, how, decision = sweep_tables(db, SWEPT_TABLES, known_persons(db, raw_files.key))
    masked = int(hits["values"].sum()) if not hits.empty else 0
    metadata = {"values_masked": masked, "hits": _md(hits), "tables": dg.MetadataValue.json(how)}
    yield dg.MaterializeResult(metadata=metadata, data_version=decision.data_version)
    # Staging masks what it writes; a value found here slipped past it, so it is a warning to look
    # at, while the rows stay (masked) and the run goes on.
    yield dg.AssetCheckResult(check_name=NOTHING_LEFT, passed=hits.empty, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)
