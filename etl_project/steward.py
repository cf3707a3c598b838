"""What a data steward runs on a file before sending it: the pipeline's own reading and rules,
reported row by row, with an answer for any file at all (0 clean, 1 rows rejected, 2 not ingestible)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from etl_project import pii
from etl_project.readers.extract import SourceFileError
from etl_project.regions import default_index
from etl_project.staging import registry

EXIT_CLEAN, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2
SOURCES = {"registry": registry.stage_file}


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
        return "\n".join(lines)


def validate_file(path: Path, source: str | None = None) -> Verdict:
    name = path.name
    if source is not None and source not in SOURCES:
        return Verdict(name, source, "unreadable", message=f"unknown source {source!r}; one of {', '.join(SOURCES)}")
    candidates = [source] if source else list(SOURCES)
    errors = []
    for candidate in candidates:
        try:
            staged = SOURCES[candidate](path, name, default_index(), pii.pii_key())
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
        return Verdict(
            file=name,
            source=candidate,
            status="rows_rejected" if staged.rows_quarantined else "ok",
            rows_read=staged.rows_read,
            rows_ok=staged.rows_loaded,
            rows_rejected=staged.rows_quarantined,
            rows_skipped=staged.rows_skipped,
            problems=problems,
        )
    return Verdict(name, source, "unreadable", message="; ".join(errors))
