"""The last look before anything is published: every text column of every analytics, staging and
quarantine table searched for personal numbers and known names, and what is found masked where it
stands (one UPDATE per distinct value, bound parameters).

Staging already masks what it writes, so a clean warehouse finds nothing here; this is what keeps
the promise when a value slipped past (a table built by a later release from older rows, a name
learnt after the report that held it was loaded). A hit masks its rows and never stops the run.
A table is searched again only when it or the name book changed since it was last found clean.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import sqlalchemy as sa

from etl_project import fingerprint, personal_data
from etl_project.personal_data import NAME_BEARING_COLUMNS, NameBook
from schemas.registry import CODE, STRING, Table

STEP = "personal_data_sweep"
# Prefilters the database applies before a value reaches Python: seven digits or more (separators
# allowed), or Han characters where names are looked for.
_NUMBER_SQL = "[0-9０-９][0-9０-９ \\-－]{5,}[0-9０-９XxＸｘ]"
_HAN_SQL = "[一-龥]"
HIT_COLUMNS = ["table", "column", "kind", "values", "example_masked"]


def sweep(db, tables: list[Table], names: NameBook) -> tuple[pd.DataFrame, dict[str, str]]:
    """Hits by table, column and kind (already masked in place), and per table whether it was
    searched now or kept its clean answer."""
    hits, how = [], {}
    book = names.version
    for table in tables:
        if not db.has_table(table):
            continue
        key = fingerprint.fingerprints(db, [table], recipe=f"{STEP}:{book}")
        if key is not None and fingerprint.recall(db, f"{STEP}:{table.name}", key) is not None:
            how[table.name] = "kept: unchanged since found clean"
            continue
        found = _sweep_table(db, table, names)
        hits.extend(found)
        how[table.name] = f"searched now, {sum(h['values'] for h in found)} value(s) masked"
        # Fingerprinted after masking: the next run keeps this answer while nothing changes.
        fingerprint.remember(db, f"{STEP}:{table.name}", fingerprint.fingerprints(db, [table], recipe=f"{STEP}:{book}"), {"clean": True})
    return pd.DataFrame(hits, columns=HIT_COLUMNS), how


def _text_columns(db, table: Table) -> list[str]:
    present = set(db.columns(table))
    return [f.name for f in table.fields if f.type in (STRING, CODE) and f.name in present]


def _sweep_table(db, table: Table, names: NameBook) -> list[dict]:
    found = []
    for column in _text_columns(db, table):
        col = db.quote(column)
        patterns = [_NUMBER_SQL] + ([_HAN_SQL] if column in NAME_BEARING_COLUMNS and len(names) else [])
        match = " OR ".join(
            (f"regexp_matches({col}, :p{i})" if db.dialect == "duckdb" else f"{col} ~ :p{i}") for i in range(len(patterns))
        )
        params = {f"p{i}": p for i, p in enumerate(patterns)}
        candidates = db.query(f"SELECT DISTINCT {col} AS value FROM {db.name(table)} WHERE {match}", params)["value"]
        kinds: Counter = Counter()
        changes = {}
        for value in candidates:
            result = personal_data.mask_text(value, names if column in NAME_BEARING_COLUMNS else None)
            if result.found:
                changes[value] = result.text
                kinds.update(result.found)
        if changes:
            _mask_in_place(db, table, column, changes)
            for kind, count in kinds.items():
                example = next(text for value, text in changes.items() if kind in personal_data.mask_text(value, names).found)
                found.append({"table": table.name, "column": column, "kind": kind, "values": count, "example_masked": example[:80]})
    return found


def _mask_in_place(db, table: Table, column: str, changes: dict[str, str]) -> None:
    statement = sa.text(f"UPDATE {db.name(table)} SET {db.quote(column)} = :masked WHERE {db.quote(column)} = :value")
    with db.engine.begin() as connection:
        connection.execute(statement, [{"masked": masked, "value": value} for value, masked in changes.items()])


def describe(how: dict[str, str]) -> str:
    return json.dumps(how, ensure_ascii=False)
