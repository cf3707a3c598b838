"""A run's steps share one opening of the warehouse: opening a DuckDB file reads its catalog and
closing it checkpoints, which a no-op pass of fifty steps used to pay at every step."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from etl_project.ingest import resources
from etl_project.ingest.resources import WarehouseResource

SHIPPED_INSTANCE = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


@pytest.fixture
def openings(monkeypatch) -> list[str]:
    """The warehouse URLs opened, in order."""
    opened_urls = []
    real_opened = resources.opened

    def counted(url, settings):
        opened_urls.append(url)
        return real_opened(url, settings)

    monkeypatch.setattr(resources, "opened", counted)
    return opened_urls


def _two_steps():
    seen = []

    @dg.asset
    def first(warehouse: WarehouseResource):
        with warehouse.open() as db:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE t AS SELECT 1 AS x")
            seen.append(db)

    @dg.asset(deps=[first])
    def second(warehouse: WarehouseResource):
        with warehouse.open() as db:
            seen.append(db)
            return dg.MaterializeResult(metadata={"x": db.scalar("SELECT x FROM t")})

    return [first, second], seen


def test_the_steps_of_a_run_share_one_warehouse_closed_when_the_run_ends(tmp_path, openings):
    steps, seen = _two_steps()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = dg.materialize(steps, resources={"warehouse": WarehouseResource(url=url)})

    assert result.success
    assert openings == [url]
    assert seen[0] is seen[1]
    # Closed with the run: another opening of the file is not refused by a lock left behind.
    with WarehouseResource(url=url).open() as db:
        assert db.scalar("SELECT x FROM t") == 1


def test_as_shipped_a_run_holds_the_warehouse_pool_whole_and_keeps_the_file_across_its_steps(tmp_path, openings):
    shipped = yaml.safe_load(SHIPPED_INSTANCE.read_text(encoding="utf-8"))["concurrency"]
    steps, seen = _two_steps()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with dg.instance_for_test(overrides={"concurrency": shipped}) as instance:
        assert dg.materialize(steps, instance=instance, resources={"warehouse": WarehouseResource(url=url)}).success
    assert openings == [url] and seen[0] is seen[1]


def test_where_steps_take_the_pool_one_by_one_each_step_lets_the_file_go(tmp_path, openings):
    """The next step to take the slot may be another run's, in another process: it must find the
    DuckDB file free."""
    steps, seen = _two_steps()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    per_step = {"pools": {"granularity": "op", "default_limit": 1}}
    with dg.instance_for_test(overrides={"concurrency": per_step}) as instance:
        assert dg.materialize(steps, instance=instance, resources={"warehouse": WarehouseResource(url=url)}).success
    assert openings == [url, url] and seen[0] is not seen[1]


def test_outside_a_run_each_block_opens_and_closes_its_own(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    resource = WarehouseResource(url=url)
    with resource.open() as first, resource.open() as second:
        assert first is not second
