"""The warehouse behind SQLAlchemy: DuckDB file by default, PostgreSQL by URL.

Tables are replaced atomically: rows go into ``<table>__loading`` and one transaction drops the old
table and renames the new one, so a reader sees the old version or the new one, never a mix.
Bulk rows travel the engine's fast path: Arrow into DuckDB, COPY into PostgreSQL. Row-by-row
inserts (``DataFrame.to_sql``) are hundreds of times slower and are not used.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from etl_project.core.settings import DUCKDB_MEMORY_ENV, Settings
from etl_project.warehouse.pg_locks import LockPolicy, drop_giving_way
from schemas.registry import CATALOG, Table
from schemas.sql import sql_table
from schemas.views import select_sql

LOADING_SUFFIX = "__loading"


_TYPE_FAMILIES = {
    "varchar": "text",
    "character varying": "text",
    "text": "text",
    "double": "double",
    "double precision": "double",
    "float8": "double",
    "decimal": "numeric",
    "numeric": "numeric",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
}


def _type_family(name: str) -> str:
    """Engines spell the same type differently (VARCHAR / text, DOUBLE / double precision,
    DECIMAL / numeric)."""
    key = name.lower().split("(")[0].strip()
    return _TYPE_FAMILIES.get(key, key)


@contextmanager
def opened(url: str | None = None, settings: Settings = Settings()) -> Iterator[Warehouse]:
    """The warehouse at ``url`` (None: the settings' URL) for the block, closed when it ends however
    it ends: a DuckDB file stays locked against other processes while any connection to it is open.
    ``settings`` give its memory cap and how long a table swap waits for readers."""
    db = Warehouse(url or settings.warehouse_url, settings)
    try:
        yield db
    finally:
        db.close()


class Warehouse:
    def __init__(self, url: str, settings: Settings):
        self.url = url
        if self.url.startswith("duckdb:///") and not self.url.startswith("duckdb:///:memory:"):
            Path(self.url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url)
        cap_duckdb_memory(self.engine, settings.duckdb_memory_limit)
        self.dialect = self.engine.dialect.name  # "duckdb" or "postgresql"
        self.lock_policy = LockPolicy.written(settings.lock_timeout, settings.lock_tries)
        self._references: dict[str, sa.TableClause] = {}
        self._bookkeeping: dict[str, sa.Table] = {}

    def close(self) -> None:
        """Only ``opened`` calls this: a warehouse is opened for a block and closed when it ends."""
        self.engine.dispose()

    def quote(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(name)

    def name(self, table: Table, name: str | None = None) -> str:
        """The table's quoted, schema-qualified name (``name`` for a sibling such as __loading)."""
        qualified = self.quote(name or table.name)
        return f"{self.quote(table.schema)}.{qualified}" if table.schema else qualified

    def ensure_schema(self, connection, table: Table) -> None:
        if table.schema:
            connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {self.quote(table.schema)}"))

    # -- reading -----------------------------------------------------------------------------

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Rows of a SELECT with bound parameters; a list or tuple value binds ``IN :name`` to its items."""
        with self.engine.connect() as connection:
            result = connection.execute(_statement(sql, params), params or {})
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scalar(self, sql: str, params: dict | None = None):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params or {}).scalar()

    def one(self, sql: str, params: dict | None = None) -> tuple:
        with self.engine.connect() as connection:
            return tuple(connection.execute(sa.text(sql), params or {}).one())

    def has_table(self, table: Table) -> bool:
        """Whether the table (or a view of its name) exists. information_schema rather than
        SQLAlchemy's inspector: on DuckDB the inspector's catalog queries cost ~20 ms a call, and a
        pass asks this a few hundred times."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM information_schema.tables WHERE table_schema = :schema AND table_name = :name"),
                {"schema": self._schema_of(table), "name": table.name},
            ).first()
        return found is not None

    def _schema_of(self, table: Table) -> str:
        return table.schema or ("main" if self.dialect == "duckdb" else "public")

    def bookkeeping(self, table: sa.Table) -> sa.Table:
        """``table`` (a small table of the warehouse's own bookkeeping), created with its schema if
        missing, once per opening of the warehouse: the steps of a pass consult these tables
        hundreds of times, and a pass does not drop them."""
        known = self._bookkeeping.get(table.fullname)
        if known is not None:
            return known
        with self.engine.begin() as connection:
            if table.schema:
                connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {self.quote(table.schema)}"))
            connection.execute(sa.schema.CreateTable(table, if_not_exists=True))
        self._bookkeeping[table.fullname] = table
        return table

    def row_count(self, table: Table) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {self.name(table)}"))

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _loading(self, table: Table):
        """A transaction holding a fresh ``__loading`` table; on exit it replaces the real one."""
        loading_name = table.name + LOADING_SUFFIX
        loading = sql_table(table, sa.MetaData(), name=loading_name)
        with self.engine.begin() as connection:
            self.ensure_schema(connection, table)
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {self.name(table, loading_name)}"))
            loading.create(connection, checkfirst=False)
            yield connection, self.name(table, loading_name)
            self._drop_for_swap(connection, table, "DROP TABLE IF EXISTS")
            connection.execute(sa.text(f"ALTER TABLE {self.name(table, loading_name)} RENAME TO {self.quote(table.name)}"))
            # Say the table comment again on the renamed table so both engines end up the same.
            connection.execute(sa.text(f"COMMENT ON TABLE {self.name(table)} IS {self._literal(table.description)}"))
            self._create_views(connection, table)

    def _drop_for_swap(self, connection, table: Table, drop: str) -> None:
        """Drop the table a new one replaces, and the views that read it (PostgreSQL refuses to
        drop a table a view depends on; they are made again on the new one); on PostgreSQL waiting
        for their readers only briefly (etl_project/warehouse/pg_locks.py), so that none queues behind the
        swap for longer."""
        for view in CATALOG.views_of(table.name):
            self._drop_giving_way(connection, view, f"DROP VIEW IF EXISTS {self.name(view)}")
        self._drop_giving_way(connection, table, f"{drop} {self.name(table)}")

    def _drop_giving_way(self, connection, table: Table, statement: str) -> None:
        if self.dialect == "postgresql":
            drop_giving_way(connection, self.name(table), statement, self.lock_policy)
        else:
            connection.execute(sa.text(statement))

    def _create_views(self, connection, table: Table) -> list[str]:
        """Make the views that read the table, those whose every source exists, with their comments."""
        made = []
        for view in CATALOG.views_of(table.name):
            if not all(self._columns(connection, CATALOG[source]) for source in view.sources):
                continue  # made when its last source is built
            self._drop_giving_way(connection, view, f"DROP VIEW IF EXISTS {self.name(view)}")
            connection.execute(sa.text(f"CREATE VIEW {self.name(view)} AS {select_sql(view, self.name)}"))
            for statement in self.comment_statements(view, self.name(view), "VIEW"):
                connection.execute(sa.text(statement))
            made.append(view.name)
        return made

    def comment_statements(self, table: Table, qualified: str, kind: str = "TABLE") -> list[str]:
        """COMMENT statements giving the table (or view) and each of its columns its declared description."""
        return [f"COMMENT ON {kind} {qualified} IS {self._literal(table.description)}"] + [
            f"COMMENT ON COLUMN {qualified}.{self.quote(f.name)} IS {self._literal(f.description)}" for f in table.fields
        ]

    def ensure_views(self, table: Table) -> list[str]:
        """Make again the views that read the table (when it is kept rather than replaced, the
        views may be older than their declaration); returns the views made."""
        with self.engine.begin() as connection:
            return self._create_views(connection, table)

    def _literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def replace(self, table: Table, frames: pd.DataFrame | Iterable[pd.DataFrame]) -> int:
        """Replace the table's rows with the given frame(s); returns rows written."""
        if isinstance(frames, pd.DataFrame):
            frames = [frames]
        written = 0
        with self._loading(table) as (connection, loading):
            for frame in frames:
                written += self._bulk_insert(connection, loading, table, frame)
        return written

    def replace_from_sql(self, table: Table, select_sql: str, params: dict | None = None) -> int:
        """Replace the table with the result of a SELECT that yields its columns in order."""
        columns = ", ".join(self.quote(c) for c in table.column_names)
        with self._loading(table) as (connection, loading):
            connection.execute(sa.text(f"INSERT INTO {loading} ({columns}) {select_sql}"), params or {})
            count = connection.execute(sa.text(f"SELECT COUNT(*) FROM {loading}")).scalar()
        return int(count)

    def reference(self, table: Table) -> sa.TableClause:
        """A lightweight handle for building bound, quoted statements against the table. The same
        object is returned each time: a condition built on one handle and a DELETE on another
        would make SQLAlchemy join the table to itself."""
        if table.name not in self._references:
            self._references[table.name] = sa.table(table.name, *[sa.column(c) for c in table.column_names], schema=table.schema)
        return self._references[table.name]

    def replace_where(self, table: Table, frames: pd.DataFrame | Iterable[pd.DataFrame], condition) -> int:
        """In one transaction: delete the rows matching ``condition`` (a clause over
        ``reference(table)``, or None for none) and insert ``frames``; the table is created if new
        and migrated if its declaration changed. Re-running the same load never counts rows twice,
        and a reader sees the table before or after, never between."""
        if isinstance(frames, pd.DataFrame):
            frames = [frames]
        self.ensure_table(table)
        written = 0
        with self.engine.begin() as connection:
            if condition is not None:
                connection.execute(sa.delete(self.reference(table)).where(condition))
            for frame in frames:
                written += self._bulk_insert(connection, self.name(table), table, frame)
        return written

    def ensure_table(self, table: Table) -> str | None:
        """Create the table, or bring an existing one to its declared columns and types, keeping
        its rows (columns in both are copied, new ones start empty, dropped ones go). Returns what
        was done, for the run's log; None when nothing was needed."""
        declared = sql_table(table, sa.MetaData())
        with self.engine.begin() as connection:
            self.ensure_schema(connection, table)
            existing = self._columns(connection, table)
            if not existing:
                declared.create(connection, checkfirst=False)
                self._create_views(connection, table)
                return f"created {self.name(table)}"
            wanted = {c.name: _type_family(c.type.compile(dialect=self.engine.dialect)) for c in declared.columns}
            if list(existing.items()) == list(wanted.items()):
                return None
            kept = [c for c in wanted if c in existing]
            migrating = table.name + "__migrating"
            target = sql_table(table, sa.MetaData(), name=migrating)
            for column in target.columns:
                # Rows loaded before a column existed have no value for it, required or not.
                column.nullable = column.nullable or column.name not in existing
            # A migration stopped halfway leaves its table behind; it holds nothing worth keeping.
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {self.name(table, migrating)}"))
            target.create(connection, checkfirst=False)
            columns = ", ".join(self.quote(c) for c in kept)
            types = {c.name: c.type.compile(dialect=self.engine.dialect) for c in declared.columns}
            casts = ", ".join(f"CAST({self.quote(c)} AS {types[c]})" for c in kept)
            connection.execute(sa.text(f"INSERT INTO {self.name(table, migrating)} ({columns}) SELECT {casts} FROM {self.name(table)}"))
            self._drop_for_swap(connection, table, "DROP TABLE")
            connection.execute(sa.text(f"ALTER TABLE {self.name(table, migrating)} RENAME TO {self.quote(table.name)}"))
            connection.execute(sa.text(f"COMMENT ON TABLE {self.name(table)} IS {self._literal(table.description)}"))
            self._create_views(connection, table)
            added = sorted(set(wanted) - set(existing))
            dropped = sorted(set(existing) - set(wanted))
            return f"migrated {self.name(table)}: kept {len(kept)} columns, added {added or 'none'}, dropped {dropped or 'none'}"

    def columns(self, table: Table) -> list[str]:
        """The table's columns as the database has them now (an older release's may differ)."""
        with self.engine.connect() as connection:
            return list(self._columns(connection, table))

    def _columns(self, connection, table: Table) -> dict[str, str]:
        """The table's columns as the database has them, name → type family; empty if no table.
        (information_schema, because SQLAlchemy's reflection does not work on DuckDB.)"""
        rows = connection.execute(
            sa.text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = :schema AND table_name = :name ORDER BY ordinal_position"
            ),
            {"schema": self._schema_of(table), "name": table.name},
        ).fetchall()
        return {name: _type_family(kind) for name, kind in rows}

    def _bulk_insert(self, connection, target: str, table: Table, frame: pd.DataFrame | pa.Table) -> int:
        """``target`` is the quoted, qualified name of the table to fill. An Arrow table is rows
        already in the table's columns and conformed (made in a staging worker, see ``conform``)."""
        if isinstance(frame, pa.Table):
            if frame.num_rows == 0:
                return 0
            if self.dialect == "duckdb":
                return self._insert_arrow(connection, target, frame)
            frame = _from_arrow(frame)
        if frame.empty:
            return 0
        frame = conform(frame[table.column_names], table)
        if self.dialect == "duckdb":
            return self._insert_arrow(connection, target, frame)
        if self.dialect == "postgresql":
            return self._insert_copy(connection, target, frame)
        raise ValueError(f"unsupported warehouse dialect {self.dialect}: use duckdb:/// or postgresql+psycopg://")

    def arrow_rows(self, table: Table, frame: pd.DataFrame) -> pa.Table:
        """The frame as the Arrow load into DuckDB writes it: the table's columns, conformed."""
        return pa.Table.from_pandas(conform(frame[table.column_names], table), preserve_index=False)

    def _insert_arrow(self, connection, target: str, frame: pd.DataFrame | pa.Table) -> int:
        duck = connection.connection.driver_connection
        arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        view = f"arrow_{id(arrow)}"
        duck.register(view, arrow)
        try:
            columns = ", ".join(self.quote(c) for c in arrow.column_names)
            # Empty text is stored as NULL, as COPY's CSV reads an empty field on PostgreSQL: both
            # engines then hold the same rows (a CSV file's rows have no sheet, NULL on both).
            values = ", ".join(
                f"NULLIF({self.quote(f.name)}, '')"
                if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                else self.quote(f.name)
                for f in arrow.schema
            )
            duck.execute(f"INSERT INTO {target} ({columns}) SELECT {values} FROM {self.quote(view)}")
        finally:
            duck.unregister(view)
        return arrow.num_rows

    def _insert_copy(self, connection, target: str, frame: pd.DataFrame) -> int:
        buffer = io.StringIO()
        # NULL is written as an unquoted empty field and empty text as "" (quoted), which COPY's CSV
        # format tells apart.
        frame.to_csv(buffer, index=False, header=False, na_rep="", quoting=0, date_format="%Y-%m-%d %H:%M:%S.%f")
        columns = ", ".join(self.quote(c) for c in frame.columns)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        return len(frame)


_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}


def _from_arrow(rows: pa.Table) -> pd.DataFrame:
    """Arrow rows back in pandas' nullable types, as conform leaves a frame (COPY writes them)."""
    return rows.to_pandas(types_mapper=_PANDAS_TYPES.get)


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Columns cast to their declared types: a whole-number column that held a missing value
    arrives as float (11689.0), which COPY refuses for BIGINT and Arrow would widen."""
    cast = {}
    for field in table.fields:
        if field.type in ("integer", "year") and frame[field.name].dtype != "Int64":
            cast[field.name] = pd.to_numeric(frame[field.name], errors="raise").astype("Int64")
    return frame.assign(**cast) if cast else frame


_memory_caps: list[str] = []  # the caps of the memory_capped blocks now open, innermost last
_caps_changed = [0]  # how many times a memory_capped block began or ended


@contextmanager
def memory_capped(limit: str):
    """While inside, warehouse connections in this process cap DuckDB at ``limit`` instead: staging
    writes a national registry while worker processes need the memory, and DuckDB keeps the blocks
    it wrote cached up to its cap. The cap belongs to the database, so it is set again at the next
    checkout of a connection, and the usual one at the first checkout after the block."""
    _memory_caps.append(_checked_limit(limit, "limit"))
    _caps_changed[0] += 1
    try:
        yield
    finally:
        _memory_caps.pop()
        _caps_changed[0] += 1


_SIZE_UNIT_CHARACTERS = "KMGTiBkmgtib "


def _checked_limit(limit: str, source: str) -> str:
    limit = limit.strip()
    if not limit.replace(".", "", 1).rstrip(_SIZE_UNIT_CHARACTERS).isdigit():
        raise ValueError(f"{source}={limit!r}: give a size such as 1GB or 512MB")
    return limit


def cap_duckdb_memory(engine: sa.Engine, usual_limit: str) -> None:
    """DuckDB's buffer pool may grow to 80 % of the machine and keeps the blocks it has written or
    read: at national scale the staging load, and a GROUP BY over 30 million household keys (the
    key-uniqueness check), each held gigabytes. Every connection of ``engine`` caps it at
    ``usual_limit`` ($ETL_DUCKDB_MEMORY_LIMIT, 1GB by default); larger aggregates, joins and sorts
    spill to disk."""

    def cap(dbapi_connection, record) -> None:
        if not type(dbapi_connection).__module__.startswith("duckdb"):
            return
        limit = _memory_caps[-1] if _memory_caps else _checked_limit(usual_limit, DUCKDB_MEMORY_ENV)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET memory_limit = '{limit}'")
        finally:
            cursor.close()
        record.info["caps_changed"] = _caps_changed[0]

    def recap(dbapi_connection, record, _proxy) -> None:
        # A pooled connection was capped when it was opened; if a memory_capped block began or ended
        # since, its first checkout says the cap again (every connection to the database shares it).
        if record.info.get("caps_changed", _caps_changed[0]) != _caps_changed[0]:
            cap(dbapi_connection, record)

    sa.event.listen(engine, "connect", cap)
    sa.event.listen(engine, "checkout", recap)


def _statement(sql: str, params: dict | None) -> sa.TextClause:
    statement = sa.text(sql)
    lists = [name for name, value in (params or {}).items() if isinstance(value, (list, tuple))]
    return statement.bindparams(*(sa.bindparam(name, expanding=True) for name in lists)) if lists else statement
