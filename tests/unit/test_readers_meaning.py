"""Reading what `validate` reads, as the sender meant it: a file rewritten while it is read is read
again and hashed as read, or fails with that reason; the sensor, the run and validate share one list
of file types. The run over such files is in tests/integration/test_readers_meaning_run.py."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from etl_project.core import pii
from etl_project.core.regions import default_index
from etl_project.ingest import partitions
from etl_project.ingest.resources import SPREADSHEET_SUFFIXES, RawFilesResource
from etl_project.ingest.staging import registry
from etl_project.ingest.staging.steady import FileChanged, read_steadily
from etl_project.ingest.steward import validate_file
from etl_project.orchestration.sensors import snapshot
from tests.corpus.build import BY_NAME, build
from tests.corpus.rows import households
from tests.corpus.writers import csv_text


def _stage(path: Path):
    return registry.stage_file(path, path.name, default_index(), pii.pii_key(None))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_rewritten_while_it_is_read_is_read_again_and_hashed_as_read(tmp_path: Path):
    path = tmp_path / "花名册.csv"
    first, second = csv_text(households(3)).encode(), csv_text(households(5)).encode()
    path.write_bytes(first)
    stat = path.stat()
    known = (stat.st_size, stat.st_mtime_ns, _sha256(first))
    calls = []

    def read_then_rewrite(p: Path):
        staged = _stage(p)
        if not calls:
            # The county's copy lands while the first read is under way.
            p.write_bytes(second)
            os.utime(p, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        calls.append(staged.rows_loaded)
        return staged

    staged, state = read_steadily(path, read_then_rewrite, known)
    assert calls == [3, 5]
    assert staged.rows_loaded == 5
    assert state.sha256 == _sha256(second) != known[2]
    assert state.size == len(second)


def test_a_file_that_changes_at_every_read_fails_with_that_reason(tmp_path: Path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(csv_text(households(2)).encode())
    reads = []

    def read_while_growing(p: Path):
        reads.append(_stage(p).rows_loaded)
        with p.open("ab") as handle:
            handle.write(csv_text(households(1, start=len(reads) + 10)).split("\r\n", 1)[1].encode())

    with pytest.raises(FileChanged) as failure:
        read_steadily(path, read_while_growing)
    assert len(reads) == 2
    assert "花名册.csv" in str(failure.value) and "changed while it was being read" in str(failure.value)


def test_a_file_unchanged_during_its_read_keeps_the_hash_it_was_given(tmp_path: Path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(csv_text(households(2)).encode())
    stat = path.stat()
    staged, state = read_steadily(path, _stage, (stat.st_size, stat.st_mtime_ns, "given"))
    assert (staged.rows_loaded, state.sha256, state.mtime_ns) == (2, "given", stat.st_mtime_ns)


def test_the_sensor_the_run_and_validate_share_one_list_of_file_types(tmp_path: Path):
    build(tmp_path, [BY_NAME["wps_et_workbook"], BY_NAME["tab_separated_tsv"]])
    (tmp_path / "registry" / "截图.png").write_bytes(b"\x89PNG")
    expected = {"registry/WPS表格.et", "registry/制表符分隔.tsv"}
    raw_files = RawFilesResource(root=str(tmp_path))
    assert set(partitions.raw_files(raw_files)) == expected
    assert set(snapshot(raw_files)) == expected
    assert {".et", ".tsv"} <= set(SPREADSHEET_SUFFIXES)
    for relative in expected:
        assert validate_file(tmp_path / relative).warnings == []
    assert any("*.png" in w for w in validate_file(tmp_path / "registry" / "截图.png").warnings)
