"""A check's answer over a table built from staging generations, worked out again only as far as
the table changed: kept when the table did not change since (nor the check's code), worked out
over the rows of the changed files alone when it passed last time and few files changed, and over
the whole table otherwise. A night with nothing new does not scan a national table, and one with
a new county scans that county."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime

import dagster as dg

from etl_project.warehouse.incremental import Decision, fresh_version, version_of
from etl_project.warehouse.incremental.memo import recall, recall_last, remember
from etl_project.warehouse.incremental.tables import changed_files, fingerprints, marker, recipe
from schemas.registry import Table

# A check that passed stays passed for the rows of files that did not change; up to this many
# changed files, only their rows are checked again.
FILES_CHECKED_ALONE = 32
Verdict = tuple[bool, dict]


def memoised(
    db,
    step: str,
    table: Table,
    sources: tuple[str, ...],
    check_all: Callable[[], Verdict],
    check_files: Callable[[list[str]], Verdict] | None,
    declared: tuple = (),
) -> tuple[Decision, bool, dict]:
    """The decision, whether the check passed, and its metadata (saying how it was computed).
    ``declared``: what else the answer depends on besides the two functions' code, such as the SQL
    a check made from a table's declaration runs (the same code then checks many tables).
    ``check_files`` None: the table's rows do not say which file they came from, and a changed
    table is checked whole."""
    code = recipe(inspect.getsource(check_all), inspect.getsource(check_files) if check_files else "", *declared)
    key = fingerprints(db, [table], recipe=code)
    version = version_of(key) if key is not None else fresh_version()
    stored = recall(db, step, key)
    if stored is not None:
        metadata = {k: dg.MetadataValue.md(v["md"]) if isinstance(v, dict) and "md" in v else v for k, v in stored["metadata"].items()}
        computed = "earlier: the table has not changed since"
        return Decision(True, version, computed), stored["passed"], {**metadata, "computed": computed}
    built = marker(db, table.name)
    changed = _changed_since_passed(db, step, code, built, sources) if check_files is not None else None
    if changed is not None and len(changed) <= FILES_CHECKED_ALONE:
        passed, metadata = check_files(changed)
        computed = f"this run, over the rows of {len(changed)} changed file(s); the rest passed earlier and did not change"
    else:
        passed, metadata = check_all()
        computed = "this run, over the whole table"
    plain = {k: {"md": v.value} if isinstance(v, dg.MarkdownMetadataValue) else v for k, v in metadata.items()}
    answer = {"passed": passed, "metadata": plain, "code": code}
    if built is not None and built[1].latest is not None:
        answer.update(built_how=built[0], built_from=built[1].latest.isoformat())
    remember(db, step, key, answer)
    return Decision(False, version, computed), passed, {**metadata, "computed": computed}


def _changed_since_passed(db, step: str, code: str, built, sources: tuple[str, ...]) -> list[str] | None:
    """The files whose rows changed since the check last passed on the table built the same way;
    None when there is no such answer to build on."""
    last = recall_last(db, step)
    if last is None or not last.get("passed") or last.get("code") != code or "built_from" not in last:
        return None
    if built is None or built[0] != last["built_how"]:
        return None
    return changed_files(db, sources, datetime.fromisoformat(last["built_from"]))
