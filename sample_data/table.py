"""A small table planned in full (title, header, rows, totals, notes), written and accounted for.

The investment sources are a few hundred rows per county at most, so each is planned in memory and
then written in one go; the row numbers the truth file reports come from the sink as it writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sample_data.table_sinks import Header, open_table
from sample_data.truth import Log

DATA, TOTAL, BLANK = "data", "total", "blank"


@dataclass
class Table:
    source: str  # funds, projects or villages
    layout: str
    county_code: str
    file: str  # relative to OUT
    sheet: str  # "" for CSV
    kind: str  # "xlsx", "xls" or a CSV encoding
    title: str
    unit: str
    header: Header
    widths: tuple[int, ...]
    body: list[tuple] = field(default_factory=list)  # (DATA, cells, rule | None, column), (TOTAL, cells), (BLANK,)
    notes: list[str] = field(default_factory=list)
    # Rows the truth points at that carry no row defect of their own (a 合计 row that does not add up).
    flagged: list[tuple[int, str, str]] = field(default_factory=list)  # (body position, rule, column)

    def data(self, cells: list, rule: str | None = None, column: str | None = None) -> None:
        self.body.append((DATA, cells, rule, column))

    def total(self, cells: list) -> None:
        self.body.append((TOTAL, cells))

    def blank(self) -> None:
        self.body.append((BLANK,))


def write(table: Table, out: Path, log: Log) -> dict:
    """Writes the table and records its defects, skipped rows and counts; returns its file entry."""
    path = out / table.file
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = open_table(path, table.kind, table.sheet, table.title, table.widths)
    sink.title(table.title)
    if table.unit:
        sink.unit(table.unit)
    sink.header(table.header)
    counts = {DATA: 0, "defect": 0, BLANK: 0, TOTAL: 0}
    flagged = {position: (rule, column) for position, rule, column in table.flagged}
    for position, item in enumerate(table.body):
        kind, row = item[0], sink.row
        counts[kind] += 1
        if kind == DATA:
            if item[2] is not None:
                log.defect(table.file, table.sheet, row, item[2], item[3])
                counts["defect"] += 1
            sink.line(item[1])
        elif kind == TOTAL:
            log.skipped_row(table.file, table.sheet, row, "total")
            sink.line(item[1])
        else:
            log.skipped_row(table.file, table.sheet, row, "blank")
            sink.blank()
        if position in flagged:
            log.defect(table.file, table.sheet, row, *flagged[position])
    for note in table.notes:
        log.skipped_row(table.file, table.sheet, sink.row, "note")
        sink.line([note])
    sink.close()
    entry = {
        "file": table.file,
        "sheet": table.sheet,
        "county_code": table.county_code,
        "source": table.source,
        "layout": table.layout,
        "data_rows": counts[DATA],
        "clean_rows": counts[DATA] - counts["defect"],
        "defect_rows": counts["defect"],
        "blank_rows": counts[BLANK],
        "total_rows": counts[TOTAL],
        "note_rows": len(table.notes),
    }
    log.files.append(entry)
    return entry
