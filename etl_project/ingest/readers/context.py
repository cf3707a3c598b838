"""What a sheet says about its rows outside the table: the county and year of its title row
("紫云县2019年帮扶资金台账"), its file name and its sheet name (one sheet per township), and the
section rows among the data ("一、秧河镇") that set the township of the rows below them.

Clues are gathered here as text, in order of trust (title, file name, sheet name, section rows);
staging resolves the county names against the division codes and decides what each row gets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

TITLE, FILE_NAME, SHEET_NAME, SECTION = "title", "file name", "sheet name", "section row"
_YEAR = re.compile(r"(?<![\d])((?:19|20)\d{2})(?![\d])")
# "2016-2020年", "2016至2020年": a period, not the year of the rows.
_PERIOD = re.compile(r"(?:19|20)\d{2}\s*(?:年\s*)?(?:-|—|–|~|～|至|到)\s*(?:19|20)?\d{2}")
_COUNTY_LIKE = re.compile(r"[\u4e00-\u9fff]{1,14}?(?:自治县|县|自治旗|旗|区|市)")
_TOWNSHIP = re.compile(r"^[\u4e00-\u9fff]{1,12}(?:镇|乡|街道|街道办事处|苏木)$")


@dataclass(frozen=True)
class Clue:
    origin: str  # title, file name, sheet name
    text: str  # the text it was found in (the place or year is looked for there)
    row: int | None = None  # the title's row as Excel shows it

    def where(self) -> str:
        return f"{self.origin} (row {self.row})" if self.row is not None else self.origin


@dataclass
class SheetContext:
    """The clues of one sheet; ``sections`` gives each data row the place its section row named."""

    clues: list[Clue]
    township: str | None = None  # the sheet's name, when it is a township's
    year: int | None = None
    year_from: str | None = None
    years_disagree: list[str] = field(default_factory=list)  # "title: 2019", "file name: 2020"
    sections: np.ndarray | None = None  # per data row: the place of the section above it, or None
    section_rows: np.ndarray | None = None  # per data row: the Excel row of that section row

    def names_a_county(self) -> bool:
        """Whether any clue could name a county (staging checks it against the division codes)."""
        return any(_COUNTY_LIKE.search(clue.text) for clue in self.clues)

    def as_dict(self) -> dict:
        found = {"clues": [f"{c.where()}: {c.text}" for c in self.clues]}
        if self.township:
            found["township"] = f"{self.township} (sheet name)"
        if self.year is not None:
            found["year"] = f"{self.year} ({self.year_from})"
        if self.sections is not None and len(self.sections):
            found["sections"] = sorted({s for s in self.sections if s})
        return found


def sheet_context(title_rows: list[tuple[int, str]], file_name: str, sheet_name: str) -> SheetContext:
    """``title_rows``: (Excel row, text of its cells joined) of the rows above the header."""
    stem = PurePosixPath(file_name).stem
    clues = [Clue(TITLE, text, row) for row, text in title_rows if text.strip()]
    clues.append(Clue(FILE_NAME, _normal(stem)))
    if sheet_name:
        clues.append(Clue(SHEET_NAME, _normal(sheet_name)))
    context = SheetContext(clues)
    if sheet_name and _TOWNSHIP.match(_normal(sheet_name)):
        context.township = _normal(sheet_name)
    years = [(clue.where(), year) for clue in clues if (year := single_year(clue.text)) is not None]
    if years:
        context.year_from, context.year = years[0]
        context.years_disagree = [f"{where}: {year}" for where, year in years if year != context.year]
        if context.years_disagree:
            context.years_disagree.insert(0, f"{context.year_from}: {context.year}")
    return context


def single_year(text: str) -> int | None:
    """The one year a text names ("紫云县2019年帮扶资金台账"); None for none, a period or several."""
    if _PERIOD.search(text):
        return None
    years = {int(y) for y in _YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


def with_sections(
    context: SheetContext, data_rows: np.ndarray, section_rows: np.ndarray, names: list[str], row_numbers: np.ndarray
) -> None:
    """Gives each data row (sheet positions) the place named by the last section row above it."""
    if not len(section_rows):
        return
    which = np.searchsorted(np.asarray(section_rows), np.asarray(data_rows), side="right") - 1
    places = np.array([None, *names], dtype=object)
    rows = np.array([None, *row_numbers.tolist()], dtype=object)
    context.sections = places[which + 1]
    context.section_rows = rows[which + 1]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
