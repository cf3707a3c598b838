"""One Dagster partition per raw file (spreadsheets and reports), so the UI shows each file's loads
and failures.

A partition key is the file's path under the raw folder ("registry/贵州省/紫云县.xlsx"). Dagster
refuses a few substrings in keys ("...", control characters); those, and "%", are percent-encoded,
so any file name has exactly one key and the key gives the name back.

The set of partitions follows the raw folder: the sensor adds and deletes them as files come and
go, and a run started from the command line brings them in step before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from etl_project.ingest.resources import RawFilesResource
from schemas import source_catalog

RAW_FILES = dg.DynamicPartitionsDefinition(name="raw_files")

_ESCAPED = ["%", "...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0"]
_RANGE_START, _RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def partition_key(relative: str) -> str:
    for text in _ESCAPED:
        relative = relative.replace(text, "".join(f"%{byte:02X}" for byte in text.encode()))
    return relative


def file_of(key: str) -> str:
    for text in reversed(_ESCAPED):
        key = key.replace("".join(f"%{byte:02X}" for byte in text.encode()), text)
    return key


def source_of(key: str) -> str:
    return key.split("/", 1)[0]


def suffixes_of(source: str) -> tuple[str, ...]:
    return source_catalog.source(source).suffixes


def raw_files(resource: RawFilesResource) -> list[str]:
    """Every file of every source, relative to the root, in staging order (none is read)."""
    return [relative for source in source_catalog.sources() for relative in resource.relatives(source.name, source.suffixes)]


def is_staged(relative: str) -> bool:
    """Whether a path under the raw root is in the folder of a source."""
    return source_catalog.is_source(source_of(relative))


@dataclass(frozen=True)
class PartitionChange:
    added: list[str]
    deleted: list[str]

    def requests(self) -> list:
        """The same change, as the requests a sensor hands Dagster."""
        found = []
        if self.added:
            found.append(RAW_FILES.build_add_request(self.added))
        if self.deleted:
            found.append(RAW_FILES.build_delete_request(self.deleted))
        return found


def reconcile(current: list[str], files: list[str]) -> PartitionChange:
    """What brings the registered partitions in step with the files on disk (paths under the root)."""
    wanted = [partition_key(relative) for relative in files]
    present = set(current)
    return PartitionChange(added=[k for k in wanted if k not in present], deleted=sorted(present - set(wanted)))


def sync(instance: dg.DagsterInstance, resource: RawFilesResource) -> list[str]:
    """Register new files and forget removed ones; returns every key, in staging order."""
    files = raw_files(resource)
    change = reconcile(instance.get_dynamic_partitions(RAW_FILES.name), files)
    if change.deleted:
        for key in change.deleted:
            instance.delete_dynamic_partition(RAW_FILES.name, key)
    if change.added:
        instance.add_dynamic_partitions(RAW_FILES.name, change.added)
    return ordered(instance.get_dynamic_partitions(RAW_FILES.name))


def ordered(keys: list[str]) -> list[str]:
    order = source_catalog.source_names()
    return sorted(keys, key=lambda k: (order.index(source_of(k)) if source_of(k) in order else len(order), k))


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags of one run from the first to the last of these keys, in Dagster's order (one step
    stages them all; see BackfillPolicy)."""
    return {_RANGE_START: keys[0], _RANGE_END: keys[-1]}
