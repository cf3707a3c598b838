"""Kept or made again: the one place that decides, for a raw file, a warehouse table and a check's
answer, whether the last run's work still stands, and names what it holds by a version.

Every decision is a ``Decision``: whether the thing was kept, the version of what it holds now, and
why. The assets report the version as the Dagster data version of what they materialize, so the
UI's "unsynced" follows the warehouse: a table kept as it was reports the version it reported
last time, and what is downstream of it stays in sync; a table made again from other inputs
reports a new one.

- files.py: a raw file's last load, and whether it stands under today's rules;
  file_hashes.py: what each file was when last hashed; pending.py: the files a pass must read.
- tables.py: a table built from staging generations, or made from other tables (kept while they
  hold what they held), or rewritten every run (named by its contents).
- checks.py: a check's answer, kept while its table is unchanged, else worked out again over the
  changed files or the whole table.
- memo.py: the stored answers of the steps that keep them.

Equal versions mean equal contents. A new version may still hold the same rows (a table built from
a later staging generation that changed nothing of it); where no version can be had (a table on an
engine with no cheap content hash), a fresh one is given, as Dagster itself does.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class Decision:
    kept: bool  # the last run's work stands: nothing was read or written for it now
    version: str  # what it holds: equal versions, equal contents
    reason: str  # why, in words for the UI and the logs

    @property
    def data_version(self) -> dg.DataVersion:
        return dg.DataVersion(self.version)

    @property
    def tags(self) -> dict[str, str]:
        """The version as the tag of a materialization made by hand (one per partition)."""
        return {DATA_VERSION_TAG: self.version}


DATA_VERSION_TAG = "dagster/data_version"


def version_of(*parts: object) -> str:
    """A short version naming these parts (texts, numbers, versions of inputs)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def fresh_version() -> str:
    """A version never given before: for contents that cannot be named more cheaply than by
    reading them."""
    return f"unnamed-{uuid.uuid4().hex[:16]}"


def batch_version(versions: list[str]) -> str:
    """One version for the partitions of a run. Dagster gives the one output of a step over several
    partitions a single version: a run of one file gets that file's own, a run of several the
    version of the set (each file's own is on its observation and in its metadata)."""
    distinct = sorted(set(versions))
    if len(distinct) == 1:
        return distinct[0]
    return f"files-{version_of(*distinct)}"
