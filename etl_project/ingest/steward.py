"""What a data steward runs on a file before sending it: the pipeline's own reading and rules,
reported row by row, with an answer for any file at all (0 clean, 1 rows rejected, 2 not ingestible)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from etl_project.core import personal_data, pii
from etl_project.core.amounts import money_text
from etl_project.core.refusal import Refusal, both, joined
from etl_project.core.regions import default_index
from etl_project.core.settings import Settings
from etl_project.ingest.readers.extract import SourceFileError
from etl_project.ingest.readers.grid import UnreadableFile, read_grids
from etl_project.ingest.staging.investment import TOTAL_TOLERANCE_YUAN
from etl_project.ingest.steward_survey import Survey, survey
from schemas import source_catalog
from schemas.source_catalog import REPORT_SUFFIXES, SPREADSHEET_SUFFIXES

EXIT_CLEAN, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2
FIRST_ROWS_SHOWN = 5  # per rule in the summary


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
    # why the file cannot be ingested, in English (naming the file) and Chinese, as a row's messages
    message_en: str | None = None
    message_zh: str | None = None
    # what to check although nothing is rejected (a unit that cannot be read, a hidden sheet read)
    warnings: list[str] = field(default_factory=list)
    # every sheet, read or not, and why
    sheets: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"ok": EXIT_CLEAN, "rows_rejected": EXIT_REJECTED}.get(self.status, EXIT_UNREADABLE)

    @property
    def message(self) -> str | None:
        """Why the file cannot be ingested, both languages in one line."""
        return joined(self.message_en, self.message_zh) if self.message_en else None

    def by_rule(self) -> list[dict]:
        """Each rule the file breaks: how many problems, and where the first ones are."""
        rules: dict[str, dict] = {}
        for p in self.problems:
            entry = rules.setdefault(p["rule"], {"rule": p["rule"], "count": 0, "columns": [], "first_rows": []})
            entry["count"] += 1
            if p["column"] not in entry["columns"]:
                entry["columns"].append(p["column"])
            where = {"sheet": p["sheet"], "row": p["row"]}
            if len(entry["first_rows"]) < FIRST_ROWS_SHOWN and where not in entry["first_rows"]:
                entry["first_rows"].append(where)
        return sorted(rules.values(), key=lambda entry: -entry["count"])

    def as_json(self) -> str:
        payload = {k: v for k, v in self.__dict__.items() if not k.startswith("message_") or v}
        if self.message:
            payload["message"] = self.message
        if self.problems:
            payload["by_rule"] = self.by_rule()
        return json.dumps(payload, ensure_ascii=False, indent=2, default=str)

    def as_text(self) -> str:
        if self.status == "unreadable":
            return "\n".join([f"{self.file}: cannot be ingested / 无法导入", *(f"  {m}" for m in (self.message_zh, self.message_en) if m)])
        lines = [
            f"{self.file} ({self.source}): {self.rows_read} rows read, {self.rows_ok} ok, "
            f"{self.rows_rejected} rejected, {self.rows_skipped} skipped (blank, 合计, notes)"
        ]
        if self.problems:
            lines.append(f"  problems by rule / 按规则汇总 ({len(self.problems)} in all / 共 {len(self.problems)} 个):")
            for entry in self.by_rule():
                more = " …" if entry["count"] > len(entry["first_rows"]) else ""
                lines.append(
                    f"    {entry['rule']} ({', '.join(map(str, entry['columns'][:3]))}): {entry['count']}, "
                    f"{_positions(entry['first_rows'])}{more}"
                )
            lines.append("  problems / 问题明细:")
        for p in self.problems:
            where = f"sheet {p['sheet']!r} row {p['row']}" if p["sheet"] else f"line {p['row']}"
            lines.append(f"  {where}, column {p['column']}: {p['value']!r} [{p['rule']}]\n    {p['message_zh']}\n    {p['message_en']}")
        lines += [f"  warning / 提示: {w}" for w in self.warnings]
        if len(self.sheets) > 1 or any(not s["read"] or s["visibility"] != "visible" for s in self.sheets):
            lines += [f"  sheet {s['sheet']!r} ({s['visibility']}, {s['rows']} rows): {s['reason']}" for s in self.sheets]
        return "\n".join(lines)


def _positions(first_rows: list[dict]) -> str:
    """Rows as a person finds them: "lines 5, 9" in a CSV, "sheet 'A' rows 5, 9; sheet 'B' row 3" in a workbook."""
    by_sheet: dict[str, list[str]] = {}
    for where in first_rows:
        by_sheet.setdefault(where["sheet"] or "", []).append(str(where["row"]))
    return "; ".join(
        (f"sheet {sheet!r} row" if sheet else "line") + ("s " if len(rows) > 1 else " ") + ", ".join(rows)
        for sheet, rows in by_sheet.items()
    )


def validate_file(path: Path, source: str | None = None, settings: Settings = Settings()) -> Verdict:
    """``settings``: the key the file's households are keyed with, its size limits, the year a
    snapshot is as of."""
    suffix = path.suffix.lower()
    if suffix in REPORT_SUFFIXES and suffix not in SPREADSHEET_SUFFIXES:
        name = personal_data.mask_text(path.name).text
        return Verdict(name, None, "unreadable", message_en=f"{name}: {_REPORT_EN}", message_zh=_REPORT_ZH)
    verdict = _validated(path, source, settings)
    if verdict.status == "unreadable" and suffix in REPORT_SUFFIXES:
        # A .txt is a table or a report: neither reading it as a table worked, so both are said.
        verdict.message_en += f"; if it is a narrative report: {_REPORT_EN}"
        verdict.message_zh = f"{verdict.message_zh or ''}；如果是文字报告：{_REPORT_ZH}".lstrip("；")
    if suffix not in SPREADSHEET_SUFFIXES and suffix not in REPORT_SUFFIXES:
        verdict.warnings.append(
            f"{path.name}: a run does not pick up files named *{path.suffix or '(no extension)'} "
            f"(only {' '.join(SPREADSHEET_SUFFIXES)}): rename it to what it is before sending it. "
            f"流水线不读取扩展名为 {path.suffix or '（无）'} 的文件：请按实际格式改名后再报送"
        )
    return verdict


_REPORT_EN = (
    "a narrative report is not a table: `validate` checks spreadsheets and CSV files; read the report's figures "
    "with `etl-project extract-claims FILE`"
)
_REPORT_ZH = "文字报告不是表格，validate 只检查表格和 CSV 文件；请用 etl-project extract-claims 文件名 提取报告中的数字"


def _refused(name: str, source: str | None, refusal: Refusal) -> Verdict:
    # The reasons quote file and sheet names, headers and cells as written: they may name a person.
    return Verdict(
        name,
        source,
        "unreadable",
        message_en=personal_data.mask_text(refusal.en).text,
        message_zh=personal_data.mask_text(refusal.zh).text if refusal.zh else None,
    )


def _validated(path: Path, source: str | None, settings: Settings) -> Verdict:
    # The file as the warehouse would name it: an ID or phone number in its name is masked.
    name = personal_data.mask_text(path.name).text
    tabular = [s.name for s in source_catalog.tabular_sources()]
    if source is not None and source not in tabular:
        return _refused(
            name,
            source,
            Refusal(
                f"{name}: unknown source {source!r}; one of {', '.join(tabular)}",
                f"未知的文件类型 {source!r}，应为 {'、'.join(tabular)} 之一",
            ),
        )
    detected = source
    if source is None:
        try:
            found = survey(read_grids(path, settings.reading))
        except UnreadableFile:
            found = None  # staging below says why, once
        except Exception:  # detection is a convenience; staging below gives the real answer
            found = Survey(best=None, header_like=None, filled=True, broken=True)
        refusal = found.refusal(name) if found is not None else None
        if refusal is not None:
            return _refused(name, found.best.source.name if found.best else None, refusal)
        detected = found.best.source.name if found is not None and found.best is not None else None
    # Without a source that fits, the file is not one to tell apart (unreadable, empty): every
    # source gives the same reason, said once below.
    candidates = [detected] if detected else tabular
    errors = []
    for candidate in candidates:
        try:
            staged = stage_function(candidate)(path, name, default_index(), pii.pii_key(settings.pii_key), reading=settings.reading)
        except SourceFileError as exc:
            errors.append(exc)
            continue
        except Exception as exc:  # any file at all gets an answer, never a traceback
            errors.append(
                Refusal(
                    f"{name}: could not be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                    "读取时出错，无法导入：请把此文件和英文说明一并交给数据管理员",
                )
            )
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
    distinct = list({(e.en, e.zh): e for e in errors}.values())
    return _refused(name, detected, Refusal(*both(distinct)))


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
        problems.append(
            {
                "sheet": row.source_sheet,
                "row": int(row.source_row),
                "column": "金额 / amount",
                "value": stated,
                "rule": "total_mismatch",
                "message_zh": f"{row.label}行与逐行加总不符：表内 {stated}，逐行加总 {computed}，差额 {difference}",
                "message_en": f"{row.label} row disagrees with its rows: states {stated}, rows add up to {computed} (difference {difference})",
            }
        )
    return problems
