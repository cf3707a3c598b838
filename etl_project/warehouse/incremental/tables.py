"""Tables kept or made again, and the version of what each holds.

Staging generations: staging changes only when a file is loaded or removed, and each such change
is a load_audit row with its time. A table built from staging records the time of the latest
change it has taken in (``audit.build_marker``, with a fingerprint of how it is built); the next
run leaves it as it is when load_audit holds no later change of its sources, and can bring it up to
date file by file when it holds a few. The marker is written after the table, in its own
transaction: a run stopped in between leaves an older marker, and the next run redoes changes the
table already has, which changes nothing.

What a table holds, in one value (its fingerprint): equal fingerprints, equal contents. A table
built from staging generations is fingerprinted by its build marker, a table the file loads write
by its sources' generation, both at no cost. Any other table,
on DuckDB, by one pass: its row count and the sum of its rows' hashes (order does not matter, a
repeated row counts twice; equal short of a 64-bit hash collision). On other engines there is
none, and the steps that keep their answers by it do their work every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.incremental import Decision, fresh_version, version_of
from etl_project.warehouse.incremental.memo import recall, remember
from etl_project.warehouse.incremental.store import audit_table, replace_rows
from schemas import source_catalog
from schemas.registry import Table
from schemas.tables import LOAD_AUDIT

MARKER_TABLE = "build_marker"
_CHANGES = ("loaded", "removed")


def recipe(*parts: object) -> str:
    """A fingerprint of how a table is built (its declaration, its SQL, its code)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8") if not isinstance(part, bytes) else part)
    # Letters only (a-p for the 16 hex digits): nothing in the audit schema may look like a number.
    return digest.hexdigest()[:16].translate(_LETTERS)


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


# Built from staging generations.


@dataclass(frozen=True)
class Generation:
    latest: datetime | None  # time of the latest change of the sources; None: never loaded


def current(db: Warehouse, sources: tuple[str, ...]) -> Generation:
    audit = db.reference(LOAD_AUDIT)
    statement = sa.select(sa.func.max(audit.c.loaded_at)).where(audit.c.source.in_(sources), audit.c.status.in_(_CHANGES))
    with db.engine.connect() as connection:
        return Generation(connection.execute(statement).scalar())


def changed_files(db: Warehouse, sources: tuple[str, ...], since: datetime | None) -> list[str]:
    """Files of the sources loaded again or removed after ``since`` (all that ever were, if None)."""
    audit = db.reference(LOAD_AUDIT)
    condition = sa.and_(audit.c.source.in_(sources), audit.c.status.in_(_CHANGES))
    if since is not None:
        condition = sa.and_(condition, audit.c.loaded_at > since)
    with db.engine.connect() as connection:
        return sorted({row[0] for row in connection.execute(sa.select(audit.c.source_file).where(condition).distinct())})


def built_from(db: Warehouse, table: str, how: str) -> Generation | None:
    """The generation the table was last built from the same way; None when unknown."""
    marker = _marker(db)
    with db.engine.begin() as connection:
        row = connection.execute(sa.select(marker.c.generation, marker.c.recipe).where(marker.c.table_name == table)).first()
    if row is None or row.recipe != how:
        return None
    return Generation(row.generation)


def marker(db: Warehouse, table: str) -> tuple[str, Generation] | None:
    """How the table was last built and from which generation; None when it has no marker."""
    marker_table = _marker(db)
    with db.engine.begin() as connection:
        row = connection.execute(
            sa.select(marker_table.c.recipe, marker_table.c.generation).where(marker_table.c.table_name == table)
        ).first()
    return None if row is None else (row.recipe, Generation(row.generation))


def marker_of(db: Warehouse, table: str) -> str | None:
    """``marker`` as text."""
    found = marker(db, table)
    return None if found is None else _marker_text(*found)


def _marker_text(how: str, generation: Generation) -> str:
    return f"{how}@{generation.latest}"


def record(db: Warehouse, table: str, how: str, generation: Generation) -> None:
    built_at = datetime.now(UTC).replace(tzinfo=None)
    replace_rows(db, _marker(db), [{"table_name": table, "recipe": how, "generation": generation.latest, "built_at": built_at}])


def _marker(db: Warehouse) -> sa.Table:
    return audit_table(
        db, MARKER_TABLE, "table_name", optional=("generation",), recipe=sa.Text, generation=sa.DateTime, built_at=sa.DateTime
    )


@dataclass(frozen=True)
class StagedBuild:
    """A table built from staging: the generation staging is at now, and the one the table was
    last built from the same way (None when unknown: never built, built otherwise, or missing)."""

    table: Table
    how: str
    sources: tuple[str, ...]
    now: Generation
    before: Generation | None

    @property
    def current(self) -> bool:
        """Whether the table holds what staging holds now."""
        return self.before is not None and self.before.latest == self.now.latest

    def changed_files(self, db: Warehouse) -> list[str]:
        """The files whose rows changed in staging since the table was built; [] when unknown."""
        return changed_files(db, self.sources, self.before.latest) if self.before is not None and not self.current else []

    def built(self, db: Warehouse, reason: str) -> Decision:
        """Record that the table now holds the current generation (kept or made again)."""
        record(db, self.table.name, self.how, self.now)
        return Decision(self.current, version_of(_FINGERPRINT_OF_BUILT + _marker_text(self.how, self.now)), reason)


def from_staging(db: Warehouse, table: Table, sources: tuple[str, ...], how: str) -> StagedBuild:
    """Where the table stands against staging: kept when it holds what staging holds now."""
    now = current(db, sources)
    before = built_from(db, table.name, how) if db.has_table(table) else None
    return StagedBuild(table, how, sources, now, before)


def staged(db: Warehouse, table: Table, removed_now: int) -> Decision:
    """A staging table, the union of the files loaded into it: its version follows the latest
    load or removal of a file of the sources that write it (and its declaration)."""
    now = current(db, loading_sources(table)) if db.has_table(LOAD_AUDIT) else Generation(None)
    reason = f"rows of {removed_now} removed file(s) taken out" if removed_now else "as its files' loads left it"
    return Decision(not removed_now, version_of("staged", recipe(table), str(now.latest)), reason)


def loading_sources(table: Table) -> tuple[str, ...]:
    """The sources whose file loads write the table; () for a table no load writes."""
    return tuple(s.name for s in source_catalog.sources() if table.name in {t.name for t in s.tables})


def audit_log(db: Warehouse) -> Decision:
    """load_audit, which only grows: its version follows its rows and its latest."""
    rows, latest = db.one(f"SELECT COUNT(*), MAX(loaded_at) FROM {db.name(LOAD_AUDIT)}")
    return Decision(False, version_of("audit", int(rows), str(latest)), "a row per file and run")


# What a table holds.

_FINGERPRINT_OF_BUILT = "built:"
_FINGERPRINT_OF_LOADED = "loaded:"


def table_fingerprint(db: Warehouse, table: Table) -> str | None:
    if db.dialect != "duckdb" or not db.has_table(table):
        return None
    built = marker_of(db, table.name)
    if built is not None:
        return f"{_FINGERPRINT_OF_BUILT}{built}"
    loaded_by = loading_sources(table)
    if loaded_by and db.has_table(LOAD_AUDIT):
        # Changed only by file loads and removals, each a load_audit row: the latest of those is
        # what it holds, where hashing it would read a national registry on every pass.
        return f"{_FINGERPRINT_OF_LOADED}{recipe(table)}@{current(db, loaded_by).latest}"
    columns = ", ".join(db.quote(c) for c in table.column_names)
    # As text: the sum outgrows 64 bits, and a float would round its last digits away.
    rows, total = db.query(f"SELECT COUNT(*) AS n, CAST(SUM(hash({columns})::HUGEINT) AS VARCHAR) AS h FROM {db.name(table)}").iloc[0]
    return f"{int(rows)}:{total}"


def fingerprints(db: Warehouse, tables: list[Table], recipe: str) -> str | None:
    """The tables' fingerprints and how the step uses them; None when any cannot be had."""
    found = [table_fingerprint(db, table) for table in tables]
    return None if any(f is None for f in found) else json.dumps([recipe, *found])


def rewritten(db: Warehouse, table: Table) -> Decision:
    """A table made anew every run: named by what it holds, so the same rows give the same version."""
    found = table_fingerprint(db, table)
    return Decision(False, version_of(found) if found is not None else fresh_version(), "made again from its inputs")


# Made from other tables, kept while they hold what they held.


@dataclass(frozen=True)
class Derived:
    """What a step made from some tables last time, if they hold now what they held then."""

    step: str
    key: str | None  # the inputs' fingerprints and how the step uses them; None: none to be had
    answer: dict | None  # the step's stored answer for these inputs; None: none, the step works it out

    @property
    def version(self) -> str:
        return version_of(self.key) if self.key is not None else fresh_version()

    def kept(self, reason: str) -> Decision:
        return Decision(True, self.version, reason)

    def made(self, db: Warehouse, answer: dict, reason: str) -> Decision:
        """Store the step's answer for these inputs."""
        remember(db, self.step, self.key, answer)
        return Decision(False, self.version, reason)


def derived(db: Warehouse, step: str, inputs: list[Table], how: str) -> Derived:
    key = fingerprints(db, inputs, recipe=how)
    return Derived(step, key, recall(db, step, key))


def kept_or_rebuilt(db: Warehouse, table: Table, inputs: list[Table], how: str, rebuild: Callable[[], int]) -> tuple[int, Decision]:
    """The table as it is while its inputs hold what they held when it was built; else rebuilt.
    Its rows and the decision."""
    memo = derived(db, table.name, inputs, how)
    if db.has_table(table) and memo.answer is not None:
        return db.row_count(table), memo.kept("unchanged")
    rows = rebuild()
    return rows, memo.made(db, {"rows": rows}, "rebuilt")
