"""The ``etl-project`` command line. Bad input gets a message a person can act on, not a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _run(args: argparse.Namespace) -> int:
    import dagster as dg

    from etl_project.pg_locks import LockPolicy
    from etl_project.stopping import run_stoppable

    _as_of(args)
    raw = Path(args.raw)
    if not raw.is_dir():
        print(f"etl-project run: raw data folder {raw} does not exist", file=sys.stderr)
        return EXIT_USAGE
    LockPolicy.from_env()  # a bad setting is said once, before the run, not as the failure of every step
    # Run history goes to $DAGSTER_HOME when set (the UI shows it); otherwise nothing is kept.
    persistent = bool(not args.ephemeral and os.environ.get("DAGSTER_HOME"))
    tags = {RUN_BY_TAG: str(os.getpid())}

    def work() -> int:
        # Made in the thread that uses it: an ephemeral instance keeps its history in an in-memory
        # SQLite database, which refuses other threads.
        instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
        return _run_and_report(args, raw, instance, tags)

    return run_stoppable(work, lambda signal_name: _stopped(signal_name, persistent, tags))


RUN_BY_TAG = "etl-project/cli-process"


def _as_of(args: argparse.Namespace) -> None:
    """--as-of reaches the staging of every file (worker processes too) as the environment."""
    from etl_project.staging.persons import AS_OF_ENV

    if args.as_of is not None:
        os.environ[AS_OF_ENV] = str(args.as_of)


def _run_and_report(args: argparse.Namespace, raw: Path, instance, tags: dict[str, str]) -> int:
    from etl_project.run_lock import WarehouseBusy, warehouse_lock
    from etl_project.runner import run_pipeline
    from etl_project.sensors import STAGED_FILE_STEP
    from etl_project.summary import check_outcomes, file_accounting, quarantine_counts, render, table_counts
    from etl_project.warehouse import Warehouse, default_url

    url = args.warehouse or default_url()
    try:
        with instance, warehouse_lock(url, args.wait, on_wait=lambda message: print(message, file=sys.stderr)):
            outcome = run_pipeline(raw, args.warehouse, instance, log_level="INFO" if args.verbose else "WARNING", tags=tags)
    except WarehouseBusy as exc:
        print(f"etl-project run: {exc}", file=sys.stderr)
        return EXIT_FAILED
    db = Warehouse(args.warehouse)
    try:
        print(render(table_counts(db), check_outcomes(outcome.check_evaluations()), file_accounting(db, outcome.run_id), quarantine_counts(db)))
    finally:
        db.close()
    if outcome.files_unchanged:
        print(f"\n{outcome.files_unchanged} file(s) unchanged since their last load were not read again.")
    if not outcome.success:
        for step, message in outcome.step_failures():
            if step != STAGED_FILE_STEP:
                print(f"step {step} failed: {message}", file=sys.stderr)
        return EXIT_FAILED
    if outcome.files_failed:
        print("\nsome files failed (FAILED above) and kept their last good rows; the warehouse was built from the files "
              "that loaded. Fix them and run again.", file=sys.stderr)
        return EXIT_FAILED
    print(f"\nrun {' then '.join(outcome.run_ids)} succeeded; warehouse {db.url}")
    return EXIT_OK


def _stopped(signal_name: str, persistent: bool, tags: dict[str, str]) -> None:
    print(
        f"etl-project run: stopped by {signal_name}; every table is whole, as before this run or as this run replaced it, "
        f"and the next run completes the work. / 运行被 {signal_name} 终止：每张表都完整（本次运行之前的或已替换的版本），"
        f"再次运行即可完成。",
        file=sys.stderr,
    )
    if persistent:
        import dagster as dg

        try:  # so that the run history does not show the run as still going
            instance = dg.DagsterInstance.get()
            for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED], tags=tags)):
                instance.report_run_failed(run, f"stopped by {signal_name}")
        except Exception:  # the history is a courtesy; ending promptly is the point
            pass


def _sample_data(args: argparse.Namespace) -> int:
    from etl_project.sample_data import generate

    summary = generate(
        Path(args.out),
        households=args.households,
        seed=args.seed,
        truth=Path(args.truth) if args.truth else None,
        fmt=args.format,
        counties=args.counties,
        per_person=args.per_person,
    )
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from etl_project.steward import validate_file

    _as_of(args)
    verdict = validate_file(Path(args.file), args.source)
    print(verdict.as_json() if args.format == "json" else verdict.as_text())
    return verdict.exit_code


def _extract_claims(args: argparse.Namespace) -> int:
    from etl_project.amounts import money_text, number_text, written_unit
    from etl_project.reports import UnreadableReport, default_regions, extract_report

    try:
        report = extract_report(Path(args.file), default_regions())
    except UnreadableReport as exc:
        print(f"etl-project extract-claims: {exc}", file=sys.stderr)
        return EXIT_USAGE
    payload = {key: report[key] for key in ("file", "report_date", "claims", "findings")}
    if args.format == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"{payload['file']} ({payload['report_date'] or 'no date'}): {len(payload['claims'])} figures")
        for index, claim in enumerate(payload["claims"]):
            where = claim.get("region") or "-"
            shown = money_text(claim["value"], written_unit(report["body"][claim["start"]:claim["end"]])) if claim["unit"] == "yuan" else f"{number_text(claim['value'])} {claim['unit']}"
            print(f"  [{index}] {shown}{' ~' if claim['approx'] else ''} {claim['metric']} {claim.get('period') or ''} {where}")
        for finding in payload["findings"]:
            print(f"  ! {finding['rule']}: {finding['message_en']}")
    return EXIT_OK


def _grant_bi(args: argparse.Namespace) -> int:
    from etl_project.serving import grant_bi
    from etl_project.warehouse import Warehouse

    db = Warehouse(args.warehouse)
    try:
        for statement in grant_bi(db, args.role, args.login, args.statement_timeout, args.idle_timeout):
            print(statement)
    finally:
        db.close()
    return EXIT_OK


def _bi_bundle(args: argparse.Namespace) -> int:
    from etl_project.bi_bundle import bundle_files, describe, superset_uri, write_bundle
    from etl_project.warehouse import default_url

    url = args.warehouse or default_url()
    uri = superset_uri(url, args.sqlalchemy_uri)
    files = bundle_files(url, args.database_name, uri)
    out = write_bundle(files, Path(args.out))
    print(describe(files, out))
    return EXIT_OK


def _data_dictionary(args: argparse.Namespace) -> int:
    from etl_project.dictionary import write

    print(f"wrote {write(Path(args.out)) if args.out else write()}")
    return EXIT_OK


def _derive_reference(args: argparse.Namespace) -> int:
    from etl_project.reference.derive import write_reference

    counts = write_reference(Path(args.source), Path(args.out))
    for name, rows in counts.items():
        print(f"{name}: {rows} rows")
    return EXIT_OK


def _year(text: str) -> int:
    from etl_project.staging.persons import LAST_AS_OF_YEAR
    from schemas.sources import FIRST_PROGRAMME_YEAR

    if not text.isdigit() or not FIRST_PROGRAMME_YEAR <= int(text) <= LAST_AS_OF_YEAR:
        raise argparse.ArgumentTypeError(f"expected a year {FIRST_PROGRAMME_YEAR}-{LAST_AS_OF_YEAR}, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    from etl_project.serving import BI_IDLE_IN_TRANSACTION_TIMEOUT, BI_STATEMENT_TIMEOUT
    from etl_project.warehouse import WAREHOUSE_URL_ENV
    from schemas import source_catalog

    parser = argparse.ArgumentParser(prog="etl-project", description="Poverty-alleviation data warehouse")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the full pipeline (the nightly job) in this process")
    run.add_argument("--raw", default=os.environ.get("ETL_RAW_DIR", "data/raw"), help="raw data folder (default data/raw)")
    run.add_argument("--warehouse", default=None, help=f"SQLAlchemy URL (default ${WAREHOUSE_URL_ENV} or duckdb:///data/warehouse/warehouse.duckdb)")
    run.add_argument("--ephemeral", action="store_true", help="keep no run history even when DAGSTER_HOME is set")
    run.add_argument("--verbose", action="store_true", help="log every step, not only warnings and errors")
    run.add_argument("--wait", type=float, default=None, help="seconds to wait for another run holding the warehouse (default: as long as it takes)")
    run.add_argument("--as-of", type=_year, default=None, help="the year a per-person registry export (no 识别年度) is as of, when neither its title nor its file name names one")
    run.set_defaults(handler=_run)

    sample = commands.add_parser("sample-data", help="write realistic sample source files and their truth")
    sample.add_argument("--out", required=True)
    sample.add_argument("--households", type=int, default=2000)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--truth", default=None, help="write the expected marts and injected defects as JSON")
    sample.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    sample.add_argument("--counties", type=int, default=5, help="5 showcase counties, more drawn from the 832")
    sample.add_argument("--per-person", type=int, default=1, help="further counties sending the national per-person export (.xlsx, then .xls)")
    sample.set_defaults(handler=_sample_data)

    validate = commands.add_parser(
        "validate", help="check one file as the pipeline would; exit 0 clean, 1 rows rejected, 2 cannot be ingested"
    )
    validate.add_argument("file")
    tabular = [s.name for s in source_catalog.tabular_sources()]
    validate.add_argument("--source", default=None, help=f"{', '.join(tabular)} (detected from the headers when omitted)")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument("--as-of", type=_year, default=None, help="the year a per-person registry export (no 识别年度) is as of, when neither its title nor its file name names one")
    validate.set_defaults(handler=_validate)

    claims = commands.add_parser("extract-claims", help="every figure of a narrative report, as JSON claims with provenance")
    claims.add_argument("file")
    claims.add_argument("--format", choices=("text", "json"), default="text")
    claims.set_defaults(handler=_extract_claims)

    grant = commands.add_parser("grant-bi", help="PostgreSQL: a login-less role that may read the analytics schema only")
    grant.add_argument("role")
    grant.add_argument("--warehouse", default=None, help="postgresql+psycopg://… (default $ETL_WAREHOUSE_URL)")
    grant.add_argument("--login", action="append", default=[], help="an existing login role to make a member (repeatable); "
                       "every login of the role gets the timeouts below in this database")
    grant.add_argument("--statement-timeout", default=BI_STATEMENT_TIMEOUT, help=f"longest query of a BI login (default {BI_STATEMENT_TIMEOUT})")
    grant.add_argument("--idle-timeout", default=BI_IDLE_IN_TRANSACTION_TIMEOUT,
                       help=f"longest a BI login may stay idle inside a transaction (default {BI_IDLE_IN_TRANSACTION_TIMEOUT})")
    grant.set_defaults(handler=_grant_bi)

    bundle = commands.add_parser(
        "bi-bundle",
        help="生成 Superset 导入包：数据库连接、数据集（中文名称与说明）、指标与入门看板 / "
        "write a Superset import bundle: database, datasets with Chinese names and descriptions, metrics, a starter dashboard",
        description="生成 Superset 6 导入包（ZIP），在 Superset 的 Dashboards → Import 或 `superset import-dashboards -p` 导入。"
        "DuckDB 仓库连接其只读副本；PostgreSQL 连接不含密码（导入时在 Superset 中填写）。 / "
        "Write a Superset 6 import bundle (ZIP) to import under Dashboards → Import or with `superset import-dashboards -p`. "
        "A DuckDB warehouse is served by its published read copy; a PostgreSQL URL is shipped without its password "
        "(Superset asks for it on import).",
    )
    bundle.add_argument("--warehouse", default=None, help=f"仓库 SQLAlchemy URL / the warehouse's SQLAlchemy URL (default ${WAREHOUSE_URL_ENV} or duckdb:///data/warehouse/warehouse.duckdb)")
    bundle.add_argument("--out", required=True, help="写出的 ZIP 文件 / the ZIP file to write")
    bundle.add_argument("--sqlalchemy-uri", default=None,
                        help="Superset 连接所用的 URI（Superset 所见路径或主机不同时）/ the URI Superset connects with, when it sees "
                        "another path or host than this machine (default: derived from --warehouse)")
    bundle.add_argument("--database-name", default=None, help="Superset 中的数据库名称 / the database's name in Superset")
    bundle.set_defaults(handler=_bi_bundle)

    dictionary = commands.add_parser("data-dictionary", help="write docs/data_dictionary.md from the schema registry")
    dictionary.add_argument("--out", default=None)
    dictionary.set_defaults(handler=_data_dictionary)

    derive = commands.add_parser("derive-reference", help="rebuild data/reference from the public source files")
    derive.add_argument("--source", required=True)
    derive.add_argument("--out", default="data/reference")
    derive.set_defaults(handler=_derive_reference)
    return parser


class _MaskedStream:
    """stdout and stderr of every command, Dagster's log lines included, through the personal-data
    guard: an ID or phone number in a file name, a cell or a sentence is shown masked."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        from etl_project import personal_data

        self._stream.write(personal_data.mask_text(text).text if text else text)
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedStream(sys.stdout), _MaskedStream(sys.stderr)
    try:
        return _handled(args)
    finally:
        sys.stdout, sys.stderr = streams


def _handled(args: argparse.Namespace) -> int:
    import sqlalchemy.exc

    try:
        return args.handler(args)
    except (OSError, ValueError) as exc:
        print(f"etl-project {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.NoSuchModuleError, sqlalchemy.exc.OperationalError) as exc:
        # A warehouse URL that does not parse or a server that does not answer: say which, without a traceback.
        print(f"etl-project {args.command}: cannot open the warehouse {_shown_url(args)}: {_first_line(exc)}", file=sys.stderr)
        return EXIT_FAILED


def _shown_url(args: argparse.Namespace) -> str:
    import sqlalchemy as sa

    from etl_project.warehouse import default_url

    url = getattr(args, "warehouse", None) or default_url()
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # the URL itself is what is wrong: show it as given
        return url


def _first_line(exc: Exception) -> str:
    # SQLAlchemy wraps the driver's message as "(driver.Error) message" and appends a help link.
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
