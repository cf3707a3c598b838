"""Writing one county's registry: its sheets, in chunks of households, and what the truth needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl_project.sample_data import defects, geography, render
from etl_project.sample_data.counties import CountySpec
from etl_project.sample_data.households import Model
from etl_project.sample_data.layouts import COL
from etl_project.sample_data.sinks import CsvSheet, XlsxBook, XlsxSheet
from etl_project.sample_data.truth import Log, Mart

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


class CountyWriter:
    """Plans a county (places, households, defects) from its own random stream, then writes it."""

    def __init__(self, spec: CountySpec, households: int, rng: np.random.Generator, showcase: bool,
                 mart: Mart, log: Log):
        self.spec, self.rng, self.mart, self.log = spec, rng, mart, log
        self.geo = geography.build(spec.code, households, len(spec.sheets), rng, spec.tibetan)
        self.model = Model(self.geo, rng, spec.tibetan, spec.old_id_share)
        self.plan = defects.plan(households, self.geo.sheet_bounds, rng, showcase)
        self.as_text = spec.file_format == "csv"
        self._pending: dict[int, tuple[tuple, int]] = {}  # original position -> (row, household size)

    def write(self, out: Path) -> list[str]:
        """Writes the county's file(s); returns their paths relative to ``out``."""
        spec = self.spec
        self.mart.start_county(self.geo)
        outputs = spec.outputs()
        book = XlsxBook(out / outputs[0][0], spec.titles[0]) if spec.file_format == "xlsx" else None
        for (file, sheet_name), label, title, bounds in zip(outputs, spec.sheets, spec.titles, self.geo.sheet_bounds):
            if book is not None and bounds[1] - bounds[0] > XLSX_MAX_HOUSEHOLDS:
                raise ValueError(f"{spec.written_name}: too many households for one xlsx sheet; use --format csv")
            sink = book.sheet(label) if book is not None else CsvSheet(out / file, spec.encoding)
            sheet = Sheet(file, sheet_name, sink)
            self._write_sheet(sheet, title, bounds)
            sink.close()
        if book is not None:
            book.close()
        self.mart.finish_county(spec.code)
        return sorted({file for file, _ in outputs})

    def _write_sheet(self, sheet: Sheet, title: str, bounds: tuple[int, int]) -> None:
        sink, layout = sheet.sink, self.spec.layout
        sink.title(title)
        sink.unit(self.spec.unit_line)
        sink.header(layout.headers)
        for start in range(bounds[0], bounds[1], CHUNK):
            self._write_chunk(sheet, start, min(start + CHUNK, bounds[1]))

        total = [""] * len(layout.headers)
        total[0] = "合计"
        figures = {"household_id": sheet.data_rows, "household_size": sheet.persons}
        for column in layout.total_columns:
            total[COL[column]] = str(figures[column]) if self.as_text else figures[column]
        self.log.skipped_row(sheet.file, sheet.name, sink.row, "total")
        sink.line(total)
        notes = self.spec.notes[: int(self.rng.integers(1, len(self.spec.notes) + 1))]
        for note in notes:
            self.log.skipped_row(sheet.file, sheet.name, sink.row, "note")
            sink.line([note])
        self.log.files.append(
            {
                "file": sheet.file,
                "sheet": sheet.name,
                "county_code": self.spec.code,
                "source": "registry",
                "layout": layout.letter,
                "data_rows": sheet.data_rows,
                "clean_rows": sheet.data_rows - sheet.defect_rows,
                "defect_rows": sheet.defect_rows,
                "blank_rows": sheet.blank_rows,
                "total_rows": 1,
                "note_rows": len(notes),
            }
        )

    def _write_chunk(self, sheet: Sheet, start: int, end: int) -> None:
        rng, spec = self.rng, self.spec
        batch = self.model.batch(start, end)
        targets = self.plan.corrupt_between(start, end)
        defects.corrupt_values(batch, targets, rng)
        columns = render.cells(spec.layout, batch, self.geo, spec.code, spec.written_name, rng, self.as_text)
        broken = defects.corrupt_cells(columns, start, spec.layout, targets, rng)
        rows = list(zip(*columns))

        clean = np.ones(end - start, dtype=bool)
        clean[[p - start for p, _ in targets]] = False
        self.mart.add(batch, clean)
        sizes = batch.size.tolist()
        for position in self.plan.originals.intersection(range(start, end)):
            self._pending[position] = (rows[position - start], sizes[position - start])

        # Rows go out in runs between the planned extra rows, so row numbers stay exact.
        cursor, corrupt = start, iter(targets)
        next_corrupt = next(corrupt, None)
        stops = self.plan.events_between(start, end)
        if not stops or stops[-1] != end - 1:
            stops.append(end - 1)
        for stop in stops:
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
