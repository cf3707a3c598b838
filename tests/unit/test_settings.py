"""Settings reach the code as arguments: one module reads the environment, the Dagster resources
carry what it read (a variable as that variable), and nothing is read when the code is imported."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import dagster as dg

from etl_project.core.settings import DEFAULT_WAREHOUSE_URL, VARIABLES, Reading, Settings, from_environment
from etl_project.ingest.resources import resources_for
from etl_project.ingest.staging.workers import Stager
from tests.builders import household, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("etl_project", "assets", "schemas")
THE_READER = Path("etl_project") / "core" / "settings.py"


def environment_reads(source: str) -> list[int]:
    """Lines that read (or write) the process environment: os.environ, os.getenv, os.putenv and
    the same names imported from os."""
    tree = ast.parse(source)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os"
        for alias in node.names
        if alias.name in ("environ", "getenv", "putenv", "unsetenv", "environb")
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "putenv", "unsetenv", "environb")
            or isinstance(node, ast.Name)
            and node.id in imported
        ):
            found.append(node.lineno)
    return sorted(found)


def test_the_scan_finds_every_way_of_reading_the_environment():
    reads = """
import os
from os import getenv as env

key = os.environ.get("ETL_PII_KEY")
url = os.getenv("ETL_WAREHOUSE_URL")
raw = env("ETL_RAW_DIR")
if "ETL_AS_OF_YEAR" in os.environ:
    pass
"""
    assert environment_reads(reads) == [5, 6, 7, 8]
    assert environment_reads("import os\n\nworkers = os.cpu_count()\npath = os.path.join('a', 'b')\n") == []


def test_only_the_settings_module_reads_the_environment():
    readers = {}
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            lines = environment_reads(path.read_text(encoding="utf-8"))
            if lines and relative != THE_READER:
                readers[relative.as_posix()] = lines
    assert not readers, f"read the environment outside {THE_READER} (take a Settings or a resource instead): {readers}"
    assert environment_reads((ROOT / THE_READER).read_text(encoding="utf-8")), "the settings module reads it"


# Run in a fresh interpreter whose environment records what the project's own code looks up (not
# what a library copies whole): the code location is imported, then built as Dagster loads it.
_WATCHED_IMPORT = """
import json, os, sys
ROOT = sys.argv[1]
looked_up = []
base = type(os.environ)

def asked_by_the_project(key):
    frame = sys._getframe(2)
    while "_collections_abc" in frame.f_code.co_filename or frame.f_code.co_filename.endswith(("os.py", "<frozen os>")):
        frame = frame.f_back
    filename = frame.f_code.co_filename
    if filename.startswith(ROOT) and "site-packages" not in filename:
        looked_up.append(key)

class Watched(base):
    def __getitem__(self, key):
        asked_by_the_project(key)
        return base.__getitem__(self, key)

    def __contains__(self, key):
        asked_by_the_project(key)
        return base.__contains__(self, key)

os.environ.__class__ = Watched
import etl_project.orchestration.definitions
at_import = list(looked_up)
etl_project.orchestration.definitions.defs()
print(json.dumps({"import": at_import, "load": looked_up[len(at_import):]}))
"""


def test_importing_the_code_location_reads_no_setting():
    settings = set(VARIABLES.values())
    done = subprocess.run(
        [sys.executable, "-c", _WATCHED_IMPORT, str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **{k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ},
            "PYTHONPATH": str(ROOT),
            "ETL_PII_KEY": "k",
            "ETL_WAREHOUSE_URL": "postgresql+psycopg://x@h/db",
        },
    )
    assert done.returncode == 0, done.stderr[-2000:]
    looked_up = json.loads(done.stdout.strip().splitlines()[-1])
    assert not settings & set(looked_up["import"]), looked_up["import"]
    # When Dagster loads the location, every setting is looked up, here, once.
    assert settings <= set(looked_up["load"])


def test_every_variable_gives_its_setting():
    assert set(VARIABLES) == {f.name for f in fields(Settings)} - {"given_by_environment"}
    written = {variable: f"{variable.lower()} as written" for variable in VARIABLES.values()}
    settings = from_environment(written)
    for name, variable in VARIABLES.items():
        assert getattr(settings, name) == written[variable] and settings.written(variable) == written[variable], name
    assert settings.given_by_environment == set(VARIABLES)
    assert from_environment({}) == Settings() and Settings().pii_key is None
    # An empty URL is the default one; an empty key is a key (none given is the development key).
    assert from_environment({"ETL_WAREHOUSE_URL": "", "ETL_PII_KEY": ""}) == Settings(pii_key="")
    assert Settings().warehouse_url == DEFAULT_WAREHOUSE_URL == "duckdb:///data/warehouse/warehouse.duckdb"


def test_a_setting_the_environment_gave_reaches_dagster_as_its_variable():
    settings = from_environment(
        {"ETL_PII_KEY": "secret", "ETL_WAREHOUSE_URL": "postgresql+psycopg://u:pw@h/db", "ETL_STAGING_WORKERS": "3"}
    )
    resources = resources_for(settings)
    for resource, field, variable in (
        ("raw_files", "pii_key", "ETL_PII_KEY"),
        ("warehouse", "url", "ETL_WAREHOUSE_URL"),
        ("staging", "workers", "ETL_STAGING_WORKERS"),
    ):
        value = getattr(resources[resource], field)
        assert isinstance(value, dg.EnvVar) and value.env_var_name == variable
    assert resources["raw_files"].root == "data/raw" and resources["alerts"].file == Settings().alerts_file
    # A command-line option given instead is passed as the value it is.
    overridden = resources_for(settings.overridden(warehouse_url="duckdb:///elsewhere.duckdb"))
    assert overridden["warehouse"].url == "duckdb:///elsewhere.duckdb"


def test_worker_processes_read_with_the_settings_they_are_handed(tmp_path):
    """No environment carries them: a size limit handed to the stager refuses the workbook in each worker."""
    path = tmp_path / "紫云县.xlsx"
    write_xlsx(path, [household(**{"户编号": f"52042500{k:04d}"}) for k in range(20)])
    files = [(path, f"registry/紫云县-{n}.xlsx") for n in range(2)]
    with Stager(2, b"k", as_arrow=False, reading=Reading(max_uncompressed_mb="0.001")) as stager:
        refused = list(stager.stage("registry", files))
    with Stager(2, b"k", as_arrow=False) as stager:
        read = list(stager.stage("registry", files))
    assert all("ETL_MAX_UNCOMPRESSED_MB" in (outcome.error or "") for outcome in refused), [o.error for o in refused]
    assert all(outcome.error is None and outcome.rows_read > 0 for outcome in read), [o.error for o in read]
