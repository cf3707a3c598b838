"""Dagster resources: where the raw files are and which warehouse to write. Only these change
between a laptop, CI and production; the assets are the same everywhere."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from etl_project import personal_data, pii
from etl_project.warehouse import Warehouse, default_url
from schemas.source_catalog import REPORT_SUFFIXES, SPREADSHEET_SUFFIXES

RAW_DIR_ENV = "ETL_RAW_DIR"
DEFAULT_RAW_DIR = "data/raw"


@dataclass(frozen=True)
class RawFile:
    path: Path
    relative: str  # forward slashes, relative to the raw root, personal data masked: how files are named everywhere
    size: int
    sha256: str
    mtime_ns: int = 0


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
        """Where the file named ``relative`` (as the warehouse names it) is on disk."""
        found = _LISTED.get((self.root, relative))
        if found is None and "*" in relative:
            # A masked name not listed by this process yet (a run started by the sensor).
            self.relatives(relative.split("/", 1)[0], SPREADSHEET_SUFFIXES + REPORT_SUFFIXES)
            found = _LISTED.get((self.root, relative))
        return found if found is not None else Path(self.root) / relative

    def file(self, relative: str, known: KnownHashes | None = None) -> RawFile | None:
        """The file at a path under the raw folder, hashed; None when it is not there (any more)."""
        path = self.path(relative)
        if not path.is_file():
            return None
        return _hashed(path, relative, known)

    def files(self, source: str, suffixes: tuple[str, ...] = SPREADSHEET_SUFFIXES, known: KnownHashes | None = None) -> list[RawFile]:
        return [_hashed(self.path(relative), relative, known) for relative in self.relatives(source, suffixes)]

    def relatives(self, source: str, suffixes: tuple[str, ...] = SPREADSHEET_SUFFIXES) -> list[str]:
        """The source's files as the warehouse names them (paths relative to the raw root, personal
        data masked), without reading them."""
        folder = Path(self.root) / source
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.rglob("*")):
            # Office leaves "~$name.xlsx" lock files next to open workbooks; they are not data.
            if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(("~$", ".")):
                relative = path.relative_to(self.root).as_posix()
                label = file_label(relative)
                if label != relative:
                    _LISTED[(self.root, label)] = path
                found.append(label)
        return found


def file_label(relative: str) -> str:
    """A file's name in the warehouse, the partitions and every message: its path under the raw
    folder, with an ID or phone number in it (and the name beside one) masked."""
    return personal_data.mask_file_label(relative, pii.pii_key())


# (raw root, file label) → the file on disk, for the labels that differ from their paths
_LISTED: dict[tuple[str, str], Path] = {}


# relative path → (size, modification time in ns, SHA-256) of files hashed before
KnownHashes = dict[str, tuple[int, int, str]]


def _hashed(path: Path, relative: str, known: KnownHashes | None) -> RawFile:
    """A file of the size and modification time it had when last hashed keeps that hash, as make
    and rsync judge files: a national folder is not read whole to learn that nothing changed."""
    stat = path.stat()
    before = (known or {}).get(relative)
    if before is not None and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
        return RawFile(path, relative, stat.st_size, before[2], stat.st_mtime_ns)
    return RawFile(path, relative, stat.st_size, file_sha256(path), stat.st_mtime_ns)


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse: duckdb:///path (default) or postgresql+psycopg://…"""

    url: str = default_url()

    def open(self) -> Warehouse:
        return Warehouse(self.url)

    @property
    def kind(self) -> str:
        return "postgres" if self.url.startswith("postgresql") else "duckdb"
