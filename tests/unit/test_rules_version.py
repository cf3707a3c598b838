"""A file is read again when what decides its staged rows changed: its staging table's declaration
and the staging code count as much as the column map and the readers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from etl_project.ingest.incremental import files
from schemas import source_catalog
from schemas.registry import STRING, Field


def _version(source: str) -> str:
    return files.rules_version(source, lambda name: "")


def test_a_staging_table_with_one_more_column_changes_the_version(monkeypatch):
    before = _version("monitoring")
    declared = source_catalog.source("monitoring")
    main, *others = declared.staged
    wider = replace(main, fields=(*main.fields, Field("hamlet_name", STRING, "自然村名称", "hamlet name")))
    with monkeypatch.context() as patch:
        patch.setitem(source_catalog._DECLARED, "monitoring", replace(declared, staged=(wider, *others)))
        assert _version("monitoring") != before
    assert _version("monitoring") == before


def test_the_staging_code_counts(monkeypatch, tmp_path):
    before = _version("registry")
    copy = tmp_path / "staging"
    copy.mkdir()
    for path in Path(files.staging_package.__file__).parent.glob("*.py"):
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "registry.py").write_bytes((copy / "registry.py").read_bytes() + b"\n# one more line\n")

    class Moved:
        __file__ = str(copy / "__init__.py")

    monkeypatch.setattr(files, "staging_package", Moved)
    assert _version("registry") != before
