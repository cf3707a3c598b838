"""The checks a table's declaration implies: one per analytics table, ``<table>_constraints``, that
its primary key is unique and its required columns are never empty (NULL).

They are made from the catalog when the definitions are built, so a table declared in schemas/ is
checked without being named here. Staging tables are not among them: pandera validated each of
their rows before it was written, and a row that broke a required rule is in quarantine, counted by
its source's ``<source>_rows_valid`` check.

Each keeps its answer while its table is unchanged; a table whose rows come from staging files, one
file each, is checked over the changed files' rows alone when the check passed last time and few
files changed, and whole otherwise (etl_project/warehouse/incremental/checks.py).
"""

import dagster as dg
import sqlalchemy as sa

from assets.checks import SAMPLE_ROWS, _md
from assets.metadata import WAREHOUSE_POOL
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse import constraints
from etl_project.warehouse.incremental.checks import Verdict, memoised
from schemas import source_catalog
from schemas.registry import CATALOG, Table

CHECKED_SCHEMA = "analytics"


def check_name(table: Table) -> str:
    return f"{table.name}_constraints"


def checked_tables() -> list[Table]:
    """The analytics tables, as declared now, that declare a primary key or a required column."""
    return [t for t in CATALOG.tables.values() if t.schema == CHECKED_SCHEMA and constraints.declared(t) is not None]


def _row_sources(table: Table) -> tuple[str, ...] | None:
    """The sources whose files a row of the table comes from, when each row is one staged row that
    keeps its file's name: the table is selected from staging tables alone. None otherwise (a mart,
    a table read from other warehouse tables), which is then checked whole when it changed."""
    if constraints.SOURCE_FILE not in table.column_names or not table.inputs:
        return None
    staging = {t.name: s.name for s in source_catalog.sources() for t in s.staged}
    if any(name not in staging for name in table.inputs):
        return None
    return tuple(dict.fromkeys(staging[name] for name in table.inputs))


def _description(declared: constraints.Constraints) -> str:
    parts_zh, parts_en = [], []
    if declared.key:
        key = ", ".join(declared.key)
        parts_zh.append(f"主键（{key}）不重复")
        parts_en.append(f"the key ({key}) is unique")
    if declared.required:
        required = ", ".join(declared.required)
        parts_zh.append(f"必填列（{required}）无空值")
        parts_en.append(f"required columns ({required}) are never empty")
    return f"按表声明：{'，'.join(parts_zh)} / as declared: {' and '.join(parts_en)}"


def _verdict(declared: constraints.Constraints, found: constraints.Findings) -> Verdict:
    metadata: dict = {"rows_checked": found.rows_checked}
    if declared.key:
        metadata.update(
            primary_key=", ".join(declared.key), duplicated_keys=found.duplicated_keys, duplicated_keys_sample=_md(found.duplicates)
        )
    if declared.required:
        metadata.update(
            rows_with_empty_required=found.rows_missing,
            # The columns found empty, each with its rows: {} when none is.
            empty_required_columns=dg.MetadataValue.json(found.missing_by_column),
            empty_required_sample=_md(found.missing),
        )
    return found.passed, metadata


def evaluate(db, table: Table) -> dg.AssetCheckResult:
    """The table's check of its declared constraints, on an opened warehouse."""
    declared = constraints.declared(table)
    row_sources = _row_sources(table)
    sql = constraints.queries(db, declared, SAMPLE_ROWS)

    def check_all() -> Verdict:
        return _verdict(declared, constraints.look(db, declared, sql))

    def check_files(files: list[str]) -> Verdict:
        return _verdict(declared, constraints.look(db, declared, sql, files))

    decision, passed, metadata = memoised(
        db, check_name(table), table, row_sources or (), check_all, check_files if row_sources else None, declared=(sql,)
    )
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table.name),
        check_name=check_name(table),
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**metadata, "answer_version": decision.version},
    )


def build_constraint_checks() -> list[dg.AssetChecksDefinition]:
    """The check of its declared constraints of each analytics table declared when the definitions
    are built. They are evaluated in one step, after the tables are built: a pass on unchanged
    tables costs a memo lookup and an evaluation per table, without a step (its events, its slot of
    the warehouse pool) per table besides. A table that failed to build leaves them unevaluated in
    that run, which fails for it anyway."""
    tables = {dg.AssetCheckKey(dg.AssetKey(t.name), check_name(t)): t for t in checked_tables()}
    if not tables:
        return []
    specs = [
        dg.AssetCheckSpec(key.name, asset=key.asset_key, description=_description(constraints.declared(table)))
        for key, table in tables.items()
    ]

    @dg.multi_asset_check(
        name="declared_constraints",
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="各分析表按声明的主键唯一、必填列无空值 / each analytics table's declared key unique and required columns filled",
    )
    def declared_constraints(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        failed = []
        with warehouse.open() as db:
            for key, table in tables.items():
                if key not in context.selected_asset_check_keys:
                    continue
                try:
                    yield evaluate(db, table)
                except sa.exc.SQLAlchemyError as error:
                    # The other tables are still checked; the step then fails naming this one.
                    failed.append(f"{table.name}: {error.orig if getattr(error, 'orig', None) else error}")
        if failed:
            raise dg.Failure(description="无法检查 / could not be checked: " + "; ".join(failed))

    return [declared_constraints]
