"""A Superset import bundle (the v1.0.0 ZIP format) made from the schema registry.

It holds the database (the warehouse a BI tool may read: the published read copy for DuckDB, the
server for PostgreSQL, never a password), a dataset per analytics table and view with the declared
Chinese names and descriptions, the time column, metrics with their number formats (元, 万元, %),
ratios computed as ratios of sums, and a starter dashboard. Every name and description comes from
the declarations, so a column declared once shows the same way in the warehouse's comments, the data
dictionary and Superset.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml

from etl_project.warehouse.serving import BI_SCHEMA, published_path
from schemas.registry import CATALOG, DATE, INTEGER, MONEY, NUMBER, YEAR, Field, Table
from schemas.sql import SQL_TYPES
from schemas.views import RATIOS, is_figure

IMPORT_VERSION = "1.0.0"  # Superset's ImportExport format
# Objects keep their uuid from one bundle to the next, so importing a newer bundle updates them.
_NAMESPACE = uuid.UUID("6f1b6a52-2c1e-4f0e-9d6f-6b0c7d1e2a90")
PASSWORD_MASK = "XXXXXXXXXX"  # what Superset writes for a password it leaves out; it asks for it on import
ROOT = "poverty_warehouse_bundle"  # Superset reads the files under one top folder of the ZIP
YEAR_DATE_COLUMN = "year_start"

_MONEY_FORMAT, _COUNT_FORMAT, _PERCENT_FORMAT = ",.2f", ",d", ".2%"


class BundleError(ValueError):
    """The bundle cannot be made as asked: a message a person can act on, in Chinese and English."""


def _parsed(text: str, option: str) -> sa.engine.URL:
    try:
        return sa.engine.make_url(text)
    except sa.exc.ArgumentError:
        raise BundleError(
            f"{option} {text!r} 不是 SQLAlchemy URL / is not a SQLAlchemy URL (e.g. duckdb:///path, postgresql://user@host/db)"
        ) from None


def _without_password(url: sa.engine.URL) -> str:
    if url.password is not None:
        url = url.set(password=PASSWORD_MASK)
    return url.render_as_string(hide_password=False)


def superset_uri(warehouse_url: str, given: str | None = None) -> str:
    """The SQLAlchemy URI Superset connects with: ``given`` (its password masked), else the
    published read copy (absolute path) of a DuckDB warehouse, or the same PostgreSQL server with
    Superset's driver; never with a password."""
    if given:
        return _without_password(_parsed(given, "--sqlalchemy-uri"))
    url = _parsed(warehouse_url, "--warehouse")
    if url.get_backend_name() == "duckdb":
        copy = published_path(warehouse_url)
        if copy is None:
            raise BundleError(
                f"--warehouse {warehouse_url}: 内存中的 DuckDB 无法提供给 BI 工具 / an in-memory DuckDB warehouse cannot be served to a BI tool"
            )
        return f"duckdb:///{copy.resolve()}"
    if url.get_backend_name() == "postgresql":
        # Superset speaks psycopg2 (SQLAlchemy 1.4); the password is typed in Superset, never shipped.
        return _without_password(url.set(drivername="postgresql+psycopg2"))
    raise BundleError(
        f"--warehouse {url.get_backend_name()}: 仅支持 duckdb:/// 与 postgresql:// / only duckdb:/// and postgresql:// warehouses are served"
    )


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def label(field: Field) -> str:
    """The short Chinese name Superset shows (the declared name without its explanation in brackets)."""
    return field.zh.split("（")[0].strip() or field.zh


def _sql_type(field: Field, dialect) -> str:
    return SQL_TYPES[field.type]().compile(dialect=dialect)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _all_levels(table: Table) -> bool:
    """A mart that holds every region level: summing its rows counts each thing once per level."""
    return "region_level" in table.column_names and table.name not in CATALOG.views


def time_column(table: Table) -> tuple[str, str | None, str] | None:
    """(name, SQL expression or None, label) of the table's time column: its first declared DATE
    field, whatever its name; for a table with a year only, a calculated column, the year's first day."""
    dates = [f for f in table.fields if f.type == DATE]
    if dates:
        return dates[0].name, None, label(dates[0])
    if "year" in table.column_names and table.field("year").type == YEAR:
        return YEAR_DATE_COLUMN, f"MAKE_DATE(CAST({_quoted('year')} AS INTEGER), 1, 1)", "年度（日期）"
    return None


def _column(field: Field, dialect, is_time: bool) -> dict:
    figure = is_figure(field)
    return {
        "column_name": field.name,
        "verbose_name": label(field),
        "is_dttm": is_time,
        "is_active": True,
        "type": _sql_type(field, dialect),
        "advanced_data_type": None,
        "groupby": not figure,
        "filterable": True,
        "expression": None,
        "description": field.description,
        "python_date_format": None,
        "extra": {},
    }


def _metric(name: str, verbose: str, expression: str, description: str, d3format: str | None, warning: str | None = None) -> dict:
    return {
        "metric_name": name,
        "verbose_name": verbose,
        "metric_type": None,
        "expression": expression,
        "description": description,
        "d3format": d3format,
        "currency": None,
        "extra": {},
        "warning_text": warning,
    }


def _format(field: Field) -> str:
    if field.type == MONEY:
        return _MONEY_FORMAT
    return _COUNT_FORMAT if field.type == INTEGER else ",.4~f"


def metrics(table: Table) -> list[dict]:
    """COUNT(*); a sum of each figure that adds up over the table's rows (in yuan and 万元 for
    money); a stock of a per-level view summed with a warning to group by period; the declared
    ratios as ratios of sums. A mart of every level gets no sums: its per-level views have them."""
    found = [_metric("count", "行数", "COUNT(*)", "行数 / rows", _COUNT_FORMAT)]
    if _all_levels(table):
        return found
    is_view = table.name in CATALOG.views
    for field in table.fields:
        if not is_figure(field) or (not field.additive and field.type == NUMBER):
            continue  # a ratio is never summed; see the ratios below
        total = f"SUM({_quoted(field.name)})"
        warning = None
        if not field.additive:
            if not is_view:
                continue
            warning = "存量：请按期（年度或月份）分组，同一期内各地区可相加，跨期不可 / a stock: group by period (year, or month in a monthly view); it adds up over regions within a period, never over periods"
        found.append(
            _metric(
                f"sum__{field.name}",
                label(field) + ("（元）" if field.type == MONEY else ""),
                total,
                field.description,
                _format(field),
                warning,
            )
        )
        if field.type == MONEY:
            found.append(
                _metric(
                    f"sum__{field.name}__wan",
                    f"{label(field)}（万元）",
                    f"{total} / 10000.0",
                    f"{field.description} [万元 / 10,000 yuan]",
                    _MONEY_FORMAT,
                    warning,
                )
            )
    if is_view:
        for ratio in RATIOS:
            if {ratio.numerator, ratio.denominator} <= set(table.column_names):
                expression = f"SUM({_quoted(ratio.numerator)}) * 1.0 / NULLIF(SUM({_quoted(ratio.denominator)}), 0)"
                found.append(
                    _metric(
                        ratio.name,
                        ratio.zh,
                        expression,
                        f"{ratio.zh} / {ratio.en}",
                        _PERCENT_FORMAT if ratio.percent else _MONEY_FORMAT,
                        ratio.warning,
                    )
                )
    return found


def bi_tables() -> list[Table]:
    """Every table and view of the schema BI tools read, in declaration order."""
    return [t for t in [*CATALOG.tables.values(), *CATALOG.views.values()] if t.schema == BI_SCHEMA]


def dataset(table: Table, database_uuid: str, dialect) -> dict:
    time = time_column(table)
    columns = [_column(f, dialect, time is not None and time[0] == f.name) for f in table.fields]
    if time is not None and time[1] is not None:
        columns.append(
            {
                **_column(Field(time[0], DATE, time[2], "the year's first day, for time filters and grains"), dialect, True),
                "expression": time[1],
            }
        )
    description = table.description
    if _all_levels(table):
        description += "。各层级均有行，汇总前请筛选 region_level 或改用分层视图 / every region level has rows: filter region_level, or use the per-level views, before summing"
    return {
        "table_name": table.name,
        "main_dttm_col": time[0] if time else None,
        "description": description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": table.schema,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _id(database_uuid, "dataset", table.schema or "", table.name),
        "metrics": metrics(table),
        "columns": columns,
        "version": IMPORT_VERSION,
        "database_uuid": database_uuid,
    }


def database(name: str, uri: str) -> dict:
    read_only = {"connect_args": {"read_only": True}} if uri.startswith("duckdb:") else {}
    return {
        "database_name": name,
        "sqlalchemy_uri": uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {
            "metadata_params": {},
            "engine_params": read_only,
            "metadata_cache_timeout": {},
            "schemas_allowed_for_csv_upload": [],
            "schema_options": {"expand_rows": False},
        },
        "uuid": _id("database", uri.replace(PASSWORD_MASK, "")),
        "version": IMPORT_VERSION,
    }


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    table: str
    viz_type: str
    params: dict


def _region_label(table: Table) -> str:
    """The column a legend shows for a region: its name where the table has one, else its code."""
    return "region_name" if "region_name" in table.column_names else "region_code"


def _no_time_filter(column: str) -> dict:
    return {"clause": "WHERE", "comparator": "No filter", "expressionType": "SIMPLE", "operator": "TEMPORAL_RANGE", "subject": column}


def starter_charts() -> list[Chart]:
    exits = CATALOG.views["mart_poverty_exit_province"]
    money = CATALOG.views["mart_investment_county"]
    reconciliation = CATALOG["reconciliation"]
    exits_time = time_column(exits)[0]
    shown = [f.name for f in reconciliation.fields if f.name not in ("report_id", "claim_index")]
    return [
        Chart(
            "exits_by_year",
            "逐年脱贫户数 / Households exited by year",
            "当年脱贫户数，各省相加 / households whose exit year is the year, all provinces (mart_poverty_exit_province)",
            exits.name,
            "echarts_timeseries_bar",
            {
                "x_axis": exits_time,
                "time_grain_sqla": "P1Y",
                "x_axis_time_format": "%Y",
                "metrics": ["sum__exited_households"],
                "groupby": [],
                "adhoc_filters": [_no_time_filter(exits_time)],
                "row_limit": 10000,
                "y_axis_format": _COUNT_FORMAT,
                "show_value": True,
                "show_legend": False,
                "rich_tooltip": True,
            },
        ),
        Chart(
            "money_by_county_and_year",
            "各县逐年帮扶投入（万元）/ Money by county and year (10,000 yuan)",
            "帮扶投入金额，县级行 / money put in, county rows (mart_investment_county)",
            money.name,
            "pivot_table_v2",
            {
                "groupbyRows": [_region_label(money)],
                "groupbyColumns": ["year"],
                "metrics": ["sum__amount_yuan__wan"],
                "metricsLayout": "COLUMNS",
                "aggregateFunction": "Sum",
                "rowTotals": True,
                "colTotals": True,
                "valueFormat": _MONEY_FORMAT,
                "rowOrder": "key_a_to_z",
                "colOrder": "key_a_to_z",
                "adhoc_filters": [],
                "row_limit": 10000,
            },
        ),
        Chart(
            "reconciliation_mismatches",
            "报告数字与仓库不符 / Report figures that disagree with the warehouse",
            "核对结果为 mismatch 的报告数字 / report figures whose reconciliation status is mismatch",
            reconciliation.name,
            "table",
            {
                "query_mode": "raw",
                "all_columns": shown,
                "order_by_cols": [],
                "adhoc_filters": [
                    {"clause": "WHERE", "comparator": "mismatch", "expressionType": "SIMPLE", "operator": "==", "subject": "status"}
                ],
                "row_limit": 1000,
                "server_pagination": False,
                "include_search": True,
            },
        ),
    ]


def chart(spec: Chart, dataset_uuid: str, chart_uuid: str) -> dict:
    return {
        "slice_name": spec.title,
        "description": spec.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": spec.viz_type,
        # Superset sets the datasource to the imported dataset's id.
        "params": {"datasource": "0__table", "viz_type": spec.viz_type, **spec.params},
        "query_context": None,
        "cache_timeout": None,
        "uuid": chart_uuid,
        "version": IMPORT_VERSION,
        "dataset_uuid": dataset_uuid,
    }


def dashboard(title: str, charts: list[tuple[str, str]], dashboard_uuid: str) -> dict:
    """``charts``: (uuid, title) of each chart; the first two side by side, the rest full width."""
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    rows = [charts[:2], *[[c] for c in charts[2:]]]
    number = 0
    for r, row in enumerate(rows, start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart_uuid, chart_title in row:
            number += 1
            chart_id = f"CHART-{number}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"chartId": number, "uuid": chart_uuid, "sliceName": chart_title, "width": 12 // len(row), "height": 60},
            }
    return {
        "dashboard_title": title,
        "description": None,
        "css": "",
        "slug": None,
        "uuid": dashboard_uuid,
        "position": position,
        "metadata": {
            "color_scheme": None,
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "default_filters": "{}",
            "native_filter_configuration": [],
            "cross_filters_enabled": False,
        },
        "version": IMPORT_VERSION,
        "published": True,
    }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "warehouse"


def bundle_files(warehouse_url: str, database_name: str | None = None, uri: str | None = None) -> dict[str, dict]:
    """Path inside the bundle → YAML content, for every file of the bundle."""
    uri = uri or superset_uri(warehouse_url)
    backend = sa.engine.make_url(uri).get_backend_name()
    name = database_name or f"扶贫数据仓库 / poverty warehouse ({'DuckDB read copy' if backend == 'duckdb' else 'PostgreSQL'})"
    dialect = sa.engine.make_url(uri).get_dialect()()
    db_config = database(name, uri)
    db_slug = _slug(f"poverty_warehouse_{backend}")
    files: dict[str, dict] = {f"databases/{db_slug}.yaml": db_config}
    datasets = {}
    for table in bi_tables():
        config = dataset(table, db_config["uuid"], dialect)
        datasets[table.name] = config
        files[f"datasets/{db_slug}/{table.name}.yaml"] = config
    placed = []
    for spec in starter_charts():
        chart_uuid = _id(db_config["uuid"], "chart", spec.slug)
        files[f"charts/{spec.slug}.yaml"] = chart(spec, datasets[spec.table]["uuid"], chart_uuid)
        placed.append((chart_uuid, spec.title))
    board_title = "脱贫攻坚数据概览 / Poverty alleviation at a glance"
    files[f"dashboards/{db_slug}_overview.yaml"] = dashboard(board_title, placed, _id(db_config["uuid"], "dashboard", "overview"))
    return files


def write_bundle(files: dict[str, dict], out: Path) -> Path:
    """The ZIP Superset imports (Dashboards → Import, or ``superset import-dashboards -p``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"version": IMPORT_VERSION, "type": "Dashboard", "timestamp": datetime.now(UTC).isoformat()}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{ROOT}/metadata.yaml", _yaml(metadata))
        for path, content in files.items():
            archive.writestr(f"{ROOT}/{path}", _yaml(content))
    return out


def _yaml(content: dict) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=1000)


def read_bundle(path: Path) -> dict[str, dict]:
    """The files of a bundle as Superset reads them: paths without the top folder, YAML parsed."""
    with zipfile.ZipFile(path) as archive:
        return {name.split("/", 1)[1]: yaml.safe_load(archive.read(name)) for name in archive.namelist()}


def describe(files: dict[str, dict], out: Path) -> str:
    """What the bundle holds, for the command's output (the URI with its password masked)."""
    databases = [c for p, c in files.items() if p.startswith("databases/")]
    count = {kind: sum(1 for p in files if p.startswith(kind + "/")) for kind in ("datasets", "charts", "dashboards")}
    lines = [
        f"wrote {out}: {count['datasets']} datasets, {count['charts']} charts, {count['dashboards']} dashboard(s) / "
        f"已写出 {out}：{count['datasets']} 个数据集、{count['charts']} 个图表、{count['dashboards']} 个看板",
    ]
    for config in databases:
        lines.append(f"database {config['database_name']}: {config['sqlalchemy_uri']}")
        if PASSWORD_MASK in config["sqlalchemy_uri"]:
            lines.append("导入时 Superset 会要求填写密码 / Superset asks for the password on import")
    lines.append("import: Superset → Dashboards → Import, or `superset import-dashboards -p FILE -u USER`")
    return "\n".join(lines)
