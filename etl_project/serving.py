"""Serving BI tools: a read-only role on PostgreSQL, a published read copy on DuckDB.

A DuckDB file open for writing locks every other process out, even readers; so BI tools never open
the pipeline's file. After each run the analytics tables are copied into a new file, which then
replaces the published one by an atomic rename: a BI session holding the old copy keeps reading it
undisturbed, a new session gets the new one, nobody sees half a table.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import sqlalchemy as sa

from etl_project.fingerprint import fingerprints, recall, remember
from etl_project.staging.generation import recipe
from etl_project.warehouse import Warehouse
from schemas.registry import CATALOG, LAYER_SCHEMAS

BI_SCHEMA = LAYER_SCHEMAS["marts"]
PRIVATE_SCHEMAS = sorted({s for s in LAYER_SCHEMAS.values() if s != BI_SCHEMA})
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def published_path(warehouse_url: str) -> Path | None:
    """data/warehouse/warehouse.duckdb → data/warehouse/published/warehouse.duckdb; None for a server."""
    if not warehouse_url.startswith("duckdb:///") or ":memory:" in warehouse_url:
        return None
    source = Path(warehouse_url.removeprefix("duckdb:///"))
    return source.parent / "published" / source.name


def publish_read_copy(db: Warehouse) -> tuple[Path, dict[str, int], bool]:
    """Copy every BI-facing table (with its comments) into a fresh file and swap it in atomically;
    when every table holds what the published copy holds, leave that copy as it is. Returns the
    copy, its tables' rows, and whether it was written anew."""
    target = published_path(db.url)
    if target is None:
        raise ValueError("a read copy is published for a DuckDB warehouse only")
    target.parent.mkdir(parents=True, exist_ok=True)
    tables = [t for t in CATALOG.tables.values() if t.schema == BI_SCHEMA]
    present = [t for t in tables if db.has_table(t)]
    key = fingerprints(db, present, recipe=recipe(",".join(t.name for t in present), _TABLES_DECLARED))
    published = recall(db, PUBLISH_STEP, key)
    if published is not None and target.exists():
        return target, published["rows"], False
    copied = _copy(db, target, present)
    remember(db, PUBLISH_STEP, key, {"rows": copied})
    return target, copied, True


PUBLISH_STEP = "published_read_copy"
# The copy carries the tables' comments: a change of declaration is a change of the copy.
_TABLES_DECLARED = sorted((t.name, t.description, tuple((f.name, f.description) for f in t.fields)) for t in CATALOG.tables.values() if t.schema == BI_SCHEMA)


def _copy(db: Warehouse, target: Path, present: list) -> dict[str, int]:
    staging_file = target.with_name(target.name + ".new")
    staging_file.unlink(missing_ok=True)
    copied = {}
    raw = db.engine.raw_connection()
    try:
        duck = raw.driver_connection
        duck.execute(f"ATTACH {db._literal(str(staging_file))} AS published")
        try:
            duck.execute("BEGIN TRANSACTION")
            duck.execute(f"CREATE SCHEMA published.{db.quote(BI_SCHEMA)}")
            for table in present:
                name = f"published.{db.quote(BI_SCHEMA)}.{db.quote(table.name)}"
                duck.execute(f"CREATE TABLE {name} AS SELECT * FROM {db.name(table)}")
                duck.execute(f"COMMENT ON TABLE {name} IS {db._literal(table.description)}")
                for field in table.fields:
                    duck.execute(f"COMMENT ON COLUMN {name}.{db.quote(field.name)} IS {db._literal(field.description)}")
                copied[table.name] = duck.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
            duck.execute("COMMIT")
        finally:
            duck.execute("DETACH published")
    finally:
        raw.close()
    os.replace(staging_file, target)
    return copied


def grant_bi(db: Warehouse, role: str) -> list[str]:
    """Create or update a login-less role that may read the BI schema and nothing else. Tables are
    replaced on every run, so the grant is also made a default for tables created later."""
    if db.dialect != "postgresql":
        raise ValueError("grant-bi manages PostgreSQL roles; a DuckDB warehouse is served by its published read copy")
    if not _ROLE_NAME.match(role):
        raise ValueError(f"role name {role!r}: use lower-case letters, digits and underscores, starting with a letter")
    quoted, schema = db.quote(role), db.quote(BI_SCHEMA)
    owner = db.quote(db.scalar("SELECT current_user"))
    statements = []
    with db.engine.begin() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).scalar()
        if not exists:
            statements.append(f"CREATE ROLE {quoted} NOLOGIN")
        statements += [
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT SELECT ON TABLES TO {quoted}",
        ]
        for private in PRIVATE_SCHEMAS:
            statements += [
                f"CREATE SCHEMA IF NOT EXISTS {db.quote(private)}",
                f"REVOKE ALL ON SCHEMA {db.quote(private)} FROM {quoted}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {db.quote(private)} FROM {quoted}",
            ]
        for statement in statements:
            connection.execute(sa.text(statement))
    return statements
