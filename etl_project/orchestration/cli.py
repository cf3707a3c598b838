"""The ``etl-project`` command line. Bad input gets a message a person can act on, not a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl_project.core.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _run(args: argparse.Namespace) -> int:
    import dagster as dg

    from etl_project.ingest.progress import plain_interval
    from etl_project.orchestration.run_console import ConsoleWatch
    from etl_project.orchestration.stopping import run_stoppable
    from etl_project.warehouse.pg_locks import LockPolicy

    settings = _settings(args)
    raw = Path(args.raw or settings.raw_dir)
    if not raw.is_dir():
        print(f"etl-project run: raw data folder {raw} does not exist / 原始数据目录 {raw} 不存在", file=sys.stderr)
        return EXIT_USAGE
    LockPolicy.written(
        settings.lock_timeout, settings.lock_tries
    )  # a bad setting is said once, before the run, not as the failure of every step
    # Run history goes to $DAGSTER_HOME when set (the UI shows it); otherwise nothing is kept.
    persistent = bool(not args.ephemeral and settings.dagster_home)
    tags = {RUN_BY_TAG: str(os.getpid())}
    watch = ConsoleWatch(sys.stderr, verbose=args.verbose, interval=plain_interval(settings.progress_seconds))

    def work() -> int:
        # Made in the thread that uses it: an ephemeral instance keeps its history in an in-memory
        # SQLite database, which refuses other threads.
        instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
        return _run_and_report(args, raw, instance, tags, watch, settings)

    def stopped(signal_name: str) -> None:
        watch.stop()
        _stopped(signal_name, persistent, tags)

    return run_stoppable(work, stopped)


RUN_BY_TAG = "etl-project/cli-process"


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings with the command's options over them: --as-of reaches the staging
    of every file (worker processes too) and the rules version of the per-person registry."""
    from etl_project.core.settings import from_environment

    settings = from_environment()
    if getattr(args, "as_of", None) is not None:
        settings = settings.overridden(as_of_year=str(args.as_of))
    if getattr(args, "warehouse", None):
        settings = settings.overridden(warehouse_url=args.warehouse)
    return settings


def _run_and_report(args: argparse.Namespace, raw: Path, instance, tags: dict[str, str], watch, settings: Settings) -> int:
    from etl_project.core import pii
    from etl_project.orchestration.run_lock import WarehouseBusy, warehouse_lock
    from etl_project.orchestration.runner import run_pipeline
    from etl_project.orchestration.sensors import STAGED_FILE_STEP
    from etl_project.warehouse.engine import opened
    from etl_project.warehouse.summary import check_outcomes, file_accounting, quarantine_counts, render, table_counts

    url = settings.warehouse_url
    try:
        with instance, warehouse_lock(url, args.wait, on_wait=lambda message: print(message, file=sys.stderr)), watch:
            outcome = run_pipeline(raw, url, instance, log_level=watch.log_level, tags=tags, watch=watch, settings=settings)
    except WarehouseBusy as exc:
        print(f"etl-project run: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with opened(url, settings) as db:
        print(
            render(
                table_counts(db), check_outcomes(outcome.check_evaluations()), file_accounting(db, outcome.run_id), quarantine_counts(db)
            )
        )
    if outcome.files_to_read and settings.pii_key is None:
        print(
            f"WARNING {pii.PII_KEY_ENV} is not set: household and donor keys use the development key; set a secret key, "
            f"and keep it, before loading real registries. 未设置 {pii.PII_KEY_ENV}：户和捐赠方的键使用开发用密钥；"
            f"载入真实数据前请设置保密密钥并妥善保存"
        )
    if outcome.files_unchanged:
        print(f"\n{outcome.files_unchanged} file(s) unchanged since their last load were not read again.")
    if not outcome.success:
        for step, message in outcome.step_failures():
            if step != STAGED_FILE_STEP:
                print(f"step {step} failed: {message}", file=sys.stderr)
        return EXIT_FAILED
    if outcome.files_failed:
        print(
            "\nsome files failed (FAILED above) and kept their last good rows; the warehouse was built from the files "
            "that loaded. Fix them and run again. / 部分文件未能载入（见上方 FAILED 行），保留其上次成功载入的数据；仓库由已载入的"
            "文件构建。请修正后再次运行。",
            file=sys.stderr,
        )
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
    from sample_data import generate

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
    from etl_project.ingest.steward import validate_file

    verdict = validate_file(Path(args.file), args.source, _settings(args))
    print(verdict.as_json() if args.format == "json" else verdict.as_text())
    return verdict.exit_code


def _extract_claims(args: argparse.Namespace) -> int:
    from etl_project.core.amounts import money_text, number_text, written_unit
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
            shown = (
                money_text(claim["value"], written_unit(report["body"][claim["start"] : claim["end"]]))
                if claim["unit"] == "yuan"
                else f"{number_text(claim['value'])} {claim['unit']}"
            )
            code = claim.get("region_code") or "no code / 无代码"
            print(f"  [{index}] {shown}{' ~' if claim['approx'] else ''} {claim['metric']} {claim.get('period') or ''} {where} ({code})")
            print(f"      {' '.join(str(claim.get('text') or '').split())}")
        for finding in payload["findings"]:
            print(f"  ! {finding['rule']}: {finding['message_en']}")
    return EXIT_OK


def _grant_bi(args: argparse.Namespace) -> int:
    from etl_project.warehouse.engine import opened
    from etl_project.warehouse.serving import grant_bi

    settings = _settings(args)
    with opened(settings.warehouse_url, settings) as db:
        for statement in grant_bi(db, args.role, args.login, args.statement_timeout, args.idle_timeout):
            print(statement)
    return EXIT_OK


def _bi_bundle(args: argparse.Namespace) -> int:
    from etl_project.warehouse.bi_bundle import bundle_files, describe, superset_uri, write_bundle

    url = _settings(args).warehouse_url
    uri = superset_uri(url, args.sqlalchemy_uri)
    files = bundle_files(url, args.database_name, uri)
    out = write_bundle(files, Path(args.out))
    print(describe(files, out))
    return EXIT_OK


def _data_dictionary(args: argparse.Namespace) -> int:
    from etl_project.warehouse.dictionary import write

    print(f"wrote {write(Path(args.out)) if args.out else write()}")
    return EXIT_OK


def _derive_reference(args: argparse.Namespace) -> int:
    from etl_project.core.derive_reference import write_reference

    counts = write_reference(Path(args.source), Path(args.out))
    for name, rows in counts.items():
        print(f"{name}: {rows} rows")
    return EXIT_OK


def _year(text: str) -> int:
    from etl_project.ingest.staging.persons import LAST_AS_OF_YEAR
    from schemas.sources import FIRST_PROGRAMME_YEAR

    if not text.isdigit() or not FIRST_PROGRAMME_YEAR <= int(text) <= LAST_AS_OF_YEAR:
        raise argparse.ArgumentTypeError(f"expected a year {FIRST_PROGRAMME_YEAR}-{LAST_AS_OF_YEAR}, not {text!r}")
    return int(text)


def _output_format(command: argparse.ArgumentParser, json_en: str, json_zh: str) -> None:
    """--format text|json: text for the person at the terminal, json for a program."""
    command.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"text for people, {json_en} (default text) / 输出格式：text 供人阅读，{json_zh}",
    )


def _parser() -> argparse.ArgumentParser:
    from etl_project.core.settings import (
        AS_OF_ENV,
        DEFAULT_RAW_DIR,
        DEFAULT_WAREHOUSE_PATH,
        PROGRESS_SECONDS_ENV,
        RAW_DIR_ENV,
        WAREHOUSE_URL_ENV,
    )
    from etl_project.ingest.progress import PLAIN_INTERVAL_S
    from etl_project.warehouse.serving import BI_IDLE_IN_TRANSACTION_TIMEOUT, BI_STATEMENT_TIMEOUT
    from schemas import source_catalog

    # Every help text in English and Chinese, "English / 中文" (tests/unit/test_cli_help.py holds every option to it).
    parser = argparse.ArgumentParser(
        prog="etl-project",
        add_help=False,
        formatter_class=_BilingualFormatter,
        description="Poverty-alleviation data warehouse: read, check and load the files counties send. "
        "/ 扶贫数据仓库：读取、校验并入库各县报送的文件。",
        epilog="etl-project COMMAND -h: the options of a command / 查看某个命令的选项",
    )
    _help_option(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help="what to do / 要执行的命令")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text, add_help=False, formatter_class=_BilingualFormatter)
        _help_option(sub)
        return sub

    warehouse_default = f"${WAREHOUSE_URL_ENV}, else duckdb:///{DEFAULT_WAREHOUSE_PATH.as_posix()}"
    as_of_help = (
        f"the year a per-person registry export (no 识别年度) is as of, when neither its title nor its file name "
        f"names one (also ${AS_OF_ENV}) / 每人一行的贫困户信息列表所处年度，标题和文件名都没有年份时使用"
    )

    run = command(
        "run",
        "run the whole pipeline (the nightly job) in this process: files that changed are read, the "
        "warehouse and marts rebuilt, a summary printed / 在本进程中运行整个流水线（即每晚的任务）：读取有变化的文件，"
        "重建仓库与数据集市，最后打印汇总",
    )
    run.add_argument(
        "--raw",
        default=None,
        metavar="DIR",
        help=f"raw data folder, one sub-folder per source (default ${RAW_DIR_ENV}, else {DEFAULT_RAW_DIR}) "
        "/ 原始数据目录，每类来源一个子目录",
    )
    run.add_argument(
        "--warehouse",
        default=None,
        metavar="URL",
        help=f"SQLAlchemy URL of the warehouse (default {warehouse_default}) / 数据仓库的 SQLAlchemy 连接地址",
    )
    run.add_argument(
        "--ephemeral",
        action="store_true",
        help="keep no run history, even when $DAGSTER_HOME is set / 不保存运行记录（即使设置了 $DAGSTER_HOME）",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help=f"show Dagster's log of every step (INFO and up) instead of the progress line; without it a failed "
        f"file or step is told once, in the summary, and a progress line is shown on a terminal (elsewhere "
        f"every ${PROGRESS_SECONDS_ENV} s, default {PLAIN_INTERVAL_S:g}) / 显示 Dagster 各步骤的日志（INFO 及以上），"
        f"不显示进度；不加此项时，失败的文件或步骤只在汇总中说明一次，终端上显示进度条",
    )
    run.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long to wait for another run that holds the warehouse (default: as long as it takes) "
        "/ 另一运行占用仓库时最多等待的秒数（默认一直等待）",
    )
    run.add_argument("--as-of", type=_year, default=None, metavar="YEAR", help=as_of_help)
    run.set_defaults(handler=_run)

    sample = command(
        "sample-data",
        "write realistic sample source files, with defects at known rates, and their truth "
        "/ 生成仿真的样例源文件（按已知比例注入缺陷）及其真值",
    )
    sample.add_argument("--out", required=True, metavar="DIR", help="folder to write into (a raw folder) / 输出目录（作为原始数据目录）")
    sample.add_argument(
        "--households",
        type=int,
        default=2000,
        metavar="N",
        help="households over all counties (default 2000) / 全部县的贫困户总数（默认 2000）",
    )
    sample.add_argument(
        "--seed",
        type=int,
        default=7,
        metavar="S",
        help="random seed: the same seed writes the same files (default 7) / 随机种子，相同种子生成相同文件（默认 7）",
    )
    sample.add_argument(
        "--truth",
        default=None,
        metavar="FILE",
        help="also write the expected marts and the injected defects as JSON / 另写出预期的数据集市与注入的缺陷（JSON）",
    )
    sample.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default="xlsx",
        help="file format of the registries (default xlsx) / 贫困户登记文件的格式（默认 xlsx）",
    )
    sample.add_argument(
        "--counties",
        type=int,
        default=5,
        metavar="K",
        help="counties: 5 showcase counties, more drawn from the 832 (default 5) "
        "/ 县的数量：5 个示范县，更多则从 832 个贫困县中抽取（默认 5）",
    )
    sample.add_argument(
        "--per-person",
        type=int,
        default=1,
        metavar="N",
        help="further counties sending the national per-person export (.xlsx, then .xls; default 1) "
        "/ 另外报送全国系统每人一行导出表的县数（先 .xlsx 后 .xls，默认 1）",
    )
    sample.set_defaults(handler=_sample_data)

    validate = command(
        "validate",
        "check one file as the pipeline would, before sending it; exit 0 clean, 1 rows "
        "rejected, 2 cannot be ingested / 报送前按流水线的规则检查一个文件；退出码 0 无问题，"
        "1 有行被拒收，2 无法导入",
    )
    validate.add_argument("file", metavar="FILE", help="the spreadsheet or CSV file to check / 要检查的表格或 CSV 文件")
    tabular = [s.name for s in source_catalog.tabular_sources()]
    validate.add_argument(
        "--source",
        default=None,
        metavar="SOURCE",
        help=f"the kind of file: {', '.join(tabular)} (detected from the headers when omitted) / 文件类型（不指定时按表头识别）",
    )
    _output_format(validate, "json for programs", "json 供程序处理")
    validate.add_argument("--as-of", type=_year, default=None, metavar="YEAR", help=as_of_help)
    validate.set_defaults(handler=_validate)

    claims = command(
        "extract-claims",
        "every figure of a narrative report (.txt .md .html .docx .pdf) as a claim: value, "
        "unit, metric, period, region and its code, sentence / 提取工作报告中的每个数字："
        "数值、单位、指标、时期、地区及其代码、所在句子",
    )
    claims.add_argument("file", metavar="FILE", help="the report to read / 要读取的报告文件")
    _output_format(claims, "json with each figure's offsets", "json 含每个数字的位置")
    claims.set_defaults(handler=_extract_claims)

    grant = command(
        "grant-bi",
        "PostgreSQL: create or update a login-less role that may read the analytics schema only "
        "/ PostgreSQL：创建或更新只能读取 analytics 模式的无登录角色",
    )
    grant.add_argument("role", metavar="ROLE", help="name of the role / 角色名")
    grant.add_argument(
        "--warehouse",
        default=None,
        metavar="URL",
        help=f"the warehouse's PostgreSQL URL, postgresql+psycopg://USER@HOST:5432/DB (default ${WAREHOUSE_URL_ENV}) "
        f"/ 数据仓库的 PostgreSQL 连接地址",
    )
    grant.add_argument(
        "--login",
        action="append",
        default=[],
        metavar="NAME",
        help="an existing login role to make a member (repeatable); every login of the role gets the timeouts "
        "below in this database / 加入该角色的已有登录角色（可重复）；其每个登录在本库中使用下列超时",
    )
    grant.add_argument(
        "--statement-timeout",
        default=BI_STATEMENT_TIMEOUT,
        metavar="TIME",
        help=f"longest query of a BI login (default {BI_STATEMENT_TIMEOUT}) / BI 登录单条查询的最长时间",
    )
    grant.add_argument(
        "--idle-timeout",
        default=BI_IDLE_IN_TRANSACTION_TIMEOUT,
        metavar="TIME",
        help=f"longest a BI login may stay idle inside a transaction (default {BI_IDLE_IN_TRANSACTION_TIMEOUT}) "
        f"/ BI 登录在事务中空闲的最长时间",
    )
    grant.set_defaults(handler=_grant_bi)

    bundle = command(
        "bi-bundle",
        "write a Superset 6 import bundle (ZIP: database, datasets with Chinese names and descriptions, metrics, a starter "
        "dashboard) to import under Dashboards → Import or with `superset import-dashboards -p`; a DuckDB warehouse is "
        "served by its published read copy, a PostgreSQL URL is shipped without its password / 生成 Superset 6 导入包"
        "（ZIP：数据库连接、数据集（中文名称与说明）、指标与入门看板），在 Dashboards → Import 或用 `superset "
        "import-dashboards -p` 导入；DuckDB 仓库连接其只读副本，PostgreSQL 连接不含密码",
    )
    bundle.add_argument(
        "--warehouse",
        default=None,
        help=f"仓库 SQLAlchemy URL / the warehouse's SQLAlchemy URL (default ${WAREHOUSE_URL_ENV} or duckdb:///data/warehouse/warehouse.duckdb)",
    )
    bundle.add_argument("--out", required=True, help="写出的 ZIP 文件 / the ZIP file to write")
    bundle.add_argument(
        "--sqlalchemy-uri",
        default=None,
        help="Superset 连接所用的 URI（Superset 所见路径或主机不同时）/ the URI Superset connects with, when it sees "
        "another path or host than this machine (default: derived from --warehouse)",
    )
    bundle.add_argument("--database-name", default=None, help="Superset 中的数据库名称 / the database's name in Superset")
    bundle.set_defaults(handler=_bi_bundle)

    dictionary = command(
        "data-dictionary",
        "write the data dictionary (every table and column, in Chinese and English) from "
        "the schema registry / 根据表结构注册表生成数据字典（每张表、每一列，中英文）",
    )
    dictionary.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="where to write it (default docs/data_dictionary.md) / 输出文件（默认 docs/data_dictionary.md）",
    )
    dictionary.set_defaults(handler=_data_dictionary)

    derive = command(
        "derive-reference",
        "rebuild data/reference (division codes, code history, the 832 counties) from the "
        "public source files / 根据公开来源文件重建 data/reference（区划代码、代码沿革、832 个贫困县）",
    )
    derive.add_argument(
        "--source",
        required=True,
        metavar="DIR",
        help="folder of the public source files (data/reference/SOURCES.md lists them) "
        "/ 公开来源文件所在目录（见 data/reference/SOURCES.md）",
    )
    derive.add_argument(
        "--out",
        default="data/reference",
        metavar="DIR",
        help="where to write the reference tables (default data/reference) / 参考表的输出目录（默认 data/reference）",
    )
    derive.set_defaults(handler=_derive_reference)
    return parser


class _BilingualFormatter(argparse.HelpFormatter):
    """Help as "English / 中文" shown as two paragraphs, the Chinese one wrapped by display width:
    argparse wraps at spaces, and a Chinese sentence has none."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        english, _, chinese = text.rpartition(" / ") if " / " in text else (text, "", "")
        lines = super()._split_lines(english, width)
        return lines + _wrap_wide(" ".join(chinese.split()), width) if chinese else lines

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in self._split_lines(text, width))


def _wrap_wide(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns, a wide (CJK) character taking two."""
    import unicodedata

    lines, line, used = [], "", 0
    for character in text:
        columns = 2 if unicodedata.east_asian_width(character) in "WF" else 1
        # Chinese punctuation does not begin a line: it stays at the end of the one before.
        if used + columns > width and line and character not in "，。；：、）」”！？":
            lines.append(line.rstrip())
            line, used = "", 0
            if character == " ":
                continue
        line += character
        used += columns
    return lines + [line.rstrip()] if line else lines


def _help_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-h", "--help", action="help", help="show this help and exit / 显示本帮助并退出")


class _MaskedStream:
    """stdout and stderr of every command, Dagster's log lines included, through the personal-data
    guard: an ID or phone number in a file name, a cell or a sentence is shown masked."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        from etl_project.core import personal_data

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

    url = _settings(args).warehouse_url
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
