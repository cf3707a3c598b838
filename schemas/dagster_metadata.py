"""Dagster ``dagster/column_schema`` and ``dagster/column_lineage`` metadata derived from the registry."""

from __future__ import annotations

import dagster as dg

from schemas.registry import Table


def column_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=f.name,
                type=f.type,
                description=f.description,
                constraints=dg.TableColumnConstraints(nullable=not f.required),
            )
            for f in table.fields
            if not f.personal
        ]
    )


def column_lineage(table: Table) -> dg.TableColumnLineage | None:
    """The columns of its inputs each column is computed from, as its fields declare them; None
    for a table that declares no lineage."""
    deps_by_column = {
        f.name: [
            dg.TableColumnDep(asset_key=dg.AssetKey(source), column_name=column)
            for source, column in (ref.split(".", 1) for ref in f.derived_from)
        ]
        for f in table.fields
        if f.derived_from
    }
    return dg.TableColumnLineage(deps_by_column=deps_by_column) if deps_by_column else None
