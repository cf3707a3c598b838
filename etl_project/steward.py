"""What a data steward runs on a file before sending it: the pipeline's own reading and rules,
reported row by row, with an answer for any file at all (0 clean, 1 rows rejected, 2 not ingestible)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from etl_project import personal_data, pii
from etl_project.amounts import money_text
from etl_project.readers.extract import SourceFileError
from etl_project.readers.grid import UnreadableFile, read_grids
from etl_project.regions import default_index
from etl_project.staging.investment import TOTAL_TOLERANCE_YUAN
from etl_project.steward_survey import Survey, survey
from schemas import source_catalog
from schemas.source_catalog import SPREADSHEET_SUFFIXES

EXIT_CLEAN, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


def stage_function(source: str) -> Callable:
    """How the pipeline stages a file of the source. Called without the project lists: a ledger
    checked on its own cannot know them, so its project codes are not checked."""
    return source_catalog.source(source).staging_function()


def detect_source(path: Path) -> str | None:
    """The source whose column map matches the file's header best, all required columns present;
    None when no source fits."""
    try:
        found = survey(read_grids(path))
    except UnreadableFile:
        return None
    return found.best.source.name if found.best is not None and found.best.complete else None


@dataclass
class Verdict:
    file: str
    source: str | None
    status: str  # ok | rows_rejected | unreadable
    rows_read: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    problems: list[dict] = field(default_factory=list)
    message: str | None = None
    # what to check although nothing is rejected (a unit that cannot be read, a hidden sheet read)
    warnings: list[str] = field(default_factory=list)
    # every sheet, read or not, and why
    sheets: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"ok": EXIT_CLEAN, "rows_rejected": EXIT_REJECTED}.get(self.status, EXIT_UNREADABLE)

    def as_json(self) -> str:
        payload = {k: v for k, v in self.__dict__.items() if k != "message" or v}
        return json.dumps(payload, ensure_ascii=False, indent=2, default=str)

    def as_text(self) -> str:
        if self.status == "unreadable":
            return f"{self.file}: cannot be ingested / 无法导入\n  {self.message}"
        lines = [
            f"{self.file} ({self.source}): {self.rows_read} rows read, {self.rows_ok} ok, "
            f"{self.rows_rejected} rejected, {self.rows_skipped} skipped (blank, 合计, notes)"
        ]
        for p in self.problems:
            where = f"sheet {p['sheet']!r} row {p['row']}" if p["sheet"] else f"line {p['row']}"
            lines.append(f"  {where}, column {p['column']}: {p['value']!r} [{p['rule']}]\n    {p['message_zh']}\n    {p['message_en']}")
        lines += [f"  warning / 提示: {w}" for w in self.warnings]
        if len(self.sheets) > 1 or any(not s["read"] or s["visibility"] != "visible" for s in self.sheets):
            lines += [f"  sheet {s['sheet']!r} ({s['visibility']}, {s['rows']} rows): {s['reason']}" for s in self.sheets]
        return "\n".join(lines)


def validate_file(path: Path, source: str | None = None) -> Verdict:
    verdict = _validated(path, source)
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        verdict.warnings.append(
            f"{path.name}: a run does not pick up files named *{path.suffix or '(no extension)'} "
            f"(only {' '.join(SPREADSHEET_SUFFIXES)}): rename it to what it is before sending it. "
            f"流水线不读取扩展名为 {path.suffix or '（无）'} 的文件：请按实际格式改名后再报送"
        )
    return verdict


def _validated(path: Path, source: str | None) -> Verdict:
    # The file as the warehouse would name it: an ID or phone number in its name is masked.
    name = personal_data.mask_text(path.name).text
    tabular = [s.name for s in source_catalog.tabular_sources()]
    if source is not None and source not in tabular:
        return Verdict(name, source, "unreadable", message=f"unknown source {source!r}; one of {', '.join(tabular)}")
    detected = source
    if source is None:
        try:
            found = survey(read_grids(path))
        except UnreadableFile:
            found = None  # staging below says why, once
        except Exception:  # detection is a convenience; staging below gives the real answer
            found = Survey(best=None, header_like=None, filled=True, broken=True)
        refusal = found.refusal(name) if found is not None else None
        if refusal is not None:
            return Verdict(name, found.best.source.name if found.best else None, "unreadable", message=personal_data.mask_text(refusal).text)
        detected = found.best.source.name if found is not None and found.best is not None else None
    # Without a source that fits, the file is not one to tell apart (unreadable, empty): every
    # source gives the same reason, said once below.
    candidates = [detected] if detected else tabular
    errors = []
    for candidate in candidates:
        try:
            staged = stage_function(candidate)(path, name, default_index(), pii.pii_key())
        except SourceFileError as exc:
            errors.append(str(exc))
            continue
        except Exception as exc:  # any file at all gets an answer, never a traceback
            errors.append(f"{name}: could not be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
            continue
        q = staged.quarantine
        problems = [
            {
                "sheet": row.source_sheet,
                "row": int(row.source_row),
                "column": row.source_header or row.column_name,
                "value": row.value_masked,
                "rule": row.rule,
                "message_zh": row.message_zh,
                "message_en": row.message_en,
            }
            for row in q.itertuples()
        ]
        problems += _total_problems(staged)
        return Verdict(
            file=name,
            source=candidate,
            status="rows_rejected" if problems else "ok",
            rows_read=staged.rows_read,
            rows_ok=staged.rows_loaded,
            rows_rejected=staged.rows_quarantined,
            rows_skipped=staged.rows_skipped,
            problems=problems,
            warnings=staged.warnings(),
            sheets=staged.sheets(),
        )
    # A file no reader can open fails the same way for every source: say so once.
    return Verdict(name, detected, "unreadable", message="; ".join(dict.fromkeys(errors)))



def _total_problems(staged) -> list[dict]:
    """A 合计/小计 row that disagrees with its rows: the rows load, but the ledger needs fixing."""
    totals = staged.totals
    if totals.empty:
        return []
    wrong = totals[totals["difference_yuan"].isna() | (totals["difference_yuan"].abs() > TOTAL_TOLERANCE_YUAN)]
    problems = []
    for row in wrong.itertuples():
        # In the sheet's own unit first, as the person who typed the total reads it.
        stated, computed, difference = (money_text(v, row.unit) for v in (row.stated_yuan, row.computed_yuan, row.difference_yuan))
        problems.append({
            "sheet": row.source_sheet,
            "row": int(row.source_row),
            "column": "金额 / amount",
            "value": stated,
            "rule": "total_mismatch",
            "message_zh": f"{row.label}行与逐行加总不符：表内 {stated}，逐行加总 {computed}，差额 {difference}",
            "message_en": f"{row.label} row disagrees with its rows: states {stated}, rows add up to {computed} (difference {difference})",
        })
    return problems
