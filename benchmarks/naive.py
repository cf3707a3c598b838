"""Child process: the registry pipeline as it is usually first written, for comparison.

openpyxl (or the csv module) reads each file row by row, a Python loop checks each row (required
fields, ID number and its check digit, ranges, code lists, repeats), the head's ID number is
hashed with hmac, and ``DataFrame.to_sql`` writes the rows into DuckDB through duckdb-engine. It
stops after ``limit`` rows, so the caller can time a subset and scale.

``python -m benchmarks.naive RAW URL LIMIT REPORT``
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import sqlalchemy as sa

from etl_project.core.settings import from_environment
from etl_project.ingest.readers.column_map import header_key, load_column_map
from etl_project.warehouse.engine import cap_duckdb_memory
from schemas.vocabularies import EXIT_STATUS, HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE, YES_NO

KEY = b"naive-benchmark-key"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
SKIP = re.compile(r"^(合计|小计|总计|注|备注|填表|审核)")
CODES = {"attribute_code": HOUSEHOLD_ATTRIBUTE.lookup(), "main_cause_code": POVERTY_CAUSE.lookup(), "status_code": EXIT_STATUS.lookup()}
FLAGS = YES_NO.lookup()
OLE2 = b"\xd0\xcf\x11\xe0"


def rows_of(path: Path):
    if path.read_bytes()[:2] == b"PK":
        sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in row]
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    yield from csv.reader(text.splitlines())


def header_map(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header row (the one naming most known fields) and field -> column, leaf names winning."""
    aliases = load_column_map("registry").aliases
    best, where = {}, 0
    for i, row in enumerate(rows[:30]):
        found = {aliases[header_key(c)]: j for j, c in enumerate(row) if header_key(c) in aliases}
        below = rows[i + 1] if i + 1 < len(rows) else []
        found.update({aliases[header_key(c)]: j for j, c in enumerate(below) if header_key(c) in aliases})
        if len(found) > len(best):
            best, where = found, i
    leaf_row = rows[where + 1] if where + 1 < len(rows) else []
    two_rows = any(header_key(c) in aliases for c in leaf_row)
    return where + (2 if two_rows else 1), best


def id_ok(number: str) -> bool:
    if len(number) == 15 and number.isdigit():
        return True
    if len(number) not in (18, 20, 22) or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS))
    return CHECK[total % 11] == number[17].upper()


def year(text: str) -> int | None:
    text = text.strip().removesuffix("年")
    return int(text) if text.isdigit() else None


def check_row(r: dict, seen: set) -> str | None:
    """The first rule the row breaks, or None."""
    for field in ("county_name", "township_name", "village_name", "household_id", "id_number"):
        if not r.get(field, "").strip():
            return "required"
    if not id_ok(r["id_number"].strip()):
        return "id_number"
    if r["household_id"] in seen or r["id_number"] in seen:
        return "duplicate_household"
    size = r.get("household_size", "").strip()
    if not size.isdigit() or not 1 <= int(size) <= 20:
        return "household_size_range"
    identified = year(r.get("identification_year", ""))
    if identified is None or not 2013 <= identified <= 2020:
        return "identification_year_range"
    exited = year(r.get("exit_year", ""))
    if exited is not None and exited < identified:
        return "exit_before_identification"
    for field, known in CODES.items():
        if r.get(field, "").strip() not in known:
            return "unknown_code"
    try:
        income = float(r.get("income_per_person", "").replace(",", ""))
    except ValueError:
        return "income_unreadable"
    if not 0 <= income < 100_000:
        return "income_range"
    for field in ("housing_secure", "water_secure", "schooling_secure", "medical_secure"):
        if r.get(field, "").strip() and r[field].strip() not in FLAGS:
            return "flag"
    return None


def main(raw: str, url: str, limit: str, report: str) -> int:
    started = time.perf_counter()
    engine = sa.create_engine(url)
    cap_duckdb_memory(engine, from_environment().duckdb_memory_limit)  # the pipeline's condition
    done = rejected = 0
    for path in sorted((Path(raw) / "registry").iterdir()):
        if path.read_bytes()[:4] == OLE2:
            continue  # legacy .xls: openpyxl cannot read it
        rows = list(rows_of(path))
        first, columns = header_map(rows)
        seen, records = set(), []
        for row in rows[first:]:
            if not any(c.strip() for c in row) or SKIP.match(row[0].strip() if row else ""):
                continue
            r = {field: (row[j] if j < len(row) else "") for field, j in columns.items()}
            problem = check_row(r, seen)
            done += 1
            if problem:
                rejected += 1
                continue
            seen.update((r["household_id"], r["id_number"]))
            r["household_key"] = hmac.new(KEY, r.pop("id_number").encode(), hashlib.sha256).hexdigest()[:32]
            r.pop("head_name", None)
            r.pop("phone", None)
            r["source_file"] = path.name
            records.append(r)
        if records:  # a per-person export has no household rows for this baseline to keep
            pd.DataFrame(records).to_sql("naive_household", engine, if_exists="append", index=False)
        if done >= int(limit):
            break
    engine.dispose()
    Path(report).write_text(json.dumps({"rows": done, "rejected": rejected, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
