"""The sources of raw files, each declared once: what its files are called, where they are read
from, in which order they are staged, what they are checked as and where their rows go.

Partitions, the sensors, staging, the data steward's ``validate`` and the checks all ask this
catalog for the sources, so a new kind of file is one ``Source`` here and one column map under
schemas/column_maps. A new spelling of an existing source's headers is only a column map entry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemas.investment_sources import FUND_MOVEMENT, PROJECT, VILLAGE
from schemas.investment_tables import STG_FUND_MOVEMENT, STG_LEDGER_TOTAL, STG_PROJECT, STG_VILLAGE
from schemas.monitoring_sources import MONITORING_HOUSEHOLD, MONITORING_PERSON, STG_MONITORING
from schemas.person_sources import REGISTRY_PERSON
from schemas.registry import Table
from schemas.report_tables import REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM
from schemas.sources import REGISTRY_HOUSEHOLD
from schemas.tables import PERSON_FINGERPRINT, QUARANTINE, STG_HOUSEHOLD, STG_PERSON

COLUMN_MAP_DIR = Path(__file__).resolve().parent / "column_maps"
# The files a run picks up and `validate` accepts without a warning. WPS saves workbooks as .et;
# Excel's "Unicode text" export is tab-separated (.tsv, .txt). A file is read by its content, not
# by this name.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".csv", ".tsv", ".txt")
REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class Source:
    """One kind of raw file. Its files live in data/raw/<name>/.

    A tabular source names its column map, the record its rows are typed and checked as, and its
    staging function, called (path, source_file, regions, pii_key) and, for a source judged against
    another, with that source's codes as a fifth argument, and with the keyword ``reading`` (the
    settings a file is read with, etl_project/core/settings.py); it returns a StagedFile. The sources here
    name it by import path ("module:function") because staging imports this catalog. A source
    without a column map (narrative reports) is read by the report extractor instead."""

    name: str
    zh: str
    en: str
    suffixes: tuple[str, ...]
    stage_order: int  # smaller first: a source others are judged against is staged before them
    staged: tuple[Table, ...]  # where its rows go, the main table first
    column_map: str | None = None  # <column_map_dir>/<column_map>.yaml
    column_map_dir: Path = COLUMN_MAP_DIR
    record: Table | None = None
    # the records of its other layouts (the per-person registry export), checked as the column map's
    # layouts say
    layout_records: tuple[Table, ...] = ()
    # settings that change what its rows mean, by their environment variable (the year a snapshot
    # counts as of): a change reads its files again
    settings: tuple[str, ...] = ()
    stage: str | Callable | None = None
    # Another source whose codes each row is checked against (ledgers name the projects of the
    # project lists): a change to that source's files judges every file of this one again.
    judged_against: str | None = None
    codes_field: str | None = None  # the field of this source that others are judged against
    totals: Table | None = None  # where the verdicts of its 合计/小计 rows go
    names_people: bool = False  # its files name persons: their fingerprints are kept for the guard

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def tabular(self) -> bool:
        return self.column_map is not None

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table a file of this source has rows in: what its removal must empty."""
        found = list(self.staged)
        if self.totals is not None:
            found.append(self.totals)
        if self.tabular:
            found.append(QUARANTINE)
        if self.names_people:
            found.append(PERSON_FINGERPRINT)
        return tuple(found)

    @property
    def column_map_path(self) -> Path | None:
        return self.column_map_dir / f"{self.column_map}.yaml" if self.tabular else None

    def staging_function(self) -> Callable:
        if self.stage is None:
            raise ValueError(f"source {self.name!r} declares no staging function")
        if callable(self.stage):
            return self.stage
        module, _, name = self.stage.partition(":")
        return getattr(importlib.import_module(module), name)


_DECLARED: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    if source.name in _DECLARED:
        raise ValueError(f"source {source.name!r} declared twice")
    if source.judged_against is not None and source.judged_against not in _DECLARED:
        raise ValueError(f"source {source.name!r} is judged against {source.judged_against!r}, which is not declared")
    _DECLARED[source.name] = source
    return source


def unregister_source(name: str) -> None:
    dependents = [s.name for s in _DECLARED.values() if s.judged_against == name]
    if dependents:
        raise ValueError(f"source {name!r} cannot go: {', '.join(dependents)} are judged against it")
    del _DECLARED[name]


@contextmanager
def source_declared(source: Source) -> Iterator[Source]:
    """A source declared only inside the block (what a test adds and takes away again); a source
    of the same name is set aside meanwhile."""
    before = _DECLARED.pop(source.name, None)
    try:
        register_source(source)
        try:
            yield source
        finally:
            del _DECLARED[source.name]
    finally:
        if before is not None:
            _DECLARED[source.name] = before


def sources() -> list[Source]:
    """Every source, in the order their files are staged."""
    return sorted(_DECLARED.values(), key=lambda s: (s.stage_order, s.name))


def source_names() -> tuple[str, ...]:
    return tuple(s.name for s in sources())


def tabular_sources() -> list[Source]:
    return [s for s in sources() if s.tabular]


def source(name: str) -> Source:
    try:
        return _DECLARED[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; one of {', '.join(source_names())}") from None


def is_source(name: str) -> bool:
    return name in _DECLARED


def judged_by_others(name: str) -> bool:
    """Whether files of other sources are checked against this source's codes."""
    return any(s.judged_against == name for s in _DECLARED.values())


def _spreadsheet_source(name: str, zh: str, en: str, stage_order: int, staged: tuple[Table, ...], **declared) -> Source:
    """A source of spreadsheets, read by the column map of its own name."""
    return register_source(
        Source(
            name=name,
            zh=zh,
            en=en,
            suffixes=SPREADSHEET_SUFFIXES,
            stage_order=stage_order,
            staged=staged,
            column_map=name,
            **declared,
        )
    )


_spreadsheet_source(
    "projects",
    "扶贫项目库",
    "project list",
    10,
    (STG_PROJECT,),
    record=PROJECT,
    stage="etl_project.ingest.staging.investment:stage_projects",
    codes_field="project_code",
)
_spreadsheet_source(
    "villages",
    "行政村名单",
    "village list",
    20,
    (STG_VILLAGE,),
    record=VILLAGE,
    stage="etl_project.ingest.staging.investment:stage_villages",
)
_spreadsheet_source(
    "registry",
    "建档立卡户登记",
    "household registry",
    30,
    (STG_HOUSEHOLD, STG_PERSON),
    record=REGISTRY_HOUSEHOLD,
    stage="etl_project.ingest.staging.registry:stage_file",
    layout_records=(REGISTRY_PERSON,),
    settings=("ETL_AS_OF_YEAR",),
    names_people=True,
)
_spreadsheet_source(
    "funds",
    "帮扶资金台账",
    "fund ledger",
    40,
    (STG_FUND_MOVEMENT,),
    record=FUND_MOVEMENT,
    stage="etl_project.ingest.staging.investment:stage_funds",
    judged_against="projects",
    totals=STG_LEDGER_TOTAL,
    names_people=True,
)
_spreadsheet_source(
    "monitoring",
    "防止返贫监测对象",
    "monitored households",
    50,
    (STG_MONITORING,),
    record=MONITORING_HOUSEHOLD,
    stage="etl_project.ingest.staging.monitoring:stage_file",
    layout_records=(MONITORING_PERSON,),
    names_people=True,
)
register_source(
    Source(
        name="reports",
        zh="工作报告与新闻稿",
        en="narrative report",
        suffixes=REPORT_SUFFIXES,
        stage_order=90,
        staged=(REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM),
    )
)
