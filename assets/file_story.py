"""What one staged_file partition says of its own file, in the Dagster UI: its counts (read, loaded,
quarantined, skipped by kind), where its table was found and the money unit it was read in, and its
problems by rule; for a file that failed, why, said once.

Every value here comes from the file's load_audit row and its quarantine rows, which are masked
already; nothing of a run's other files is mixed in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import dagster as dg
import pandas as pd

COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped")
SKIPPED_KINDS = ("skipped_blank", "skipped_total", "skipped_note", "skipped_section")
TOP_RULES = 5


@dataclass(frozen=True)
class RuleCount:
    """How often one rule rejected a value of the file, with one of its messages as an example."""

    rule: str
    problems: int
    example: str


def loaded(row: dict, table: str, rules: list[RuleCount]) -> dict[str, dg.MetadataValue]:
    """The metadata of the partition of a file that loaded (or whose last load stands unchanged)."""
    metadata: dict[str, dg.MetadataValue] = {
        "source": dg.MetadataValue.text(row["source"]),
        "table": dg.MetadataValue.text(table),
        "status": dg.MetadataValue.text(row["status"]),
        **{name: dg.MetadataValue.int(_count(row.get(name))) for name in (*COUNTS, *SKIPPED_KINDS)},
        "dagster/row_count": dg.MetadataValue.int(_count(row.get("rows_loaded"))),
        "personal_data_masked": dg.MetadataValue.int(_count(row.get("personal_data_masked"))),
    }
    sheets = json.loads(row["sheets"]) if isinstance(row.get("sheets"), str) else []
    read = [sheet for sheet in sheets if sheet.get("read")]
    if read:
        metadata["sheets_read"] = dg.MetadataValue.text(", ".join(_sheet_name(sheet) for sheet in read))
        metadata["header_row"] = _one_or_each(read, "header_row")
        metadata["unit"] = _one_or_each(read, "unit")
    if sheets:
        metadata["sheets"] = dg.MetadataValue.md(_sheets_table(sheets))
    metadata["problems"] = dg.MetadataValue.int(sum(rule.problems for rule in rules))
    if rules:
        metadata["problems_by_rule"] = dg.MetadataValue.md(_rules_table(rules))
    if isinstance(row.get("warnings"), str) and row["warnings"]:
        metadata["warnings"] = dg.MetadataValue.text(row["warnings"])
    return metadata


def passed(row: dict) -> dict[str, dg.MetadataValue]:
    """The metadata of the check of a file that loaded, or whose last load stands."""
    return {
        "file": dg.MetadataValue.text(row["source_file"]),
        "status": dg.MetadataValue.text(row["status"]),
        "rows_loaded": dg.MetadataValue.int(_count(row.get("rows_loaded"))),
    }


def failed(file: str, source: str, reason: str, last_good: dict | None) -> dict[str, dg.MetadataValue]:
    """The metadata of the check of a file that failed its partition: which file, why, and what
    stands of it instead."""
    if last_good is None:
        kept = "无：此文件从未成功装载 / none: the file has never loaded"
    else:
        kept = (
            f"上次成功装载的 {_count(last_good.get('rows_loaded'))} 行仍在仓库中 / the {_count(last_good.get('rows_loaded'))} "
            f"rows of its last good load stay in the warehouse"
        )
    return {
        "file": dg.MetadataValue.text(file),
        "source": dg.MetadataValue.text(source),
        "status": dg.MetadataValue.text("failed"),
        "reason": dg.MetadataValue.text(reason),
        "kept": dg.MetadataValue.text(kept),
    }


def failed_description(reason: str) -> str:
    return f"未能装载 / failed to load: {reason}"


def failure_message(failures: dict[str, str]) -> str:
    """Why the staging step failed: each failed file named once, with its reason."""
    count = len(failures)
    head = (
        f"{count} 个文件未能装载，各自保留上次成功装载的数据，其余文件已装载 / {count} file{'s' if count > 1 else ''} "
        f"failed to load and keep{'' if count > 1 else 's'} the rows of {'their' if count > 1 else 'its'} last good load; "
        f"the other files loaded:"
    )
    return head + "".join(f"\n{file}: {reason}" for file, reason in failures.items())


def _count(value) -> int:
    # An audit row of an older release has no count of a later kind (NULL, read back as NaN).
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def _sheet_name(sheet: dict) -> str:
    return sheet["sheet"] or "(CSV)"


def _one_or_each(sheets: list[dict], key: str) -> dg.MetadataValue:
    """One value when every sheet read has the same, else each sheet's."""
    values = [sheet.get(key) for sheet in sheets]
    if len(set(values)) == 1 and values[0] is not None:
        return dg.MetadataValue.int(values[0]) if isinstance(values[0], int) else dg.MetadataValue.text(str(values[0]))
    return dg.MetadataValue.text("; ".join(f"{_sheet_name(sheet)}: {sheet.get(key, '?')}" for sheet in sheets))


def _sheets_table(sheets: list[dict]) -> str:
    frame = pd.DataFrame(
        [
            {
                "工作表 / sheet": _sheet_name(sheet),
                "读取 / read": "yes" if sheet.get("read") else "no",
                "表头行 / header row": sheet.get("header_row", ""),
                "行数 / rows": sheet.get("rows", ""),
                "金额单位 / unit": sheet.get("unit", ""),
                "说明 / reason": sheet.get("reason", ""),
            }
            for sheet in sheets
        ]
    )
    return frame.to_markdown(index=False)


def _rules_table(rules: list[RuleCount]) -> str:
    shown = sorted(rules, key=lambda rule: (-rule.problems, rule.rule))[:TOP_RULES]
    frame = pd.DataFrame([{"规则 / rule": r.rule, "问题数 / problems": r.problems, "示例 / example": r.example} for r in shown])
    more = len(rules) - len(shown)
    return frame.to_markdown(index=False) + (f"\n\n另有 {more} 条规则 / {more} more rules: see audit.quarantine" if more > 0 else "")
