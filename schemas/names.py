"""Names beside codes, derived from the declarations.

A field that holds a code says what names it: ``vocabulary`` (schemas/vocabularies.py, whose Chinese
and English names are the rows of analytics.dim_code) or ``region`` (a code of dim_region).
``with_names`` gives a table a ``*_name`` column beside each such field, so that a BI tool's legend
reads 因病 and 紫云县 where the table holds 01 and 520425; a region code whose level the row gives
(the marts' region_code) also gets the names of its province, city and county. The warehouse fills
them as it builds the table (etl_project/warehouse/names.py); nothing here or there is written per table.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.registry import ANY_LEVEL, ROW_LEVEL, STRING, Field, Table
from schemas.vocabularies import VOCABULARIES

# The regions a region code lies in, named beside it where its level varies from row to row.
ANCESTOR_LEVELS = ("province", "city", "county")
_ANCESTOR_ZH = {"province": "所属省级名称", "city": "所属地级名称", "county": "所属县级名称（有简称用简称）"}
_SHORT_NAME_EN = "its short name where it has one (紫云县 for 紫云苗族布依族自治县; the full name is in dim_region)"


def code_fields(table: Table) -> list[Field]:
    """The table's columns that hold a code some vocabulary or dim_region names."""
    return [f for f in table.fields if f.labels is None and (f.vocabulary or f.region)]


def names_regions(table: Table) -> bool:
    """Whether the table has a name column beside a region code: the warehouse fills it from
    dim_region, which is then built first."""
    return any(f.labels is not None and table.field(f.labels).region for f in table.fields)


def name_column(code: Field) -> str:
    """main_cause_code → main_cause_name, category → category_name, region_code → region_name."""
    return code.name.removesuffix("_code") + "_name"


def _names_of(code: Field) -> list[Field]:
    column = name_column(code)
    if code.vocabulary:
        vocabulary = VOCABULARIES[code.vocabulary]
        zh = code.zh.removesuffix("代码") + "名称"
        en = (
            f"Chinese name of {code.name} ({vocabulary.en_title}); the English one is in analytics.dim_code, vocabulary '{vocabulary.name}'"
        )
        return [Field(column, STRING, zh, en, labels=code.name)]
    zh = code.zh.replace("代码", "名称").replace("编码", "名称")
    en = f"name of the region in {code.name}: {_SHORT_NAME_EN}"
    names = [Field(column, STRING, zh if zh != code.zh else f"{code.zh}名称", en, labels=code.name)]
    if code.region in (ROW_LEVEL, ANY_LEVEL):
        names += [
            Field(
                f"{level}_name",
                STRING,
                _ANCESTOR_ZH[level],
                f"name of the {level} the region of {code.name} lies in (itself at {level} level, empty above): {_SHORT_NAME_EN}",
                labels=code.name,
                region=level,
            )
            for level in ANCESTOR_LEVELS
        ]
    return names


def with_names(table: Table) -> Table:
    """The table with a name column right after each code column (and its region's province, city
    and county names after a region code whose level is the row's)."""
    fields: list[Field] = []
    for f in table.fields:
        fields.append(f)
        if f.labels is None and (f.vocabulary or f.region):
            fields += _names_of(f)
    taken = [f.name for f in fields]
    duplicated = sorted({name for name in taken if taken.count(name) > 1})
    if duplicated:
        raise ValueError(f"{table.name}: name columns clash with declared ones: {duplicated}")
    return replace(table, fields=tuple(fields))
