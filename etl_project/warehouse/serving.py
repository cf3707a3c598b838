"""Serving BI tools: a read-only role on PostgreSQL, a published read copy on DuckDB.

A DuckDB file open for writing locks every other process out, even readers; so BI tools never open
the pipeline's file. After each run the analytics tables are copied into a new file, which then
replaces the published one by an atomic rename: a BI session holding the old copy keeps reading it
undisturbed, a new session gets the new one, nobody sees half a table.

The copy is written in the oldest storage format the writing DuckDB offers, not in its own: BI
tools bundle a DuckDB of their own, often an older one (Superset's DuckDB driver asks for 1.x),
and a DuckDB reads no file written in a format newer than its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.incremental import Decision, fresh_version, version_of
from etl_project.warehouse.incremental.memo import recall, recall_last, remember
from etl_project.warehouse.incremental.tables import changed_files, marker, recipe, table_fingerprint
from schemas.registry import CATALOG, LAYER_SCHEMAS
from schemas.views import select_sql

BI_SCHEMA = LAYER_SCHEMAS["marts"]
PRIVATE_SCHEMAS = sorted({s for s in LAYER_SCHEMAS.values() if s != BI_SCHEMA})
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def published_path(warehouse_url: str) -> Path | None:
    """data/warehouse/warehouse.duckdb → data/warehouse/published/warehouse.duckdb; None for a server."""
    if not warehouse_url.startswith("duckdb:///") or ":memory:" in warehouse_url:
        return None
    source = Path(warehouse_url.removeprefix("duckdb:///"))
    return source.parent / "published" / source.name


def publish_read_copy(db: Warehouse) -> tuple[Path, dict[str, int], Decision]:
    """Publish every BI-facing table (with its comments) in a new file swapped in atomically.
    Returns the copy, its tables' rows, and the decision, its reason how the copy was made: "kept"
    when every table holds what the published copy holds, "updated" when the published file was
    copied and only what changed was written into it (the rows of a few changed files, small tables
    whole), "written" when every table was copied anew."""
    target = published_path(db.url)
    if target is None:
        raise ValueError("a read copy is published for a DuckDB warehouse only")
    target.parent.mkdir(parents=True, exist_ok=True)
    tables = [t for t in CATALOG.tables.values() if t.schema == BI_SCHEMA]
    present = [t for t in tables if db.has_table(t)]
    declared = recipe(",".join(t.name for t in present), _TABLES_DECLARED, READ_COPY_STORAGE)
    found = {t.name: table_fingerprint(db, t) for t in present}
    key = None if any(f is None for f in found.values()) else json.dumps([declared, found])
    version = version_of(key) if key is not None else fresh_version()
    published = recall(db, PUBLISH_STEP, key)
    if published is not None and target.exists():
        return target, published["rows"], Decision(True, version, "kept")
    markers = {name: _marker_answer(db, name) for name in FILEWISE_SOURCES if name in found}
    last = recall_last(db, PUBLISH_STEP)
    plan = _update_plan(db, last, declared, found, target) if key is not None else None
    copied = _update(db, target, present, plan, last["rows"]) if plan is not None else None
    if copied is None:
        copied, how = _copy(db, target, present), "written"
        full_bytes = target.stat().st_size
    else:
        how, full_bytes = "updated", last["full_bytes"]
    remember(db, PUBLISH_STEP, key, {"rows": copied, "tables": found, "declared": declared, "markers": markers, "full_bytes": full_bytes})
    return target, copied, Decision(False, version, how)


PUBLISH_STEP = "published_read_copy"
# Storage version 64, the oldest DuckDB 2 writes, read by every DuckDB from 1.0 on; it keeps all the
# copy holds (DECIMAL, DATE, table and column comments, views). A later one would lock 1.x readers out.
READ_COPY_STORAGE = "v1.0.0"
# The copy carries the tables' comments: a change of declaration is a change of the copy.
_TABLES_DECLARED = sorted(
    (t.name, t.description, tuple((f.name, f.description) for f in t.fields))
    for t in [*CATALOG.tables.values(), *CATALOG.views.values()]
    if t.schema == BI_SCHEMA
)
# Tables kept up to date file by file (etl_project/warehouse/incremental/tables.py), with the sources they are
# built from: in the read copy, too, only the rows of the files that changed are replaced.
FILEWISE_SOURCES = {"fact_household": ("registry",)}
FILES_UPDATED_IN_PLACE = 32
# Deleted rows leave free blocks behind; past this growth over a full copy, the copy is written anew.
MAX_GROWTH = 1.5
Plan = dict[str, str | list[str]]  # table name -> "keep", "copy" or the files whose rows to replace


def _marker_answer(db: Warehouse, table: str) -> dict | None:
    built = marker(db, table)
    if built is None or built[1].latest is None:
        return None
    return {"how": built[0], "from": built[1].latest.isoformat()}


def _update_plan(db: Warehouse, last: dict | None, declared: str, found: dict[str, str], target: Path) -> Plan | None:
    """What to do with each table to bring the published copy up to date; None when it is better
    written anew (nothing to start from, other tables or declarations, too many changes)."""
    if last is None or last.get("declared") != declared or set(last.get("tables", {})) != set(found) or not target.exists():
        return None
    if target.stat().st_size > MAX_GROWTH * last["full_bytes"]:
        return None
    plan: Plan = {}
    for name, now in found.items():
        if last["tables"][name] == now:
            plan[name] = "keep"
            continue
        plan[name] = "copy"
        before, after = (last.get("markers") or {}).get(name), _marker_answer(db, name)
        if name in FILEWISE_SOURCES and before is not None and after is not None and before["how"] == after["how"]:
            files = changed_files(db, FILEWISE_SOURCES[name], datetime.fromisoformat(before["from"]))
            if len(files) <= FILES_UPDATED_IN_PLACE:
                plan[name] = files
    return plan


def _update(db: Warehouse, target: Path, present: list, plan: Plan, rows_then: dict[str, int]) -> dict[str, int] | None:
    """The published file copied and brought up to date by the plan, then swapped in; None (and
    nothing swapped) when a kept table of the copy does not hold the rows it was published with, or
    the copy is not in the read copy's storage format."""
    staging_file = _fresh(target)
    shutil.copyfile(target, staging_file)
    with ExitStack() as stack:
        try:
            duck = stack.enter_context(_attached(db, staging_file))
        except duckdb.Error:
            # A published file that cannot be opened in READ_COPY_STORAGE (one in a newer format,
            # as an earlier release published) is not brought up to date but written anew.
            _fresh(target)
            return None
        copied: dict[str, int] = {}
        complete = False
        for table in present:
            name, action = _published_name(db, table), plan[table.name]
            if action == "copy":
                duck.execute(f"DROP TABLE {name}")
                copied[table.name] = _create(db, duck, table)
                continue
            if action != "keep":
                duck.execute(f"DELETE FROM {name} WHERE list_contains(?, source_file)", [action])
                duck.execute(f"INSERT INTO {name} SELECT * FROM {db.name(table)} WHERE list_contains(?, source_file)", [action])
            copied[table.name] = duck.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
            if action == "keep" and copied[table.name] != rows_then.get(table.name):
                break
        else:
            complete = True
            _create_views(db, duck, present)
        duck.execute("COMMIT" if complete else "ROLLBACK")
    if not complete:
        _fresh(target)  # not the copy that was published: the caller writes one anew
        return None
    os.replace(staging_file, target)
    return copied


def _fresh(target: Path) -> Path:
    """The path the next copy is made at, with no leftover of a run stopped while making one (a
    stale write-ahead log would be replayed into the new file)."""
    staging_file = target.with_name(target.name + ".new")
    for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return staging_file


def _copy(db: Warehouse, target: Path, present: list) -> dict[str, int]:
    staging_file = _fresh(target)
    copied = {}
    with _attached(db, staging_file) as duck:
        duck.execute(f"CREATE SCHEMA published.{db.quote(BI_SCHEMA)}")
        for table in present:
            copied[table.name] = _create(db, duck, table)
        _create_views(db, duck, present)
        duck.execute("COMMIT")
    os.replace(staging_file, target)
    return copied


@contextmanager
def _attached(db: Warehouse, path: Path):
    """The warehouse's DuckDB connection with ``path`` attached as ``published`` in the read copy's
    storage format, and a transaction begun. An existing file in a newer format is refused."""
    raw = db.engine.raw_connection()
    try:
        duck = raw.driver_connection
        duck.execute(f"ATTACH {db._literal(str(path))} AS published (STORAGE_VERSION {db._literal(READ_COPY_STORAGE)})")
        try:
            duck.execute("BEGIN TRANSACTION")
            yield duck
        finally:
            duck.execute("DETACH published")
    finally:
        raw.close()


def _published_name(db: Warehouse, table) -> str:
    return f"published.{db.quote(BI_SCHEMA)}.{db.quote(table.name)}"


def _create(db: Warehouse, duck, table) -> int:
    name = _published_name(db, table)
    duck.execute(f"CREATE TABLE {name} AS SELECT * FROM {db.name(table)}")
    duck.execute(f"COMMENT ON TABLE {name} IS {db._literal(table.description)}")
    for field in table.fields:
        duck.execute(f"COMMENT ON COLUMN {name}.{db.quote(field.name)} IS {db._literal(field.description)}")
    return duck.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]


def _create_views(db: Warehouse, duck, present: list) -> None:
    """The per-level views of the marts, in the copy, over the copy's own tables (a view names its
    tables by schema only, so the reader's file is the catalog they are found in)."""
    names = {t.name for t in present}
    for view in CATALOG.views.values():
        if view.schema != BI_SCHEMA or not names.issuperset(view.sources):
            continue
        name = _published_name(db, view)
        duck.execute(f"DROP VIEW IF EXISTS {name}")
        duck.execute(f"CREATE VIEW {name} AS {select_sql(view, db.name)}")
        for statement in db.comment_statements(view, name, "VIEW"):
            duck.execute(statement)


# A BI session may not hold a query or an open transaction long: an idle one would otherwise keep
# each run from replacing the tables it read (etl_project/warehouse/pg_locks.py). The idle limit is shorter
# than a run's tries at a lock (3 × 10 s and two pauses), so a run held up by such a session
# replaces the table once the server has ended it.
BI_STATEMENT_TIMEOUT = "5min"
BI_IDLE_IN_TRANSACTION_TIMEOUT = "30s"
_DURATION = re.compile(r"^[0-9]{1,9}(ms|s|min|h|d)?$")


def grant_bi(
    db: Warehouse,
    role: str,
    logins: tuple[str, ...] | list[str] = (),
    statement_timeout: str = BI_STATEMENT_TIMEOUT,
    idle_timeout: str = BI_IDLE_IN_TRANSACTION_TIMEOUT,
) -> list[str]:
    """Create or update a login-less role that may read the BI schema and nothing else, grant it to
    ``logins``, and give every login of the role (those, and those already its members) the BI
    timeouts in this database. Tables are replaced on every run, so the grant is also made a default
    for tables created later. PostgreSQL applies a role's settings only to sessions that log in as
    that role, never through membership: the timeouts are set on each login, and a login that joins
    the role later gets them when grant-bi is run again."""
    if db.dialect != "postgresql":
        raise ValueError("grant-bi manages PostgreSQL roles; a DuckDB warehouse is served by its published read copy")
    for name in (role, *logins):
        if not _ROLE_NAME.match(name):
            raise ValueError(f"role name {name!r}: use lower-case letters, digits and underscores, starting with a letter")
    for option, value in (("--statement-timeout", statement_timeout), ("--idle-timeout", idle_timeout)):
        if not _DURATION.match(value):
            raise ValueError(f"{option} {value!r}: give a duration such as 30s, 5min or 500ms (0 for none)")
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
        missing = sorted(set(logins) - _login_roles(connection, logins)) if logins else []
        if missing:
            raise ValueError(f"no login role {', '.join(missing)}: create it first (CREATE ROLE name LOGIN PASSWORD '...')")
        statements += [f"GRANT {quoted} TO {db.quote(login)}" for login in logins]
        members = set(
            connection.execute(
                sa.text(
                    "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
                    "JOIN pg_roles g ON g.oid = a.roleid WHERE g.rolname = :role AND m.rolcanlogin"
                ),
                {"role": role},
            ).scalars()
        )
        database = db.quote(connection.execute(sa.text("SELECT current_database()")).scalar())
        for login in sorted(members | set(logins)):
            statements += [
                f"ALTER ROLE {db.quote(login)} IN DATABASE {database} SET statement_timeout = {db._literal(statement_timeout)}",
                f"ALTER ROLE {db.quote(login)} IN DATABASE {database} SET idle_in_transaction_session_timeout = {db._literal(idle_timeout)}",
            ]
        for statement in statements:
            connection.execute(sa.text(statement))
    return statements


def _login_roles(connection, names) -> set[str]:
    rows = connection.execute(
        sa.text("SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname IN :names").bindparams(sa.bindparam("names", expanding=True)),
        {"names": list(names)},
    )
    return set(rows.scalars())
