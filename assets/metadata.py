"""Metadata every warehouse asset carries, derived from the schema registry."""

import dagster as dg

from schemas.dagster_metadata import column_lineage, column_schema
from schemas.names import names_regions
from schemas.registry import Table
from schemas.tables import DIM_REGION

OWNERS = ["team:data-engineering"]
# Every step that opens the warehouse takes a slot of this pool: a DuckDB file has one writer at a
# time, so deploy/dagster.yaml gives the pool one slot and steps queue instead of meeting a lock.
WAREHOUSE_POOL = "warehouse"
# Stands for the engine of the warehouse the code location is built for ($ETL_WAREHOUSE_URL), which
# etl_project/orchestration/definitions.py shows as the kind of every table asset in the UI.
WAREHOUSE_KIND = "warehouse"
TABLE_KINDS = {WAREHOUSE_KIND}
FRAME_KINDS = {"pandas", WAREHOUSE_KIND}
# The metadata key under which the staging step's failure lists each failed file and its reason
# (read back by the failure sensor).
FAILED_FILES = "failed_files"


def engine_kind(url: str) -> str:
    return "postgres" if url.startswith("postgresql") else "duckdb"


def table_metadata(table: Table, rows: int | None = None) -> dict:
    """Without rows, the metadata of the table's asset, its column lineage included; with rows,
    what a materialization of it reports."""
    metadata = {
        "dagster/table_name": table.name,
        "dagster/column_schema": column_schema(table),
        "description_zh": table.zh,
        "description_en": table.en,
    }
    if rows is not None:
        metadata["dagster/row_count"] = dg.MetadataValue.int(rows)
    elif (lineage := column_lineage(table)) is not None:
        metadata["dagster/column_lineage"] = lineage
    return metadata


def upstream(table: Table) -> list[str]:
    """The assets the table's asset depends on: the tables it declares it reads, and dim_region
    when it names regions beside their codes."""
    names = [DIM_REGION.name] if names_regions(table) else []
    return list(dict.fromkeys([*table.inputs, *names]))


def describe(table: Table, extra: str = "") -> str:
    return f"{table.zh}\n\n{table.en}" + (f"\n\n{extra}" if extra else "")


def table_asset(table: Table, *, group: str | None = None, note: str = "", kinds: set[str] = TABLE_KINDS):
    """The decorator of the asset that builds ``table``: its name, dependencies, description and
    metadata follow from the table's declaration, so an asset cannot drift from its table."""
    return dg.asset(
        pool=WAREHOUSE_POOL,
        name=table.name,
        group_name=group or table.layer,
        owners=OWNERS,
        kinds=kinds,
        deps=upstream(table),
        description=describe(table, note),
        metadata=table_metadata(table),
    )


def table_check(table: Table, description: str, **options):
    """The decorator of a check on ``table``'s asset; it takes the warehouse pool as every step that
    opens the warehouse does."""
    return dg.asset_check(pool=WAREHOUSE_POOL, asset=table.name, description=description, **options)
