"""The schema registry's vocabulary: fields, rules and tables, each declared once.

Everything else that describes a table (pandera models, SQLAlchemy tables with comments, Dagster
column schemas, the data dictionary) is derived from these declarations, so a field changes in one
place only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Logical types, each with one pandas dtype and one database type (see schemas/sql.py).
STRING, INTEGER, YEAR, MONEY, NUMBER, FLAG, CODE, TIMESTAMP, DATE = (
    "string",
    "integer",
    "year",
    "money",
    "number",
    "flag",
    "code",
    "timestamp",
    "date",
)

PANDAS_DTYPES = {
    STRING: "string",
    CODE: "string",
    INTEGER: "Int64",
    YEAR: "Int64",
    MONEY: "Float64",
    NUMBER: "Float64",
    FLAG: "boolean",
    TIMESTAMP: "datetime64[ns]",
    DATE: "datetime64[ns]",
}

# Money is stored exactly, in fen: DECIMAL(18, 2) on both engines (eight bytes, as a double takes),
# up to 10^16 yuan. A value is rounded half away from zero once, when it is first made (a cell read,
# a quotient computed), and sums of stored values stay exact.
MONEY_PRECISION, MONEY_SCALE = 18, 2
MONEY_LIMIT_YUAN = 10 ** (MONEY_PRECISION - MONEY_SCALE)

# Units as a column's description states them, the same words in every table.
YUAN, PERSONS, HOUSEHOLDS = "元 / yuan", "人 / persons", "户 / households"

# How text fields are cleaned before validation: "text" trims and NFKC-normalises; "compact" also
# drops inner spaces (names, codes: "新 村" is 新村); "id_number" also upper-cases and upgrades
# 15-digit numbers to 18.
TEXT, COMPACT, ID_NUMBER = "text", "compact", "id_number"


@dataclass(frozen=True)
class Rule:
    """A data-quality rule: how pandera checks it and what a data steward is told when it fails.

    ``check`` names a pandera check (a built-in such as ``in_range`` or one registered in
    schemas/checks.py) and ``params`` its arguments.
    """

    id: str
    check: str
    params: dict[str, Any]
    zh: str
    en: str
    columns: tuple[str, ...] = ()  # for frame rules: the columns a failure is reported against


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    zh: str
    en: str
    unit: str | None = None
    required: bool = False
    rules: tuple[Rule, ...] = ()
    vocabulary: str | None = None
    personal: bool = False  # personal data: validated, never stored in the warehouse
    form: str = TEXT
    # False for a figure that must not be summed over the rows of its table (a count of distinct
    # things, a stock at year end, a ratio): its description says what to sum instead.
    additive: bool = True
    # A region code: the level of the regions it holds (county, township, …), ROW_LEVEL when the
    # row's region_level column says, ANY_LEVEL when nothing does. With ``vocabulary``, what names
    # the code (schemas/names.py puts the name beside it).
    region: str | None = None
    # A name column made beside a code column: the code column it names (and, in ``region``, the
    # level of the region it names when that is the code's province, city or county).
    labels: str | None = None
    # For a DATE computed from a YEAR field of the same table: that field's name (see year_start).
    first_day_of: str | None = None
    # The columns of the table's inputs its values are computed from, as "table.column" (see
    # Table.column_refs): the column lineage Dagster shows. Lineage changes nothing in how a table is
    # built, so it stays out of the repr that a table's build recipe fingerprints.
    derived_from: tuple[str, ...] = field(default=(), repr=False)

    @property
    def pandas_dtype(self) -> str:
        return PANDAS_DTYPES[self.type]

    @property
    def description(self) -> str:
        """The column's comment, in the database and in BI tools: a figure that must not be summed
        says so in the same words everywhere."""
        unit = f" [{self.unit}]" if self.unit else ""
        marker = "" if self.additive else NOT_ADDITIVE_MARK
        return f"{self.zh} / {self.en}{unit}{marker}"


NOT_ADDITIVE_MARK = " — 不可跨行相加 / not additive"


# Region levels a region code field can declare besides a fixed one (see Field.region).
ROW_LEVEL, ANY_LEVEL = "row", "any"


def year_start(year: Field) -> Field:
    """The DATE beside a year field, named ``<year>_start``: 1 January of its year. BI tools filter
    by a time range and group by year, quarter or month on a date column only, never on a number."""
    return Field(
        f"{year.name}_start",
        DATE,
        f"{year.zh}（日期型：该年1月1日，供按时间筛选和汇总）",
        f"{year.name} as a date, 1 January of that year: the time column for BI time filters and grains",
        required=year.required,
        first_day_of=year.name,
        derived_from=year.derived_from,
    )


def dated(*fields: Field, skip: tuple[str, ...] = ()) -> tuple[Field, ...]:
    """The fields, each year field (but those in ``skip``) followed by its year_start DATE."""
    return tuple(g for f in fields for g in ((f, year_start(f)) if f.type == YEAR and f.name not in skip else (f,)))


# Database schema of each layer: BI tools are granted "analytics" alone; staging and the audit trail
# (quarantine with masked values, load accounting) stay out of their reach. (Not "warehouse": DuckDB
# names a file's catalog after the file, warehouse.duckdb, and the two names would clash.)
LAYER_SCHEMAS = {"staging": "staging", "warehouse": "analytics", "marts": "analytics", "audit": "audit"}


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    layer: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    frame_rules: tuple[Rule, ...] = ()
    source: str = ""  # where the rows come from, for the data dictionary; its inputs when not given
    # The tables its rows are read from, by name: what its asset depends on. Like lineage, they
    # change nothing in how it is built and stay out of the repr its recipe fingerprints.
    inputs: tuple[str, ...] = field(default=(), repr=False)
    # For a table whose rows are one SELECT over its inputs (staging tables): that SELECT, given the
    # warehouse to name and quote with; its asset is then made from the declaration
    # (assets/warehouse.py), and the SQL text is part of its recipe there.
    select: Callable[[Any], str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.source and self.inputs:
            object.__setattr__(self, "source", ", ".join(self.inputs))

    @property
    def description(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def schema(self) -> str | None:
        return LAYER_SCHEMAS.get(self.layer)

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name}")

    def column_refs(self, *names: str) -> tuple[str, ...]:
        """The columns as another table's Field.derived_from names them; a name the table lacks
        fails where it is declared."""
        return tuple(f"{self.name}.{self.field(name).name}" for name in names)

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def base_column_names(self) -> list[str]:
        """The columns a builder yields: all but the name columns made beside codes."""
        return [f.name for f in self.fields if f.labels is None]

    def rules(self) -> dict[str, Rule]:
        """Every rule of the table by id, field rules and frame rules alike."""
        found = {rule.id: rule for f in self.fields for rule in f.rules}
        found.update({rule.id: rule for rule in self.frame_rules})
        return found


@dataclass(frozen=True)
class View(Table):
    """A view over warehouse tables, declared as a table is (its comments, the data dictionary and
    the BI datasets follow from the declaration); ``sources`` are the tables it reads, by name.
    Its SELECT is made from the declaration by schemas/views.py."""

    sources: tuple[str, ...] = ()
    region_level: str = ""  # the one level of region rows a per-level view shows


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    # Kept apart from the tables: a view is neither loaded, nor fingerprinted, nor copied as rows.
    views: dict[str, View] = field(default_factory=dict)

    def add(self, table: Table) -> Table:
        if table.name in self.tables or table.name in self.views:
            raise ValueError(f"table {table.name} declared twice")
        self.tables[table.name] = table
        return table

    def add_view(self, view: View) -> View:
        if view.name in self.tables or view.name in self.views:
            raise ValueError(f"view {view.name} declared twice")
        missing = [name for name in view.sources if name not in self.tables]
        if missing:
            raise ValueError(f"view {view.name} reads undeclared tables {missing}")
        self.views[view.name] = view
        return view

    @contextmanager
    def declared(self, table: Table) -> Iterator[Table]:
        """A table declared only inside the block (what a test adds and takes away again)."""
        self.add(table)
        try:
            yield table
        finally:
            del self.tables[table.name]

    def views_of(self, table_name: str) -> list[View]:
        """The views that read the table: dropped before it is replaced, made again after."""
        return [v for v in self.views.values() if table_name in v.sources]

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def by_layer(self, layer: str) -> list[Table]:
        return [t for t in self.tables.values() if t.layer == layer]


CATALOG = Catalog()

# Rules shared by many fields. A required field that is empty fails this one rule, whatever
# field it is, so stewards see one consistent message.
REQUIRED_RULE = Rule("required_missing", "not_nullable", {}, "必填项为空", "required value is missing")
