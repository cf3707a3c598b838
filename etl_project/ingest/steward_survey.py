"""Which source a file's header comes closest to, and what a data steward is told when none fits:
the closest source with only the columns it lacks; a header that names no source's column; or,
when no row looks like a header at all, that none was found. One message per file, in English and
Chinese."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from etl_project.core.refusal import Refusal
from etl_project.ingest.readers.column_map import ColumnMap, load_column_map
from etl_project.ingest.readers.grid import SheetGrid
from etl_project.ingest.readers.layout import HEADER_SEARCH_ROWS, LayoutError, locate
from schemas import source_catalog
from schemas.source_catalog import Source

HEADERS_SHOWN = 30
# A header names things: a cell of digits and punctuation alone ("1", "2019-05-01", "12.5%") is data.
_FIGURE = re.compile(r"[\d\W_]+")
MIN_HEADER_CELLS = 3


@dataclass(frozen=True)
class Match:
    """How one sheet's header fits one source."""

    source: Source
    column_map: ColumnMap
    sheet: str
    complete: bool  # every required column found (conflicting copies of one included: staging names them)
    matched: int  # fields whose header was found
    missing: tuple[str, ...] = ()
    header_row: int | None = None
    headers_found: tuple[str, ...] = ()

    @property
    def rank(self) -> tuple:
        required = len(self.column_map.required) or 1
        return (self.complete, (required - len(self.missing)) / required, self.matched / len(self.column_map.fields))


@dataclass(frozen=True)
class HeaderLike:
    """A row that reads like column headers although no source knows any of them."""

    sheet: str
    row: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Survey:
    best: Match | None  # the closest source, complete or not; None when no header names a field of any
    header_like: HeaderLike | None
    filled: bool  # some sheet holds a cell
    broken: bool = False  # the survey itself failed: staging gives the answer

    def refusal(self, file: str) -> Refusal | None:
        """Why the file cannot be ingested as any source; None when a source fits, or when staging
        gives the reason better (an empty workbook, a survey that failed)."""
        if self.broken:
            return None
        if self.best is not None:
            return None if self.best.complete else _lacks(file, self.best)
        if self.header_like is not None:
            return _unknown_header(file, self.header_like)
        return _no_header(file) if self.filled else None


def survey(grids: list[SheetGrid]) -> Survey:
    best: Match | None = None
    for declared in source_catalog.tabular_sources():
        column_map = load_column_map(declared.column_map, declared.column_map_dir)
        for grid in grids:
            if grid.height == 0 or grid.width == 0:
                continue
            match = _match(declared, column_map, grid)
            if match is not None and (best is None or match.rank > best.rank):
                best = match
    return Survey(best=best, header_like=_header_like(grids), filled=any(g.height and g.width for g in grids))


def _match(declared: Source, column_map: ColumnMap, grid: SheetGrid) -> Match | None:
    try:
        # A column the title, file name, sheet name or section rows may give (a county only in the
        # title) is not missing yet: staging reads the context and says whether it gives it.
        layout = locate(grid, column_map, frozenset(column_map.context.values()))
    except LayoutError as exc:
        if exc.kind == "conflicting_copies":
            # Still this source's table: staging then says which copies, rather than every source its refusal.
            return Match(declared, column_map, grid.name, True, exc.matched)
        if exc.kind == "missing_columns":
            return Match(declared, column_map, grid.name, False, exc.matched, exc.missing, exc.header_row, exc.headers_found)
        return None
    return Match(declared, column_map, grid.name, True, len(layout.columns), tuple(layout.missing))


def _header_like(grids: list[SheetGrid]) -> HeaderLike | None:
    """The first row near the top of a sheet with a few cells of words and none of figures."""
    for grid in grids:
        if grid.height == 0 or grid.width == 0:
            continue
        for position, row in enumerate(grid.head_text(min(HEADER_SEARCH_ROWS, grid.height))):
            cells = tuple(text.strip() for text in row if text.strip())
            words = [unicodedata.normalize("NFKC", c) for c in cells]
            if len(cells) >= MIN_HEADER_CELLS and not any(_FIGURE.fullmatch(w) for w in words):
                return HeaderLike(grid.name, grid.row_number(position), cells)
    return None


def _shown(headers: tuple[str, ...]) -> str:
    flat = [" ".join(h.split()) for h in headers]
    more = len(flat) - HEADERS_SHOWN
    return ", ".join(flat[:HEADERS_SHOWN]) + (f", … ({more} more)" if more > 0 else "")


def _where(sheet: str) -> tuple[str, str]:
    return (f"sheet {sheet!r}, " if sheet else "", f"工作表“{sheet}”" if sheet else "")


def _lacks(file: str, match: Match) -> Refusal:
    where_en, where_zh = _where(match.sheet)
    spellings = match.column_map.spellings
    needs_en = "; ".join(f"{f} ({' / '.join(spellings[f][:3])})" for f in match.missing)
    needs_zh = "、".join(spellings[f][0] for f in match.missing)
    source = match.source
    return Refusal(
        f"{file}: {where_en}header row {match.header_row} found: {_shown(match.headers_found)}; the closest source is the "
        f"{source.en} ({source.name}), and its layout needs these missing columns: {needs_en}. Add them under one of "
        f"these headers, or give --source if the file is of another kind",
        f"{where_zh}第 {match.header_row} 行为表头；最接近{source.zh}（{source.name}），按其格式还缺少以下列：{needs_zh}。"
        f"请按上述列名补上，或用 --source 指定文件类型",
    )


def _kinds() -> tuple[str, str]:
    tabular = source_catalog.tabular_sources()
    return ", ".join(f"{s.en} ({s.name})" for s in tabular), "、".join(s.zh for s in tabular)


def _unknown_header(file: str, header: HeaderLike) -> Refusal:
    where_en, where_zh = _where(header.sheet)
    kinds_en, kinds_zh = _kinds()
    return Refusal(
        f"{file}: {where_en}header row {header.row} found: {_shown(header.cells)}; none of these is a column of any "
        f"source ({kinds_en}): check that the file is one of these",
        f"{where_zh}第 {header.row} 行为表头，但其中没有任何一类文件的列名；请确认文件属于{kinds_zh}之一",
    )


def _no_header(file: str) -> Refusal:
    kinds_en, kinds_zh = _kinds()
    return Refusal(
        f"{file}: no header row found: no row in the first {HEADER_SEARCH_ROWS} rows of any sheet looks like column "
        f"headers of a {kinds_en}",
        f"未找到表头：各工作表前 {HEADER_SEARCH_ROWS} 行中没有像列名的行（{kinds_zh}）",
    )
