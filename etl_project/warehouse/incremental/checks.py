"""A check's answer over a table built from staging generations, worked out again only as far as
the table changed: kept when the table did not change since (nor the check's code), worked out
over the rows of the changed files alone when it passed last time and few files changed, and over
the whole table otherwise. A night with nothing new does not scan a national table, and one with
a new county scans that county. A check over whole tables (``kept_while_unchanged``) keeps its
answer while every table it reads holds what it held, and is worked out again whole otherwise."""

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
        metadata = _restored_metadata(stored["metadata"])
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
    answer = {"passed": passed, "metadata": _stored_metadata(metadata), "code": code}
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


def kept_while_unchanged(db, step: str, inputs: list[Table], how: str, check: Callable[[], Verdict]) -> tuple[Decision, bool, dict]:
    """A check over whole tables (a cross-source rule, a join with the registry): its last answer
    while every input holds what it held then and the check is made the same way (``how``: its
    SQL, with the check's own code), else worked out now. The decision, whether it passed, and its
    metadata (saying when it was computed)."""
    found = fingerprints(db, inputs, recipe=recipe(how, inspect.getsource(check)))
    version = version_of(found) if found is not None else fresh_version()
    stored = recall(db, step, found)
    if stored is not None:
        computed = "earlier: its tables have not changed since"
        return Decision(True, version, computed), stored["passed"], {**_restored_metadata(stored["metadata"]), "computed": computed}
    passed, metadata = check()
    remember(db, step, found, {"passed": passed, "metadata": _stored_metadata(metadata)})
    return Decision(False, version, "this run"), passed, {**metadata, "computed": "this run"}


# Metadata kept as JSON in the step memo, each value tagged with the kind Dagster shows it as.
_KINDS = {"md": dg.MetadataValue.md, "json": dg.MetadataValue.json, "float": dg.MetadataValue.float, "text": dg.MetadataValue.text}


def _stored_metadata(metadata: dict) -> dict:
    def stored(value):
        if isinstance(value, dg.MarkdownMetadataValue):
            return {"md": value.value}
        if isinstance(value, dg.JsonMetadataValue):
            return {"json": value.value}
        if isinstance(value, dg.FloatMetadataValue):
            return {"float": value.value}
        if isinstance(value, dg.TextMetadataValue):
            return {"text": value.value}
        return value

    return {key: stored(value) for key, value in metadata.items()}


def _restored_metadata(stored: dict) -> dict:
    def restored(value):
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _KINDS:
            kind, inner = next(iter(value.items()))
            return _KINDS[kind](inner)
        return value

    return {key: restored(value) for key, value in stored.items()}
