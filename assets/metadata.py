"""Metadata every warehouse asset carries, derived from the schema registry."""


import dagster as dg

from etl_project.warehouse import default_url
from schemas.dagster_metadata import column_schema
from schemas.registry import Table

OWNERS = ["team:data-engineering"]
# Every step that opens the warehouse takes a slot of this pool: a DuckDB file has one writer at a
# time, so deploy/dagster.yaml gives the pool one slot and steps queue instead of meeting a lock.
WAREHOUSE_POOL = "warehouse"
# The warehouse engine the code location is configured for ($ETL_WAREHOUSE_URL), shown as the kind
# of every table asset in the UI.
WAREHOUSE_KIND = "postgres" if default_url().startswith("postgresql") else "duckdb"
TABLE_KINDS = {WAREHOUSE_KIND}
FRAME_KINDS = {"pandas", WAREHOUSE_KIND}


def table_metadata(table: Table, rows: int | None = None) -> dict:
    metadata = {
        "dagster/table_name": table.name,
        "dagster/column_schema": column_schema(table),
        "description_zh": table.zh,
        "description_en": table.en,
    }
    if rows is not None:
        metadata["dagster/row_count"] = dg.MetadataValue.int(rows)
    return metadata


def describe(table: Table, extra: str = "") -> str:
    return f"{table.zh}\n\n{table.en}" + (f"\n\n{extra}" if extra else "")
