"""The last look before anything is published: every text column of every analytics, staging and
quarantine table searched for personal numbers and known names, and what is found masked where it
stands (one UPDATE per distinct value, bound parameters).

Staging already masks what it writes, so a clean warehouse finds nothing here; this is what keeps
the promise when a value slipped past (a table built by a later release from older rows, a name
learnt after the report that held it was loaded). A hit masks its rows and never stops the run.
A table is searched again only when it or the name book changed since it was last found clean;
where its rows stand per file, only the rows of the files loaded since, and, when names were learnt
since, the columns where names are looked for, whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from etl_project.core import personal_data
from etl_project.core.personal_data import MAY_HOLD, NAME_BEARING_COLUMNS, NameBook
from etl_project.warehouse.incremental import Decision, version_of
from etl_project.warehouse.incremental import tables as incremental_tables
from etl_project.warehouse.incremental.checks import FILES_CHECKED_ALONE
from etl_project.warehouse.incremental.memo import recall_last
from schemas import source_catalog
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
        stands = _standing(db, table)
        scope = _changed_since_clean(db, step, stands, book)
        found = _sweep_table(db, table, names, scope)
        hits.extend(found)
        searched = "searched now" if scope is None else f"searched now over the rows of {len(scope.files)} changed file(s)"
        if scope is not None and scope.names_everywhere:
            searched += " and its name columns whole, for names learnt since"
        how[table.name] = f"{searched}, {sum(h['values'] for h in found)} value(s) masked"
        answer = {"clean": True, "book": book}
        if stands is not None:
            answer.update(built_how=stands.how, built_from=stands.latest.isoformat())
        # Fingerprinted after masking: the next run keeps this answer while nothing changes.
        decisions.append(incremental_tables.derived(db, step, [table], recipe).made(db, answer, how[table.name]))
    searched = sum(not d.kept for d in decisions)
    decision = Decision(not searched, version_of(*(d.version for d in decisions)), f"{searched} of {len(decisions)} table(s) searched now")
    return pd.DataFrame(hits, columns=HIT_COLUMNS), how, decision


@dataclass(frozen=True)
class Standing:
    """How a table's rows stand against the file loads: how it is built, and the time of the latest
    load of its sources it holds. Its rows of a file change only when that file is loaded again."""

    how: str
    latest: datetime
    sources: tuple[str, ...]


def _standing(db, table: Table) -> Standing | None:
    """None for a table whose rows are not kept per file (no source_file column, or none known)."""
    if "source_file" not in table.column_names:
        return None
    built = incremental_tables.marker(db, table.name)
    if built is not None:
        how, generation = built
        sources = tuple(s.name for s in source_catalog.sources())
    else:
        sources = incremental_tables.loading_sources(table)
        if not sources:
            return None
        how, generation = f"loaded:{incremental_tables.recipe(table)}", incremental_tables.current(db, sources)
    return Standing(how, generation.latest, sources) if generation.latest is not None else None


@dataclass(frozen=True)
class Scope:
    """What a sweep need look at again: the rows of these files, and, when names were learnt since
    the table was found clean, every row of the columns where names are looked for."""

    files: list[str]
    names_everywhere: bool


def _changed_since_clean(db, step: str, stands: Standing | None, book: str) -> Scope | None:
    """The rows to search again when the table was found clean, built the same way, and few of its
    files changed since; None: the whole table."""
    last = recall_last(db, step)
    if stands is None or last is None or last.get("built_how") != stands.how or "built_from" not in last:
        return None
    files = incremental_tables.changed_files(db, stands.sources, datetime.fromisoformat(last["built_from"]))
    if len(files) > FILES_CHECKED_ALONE:
        return None
    return Scope(files, names_everywhere=last.get("book") != book)


def _text_columns(db, table: Table) -> list[str]:
    present = set(db.columns(table))
    return [c for c in personal_data.sender_text_columns(table) if c in present]


def _sweep_table(db, table: Table, names: NameBook, scope: Scope | None) -> list[dict]:
    found = []
    for column in _text_columns(db, table):
        col = db.quote(column)
        book = names if column in NAME_BEARING_COLUMNS else None
        whole = scope is None or (book is not None and scope.names_everywhere)
        if not whole and not scope.files:
            continue
        # Each distinct value once: the columns a sender's text reaches hold few (file, sheet and
        # place names) even in a national table, and grouping them is far cheaper than a regular
        # expression over every row.
        where, params = (f"{col} IS NOT NULL", {}) if whole else (f"{col} IS NOT NULL AND source_file IN :files", {"files": scope.files})
        distinct = db.query(f"SELECT DISTINCT {col} AS value FROM {db.name(table)} WHERE {where}", params)["value"]
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
