"""What a pass over the raw folder has to read: the files that are new, touched, changed, failed
last time or checked against rules that changed since, judged from what the warehouse recorded
of them, without reading any file. The runner gives Dagster a run over those partitions alone, so
a night with nothing new costs no per-file bookkeeping at all, and one changed county one file's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from etl_project.core.settings import Settings
from etl_project.ingest.incremental.file_hashes import known_hashes
from etl_project.ingest.incremental.files import is_current, previous_loads, rules_version
from etl_project.ingest.partitions import file_of, source_of
from etl_project.ingest.resources import KnownHashes, RawFilesResource
from etl_project.warehouse.engine import opened
from schemas import source_catalog


@dataclass(frozen=True)
class Pending:
    keys: list[str]  # partitions whose file must be read, in the order given
    unchanged: int  # files whose last load stands: content, size, time and rules as then
    everything: bool  # a project list is among them: every ledger is judged again, so every file is in the run
    # the files the run reads again (as the warehouse names them) and their bytes: the changed ones,
    # and every ledger when a project list changed; the other files in such a run keep their last load
    to_read: dict[str, int] = field(default_factory=dict)


def pending_files(settings: Settings, registered: list[str]) -> Pending:
    """``registered``: the raw_files partition keys, in Dagster's order."""
    raw_files = RawFilesResource.of(settings)
    standing = standing_loads(settings, [file_of(key) for key in registered])
    keys, sizes = [], {}
    for key in registered:
        relative = file_of(key)
        try:
            stat = os.stat(raw_files.path(relative))
        except OSError:
            continue  # gone since the partitions were synced: the refresh takes its rows out
        sizes[key] = stat.st_size
        if standing.get(relative, (None, None))[:2] != (stat.st_size, stat.st_mtime_ns):
            keys.append(key)
    everything = any(source_catalog.judged_by_others(source_of(key)) for key in keys)
    read = list(keys)
    if everything:
        ledgers = {s.name for s in source_catalog.sources() if s.judged_against is not None}
        changed = set(keys)
        read += [key for key in sizes if source_of(key) in ledgers and key not in changed]
    return Pending(
        keys=list(registered) if everything else keys,
        unchanged=len(registered) - len(keys),
        everything=everything,
        to_read={file_of(key): sizes[key] for key in read},
    )


def standing_loads(settings: Settings, relatives: Iterable[str]) -> KnownHashes:
    """Of these files (paths under the raw root), those whose last successful load stands: of the
    content last hashed, under today's rules. Each with the size, time and hash it had then; a file
    on disk with that size and time needs no reading."""
    if not warehouse_exists(settings.warehouse_url):
        return {}  # a new warehouse knows no file
    with opened(settings.warehouse_url, settings) as db:
        known, previous = known_hashes(db), previous_loads(db)
    versions: dict[str, str] = {}
    standing = {}
    for relative in relatives:
        if relative not in known:
            continue
        source = source_of(relative)
        if source not in versions:
            versions[source] = rules_version(source, settings.written)
        if is_current(previous, source, relative, known[relative][2], versions[source]):
            standing[relative] = known[relative]
    return standing


def warehouse_exists(url: str) -> bool:
    """False for a DuckDB file not made yet (asking would create it); a server database is asked."""
    if url.startswith("duckdb:///") and ":memory:" not in url:
        return Path(url.removeprefix("duckdb:///")).is_file()
    return True
