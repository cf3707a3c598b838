"""Child process: the physical floors for the same source files.

- read: every spreadsheet parsed by the fastest reader into Arrow (fastexcel for Excel workbooks,
  DuckDB's own read_csv for CSV; GB18030 CSV, which DuckDB cannot decode, by Arrow's reader);
- load: those Arrow tables inserted into a fresh DuckDB file.

Files are done one at a time, so the floor needs no more memory than the pipeline.
``python -m benchmarks.floors RAW WORKDIR REPORT``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import fastexcel
import pyarrow as pa
import pyarrow.csv as pa_csv

from etl_project.core.encoding import decode_bytes
from etl_project.core.settings import from_environment
from etl_project.ingest.readers.grid import sniff_format
from etl_project.ingest.staging.writer import FLUSH_ROWS
from schemas import source_catalog

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")


def files(raw: Path) -> list[Path]:
    return [
        p
        for s in source_catalog.tabular_sources()
        for p in sorted((raw / s.name).glob("*"))
        if p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    ]


def read(path: Path, reader: duckdb.DuckDBPyConnection) -> list[pa.Table]:
    kind = sniff_format(path)
    if kind != "csv":
        workbook = fastexcel.read_excel(path if path.suffix.lower().lstrip(".") == kind else path.read_bytes())
        return [pa.table(workbook.load_sheet(i, header_row=None, dtypes="string").to_arrow()) for i in range(len(workbook.sheet_names))]
    raw = path.read_bytes()
    _, encoding = decode_bytes(raw, path.name)
    if encoding.startswith("utf-8"):
        relation = reader.read_csv(str(path), header=False, all_varchar=True, sep=",", quotechar='"', escapechar='"', null_padding=True)
        return [relation.to_arrow_table()]
    options = pa_csv.ReadOptions(encoding=encoding, autogenerate_column_names=True)
    return [
        pa_csv.read_csv(pa.py_buffer(raw), read_options=options, parse_options=pa_csv.ParseOptions(invalid_row_handler=lambda row: "skip"))
    ]


def main(raw: str, workdir: str, report: str) -> int:
    target = Path(workdir) / "floor.duckdb"
    target.unlink(missing_ok=True)
    reader, writer = duckdb.connect(), duckdb.connect(str(target))
    # The pipeline's conditions: its memory cap, and a commit every FLUSH_ROWS rows (a transaction
    # holding a national registry uncommitted took 17 GB).
    writer.execute(f"SET memory_limit = '{from_environment().duckdb_memory_limit}'")
    writer.begin()
    read_s = load_s = 0.0
    rows = pending = 0
    for n, path in enumerate(files(Path(raw))):
        started = time.perf_counter()
        tables = read(path, reader)
        parsed = time.perf_counter()
        for i, table in enumerate(tables):
            writer.register("incoming", table)
            writer.execute(f"CREATE TABLE t{n}_{i} AS SELECT * FROM incoming")
            writer.unregister("incoming")
            rows += table.num_rows
            pending += table.num_rows
        if pending >= FLUSH_ROWS:
            writer.commit()
            writer.begin()
            pending = 0
        read_s += parsed - started
        load_s += time.perf_counter() - parsed
    started = time.perf_counter()
    writer.commit()
    load_s += time.perf_counter() - started
    writer.close()
    target.unlink(missing_ok=True)
    Path(report).write_text(json.dumps({"read_s": read_s, "load_s": load_s, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
