from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

import schemas  # noqa: F401  (declares every table)

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


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh database per test, dropped afterwards."""
    name = f"etl_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
