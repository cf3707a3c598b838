"""The checks of the declared constraints on PostgreSQL, where no answer is kept (no cheap
fingerprint): each table is looked at whole, by SQL of PostgreSQL's own (the key compared as a row,
not hashed). A repeated key and an empty required column are found there as on DuckDB."""

from __future__ import annotations

from assets import constraint_checks
from etl_project.warehouse.engine import opened
from tests.table_rows import as_left_before, markdown_rows, rows


def test_each_table_s_repeated_key_and_empty_required_columns_are_found_on_postgresql(postgres_database):
    with opened(postgres_database) as db:
        for table in constraint_checks.checked_tables():
            required = [f.name for f in table.fields if f.required]
            frame = rows(table, len(required) + 2).astype(object)
            for row, column in enumerate(required):
                frame.loc[row, column] = None
            if table.primary_key:
                # The last row repeats the key of the one before, which has every column filled.
                for column in table.primary_key:
                    frame.loc[len(frame) - 1, column] = frame.loc[len(frame) - 2, column]
            db.replace(as_left_before(table), frame)
            result = constraint_checks.evaluate(db, table)
            metadata = {key: value.value for key, value in result.metadata.items()}
            assert result.passed is False, table.name
            assert metadata["computed"] == "this run, over the whole table", table.name
            assert metadata["empty_required_columns"] == dict.fromkeys(required, 1), table.name
            if table.primary_key:
                assert metadata["duplicated_keys"] == 1, table.name
                [repeated] = markdown_rows(metadata["duplicated_keys_sample"])
                assert repeated["copies"] == "2", table.name
