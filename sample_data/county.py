"""Writing one county's registry: its sheets, in chunks of households, and what the truth needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sample_data import defects, geography, render
from sample_data.counties import CountySpec
from sample_data.households import Model
from sample_data.registry_forms import section_text, total_row
from sample_data.sinks import CsvSheet, XlsxBook, XlsxSheet
from sample_data.truth import Log, Mart

CHUNK = 20_000  # households generated and written at a time
# Leaves room under Excel's 1 048 576 rows for the title, header, duplicates and blank rows.
XLSX_MAX_HOUSEHOLDS = 1_000_000


@dataclass
class Sheet:
    """One sheet being written: where it goes, and the counts its truth entry reports."""

    file: str
    name: str
    sink: CsvSheet | XlsxSheet
    data_rows: int = 0
    defect_rows: int = 0
    blank_rows: int = 0
    persons: int = 0
    clean_persons: int = 0
    note_rows: int = 0  # placeholder rows under the header; notes under the table add to it
    section_rows: int = 0


class CountyWriter:
    """Plans a county (places, households, defects) from its own random stream, then writes it."""

    def __init__(self, spec: CountySpec, households: int, rng: np.random.Generator, showcase: bool, mart: Mart, log: Log):
        self.spec, self.rng, self.mart, self.log = spec, rng, mart, log
        form = spec.form
        self.geo = geography.build(spec.code, households, None if form.township_sheets else len(spec.sheets), rng, spec.tibetan)
        self.model = Model(self.geo, rng, spec.tibetan, spec.old_id_share)
        # Under section rows a duplicate copy stays in its township's rows, or it would change township.
        bounds = self.geo.township_bounds if form.sections else self.geo.sheet_bounds
        self.plan = defects.plan(households, bounds, rng, showcase)
        self.as_text = spec.file_format == "csv"
        self._pending: dict[int, tuple[tuple, int]] = {}  # original position -> (row, household size)
        # (batch, clean, geography) of every chunk written: what another source may name again
        self.listeners: list = []

    def write(self, out: Path) -> list[str]:
        """Writes the county's file(s); returns their paths relative to ``out``."""
        spec, columns = self.spec, self.spec.form.columns
        self.mart.start_county(self.geo)
        labels, titles = spec.sheets, spec.titles
        if spec.form.township_sheets:
            labels, titles = tuple(self.geo.township_names), spec.titles * len(self.geo.township_names)
        outputs = spec.outputs(labels)
        book = XlsxBook(out / outputs[0][0], titles[0]) if spec.file_format == "xlsx" else None
        for (file, sheet_name), label, title, bounds in zip(outputs, labels, titles, self.geo.sheet_bounds):
            if book is not None and bounds[1] - bounds[0] > XLSX_MAX_HOUSEHOLDS:
                raise ValueError(f"{spec.written_name}: too many households for one xlsx sheet; use --format csv")
            sink = book.sheet(label, columns) if book is not None else CsvSheet(out / file, spec.encoding, columns)
            sheet = Sheet(file, sheet_name, sink)
            self._write_sheet(sheet, title, bounds)
            sink.close()
        if book is not None:
            book.close()
        self.mart.finish_county(spec.code)
        return sorted({file for file, _ in outputs})

    def _write_sheet(self, sheet: Sheet, title: str, bounds: tuple[int, int]) -> None:
        sink, layout, form = sheet.sink, self.spec.layout, self.spec.form
        sink.title(title)
        sink.unit(self.spec.unit_line)
        header = form.header(layout.headers)
        sink.header(header)
        for placeholder in form.placeholder_rows():
            self._skip(sheet, "note")
            sheet.note_rows += 1
            sink.line(placeholder)
        for start in range(bounds[0], bounds[1], CHUNK):
            self._write_chunk(sheet, start, min(start + CHUNK, bounds[1]))

        figures = {"household_id": sheet.data_rows, "household_size": sheet.persons}
        if self.as_text:
            figures = {column: str(value) for column, value in figures.items()}
        self._skip(sheet, "total")
        sink.line(total_row(form, figures, layout.total_columns))
        notes = self.spec.notes[: int(self.rng.integers(1, len(self.spec.notes) + 1))]
        for note in notes:
            self._skip(sheet, "note")
            sink.line([note])
        self.log.files.append(
            {
                "file": sheet.file,
                "sheet": sheet.name,
                "county_code": self.spec.code,
                "source": "registry",
                "layout": layout.letter,
                "form": form.name,
                # Where the table is and what its columns hold, for a reader of the file to check.
                "first_data_row": 3 + header.depth,
                "columns": form.columns,
                "data_rows": sheet.data_rows,
                "clean_rows": sheet.data_rows - sheet.defect_rows,
                "clean_persons": sheet.clean_persons,
                "defect_rows": sheet.defect_rows,
                "blank_rows": sheet.blank_rows,
                "total_rows": 1,
                "note_rows": sheet.note_rows + len(notes),
                "section_rows": sheet.section_rows,
            }
        )

    def _skip(self, sheet: Sheet, reason: str) -> None:
        """Records the next row as one the warehouse must skip, for ``reason``."""
        self.log.skipped_row(sheet.file, sheet.name, sheet.sink.row, reason)

    def _write_chunk(self, sheet: Sheet, start: int, end: int) -> None:
        rng, spec = self.rng, self.spec
        batch = self.model.batch(start, end)
        targets = self.plan.corrupt_between(start, end)
        defects.corrupt_values(batch, targets, rng)
        columns = render.cells(spec.layout, batch, self.geo, spec.code, spec.written_name, rng, self.as_text)
        broken = defects.corrupt_cells(columns, start, spec.layout, targets, rng)
        rows = list(zip(*spec.form.written(columns, batch, self.as_text)))

        clean = np.ones(end - start, dtype=bool)
        clean[[p - start for p, _ in targets]] = False
        self.mart.add(batch, clean)
        for listener in self.listeners:
            listener(batch, clean, self.geo)
        sheet.clean_persons += int(batch.size[clean].sum())
        sizes = batch.size.tolist()
        for position in self.plan.originals.intersection(range(start, end)):
            self._pending[position] = (rows[position - start], sizes[position - start])

        # Rows go out in runs between the planned extra rows, so row numbers stay exact; under
        # section rows a run also stops where a township ends, for the next one's section row.
        cursor, corrupt = start, iter(targets)
        next_corrupt = next(corrupt, None)
        sections = self._section_starts(start, end)
        stops = sorted(set(self.plan.events_between(start, end)) | {s - 1 for s in sections if s > start})
        if not stops or stops[-1] != end - 1:
            stops.append(end - 1)
        for stop in stops:
            if cursor in sections:
                self._skip(sheet, "section")
                sheet.section_rows += 1
                sheet.sink.line([section_text(sections[cursor], self.geo.township_names[sections[cursor] - 1])])
            first_row = sheet.sink.row
            while next_corrupt is not None and next_corrupt[0] <= stop:
                position, rule = next_corrupt
                self.log.defect(sheet.file, sheet.name, first_row + position - cursor, rule, broken[position])
                sheet.defect_rows += 1
                next_corrupt = next(corrupt, None)
            sheet.sink.rows(rows[cursor - start : stop - start + 1])
            cursor = stop + 1
            for event in self.plan.after.get(stop, []):
                if event == defects.BLANK:
                    self.log.skipped_row(sheet.file, sheet.name, sheet.sink.row, "blank")
                    sheet.blank_rows += 1
                    sheet.sink.blank()
                else:
                    row, size = self._pending.pop(event)
                    self.log.defect(sheet.file, sheet.name, sheet.sink.row, defects.DUPLICATE, "household_id")
                    sheet.defect_rows += 1
                    sheet.data_rows += 1
                    sheet.persons += size
                    sheet.sink.rows([row])
        sheet.data_rows += end - start
        sheet.persons += int(batch.size.sum())

    def _section_starts(self, start: int, end: int) -> dict[int, int]:
        """Positions in [start, end) where a township's rows begin -> its 1-based number, under
        section rows; townships without households get no section row."""
        if not self.spec.form.sections:
            return {}
        return {
            first: number for number, (first, last) in enumerate(self.geo.township_bounds, start=1) if start <= first < end and first < last
        }
