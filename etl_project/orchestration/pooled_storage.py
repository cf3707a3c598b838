"""Dagster's PostgreSQL storage holding its connections between calls.

dagster-postgres opens a new connection for every storage call unless the process is the
webserver. A run records every step's start, output, success, materialization and check, and
claims its pool slot; on a night with nothing to do that is hundreds of connections, each a few
milliseconds, so a no-op run spent more time connecting than working. This storage keeps one
connection per process (and a few more for threads) for the run worker, the daemon and the
webserver alike. Set it in dagster.yaml under ``storage: custom:`` (deploy/dagster.yaml).
"""

from __future__ import annotations

from dagster._core.storage.config import pg_config
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

# Connections are given back to the server after an hour, as the webserver's default does.
RECYCLE_S = 3600
# Kept open: a storage call may open a second connection while it holds one (an event and its
# asset index), and the daemon and webserver call from a few threads.
KEPT_CONNECTIONS = 4
SPARE_CONNECTIONS = 8


class PooledPostgresStorage(DagsterPostgresStorage):
    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True, inst_data=None, token_provider=None):
        super().__init__(postgres_url, should_autocreate_tables, inst_data=inst_data, token_provider=token_provider)
        for storage in (self.run_storage, self.event_log_storage, self.schedule_storage):
            # Each of dagster-postgres's storages talks through its `_engine`, made with no pool.
            storage._engine.dispose()
            storage._engine = create_pg_engine(
                postgres_url,
                token_provider,
                isolation_level="AUTOCOMMIT",
                pool_size=KEPT_CONNECTIONS,
                max_overflow=SPARE_CONNECTIONS,
                pool_recycle=RECYCLE_S,
                pool_pre_ping=True,
            )

    @classmethod
    def config_type(cls):
        return pg_config()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledPostgresStorage:
        return cls(
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            inst_data=inst_data,
            token_provider=get_token_provider_from_config(config_value),
        )
