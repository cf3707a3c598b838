"""The last look before anything is published: every text column of every analytics, staging and
quarantine table searched for personal numbers and known names, and what is found masked where it
stands (one UPDATE per distinct value, bound parameters).

Staging already masks what it writes, so a clean warehouse finds nothing here; this is what keeps
the promise when a value slipped past (a table built by a later release from older rows, a name
learnt after the report that held it was loaded). A hit masks its rows and never stops the run.
A table is searched again only when it or the name book changed since it was last found clean.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import sqlalchemy as sa

from etl_project.core import personal_data
from etl_project.core.personal_data import MAY_HOLD, NAME_BEARING_COLUMNS, NameBook
from etl_project.warehouse.incremental import Decision, version_of
from etl_project.warehouse.incremental import tables as incremental_tables
from schemas.registry import Table

STEP = "personal_data_sweep"
HIT_COLUMNS = ["table", "column", "kind", "values", "example_masked"]


def sweep(db, tables: list[Table], names: NameBook) -> tuple[pd.DataFrame, dict[str, str]]:
    """Hits by table, column and kind (already masked in place), and per table whether it was
    searched now or kept its clean answer."""
    hits, how, _ = sweep_tables(db, tables, names)
    return hits, how


def sweep_tables(db, tables: list[Table], names: NameBook) -> tuple[pd.DataFrame, dict[str, str], Decision]:
    """``sweep``, and the decision over all the tables: kept when every one kept its clean answer,
    its version that of the tables as found clean and of the name book."""
    hits, how, decisions = [], {}, []
    book = names.version
    for table in tables:
        if not db.has_table(table):
            continue
        step, recipe = f"{STEP}:{table.name}", f"{STEP}:{book}"
        memo = incremental_tables.derived(db, step, [table], recipe)
        if memo.answer is not None:
            how[table.name] = "kept: unchanged since found clean"
            decisions.append(memo.kept(how[table.name]))
            continue
        found = _sweep_table(db, table, names)
        hits.extend(found)
        how[table.name] = f"searched now, {sum(h['values'] for h in found)} value(s) masked"
        # Fingerprinted after masking: the next run keeps this answer while nothing changes.
        decisions.append(incremental_tables.derived(db, step, [table], recipe).made(db, {"clean": True}, how[table.name]))
    searched = sum(not d.kept for d in decisions)
    decision = Decision(not searched, version_of(*(d.version for d in decisions)), f"{searched} of {len(decisions)} table(s) searched now")
    return pd.DataFrame(hits, columns=HIT_COLUMNS), how, decision


def _text_columns(db, table: Table) -> list[str]:
    present = set(db.columns(table))
    return [c for c in personal_data.sender_text_columns(table) if c in present]


def _sweep_table(db, table: Table, names: NameBook) -> list[dict]:
    found = []
    for column in _text_columns(db, table):
        col = db.quote(column)
        # Each distinct value once: the columns a sender's text reaches hold few (file, sheet and
        # place names) even in a national table, and grouping them is far cheaper than a regular
        # expression over every row.
        distinct = db.query(f"SELECT DISTINCT {col} AS value FROM {db.name(table)} WHERE {col} IS NOT NULL")["value"]
        book = names if column in NAME_BEARING_COLUMNS else None
        kinds: Counter = Counter()
        changes = {}
        for value in distinct:
            if not isinstance(value, str) or not MAY_HOLD.search(value):
                continue
            result = personal_data.mask_text(value, book)
            if result.found:
                changes[value] = result.text
                kinds.update(result.found)
        if changes:
            _mask_in_place(db, table, column, changes)
            for kind, count in kinds.items():
                example = next(text for value, text in changes.items() if kind in personal_data.mask_text(value, book).found)
                found.append({"table": table.name, "column": column, "kind": kind, "values": count, "example_masked": example[:80]})
    return found


def _mask_in_place(db, table: Table, column: str, changes: dict[str, str]) -> None:
    statement = sa.text(f"UPDATE {db.name(table)} SET {db.quote(column)} = :masked WHERE {db.quote(column)} = :value")
    with db.engine.begin() as connection:
        connection.execute(statement, [{"masked": masked, "value": value} for value, masked in changes.items()])
