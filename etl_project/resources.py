"""Dagster resources: where the raw files are and which warehouse to write. Only these change
between a laptop, CI and production; the assets are the same everywhere."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from etl_project.warehouse import Warehouse, default_url

RAW_DIR_ENV = "ETL_RAW_DIR"
DEFAULT_RAW_DIR = "data/raw"
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class RawFile:
    path: Path
    relative: str  # forward slashes, relative to the raw root: how files are named everywhere
    size: int
    sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class RawFilesResource(dg.ConfigurableResource):
    """The folder of raw source files: one subfolder per source (registry/, funds/, …)."""

    root: str = os.environ.get(RAW_DIR_ENV, DEFAULT_RAW_DIR)

    def path(self, relative: str) -> Path:
        return Path(self.root) / relative

    def file(self, relative: str) -> RawFile | None:
        """The file at a path under the raw folder, hashed; None when it is not there (any more)."""
        path = self.path(relative)
        if not path.is_file():
            return None
        return RawFile(path, relative, path.stat().st_size, file_sha256(path))

    def files(self, source: str, suffixes: tuple[str, ...] = SPREADSHEET_SUFFIXES) -> list[RawFile]:
        folder = Path(self.root) / source
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.rglob("*")):
            # Office leaves "~$name.xlsx" lock files next to open workbooks; they are not data.
            if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(("~$", ".")):
                found.append(RawFile(path, path.relative_to(self.root).as_posix(), path.stat().st_size, file_sha256(path)))
        return found


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse: duckdb:///path (default) or postgresql+psycopg://…"""

    url: str = default_url()

    def open(self) -> Warehouse:
        return Warehouse(self.url)

    @property
    def kind(self) -> str:
        return "postgres" if self.url.startswith("postgresql") else "duckdb"
