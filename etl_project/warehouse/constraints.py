"""What a table's declaration promises of its rows, looked for in the warehouse: its primary key
repeated on no two rows, and its required columns empty (NULL) on none.

The SQL is made from the declaration alone, so a table declared in schemas/ is checked without
being named here. Either the whole table is looked at, or the rows of some source files only (see
etl_project/warehouse/incremental/checks.py for when that is enough).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas.registry import Table

SOURCE_FILE = "source_file"
# Where a sample row can be found again: a file, its sheet and row, when the table keeps them.
_PROVENANCE = ("source_file", "source_sheet", "source_row")


@dataclass(frozen=True)
class Constraints:
    """The constraints a table declares: its primary key and its required columns."""

    table: Table
    key: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def per_file(self) -> bool:
        """Whether each row names the file it came from, so that some files' rows can be looked at alone."""
        return SOURCE_FILE in self.table.column_names

    @property
    def locator(self) -> tuple[str, ...]:
        """The columns that show where a sample row is: its key, then its file, sheet and row."""
        kept = set(self.table.column_names)
        return tuple(dict.fromkeys([*self.key, *(c for c in _PROVENANCE if c in kept)]))


def declared(table: Table) -> Constraints | None:
    """The table's constraints; None when it declares neither a key nor a required column."""
    required = tuple(f.name for f in table.fields if f.required)
    if not table.primary_key and not required:
        return None
    return Constraints(table, tuple(table.primary_key), required)


@dataclass(frozen=True)
class Findings:
    rows_checked: int
    duplicated_keys: int  # distinct key values held by more than one row
    duplicates: pd.DataFrame  # a sample of them: the key, its copies, and the first and last file holding it
    rows_missing: int  # rows with a required column empty
    missing_by_column: dict[str, int]  # the required columns found empty, with how many rows each
    missing: pd.DataFrame  # a sample of those rows: where each is, and which columns are empty

    @property
    def passed(self) -> bool:
        return self.duplicated_keys == 0 and self.rows_missing == 0


@dataclass(frozen=True)
class Queries:
    """The SQL a table's constraints are looked for with, on one warehouse: also what an answer kept
    for them is known by, so that a change of declaration or of SQL is looked at afresh."""

    duplicates_all: str
    duplicates_in_files: str
    missing_counts_all: str
    missing_counts_in_files: str
    missing_rows_all: str
    missing_rows_in_files: str


def queries(db, constraints: Constraints, sample_rows: int) -> Queries:
    table, quote = db.name(constraints.table), db.quote
    in_files = f"{quote(SOURCE_FILE)} IN :files"
    return Queries(
        duplicates_all=_duplicates_sql(db, constraints, table, whole=True, limit=sample_rows),
        duplicates_in_files=_duplicates_sql(db, constraints, table, whole=False, limit=sample_rows),
        missing_counts_all=_missing_counts_sql(constraints, table, quote, ""),
        missing_counts_in_files=_missing_counts_sql(constraints, table, quote, in_files),
        missing_rows_all=_missing_rows_sql(constraints, table, quote, "", sample_rows),
        missing_rows_in_files=_missing_rows_sql(constraints, table, quote, in_files, sample_rows),
    )


def _key_value(db, constraints: Constraints) -> tuple[str, str]:
    """What equal keys share, as compared and as a subquery selects it. On DuckDB the hash of the
    key columns: grouping 30 million 64-bit hashes is several times faster than grouping the keys,
    and only the keys whose hash repeats are then grouped themselves, so the answer is the same.
    Elsewhere the key columns themselves."""
    columns = ", ".join(db.quote(c) for c in constraints.key)
    return (f"hash({columns})", f"hash({columns})") if db.dialect == "duckdb" else (f"({columns})", columns)


def _duplicates_sql(db, constraints: Constraints, table: str, whole: bool, limit: int) -> str:
    if not constraints.key:
        return ""
    key, selected = _key_value(db, constraints)
    if whole:
        # Only on DuckDB is grouping the hash first the cheaper way round.
        candidates = (
            f"WHERE {key} IN (SELECT {selected} FROM {table} GROUP BY {selected} HAVING COUNT(*) > 1)" if db.dialect == "duckdb" else ""
        )
    else:
        # The key was unique when the check last passed and the other files' rows did not change
        # since, so a key now repeated has a row of a changed file.
        candidates = f"WHERE {key} IN (SELECT {selected} FROM {table} WHERE {db.quote(SOURCE_FILE)} IN :files)"
    columns = ", ".join(db.quote(c) for c in constraints.key)
    files = f", MIN({db.quote(SOURCE_FILE)}) AS first_file, MAX({db.quote(SOURCE_FILE)}) AS last_file" if constraints.per_file else ""
    # The window counts the groups HAVING keeps, so one pass gives the count and the sample.
    return (
        f"SELECT {columns}, COUNT(*) AS copies{files}, COUNT(*) OVER () AS duplicated_keys FROM {table} {candidates} "
        f"GROUP BY {columns} HAVING COUNT(*) > 1 ORDER BY copies DESC, {columns} LIMIT {int(limit)}"
    )


def _empty(constraints: Constraints, quote) -> str:
    return " OR ".join(f"{quote(c)} IS NULL" for c in constraints.required)


def _missing_counts_sql(constraints: Constraints, table: str, quote, where: str) -> str:
    counts = "".join(f", SUM(CASE WHEN {quote(c)} IS NULL THEN 1 ELSE 0 END) AS {quote(c)}" for c in constraints.required)
    any_empty = f", SUM(CASE WHEN {_empty(constraints, quote)} THEN 1 ELSE 0 END) AS rows_missing" if constraints.required else ""
    return f"SELECT COUNT(*) AS rows_checked{any_empty}{counts} FROM {table}" + (f" WHERE {where}" if where else "")


def _missing_rows_sql(constraints: Constraints, table: str, quote, where: str, limit: int) -> str:
    if not constraints.required:
        return ""
    located = [quote(c) for c in constraints.locator]
    flags = [f"CASE WHEN {quote(c)} IS NULL THEN 1 ELSE 0 END AS {quote(_flag(c))}" for c in constraints.required]
    condition = f"({_empty(constraints, quote)})" + (f" AND {where}" if where else "")
    order = f" ORDER BY {', '.join(located)}" if located else ""
    return f"SELECT {', '.join([*located, *flags])} FROM {table} WHERE {condition}{order} LIMIT {int(limit)}"


def _flag(column: str) -> str:
    return f"{column}__empty"


def look(db, constraints: Constraints, sql: Queries, files: list[str] | None = None) -> Findings:
    """The constraints looked for over the whole table, or over the rows of ``files`` when given."""
    params = {} if files is None else {"files": files}
    counts = db.query(sql.missing_counts_all if files is None else sql.missing_counts_in_files, params).iloc[0]
    by_column = {c: int(counts[c] or 0) for c in constraints.required}
    rows_missing = int(counts["rows_missing"] or 0) if constraints.required else 0
    missing = pd.DataFrame(columns=[*constraints.locator, "empty_columns"])
    if rows_missing:
        found = db.query(sql.missing_rows_all if files is None else sql.missing_rows_in_files, params)
        missing = found[list(constraints.locator)].assign(
            empty_columns=[", ".join(c for c in constraints.required if row[_flag(c)]) for _, row in found.iterrows()]
        )
    duplicates = pd.DataFrame()
    if constraints.key and (files is None or files):
        duplicates = db.query(sql.duplicates_all if files is None else sql.duplicates_in_files, params)
    duplicated = int(duplicates["duplicated_keys"].iloc[0]) if not duplicates.empty else 0
    return Findings(
        rows_checked=int(counts["rows_checked"]),
        duplicated_keys=duplicated,
        duplicates=duplicates.drop(columns=["duplicated_keys"], errors="ignore"),
        rows_missing=rows_missing,
        missing_by_column={c: n for c, n in by_column.items() if n},
        missing=missing,
    )
