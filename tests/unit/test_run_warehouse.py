"""A run's steps share one opening of the warehouse: opening a DuckDB file reads its catalog and
closing it checkpoints, which a no-op pass of fifty steps used to pay at every step."""

import dagster as dg

from etl_project.ingest import resources
from etl_project.ingest.resources import WarehouseResource


def test_the_steps_of_a_run_share_one_warehouse_closed_when_the_run_ends(tmp_path, monkeypatch):
    openings = []
    real_opened = resources.opened

    def counted(url, settings):
        openings.append(url)
        return real_opened(url, settings)

    monkeypatch.setattr(resources, "opened", counted)
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

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = dg.materialize([first, second], resources={"warehouse": WarehouseResource(url=url)})

    assert result.success
    assert openings == [url]
    assert seen[0] is seen[1]
    # Closed with the run: another opening of the file is not refused by a lock left behind.
    with WarehouseResource(url=url).open() as db:
        assert db.scalar("SELECT x FROM t") == 1


def test_outside_a_run_each_block_opens_and_closes_its_own(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    resource = WarehouseResource(url=url)
    with resource.open() as first, resource.open() as second:
        assert first is not second
