"""Dagster ``dagster/column_schema`` metadata derived from the registry."""

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
