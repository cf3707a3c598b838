"""Staging layer: every source file read, typed, validated and stripped of personal data.

staged_file is partitioned per raw file. One file's failure (unreadable, unknown layout, missing
columns) is recorded with its reason in load_audit, fails that file's partition and does not stop
the others; the file keeps the rows it had from its last good load. Project lists are staged
before ledgers, so a movement booked on an unknown project is caught. Files are staged by worker
processes when there is much to read, and written to the warehouse in batches as they come, so a
national registry never sits in memory whole. staging_tables then makes the tables the union of
the files present: a removed file's rows leave.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import sqlalchemy as sa
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as TargetMaterialization,
)

from assets import file_story
from assets.metadata import FAILED_FILES, FRAME_KINDS, OWNERS, WAREHOUSE_POOL, describe, table_metadata
from assets.raw import RAW_FILE
from etl_project.core import personal_data, pii
from etl_project.ingest.incremental import files as file_loads
from etl_project.ingest.incremental.file_hashes import known_hashes
from etl_project.ingest.incremental.files import previous_loads, rules_version
from etl_project.ingest.partitions import RAW_FILES, file_of, ordered, partition_key, source_of
from etl_project.ingest.resources import KnownHashes, RawFile, RawFilesResource, StagingResource, WarehouseResource
from etl_project.ingest.staging.workers import FileOutcome, Stager, failure_reason, worker_count
from etl_project.ingest.staging.writer import StagingWriter
from etl_project.reports import UnreadableReport, default_regions, extract_report
from etl_project.reports.rows import claim_rows, finding_claim_rows, finding_rows
from etl_project.warehouse.incremental import batch_version, tables
from etl_project.warehouse.known_persons import known_persons, with_learnt_at
from etl_project.warehouse.summary import quarantine_counts
from schemas import source_catalog
from schemas.registry import Table
from schemas.report_tables import REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM
from schemas.tables import LOAD_AUDIT, PERSON_FINGERPRINT, QUARANTINE

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
AUDIT_COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_skipped",
    "skipped_blank",
    "skipped_total",
    "skipped_note",
    "skipped_section",
)


@dataclass
class SourceRun:
    """One source's files in one run: what was staged again, what stayed, failed or went away."""

    name: str
    table: Table
    staged: list[FileOutcome] = field(default_factory=list)  # counts only: the rows are written
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    audit: list[dict] = field(default_factory=list)
    rejected_rules: list = field(default_factory=list)  # the rule of every quarantine row, in order
    project_codes: set[str] = field(default_factory=set)


def _audit_row(run_id: str, source: str, raw: RawFile, staged: FileOutcome | None, error: str | None, version: str) -> dict:
    # The file as staging read it: a file rewritten since it was hashed is recorded as read.
    state = staged.state if staged is not None and staged.state is not None else raw
    row = {
        "run_id": run_id,
        "source": source,
        "source_file": raw.relative,
        "content_sha256": state.sha256,
        "rules_version": version,
        "file_bytes": state.size,
        "file_mtime_ns": state.mtime_ns,
        "status": "failed" if error else "loaded",
        "message": error,
        "warnings": staged.warnings if staged else None,
        "sheets": staged.sheets if staged else None,
        "loaded_at": datetime.now(UTC).replace(tzinfo=None),
    }
    row.update({name: getattr(staged, name) if staged else 0 for name in AUDIT_COUNTS})
    row["personal_data_masked"] = staged.personal_data_masked if staged else 0
    return row


def _stage_source(
    context, name: str, files: list[RawFile], previous: dict, stager: Stager, writer: StagingWriter, version: str, force: bool = False
) -> SourceRun:
    """Stage the files of one source that are in this run; files whose content and rules (of
    ``version``) are those of their last load are not read again."""
    run = SourceRun(name, source_catalog.source(name).staged[0])
    run_id = context.run.run_id
    unchanged = {}
    for raw in files:
        if file_loads.decide(previous, name, raw, version, again=force).kept:
            unchanged[raw.relative] = previous[(name, raw.relative)]
    outcomes = stager.stage(
        name, [(raw.path, raw.relative, (raw.size, raw.mtime_ns, raw.sha256)) for raw in files if raw.relative not in unchanged]
    )
    for raw in files:
        if raw.relative in unchanged:
            run.unchanged.append(raw.relative)
            run.audit.append(
                {
                    **unchanged[raw.relative],
                    "run_id": run_id,
                    "status": "unchanged",
                    "message": None,
                    "file_mtime_ns": raw.mtime_ns,
                    "loaded_at": _now(),
                }
            )
            continue
        staged = next(outcomes)
        if staged.error is not None:
            context.log.error(f"{raw.relative}: {staged.error}")
            run.failed.append(raw.relative)
            run.errors[raw.relative] = staged.error
            run.audit.append(_audit_row(run_id, name, raw, None, staged.error, version))
            continue
        _write(writer, run, staged, run_id)
        run.audit.append(_audit_row(run_id, name, raw, staged, None, version))
        masked = f", personal data masked {staged.personal_data_masked}" if staged.personal_data_masked else ""
        context.log.info(
            f"{raw.relative}: read {staged.rows_read}, loaded {staged.rows_loaded}, "
            f"quarantined {staged.rows_quarantined}, skipped {staged.rows_skipped}{masked}"
        )
        if staged.warnings:
            context.log.warning(f"{raw.relative}: " + staged.warnings.replace("\n", "; "))
    writer.flush()
    return run


def _stage_reports(context, files: list[RawFile], previous: dict, writer: StagingWriter, version: str, key: bytes) -> SourceRun:
    """Each changed report's figures as claims and its contradictions as findings, replacing the
    report's rows; rows_read = rows_loaded = its claims."""
    run = SourceRun("reports", REPORT_CLAIM)
    regions = names = None
    for raw in files:
        if file_loads.decide(previous, "reports", raw, version).kept:
            run.unchanged.append(raw.relative)
            run.audit.append(
                {
                    **previous[("reports", raw.relative)],
                    "run_id": context.run.run_id,
                    "status": "unchanged",
                    "message": None,
                    "file_mtime_ns": raw.mtime_ns,
                    "loaded_at": _now(),
                }
            )
            continue
        regions = regions or default_regions()
        try:
            report = extract_report(raw.path, regions)
        except UnreadableReport as exc:
            error = failure_reason(str(exc), raw.relative, raw.path)
            context.log.error(f"{raw.relative}: {error}")
            run.failed.append(raw.relative)
            run.errors[raw.relative] = error
            run.audit.append(_audit_row(context.run.run_id, "reports", raw, None, error, version))
            continue
        names = names or known_persons(writer.db, key)
        claims, found = personal_data.mask_frame(claim_rows(report, raw.sha256[:16], raw.relative), None, names)
        findings, found_too = personal_data.mask_frame(finding_rows(report, raw.sha256[:16], raw.relative), None, names)
        writer.replace(REPORT_CLAIM, raw.relative, claims)
        writer.replace(REPORT_FINDING, raw.relative, findings)
        writer.replace(REPORT_FINDING_CLAIM, raw.relative, finding_claim_rows(report, raw.sha256[:16], raw.relative))
        outcome = FileOutcome(
            "reports", raw.relative, rows_read=len(claims), rows_loaded=len(claims), personal_data_masked=sum((found + found_too).values())
        )
        run.staged.append(outcome)
        run.audit.append(_audit_row(context.run.run_id, "reports", raw, outcome, None, version))
        context.log.info(f"{raw.relative}: {len(claims)} claims, {len(report['findings'])} findings")
    writer.flush()
    return run


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _tables_of(source: str) -> list[Table]:
    """Where a file of the source has rows: its staging table, the quarantine, ledger totals."""
    return list(source_catalog.source(source).tables)


def _staging_tables() -> list[Table]:
    """The staging tables of the tabular sources, ledger totals included."""
    return _distinct([t for s in source_catalog.tabular_sources() for t in (*s.staged, *([s.totals] if s.totals is not None else []))])


def _file_tables() -> list[Table]:
    """Every table a run writes a file's rows or its accounting to."""
    return _distinct([t for s in source_catalog.sources() for t in s.tables] + [LOAD_AUDIT])


def _distinct(tables: list[Table]) -> list[Table]:
    return list({table.name: table for table in tables}.values())


def _write(writer: StagingWriter, run: SourceRun, staged: FileOutcome, run_id: str) -> None:
    """Hand the file's rows to the writer and keep only its counts."""
    writer.replace(run.table, staged.source_file, staged.rows)
    for table in source_catalog.source(run.name).staged[1:]:
        writer.replace(table, staged.source_file, (staged.more or {}).get(table.name))
    rejects = staged.quarantine
    writer.replace(QUARANTINE, staged.source_file, rejects.assign(run_id=run_id) if rejects is not None and not rejects.empty else None)
    declared = source_catalog.source(run.name)
    if declared.totals is not None:
        writer.replace(declared.totals, staged.source_file, staged.totals)
    if declared.names_people:
        people = staged.people
        if people is not None:
            before = writer.stored_rows(PERSON_FINGERPRINT, staged.source_file, ["name_fingerprint", "learnt_at"])
            people = with_learnt_at(people, before, _now())
        writer.replace(PERSON_FINGERPRINT, staged.source_file, people)
    if rejects is not None and not rejects.empty:
        run.rejected_rules.append(rejects["rule"].to_numpy())
    if staged.project_codes:
        run.project_codes |= staged.project_codes
    staged.rows = staged.more = staged.quarantine = staged.totals = staged.project_codes = staged.people = None
    run.staged.append(staged)


STAGED_FILE = "staged_file"
FILE_READABLE = "file_readable"
FILE_CHECK = dg.AssetCheckKey(dg.AssetKey(STAGED_FILE), FILE_READABLE)


@dg.asset(
    pool=WAREHOUSE_POOL,
    name=STAGED_FILE,
    group_name="staging",
    owners=OWNERS,
    kinds=FRAME_KINDS,
    deps=[RAW_FILE],
    partitions_def=RAW_FILES,
    # A run over many files stages them in one step (worker processes, batched writes) instead
    # of one run per file.
    backfill_policy=dg.BackfillPolicy.single_run(),
    output_required=False,
    retry_policy=RETRY,
    check_specs=[
        dg.AssetCheckSpec(
            FILE_READABLE,
            asset=STAGED_FILE,
            blocking=True,
            # Evaluated per file: a failed file's partition shows its own reason.
            partitions_def=RAW_FILES,
            description="文件可读、表头完整、列与规则一致 / the file could be read, has its header and every required column",
        )
    ],
    metadata={
        # What each partition records of its file; the rows themselves go to the staging tables below.
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn("source", "string", description=f"来源 / {', '.join(source_catalog.source_names())}"),
                dg.TableColumn("table", "string", description="写入的表 / the table the rows went to"),
                dg.TableColumn("rows_read", "int", description="读取行数 / data rows read from the file"),
                dg.TableColumn("rows_loaded", "int", description="装载行数 / rows loaded into the staging table"),
                dg.TableColumn("rows_quarantined", "int", description="隔离行数 / rows rejected into quarantine"),
                dg.TableColumn("rows_skipped", "int", description="跳过行数 / blank, total (合计) and note rows"),
            ]
        ),
        "writes": dg.MetadataValue.json([f"{table.schema}.{table.name}" for table in _file_tables()]),
    },
    description=(
        "每个原始文件读取、类型化、校验并去除个人信息后写入其来源的 staging 表\n\n"
        "Each raw file read, typed, validated and stripped of personal data, its rows written to its source's staging "
        "table (stg_household, stg_project, stg_village, stg_fund_movement) and its rejected rows to quarantine; each "
        "report's figures to report_claim and report_finding. A file "
        "whose content and rules are unchanged since its last load is not read again. Each partition's materialization "
        "carries its own file's counts, sheets, header row, money unit and problems by rule. A file that cannot be read "
        "fails its own partition (blocking check file_readable, evaluated per file, with the reason) and keeps the rows "
        "of its last good load; the other files of the run load."
    ),
)
def staged_file(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource, staging: StagingResource):
    key = raw_files.key
    if raw_files.using_development_key:
        context.log.warning(f"{pii.PII_KEY_ENV} is not set: household and donor keys use the development key")
    with warehouse.open() as db:
        previous = previous_loads(db)
        files, vanished = _files_of(context.partition_keys, raw_files, known_hashes(db))
        migrations = [db.ensure_table(table) for table in _file_tables()]
        writer = StagingWriter(db)
        versions = {source: rules_version(source, staging.written) for source in files}
        workers = worker_count(_bytes_to_read(files, previous, versions), staging.workers)
        as_arrow = db.dialect == "duckdb"
        tabular = source_catalog.tabular_sources()
        judged = [s for s in tabular if s.judged_against is not None]
        runs, known, judge_again = {}, {}, {}
        with Stager(workers, key, as_arrow=as_arrow, reading=staging.reading, memory_limit=staging.memory_limit) as stager:
            for source in tabular:
                if source.judged_against is None:
                    runs[source.name] = _stage_source(
                        context, source.name, files[source.name], previous, stager, writer, versions[source.name]
                    )
            # Ledgers are judged against every code of every project list (rejected rows included):
            # when a list changed, every ledger of this run is judged again.
            for source in judged:
                against = runs[source.judged_against]
                judge_again[source.name] = bool(against.staged)
                mine = files[source.name]
                to_judge = (
                    mine
                    if judge_again[source.name]
                    else [raw for raw in mine if _changed(raw, source.name, previous, versions[source.name])]
                )
                known[source.name] = _known_projects(against, raw_files, stager, db) if to_judge else frozenset()
        for source in judged:
            with Stager(
                workers, key, known[source.name], as_arrow=as_arrow, reading=staging.reading, memory_limit=staging.memory_limit
            ) as stager:
                runs[source.name] = _stage_source(
                    context,
                    source.name,
                    files[source.name],
                    previous,
                    stager,
                    writer,
                    versions[source.name],
                    force=judge_again[source.name],
                )
        for source in source_catalog.sources():
            if not source.tabular:
                runs[source.name] = _stage_reports(context, files[source.name], previous, writer, versions[source.name], key)
        writer.flush()
        audit = pd.DataFrame([row for run in runs.values() for row in run.audit], columns=LOAD_AUDIT.column_names)
        audit_ref = db.reference(LOAD_AUDIT)
        db.replace_where(LOAD_AUDIT, audit, sa.and_(audit_ref.c.run_id == context.run.run_id, audit_ref.c.status != "removed"))
        stories = {row["source_file"]: (run, row) for run in runs.values() for row in run.audit if row["status"] != "failed"}
        rules = _rules_by_file(db, list(stories))
    for message in filter(None, migrations):
        # A first run creates its tables; only a migration of existing ones deserves attention.
        (context.log.warning if message.startswith("migrated") else context.log.info)(f"schema change: {message}")

    failures = {relative: error for run in runs.values() for relative, error in run.errors.items()}
    failures.update(vanished)
    context.log.info(
        f"files in the run {len(context.partition_keys)}: read {sum(len(run.staged) for run in runs.values())}, "
        f"unchanged {sum(len(run.unchanged) for run in runs.values())}, failed {len(failures)}"
    )
    # Each partition's materialization tells its own file's story; what the run changed in the
    # warehouse's schema concerns every file written through it.
    migrated = [m for m in migrations if m and m.startswith("migrated")]
    changed = {"schema_changes": dg.MetadataValue.json(migrated)} if migrated else {}
    # What each file staged, named by its content and rules: the same for a file whose last load stands.
    decisions = {relative: file_loads.of_load(row) for relative, (_, row) in stories.items()}
    told = {
        partition_key(relative): {
            **file_story.loaded(row, run.table.name, rules.get(relative, [])),
            **changed,
            "file_version": decisions[relative].version,
        }
        for relative, (run, row) in stories.items()
    }
    if not failures:
        # The run's output materializes every partition of the run, each with its own metadata.
        for key, metadata in told.items():
            context.add_asset_metadata(metadata, partition_key=key)
        yield dg.MaterializeResult(
            data_version=dg.DataVersion(batch_version([d.version for d in decisions.values()])) if decisions else None
        )
    else:
        # Only the files read now are recorded; the unchanged ones keep their last materialization
        # and the failed ones fail with the step.
        for run in runs.values():
            for staged in run.staged:
                key = partition_key(staged.source_file)
                yield dg.AssetMaterialization(
                    asset_key=STAGED_FILE, partition=key, metadata=told[key], tags=decisions[staged.source_file].tags
                )
    if FILE_CHECK in context.selected_asset_check_keys:
        # Each evaluation points at the partition's latest materialization (a failed file's is that
        # of its last good load): the UI counts a file's check as current only then.
        targets = _latest_materializations(context.instance, [partition_key(relative) for relative in (*stories, *failures)])
        for relative, (_, row) in stories.items():
            yield _file_check(relative, targets, passed=True, metadata=file_story.passed(row))
        for relative, reason in failures.items():
            source = source_of(relative)
            yield _file_check(
                relative,
                targets,
                passed=False,
                metadata=file_story.failed(relative, source, reason, previous.get((source, relative))),
                description=file_story.failed_description(reason),
            )
        if not failures:
            # Evaluations of single partitions stand for the check's result; the output lets the
            # steps after it run.
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(FILE_CHECK))
    if failures:
        # The step fails with the files' own reasons (the run's failure message, the alert line);
        # reading the same bytes again would fail the same way, so the retry policy is bypassed.
        raise dg.Failure(
            description=file_story.failure_message(failures),
            metadata={FAILED_FILES: dg.MetadataValue.json([{"file": f, "reason": r} for f, r in failures.items()])},
            allow_retries=False,
        )


def _file_check(relative: str, targets: dict, passed: bool, metadata: dict, description: str | None = None) -> dg.AssetCheckEvaluation:
    key = partition_key(relative)
    return dg.AssetCheckEvaluation(
        asset_key=FILE_CHECK.asset_key,
        check_name=FILE_CHECK.name,
        passed=passed,
        partition=key,
        blocking=True,
        metadata=metadata,
        description=description,
        target_materialization_data=targets.get(key),
    )


def _latest_materializations(instance: dg.DagsterInstance, keys: list[str]) -> dict[str, TargetMaterialization]:
    """The latest materialization of each of these staged_file partitions that has one."""
    latest = instance.get_latest_storage_id_by_partition(FILE_CHECK.asset_key, dg.DagsterEventType.ASSET_MATERIALIZATION, set(keys))
    if not latest:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=FILE_CHECK.asset_key, storage_ids=list(latest.values())), limit=len(latest)
    ).records
    return {r.partition_key: TargetMaterialization(storage_id=r.storage_id, run_id=r.run_id, timestamp=r.timestamp) for r in records}


def _rules_by_file(db, files: list[str]) -> dict[str, list[file_story.RuleCount]]:
    """Each file's quarantine problems counted by rule, with one message of each rule as an example."""
    if not files or not db.has_table(QUARANTINE):
        return {}
    q = db.reference(QUARANTINE)
    example = sa.func.min(q.c.message_zh + " / " + q.c.message_en)
    statement = (
        sa.select(q.c.source_file, q.c.rule, sa.func.count().label("problems"), example.label("example"))
        .where(q.c.source_file.in_(files))
        .group_by(q.c.source_file, q.c.rule)
    )
    found: dict[str, list[file_story.RuleCount]] = {}
    with db.engine.connect() as connection:
        for row in connection.execute(statement):
            found.setdefault(row.source_file, []).append(file_story.RuleCount(row.rule, int(row.problems), row.example or ""))
    return found


def _files_of(keys, raw_files: RawFilesResource, known: KnownHashes) -> tuple[dict[str, list[RawFile]], dict[str, str]]:
    """The run's files by source, in staging order, and those that are not on disk any more."""
    found: dict[str, list[RawFile]] = {source: [] for source in source_catalog.source_names()}
    vanished = {}
    for key in ordered(list(keys)):
        relative, source = file_of(key), source_of(key)
        raw = raw_files.file(relative, known) if source in found else None
        if raw is None:
            vanished[relative] = f"not under {raw_files.root} any more (or not in a source folder): nothing was read"
            continue
        found[source].append(raw)
    return found, vanished


def _known_projects(projects: SourceRun, raw_files: RawFilesResource, stager: Stager, db) -> frozenset[str]:
    """Every project code listed anywhere: from the lists staged in this run, and the other lists
    read again for their codes alone (they are small); a list that cannot be read lends the codes of
    its last good load."""
    codes = set(projects.project_codes)
    staged_now = {s.source_file for s in projects.staged}
    listed = source_catalog.source(projects.name)
    others = [relative for relative in raw_files.relatives(listed.name, listed.suffixes) if relative not in staged_now]
    unreadable = list(projects.failed)
    for outcome in stager.stage(listed.name, [(raw_files.path(relative), relative) for relative in others]):
        if outcome.error is not None:
            unreadable.append(outcome.source_file)
        elif outcome.project_codes:
            codes |= outcome.project_codes
    return frozenset(codes | _kept_codes(db, listed, unreadable))


def _spec(key: str, table: Table, group: str = "staging", extra: str = "") -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        group_name=group,
        owners=OWNERS,
        kinds=FRAME_KINDS,
        deps=[STAGED_FILE],
        description=describe(table, extra),
        metadata=table_metadata(table),
    )


# What a table's description adds to its declaration.
_SPEC_NOTES = {
    "stg_household": "Rows that break a rule go to quarantine instead.",
    "stg_person": "A household's rows are loaded together or quarantined together.",
    "stg_fund_movement": "Movements on unknown projects are quarantined.",
}


def build_staging_tables() -> dg.AssetsDefinition:
    """The staging tables of the sources declared when the definitions are built, as one step."""
    specs = [_spec(table.name, table, extra=_SPEC_NOTES.get(table.name, "")) for table in _staging_tables()]
    specs += [_spec("quarantine", QUARANTINE, group="warehouse"), _spec("load_audit", LOAD_AUDIT, group="warehouse")]

    @dg.multi_asset(pool=WAREHOUSE_POOL, specs=specs, retry_policy=RETRY, can_subset=False)
    def staging_tables(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource):
        """The staging tables as the union of the files now under the raw folder: a removed file's
        rows leave them here, and each table reports its rows and the state of its files."""
        yield from _union_of_present_files(context, raw_files, warehouse)

    return staging_tables


def _union_of_present_files(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource):
    present = {relative for source in source_catalog.sources() for relative in raw_files.relatives(source.name, source.suffixes)}
    with warehouse.open() as db:
        for table in _file_tables():
            db.ensure_table(table)
        previous = previous_loads(db)
        removed = sorted((source, relative) for source, relative in previous if relative not in present)
        writer = StagingWriter(db)
        for source, relative in removed:
            for target in _tables_of(source):
                writer.replace(target, relative, None)
            context.log.info(f"{relative}: no longer under the raw folder, its rows left the warehouse")
        writer.flush()
        if removed:
            gone = pd.DataFrame(
                [
                    {
                        **dict.fromkeys(LOAD_AUDIT.column_names),
                        **dict.fromkeys(AUDIT_COUNTS, 0),
                        "run_id": context.run.run_id,
                        "source": source,
                        "source_file": relative,
                        "status": "removed",
                        "message": "file no longer under the raw folder: its rows left the warehouse",
                        "loaded_at": _now(),
                    }
                    for source, relative in removed
                ],
                columns=LOAD_AUDIT.column_names,
            )
            audit_ref = db.reference(LOAD_AUDIT)
            db.replace_where(LOAD_AUDIT, gone, sa.and_(audit_ref.c.run_id == context.run.run_id, audit_ref.c.status == "removed"))
        state = latest_file_states(db)
        counts = {table.name: db.row_count(table) for table in (*_staging_tables(), QUARANTINE, LOAD_AUDIT)}
        decisions = {
            table.name: tables.staged(db, table, removed_now=sum(table in _tables_of(source) for source, _ in removed))
            for table in (*_staging_tables(), QUARANTINE)
        }
        decisions[LOAD_AUDIT.name] = tables.audit_log(db)
        by_rule = db.query(f"SELECT rule, COUNT(*) AS n FROM {db.name(QUARANTINE)} GROUP BY rule ORDER BY n DESC, rule")
        _, rejected_rows = quarantine_counts(db)

    for declared in source_catalog.tabular_sources():
        source, table = declared.name, declared.staged[0]
        files = state[state["source"] == source]
        failed = files.loc[files["status"] == "failed", "source_file"].tolist()
        yield dg.MaterializeResult(
            asset_key=table.name,
            metadata={
                **table_metadata(table, counts[table.name]),
                "files": len(files),
                "files_failed": len(failed),
                "failed_files": dg.MetadataValue.json(failed),
                "files_removed_now": len([r for s, r in removed if s == source]),
                "per_file": dg.MetadataValue.md(
                    files[["source_file", "status", *AUDIT_COUNTS[:4]]].to_markdown(index=False) if not files.empty else "no files"
                ),
            },
            data_version=decisions[table.name].data_version,
        )
        for other in (*declared.staged[1:], *([declared.totals] if declared.totals is not None else [])):
            yield dg.MaterializeResult(
                asset_key=other.name, metadata=table_metadata(other, counts[other.name]), data_version=decisions[other.name].data_version
            )
    yield dg.MaterializeResult(
        asset_key=QUARANTINE.name,
        metadata={
            **table_metadata(QUARANTINE, counts[QUARANTINE.name]),
            "problems": counts[QUARANTINE.name],
            "source_rows": rejected_rows,
            "by_rule": dg.MetadataValue.json({r.rule: int(r.n) for r in by_rule.itertuples()}),
        },
        data_version=decisions[QUARANTINE.name].data_version,
    )
    yield dg.MaterializeResult(
        asset_key=LOAD_AUDIT.name,
        metadata={
            **table_metadata(LOAD_AUDIT, counts[LOAD_AUDIT.name]),
            "files_now": len(state),
            "files_failed_now": int((state["status"] == "failed").sum()),
            "files_removed_now": len(removed),
        },
        data_version=decisions[LOAD_AUDIT.name].data_version,
    )


def latest_file_states(db) -> pd.DataFrame:
    """The latest audit row of every file still under the raw folder: how it stands now."""
    if not db.has_table(LOAD_AUDIT):
        return pd.DataFrame(columns=LOAD_AUDIT.column_names)
    audit = db.name(LOAD_AUDIT)
    return db.query(
        f"SELECT * FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY source, source_file ORDER BY loaded_at DESC) AS latest "
        f"FROM {audit} a) ranked WHERE latest = 1 AND status <> 'removed' ORDER BY source, source_file"
    ).drop(columns=["latest"])


def _bytes_to_read(files: dict[str, list[RawFile]], previous: dict, versions: dict[str, str]) -> int:
    """Roughly what this run will read: the files whose content is not the one last loaded."""
    return sum(raw.size for source, found in files.items() for raw in found if _changed(raw, source, previous, versions[source]))


def _changed(raw: RawFile, source: str, previous: dict, version: str) -> bool:
    """True when the file is new, or its content or rules differ from its last load."""
    return not file_loads.decide(previous, source, raw, version).kept


def _kept_codes(db, listed: source_catalog.Source, failed: list[str]) -> set[str]:
    """Project codes of lists that cannot be read this time: their last good rows still stand."""
    table = listed.staged[0]
    if not failed or not db.has_table(table):
        return set()
    reference = db.reference(table)
    statement = sa.select(reference.c[listed.codes_field]).where(reference.c.source_file.in_(failed))
    with db.engine.connect() as connection:
        return {row[0] for row in connection.execute(statement) if row[0]}
