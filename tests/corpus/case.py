"""What a corpus case is: a file written from code and the answer `validate` owes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus.writers import csv_text, text_file

CLEAN, REJECTED, UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class P:
    """One expected quarantine problem. ``sheet`` None: any sheet (the case's only one)."""

    row: int
    rule: str
    column: str | None = None  # the header as the file writes it
    sheet: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # registry | funds | projects | villages: the raw folder it belongs in
    filename: str
    write: Callable[[Path], None]
    what: str  # what is wrong with the file, for people
    exit_code: int
    # exit 1: exactly these problems, no others
    problems: tuple[P, ...] = ()
    # (rows accepted, rows rejected) when it matters
    rows: tuple[int, int] | None = None
    # exit 2: the message names the file and contains each of these
    says: tuple[str, ...] = ()
    # exit 2: and at least one of these (for wording the fix may choose)
    says_any: tuple[str, ...] = ()
    # staged column -> its values, row by row, for cases about how a value is read
    staged: dict[str, list] = field(default_factory=dict)
    # each of these is part of a warning of validate (and of load_audit.warnings in a run)
    warns: tuple[str, ...] = ()
    # (sheet, read, rows) as validate and load_audit.sheets report them
    sheets: tuple[tuple[str, bool, int], ...] = ()
    # a known defect of the project that makes this case fail today
    bug: str | None = None

    def path_in(self, raw: Path) -> Path:
        return raw / self.source / self.filename


def bare_registry_case(name: str, filename: str, rows: list[list], what: str, problems: tuple[P, ...], ok: int, **expected) -> Case:
    """A bare registry CSV: header on line 1, so row k of ``rows`` is line k + 2; ``ok`` rows load and
    each row a problem names is rejected."""
    return Case(
        name,
        "registry",
        filename,
        text_file(csv_text(rows)),
        what,
        REJECTED if problems else CLEAN,
        problems=problems,
        rows=(ok, len({p.row for p in problems})),
        **expected,
    )
