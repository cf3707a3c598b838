"""Serving layer: what BI tools open."""

import dagster as dg

from assets.metadata import OWNERS, TABLE_KINDS, WAREHOUSE_POOL
from assets.privacy import GUARD
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse.serving import BI_SCHEMA, READ_COPY_STORAGE, publish_read_copy
from schemas.registry import CATALOG

BI_TABLES = sorted(t.name for t in CATALOG.tables.values() if t.schema == BI_SCHEMA)
# On PostgreSQL there is no copy: what BI tools read is the server's, always the same thing.
SERVED_BY_SERVER = "served-by-the-server"


_HOW = {
    "kept": "earlier: no analytics table changed since",
    "updated": "this run, as the published copy with what changed since written into it",
    "written": "this run, every table copied",
}


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="serving",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=[*BI_TABLES, GUARD],
    description=(
        "BI 只读副本 / Read copy for BI tools\n\n"
        "DuckDB: the analytics tables copied into data/warehouse/published/<name>.duckdb and swapped in by an atomic "
        "rename, so a BI tool never holds the pipeline's file and never sees half a table. Written in DuckDB's "
        f"{READ_COPY_STORAGE} storage format, which DuckDB 1.x readers (Superset's driver among them) open too. "
        "PostgreSQL: nothing to do, "
        "readers query the server (grant them `etl-project grant-bi ROLE`)."
    ),
)
def published_read_copy(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        if db.dialect != "duckdb":
            return dg.MaterializeResult(
                metadata={"published": "not needed: BI tools read the PostgreSQL server"}, data_version=dg.DataVersion(SERVED_BY_SERVER)
            )
        path, copied, decision = publish_read_copy(db)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "tables": dg.MetadataValue.json(copied),
            "dagster/row_count": sum(copied.values()),
            "written": _HOW[decision.reason],
            "storage_format": f"DuckDB {READ_COPY_STORAGE} (opens in DuckDB 1.0 and later)",
        },
        data_version=decision.data_version,
    )
