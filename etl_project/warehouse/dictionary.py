"""docs/data_dictionary.md, generated from the schema registry (never edited by hand)."""

from __future__ import annotations

from pathlib import Path

from schemas.registry import ANY_LEVEL, CATALOG, ROW_LEVEL
from schemas.sql import SQL_TYPES

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"
LAYER_ORDER = ("marts", "warehouse", "staging", "audit", "source")


def _cell(text: object) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render() -> str:
    lines = [
        "# Data dictionary",
        "",
        "Generated from the schema registry (`schemas/`) by `etl-project data-dictionary`; a test fails when it is out of",
        "date. Tables of the `analytics` schema are what BI tools read; `staging` and `audit` are for the pipeline and its",
        "operators; `source` records are what the readers deliver before anything is stored (personal fields are",
        "validated, then dropped).",
        "",
        "A column marked **not additive** must not be summed over the rows of its table (a count of distinct projects,",
        "a stock at year end, a ratio); its description says what to sum instead. Every figure of `mart_project_reach`",
        "adds up over the regions of one level, over years and over types.",
        "",
        "The marts hold a row per region at every level; a **view** per mart and level (`mart_investment_county`, …)",
        "shows one level, so that a sum over its rows is a total.",
        "",
    ]
    for layer in LAYER_ORDER:
        views = [v for v in CATALOG.views.values() if v.layer == layer]
        for table in [*sorted(CATALOG.by_layer(layer), key=lambda t: t.name), *sorted(views, key=lambda v: v.name)]:
            qualified = f"{table.schema}.{table.name}" if table.schema else f"{table.name} (not stored)"
            kind = " (view)" if table.name in CATALOG.views else ""
            lines += [f"## {qualified}{kind}", "", f"{table.zh} / {table.en}", ""]
            if table.source:
                lines += [f"{'View of' if kind else 'Source'}: {table.source}", ""]
            if table.primary_key:
                lines += [f"Key: {', '.join(table.primary_key)}", ""]
            lines += ["| column | type | unit | description | source | constraints |", "| --- | --- | --- | --- | --- | --- |"]
            for f in table.fields:
                constraints = ["required"] if f.required else []
                constraints += [rule.id for rule in f.rules]
                if f.personal:
                    constraints.append("personal data: never stored")
                if not f.additive:
                    constraints.append("**not additive**")
                if layer != "source" and f.labels is None and f.vocabulary:
                    constraints.append(f"codes of `{f.vocabulary}` (names in dim_code)")
                elif layer != "source" and f.labels is None and f.region:
                    level = {ROW_LEVEL: "at the row's region_level", ANY_LEVEL: "of any level"}.get(f.region, f"of a {f.region}")
                    constraints.append(f"region code {level} (names in dim_region)")
                sql_type = SQL_TYPES[f.type]().compile() if layer != "source" else f.type
                lines.append(
                    f"| {f.name} | {_cell(sql_type)} | {_cell(f.unit)} | {_cell(f.zh)} / {_cell(f.en)} | {_cell(table.source)} | {_cell(', '.join(constraints))} |"
                )
            if table.frame_rules:
                lines += ["", "Row rules: " + "; ".join(f"`{r.id}` ({r.en})" for r in table.frame_rules)]
            lines.append("")
    return "\n".join(lines)


def write(path: Path = DICTIONARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
