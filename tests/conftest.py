from __future__ import annotations

import os
import subprocess
import uuid
import venv
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

import schemas  # noqa: F401  (declares every table)
from tests import dagster_ui


@pytest.fixture(autouse=True, scope="session")
def dagster_home(tmp_path_factory):
    """Dagster instances made by tests keep their history in a temporary home and send nothing."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


POSTGRES_ADMIN_URL = os.environ.get("ETL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "no server here"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("ETL_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but unreachable at {POSTGRES_ADMIN_URL}: {problem}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_ADMIN_URL} ({problem}); CI starts one and runs these tests")
    return POSTGRES_ADMIN_URL


@contextmanager
def _fresh_database(postgres_url: str):
    """The URL of a new database on the server, dropped on leaving even while connections to it are open."""
    name = f"etl_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh database per test, dropped afterwards."""
    with _fresh_database(postgres_url) as url:
        yield url


@pytest.fixture(scope="module")
def postgres_database_module(postgres_url):
    """A fresh database per test module, for tables built once and read by several tests."""
    with _fresh_database(postgres_url) as url:
        yield url


@pytest.fixture
def coded_table():
    """A marts table declaring one code of each kind that gets name columns: a region code of the
    row's own level, that level, a vocabulary code and a village code; and a count."""
    from schemas.registry import ROW_LEVEL, Field, Table

    return Table(
        "named_probe",
        "测试",
        "probe",
        "marts",
        fields=(
            Field("region_code", "string", "区划代码", "region", region=ROW_LEVEL),
            Field("region_level", "string", "层级", "level", vocabulary="region_level"),
            Field("main_cause_code", "code", "主要致贫原因代码", "cause", vocabulary="poverty_cause"),
            Field("village_code", "string", "行政村代码", "village", region="village"),
            Field("households", "integer", "户数", "households"),
        ),
    )


# BI tools bundle their own DuckDB, often a 1.x one (Superset's DuckDB driver asks for duckdb<2): the
# read copy is opened by such a DuckDB in a virtual environment of its own, kept in the user's cache
# so that it is installed once per machine.
DUCKDB1_REQUIREMENT = "duckdb<2"


def _duckdb1_environment() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "etl-project-test" / "duckdb1"


def _duckdb1_version(python: Path) -> str | None:
    if not python.exists():
        return None
    answer = subprocess.run([str(python), "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True)
    version = answer.stdout.strip()
    return version if answer.returncode == 0 and version.startswith("1.") else None


def _install_duckdb1(environment: Path, python: Path) -> str | None:
    """Create the environment and install DuckDB 1.x from the package index; the problem, or None."""
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(environment)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", DUCKDB1_REQUIREMENT],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or exc.stdout or "").strip().splitlines()
        return said[-1] if said else f"pip exited with {exc.returncode}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def duckdb1_python() -> str:
    """The Python of an environment with DuckDB 1.x (installed on first use)."""
    environment = _duckdb1_environment()
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if _duckdb1_version(python) is None:
        problem = _install_duckdb1(environment, python) or (None if _duckdb1_version(python) else "no DuckDB 1.x after the install")
        if problem:
            if os.environ.get("ETL_REQUIRE_DUCKDB1"):
                pytest.fail(f"DuckDB 1.x is required here but could not be installed into {environment} ({DUCKDB1_REQUIREMENT}): {problem}")
            pytest.skip(f"DuckDB 1.x could not be installed into {environment} ({problem}); CI installs it and runs this test")
    return str(python)


@pytest.fixture(scope="module")
def webserver(dagster_home):
    """A dagster-webserver on workspace.yaml, as `dagster dev` starts it; yields its base URL."""
    with dagster_ui.webserver(dagster_home) as base:
        yield base
