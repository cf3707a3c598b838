"""One county's registry file changed the way a county resends it: one household fewer (the row
above its 合计 row), written as a new file in place of the old one."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl

from etl_project.core.encoding import decode_bytes

TOTAL = "合计"


def change_one_county(raw: Path) -> Path:
    """Drops one household row from the first registry file that has a 合计 row; returns it."""
    for path in sorted((raw / "registry").iterdir()):
        if path.suffix.lower() == ".csv" and _drop_csv_row(path):
            return path
        if path.suffix.lower() in (".xlsx", ".xlsm") and _drop_xlsx_row(path):
            return path
    raise RuntimeError(f"no registry file under {raw} has a {TOTAL} row to change")


def _drop_csv_row(path: Path) -> bool:
    raw = path.read_bytes()
    text, encoding = decode_bytes(raw, path.name)
    lines = text.splitlines(keepends=True)
    total = next((i for i, line in enumerate(lines) if line.lstrip('"').startswith(TOTAL)), None)
    if not total:
        return False
    del lines[total - 1]
    _replace(path, "".join(lines).encode(encoding))
    return True


def _drop_xlsx_row(path: Path) -> bool:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    total = next((row[0].row for row in sheet.iter_rows(max_col=1) if str(row[0].value or "").startswith(TOTAL)), None)
    if not total or total < 2:
        return False
    sheet.delete_rows(total - 1)
    scratch = path.with_name(path.name + ".new")
    workbook.save(scratch)
    os.replace(scratch, path)
    return True


def _replace(path: Path, content: bytes) -> None:
    # A new file, not a write into the old one: the old one may be a hard link to the originals.
    scratch = path.with_name(path.name + ".new")
    scratch.write_bytes(content)
    os.replace(scratch, path)
