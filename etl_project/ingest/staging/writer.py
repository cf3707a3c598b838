"""Staged files into the warehouse as they come: each file's new rows replace its old ones in its
staging table, in the quarantine and (ledgers) among the ledger totals.

A national run stages tens of millions of rows; they are written every few hundred thousand rows
rather than held until the end, so memory stays flat whatever the number of counties. A file's old
rows are deleted only from tables that hold some (each table's files are listed once, up front), so
a first load deletes nothing and a one-county rerun deletes one county's rows.

A run stopped halfway has replaced some files and not others; load_audit is written after all of
them, so the next run reads again every file this one did not record, and replaces its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from etl_project.warehouse.engine import Warehouse
from schemas.registry import Table

FLUSH_ROWS = 400_000


@dataclass
class _Batch:
    frames: list = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rows: int = 0


class StagingWriter:
    def __init__(self, db: Warehouse, flush_rows: int = FLUSH_ROWS):
        self.db = db
        self.flush_rows = flush_rows
        self._batches: dict[str, tuple[Table, _Batch]] = {}
        self._holding: dict[str, set[str]] = {}

    def replace(self, table: Table, source_file: str, rows: pd.DataFrame | pa.Table | None) -> None:
        """The file's rows in ``table`` become ``rows`` (none: the file has no rows there now)."""
        _, batch = self._batches.setdefault(table.name, (table, _Batch()))
        batch.files.append(source_file)
        if rows is not None and len(rows):
            if isinstance(rows, pd.DataFrame) and self.db.dialect == "duckdb":
                # Held as Arrow until the batch is written, as the write would make it: a batch of
                # quarantine rows as Python strings (messages in two languages) took several times
                # the memory.
                rows = self.db.arrow_rows(table, rows)
            batch.frames.append(rows)
            batch.rows += len(rows)
        if batch.rows >= self.flush_rows:
            self.flush(table)

    def stored_rows(self, table: Table, source_file: str, columns: list[str]) -> pd.DataFrame | None:
        """The file's rows as the table holds them before this run replaces them; None when it holds
        none (a new file costs no query)."""
        if source_file not in self._files_held(table):
            return None
        selected = ", ".join(self.db.quote(c) for c in columns)
        return self.db.query(f"SELECT {selected} FROM {self.db.name(table)} WHERE source_file = :file", {"file": source_file})

    def flush(self, table: Table | None = None) -> None:
        """Write what is waiting (for one table, or for all)."""
        for name in [table.name] if table is not None else list(self._batches):
            if name not in self._batches:
                continue
            target, batch = self._batches.pop(name)
            holding = self._files_held(target)
            stale = sorted(set(batch.files) & holding)
            condition = self.db.reference(target).c.source_file.in_(stale) if stale else None
            if batch.frames or condition is not None:
                self.db.replace_where(target, batch.frames, condition)
            holding.difference_update(stale)

    def _files_held(self, table: Table) -> set[str]:
        if table.name not in self._holding:
            found = self.db.query(f"SELECT DISTINCT source_file FROM {self.db.name(table)}")
            self._holding[table.name] = set(found["source_file"].dropna())
        return self._holding[table.name]
