"""The benchmark's input: sample files generated once per size, format and county count, reused
while their description (bench.json in the folder) matches."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

SEED = 7
# About the households per county of the national registry (30 million in 832 counties).
HOUSEHOLDS_PER_COUNTY = 36_000
MAX_COUNTIES = 832


def default_counties(households: int) -> int:
    return max(5, min(MAX_COUNTIES, round(households / HOUSEHOLDS_PER_COUNTY)))


def sample_files(root: Path, households: int, fmt: str, counties: int) -> tuple[Path, dict]:
    """The folder of generated files and the generator's summary."""
    folder = root / f"raw-{fmt}-{households}-{counties}"
    described = folder / "bench.json"
    wanted = {"households": households, "format": fmt, "counties": counties, "seed": SEED}
    if described.exists() and json.loads(described.read_text()).get("spec") == wanted:
        return folder, json.loads(described.read_text())["summary"]
    shutil.rmtree(folder, ignore_errors=True)
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl_project",
            "sample-data",
            "--out",
            str(folder),
            "--households",
            str(households),
            "--seed",
            str(SEED),
            "--format",
            fmt,
            "--counties",
            str(counties),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(generated.stdout)
    summary.pop("files", None)
    described.write_text(json.dumps({"spec": wanted, "summary": summary}, ensure_ascii=False, indent=1))
    return folder, summary


def working_copy(source: Path, target: Path) -> Path:
    """A copy of the raw folder that a rerun may change; hard links where the file system allows,
    since only one file is ever rewritten (by replacing it, never in place)."""
    shutil.rmtree(target, ignore_errors=True)
    try:
        shutil.copytree(source, target, copy_function=_link)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    (target / "bench.json").unlink(missing_ok=True)
    return target


def _link(src: str, dst: str) -> None:
    Path(dst).hardlink_to(src)
