"""The name columns a table declares beside its codes (schemas/names.py), filled as it is built.

A table built by one SELECT has it wrapped by ``named_select``: each vocabulary code becomes its name
by a CASE whose codes and names are bound parameters taken from schemas/vocabularies.py, each region
code by a join to dim_region. A table built in Python has its frame completed by ``named_frame``
from the same vocabularies and the same dim_region. ``code_rows`` are the rows of dim_code.
"""

from __future__ import annotations

import pandas as pd

from etl_project.warehouse.engine import Warehouse
from schemas.names import ANCESTOR_LEVELS, code_fields
from schemas.registry import ANY_LEVEL, CATALOG, ROW_LEVEL, Table
from schemas.tables import DIM_CODE, DIM_REGION
from schemas.vocabularies import VOCABULARIES

# A code that is a region at several levels (东莞市 is a city and its own county) is named, where no
# level is given, as the most specific region a figure is usually about.
_LEVEL_PREFERENCE = ("county", "city", "province", "township", "village")


def _region_name(alias: str) -> str:
    return f"COALESCE({alias}.short_name, {alias}.region_name)"


def named_select(db: Warehouse, table: Table, base_sql: str) -> tuple[str, dict]:
    """A SELECT yielding every column of the table, in order, from ``base_sql``, which yields its
    other columns (``table.base_column_names``) in order; and the parameters it binds."""
    quote = db.quote
    regions = db.name(DIM_REGION)
    params: dict[str, str] = {}
    joins: dict[str, str] = {}
    items = []
    for position, f in enumerate(table.fields):
        if f.labels is None:
            items.append(f"b.{quote(f.name)}")
            continue
        code = table.field(f.labels)
        if code.vocabulary:
            whens = []
            for i, (value, name) in enumerate(VOCABULARIES[code.vocabulary].codes.items()):
                params[f"name_{position}_{i}_code"], params[f"name_{position}_{i}"] = value, name
                whens.append(f"WHEN :name_{position}_{i}_code THEN :name_{position}_{i}")
            items.append(f"CASE b.{quote(code.name)} {' '.join(whens)} END")
            continue
        if code.region == ANY_LEVEL:
            raise ValueError(f"{table.name}.{code.name}: a region code of no given level is named in Python (named_frame)")
        own = f"r_{table.fields.index(code)}"
        level = f"b.{quote('region_level')}" if code.region == ROW_LEVEL else f"'{code.region}'"
        joins.setdefault(own, f"LEFT JOIN {regions} {own} ON {own}.region_level = {level} AND {own}.region_code = b.{quote(code.name)}")
        if f.region is None:
            items.append(_region_name(own))
            continue
        ancestor = f"{own}_{f.region}"
        joins[ancestor] = (
            f"LEFT JOIN {regions} {ancestor} ON {ancestor}.region_level = '{f.region}' "
            f"AND {ancestor}.region_code = {own}.{quote(f.region + '_code')}"
        )
        items.append(_region_name(ancestor))
    columns = ", ".join(quote(c) for c in table.base_column_names)
    listed = ",\n       ".join(items)
    return f"SELECT {listed}\nFROM (\n{base_sql}\n) AS b({columns})\n" + "\n".join(joins.values()), params


def named_frame(db: Warehouse, table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame (the table's other columns) with the name columns filled in, in the table's order."""
    frame = frame.copy()
    regions = None
    for f in table.fields:
        if f.labels is None:
            continue
        code = table.field(f.labels)
        values = frame[code.name]
        if code.vocabulary:
            frame[f.name] = values.map(VOCABULARIES[code.vocabulary].codes)
            continue
        if regions is None:
            regions = _regions(db, sorted({v for c in code_fields(table) if c.region for v in frame[c.name].dropna()}))
        if code.region == ROW_LEVEL:
            keys = list(zip(frame["region_level"], values))
        elif code.region == ANY_LEVEL:
            keys = [(regions["level_of"].get(v), v) for v in values]
        else:
            keys = [(code.region, v) for v in values]
        found = [regions["rows"].get(key) for key in keys]
        if f.region is not None:
            found = [None if row is None else regions["rows"].get((f.region, row[f.region + "_code"])) for row in found]
        frame[f.name] = [None if row is None else row["name"] for row in found]
    return frame[table.column_names]


def _regions(db: Warehouse, codes: list[str]) -> dict:
    """dim_region's rows of these codes and of every province, city and county, by (level, code),
    and the level a code of no given level is named at."""
    levels = ", ".join(f"'{level}'" for level in ANCESTOR_LEVELS)
    rows = db.query(
        f"SELECT region_level, region_code, {_region_name('r')} AS name, province_code, city_code, county_code "
        f"FROM {db.name(DIM_REGION)} r WHERE region_level IN ({levels})" + (" OR region_code IN :codes" if codes else ""),
        {"codes": codes} if codes else None,
    )
    by_key = {(row["region_level"], row["region_code"]): row for row in rows.to_dict("records")}
    level_of: dict[str, str] = {}
    for level in reversed(_LEVEL_PREFERENCE):
        level_of.update({code: level for lvl, code in by_key if lvl == level})
    return {"rows": by_key, "level_of": level_of}


def code_rows() -> pd.DataFrame:
    """dim_code: every code of every vocabulary with its Chinese and English names, and the
    analytics columns that hold it."""
    used: dict[str, list[str]] = {}
    for table in CATALOG.tables.values():
        if table.schema == DIM_CODE.schema:
            for f in code_fields(table):
                if f.vocabulary:
                    used.setdefault(f.vocabulary, []).append(f"{table.name}.{f.name}")
    rows = [
        {
            "vocabulary": vocabulary.name,
            "vocabulary_zh": vocabulary.zh_title,
            "vocabulary_en": vocabulary.en_title,
            "code": code,
            "name_zh": name,
            "name_en": vocabulary.en[code],
            "sort_order": order,
            "used_in": ", ".join(sorted(used.get(vocabulary.name, []))) or None,
        }
        for vocabulary in VOCABULARIES.values()
        for order, (code, name) in enumerate(vocabulary.codes.items(), start=1)
    ]
    return pd.DataFrame(rows, columns=DIM_CODE.column_names).astype({"sort_order": "Int64"})
