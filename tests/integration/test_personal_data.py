"""No personal data where analysts can read, masked in the quarantine, and a household key that is a
keyed hash: without the key it cannot be recomputed from an ID number, with another key it differs.

The patterns are written here, not imported, so that the project's own personal-data check is
itself under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl_project.core.pii import DEVELOPMENT_KEY
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import SourceFileError, extract
from etl_project.ingest.readers.values import parse_code
from etl_project.warehouse.engine import opened
from etl_project.warehouse.serving import published_path
from schemas.investment_tables import MART_INVESTMENT
from schemas.tables import MART_POVERTY_EXIT
from schemas.vocabularies import DONOR_TYPE
from tests.corpus.runs import sample_run

# 15 digits, or 17 digits and a check character, not inside a longer run of digits.
ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")
PHONE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PERSONAL_COLUMNS = {"id_number", "head_name", "phone"}
OTHER_KEY = "a different secret, as production would set"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    done = sample_run(tmp_path_factory)
    assert done.result.success
    return done


def _raw_rows(raw: Path, source: str) -> pd.DataFrame:
    column_map = load_column_map(source)
    frames = []
    for path in sorted((raw / source).iterdir()):
        try:
            frames.append(extract(path, column_map).rows.assign(source_file=f"{source}/{path.name}"))
        except SourceFileError:
            continue
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def people(run) -> set[str]:
    """Every name of a person the raw files hold: heads of household, the persons of the monitoring
    lists (heads, and every member of a per-person list) and individual donors."""
    heads = _raw_rows(run.raw, "registry")["head_name"].dropna().str.strip()
    ledgers = _raw_rows(run.raw, "funds")
    individual = parse_code(ledgers["donor_type"], DONOR_TYPE) == "individual"
    donors = ledgers.loc[individual.fillna(False).to_numpy(), "donor_name"].dropna().str.strip()
    monitored = set(_raw_rows(run.raw, "monitoring")["head_name"].dropna().str.strip())
    names = set(heads) | set(donors) | monitored
    assert len(set(heads)) > 500 and len(set(donors)) > 0, "the sample should hold heads and individual donors"
    assert monitored - set(heads), "the monitoring lists should name persons the registry does not"
    return {n for n in names if n}


def _bi_tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every table and view of the published read copy, the one file BI tools open on DuckDB."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        return {f"{s}.{t}": connection.execute(f'SELECT * FROM "{s}"."{t}"').fetchdf() for s, t in names}


def _warehouse_tables(url: str, schema: str) -> dict[str, pd.DataFrame]:
    with opened(url) as db:
        names = db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = :s", {"s": schema})["table_name"]
        return {f"{schema}.{t}": db.query(f"SELECT * FROM {db.quote(schema)}.{db.quote(t)}") for t in names}


def _texts(frame: pd.DataFrame):
    for column in frame.columns:
        values = frame[column].dropna()
        yield column, values.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def _leaks(tables: dict[str, pd.DataFrame], people: set[str]) -> list[str]:
    found = []
    long_names = [n for n in people if len(n) >= 3]
    for name, frame in tables.items():
        for column, values in _texts(frame):
            for value in values.unique():
                if ID_LIKE.search(value) or PHONE_LIKE.search(value):
                    found.append(f"{name}.{column}: {value!r} looks like an ID number or phone")
                elif value.strip() in people or any(n in value for n in long_names if len(value) > len(n)):
                    found.append(f"{name}.{column}: {value!r} is or holds a registry name")
    return found


def test_what_bi_tools_read_holds_no_personal_data(run, people):
    published = _bi_tables(published_path(run.url))
    assert {name.split(".")[0] for name in published} == {"analytics"}, "the read copy holds more than analytics"
    in_warehouse = _warehouse_tables(run.url, "analytics")
    assert set(published) == set(in_warehouse)
    assert sum(len(f) for f in in_warehouse.values()) > 1000
    assert _leaks(in_warehouse, people) == []
    assert _leaks(published, people) == []


def test_staging_holds_no_personal_data_either(run, people):
    assert _leaks(_warehouse_tables(run.url, "staging"), people) == []


def test_the_quarantine_masks_what_it_shows(run, people):
    quarantine = _warehouse_tables(run.url, "audit")["audit.quarantine"]
    personal = quarantine[quarantine["column_name"].isin(PERSONAL_COLUMNS) & quarantine["value_masked"].notna()]
    assert len(personal) > 10, "the sample rejects rows over their ID numbers: those values must be shown masked"
    assert personal["value_masked"].str.contains(r"\*").all()
    assert _leaks({"audit.quarantine": quarantine}, people) == []


def _hmac_key(secret: str, id_number: str) -> str:
    digest = hmac.new(secret.encode(), id_number.encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(digest).decode().lower()


def test_no_health_status_is_kept(run):
    """Health status (健康状况), which the per-person registry exports and monitoring lists give for
    every member, is sensitive: no warehouse table, nor any quarantined row, holds a value of it."""
    statuses = set()
    for source in ("registry", "monitoring"):
        given = set(_raw_rows(run.raw, source)["health"].dropna().str.strip()) - {""}
        assert len(given) > 1, f"the sample's per-person {source} files should give health statuses"
        statuses |= given
    tables = {name: frame for schema in ("analytics", "staging", "audit") for name, frame in _warehouse_tables(run.url, schema).items()}
    assert len(tables["audit.quarantine"]) > 0 and "analytics.fact_person" in tables
    found = [
        f"{name}.{column}: {value!r}"
        for name, frame in tables.items()
        for column, values in _texts(frame)
        for value in set(values.str.strip()) & statuses
    ]
    assert found == []


def test_the_household_key_is_an_hmac_of_the_id_number(run):
    registry = _raw_rows(run.raw, "registry")
    registry = registry[registry["id_number"].str.fullmatch(r"\d{18}").fillna(False)]
    facts = _warehouse_tables(run.url, "analytics")["analytics.fact_household"]
    joined = facts.merge(registry, on=["source_file", "source_sheet", "source_row"])
    assert len(joined) > 1000
    expected = [_hmac_key(DEVELOPMENT_KEY, i) for i in joined["id_number"]]
    assert joined["household_key"].tolist() == expected
    # A plain hash of the ID number, which anyone could compute, is not the key.
    plain = {base64.b32encode(hashlib.sha256(i.encode()).digest()[:20]).decode().lower() for i in joined["id_number"]}
    assert not plain & set(joined["household_key"])


def test_another_key_changes_every_household_key_and_no_figure(run, tmp_path_factory):
    other = sample_run(tmp_path_factory, pii_key=OTHER_KEY)
    assert other.result.success
    mine, theirs = _warehouse_tables(run.url, "analytics"), _warehouse_tables(other.url, "analytics")
    order = ["source_file", "source_sheet", "source_row"]
    a = mine["analytics.fact_household"].sort_values(order).reset_index(drop=True)
    b = theirs["analytics.fact_household"].sort_values(order).reset_index(drop=True)
    assert not set(a["household_key"]) & set(b["household_key"])
    pd.testing.assert_frame_equal(a.drop(columns="household_key"), b.drop(columns="household_key"))
    donors_a, donors_b = mine["analytics.dim_donor"], theirs["analytics.dim_donor"]
    people_a = set(donors_a.loc[donors_a["donor_type"] == "individual", "donor_key"])
    people_b = set(donors_b.loc[donors_b["donor_type"] == "individual", "donor_key"])
    assert people_a and not people_a & people_b
    for mart in (MART_POVERTY_EXIT, MART_INVESTMENT):
        name, key = f"analytics.{mart.name}", list(mart.primary_key)
        x = mine[name].sort_values(key).reset_index(drop=True)
        y = theirs[name].sort_values(key).reset_index(drop=True)
        assert len(x) > 0
        pd.testing.assert_frame_equal(x, y)


def test_the_sweep_masks_what_it_finds_in_place_and_nothing_else(tmp_path: Path):
    from etl_project.core.personal_data import NameBook
    from etl_project.warehouse.personal_data_sweep import sweep
    from schemas.registry import Field, Table

    table = Table(
        "probe",
        "探针",
        "values the personal-data sweep is tried on",
        "marts",
        (Field("note", "string", "备注", "free text"), Field("source_file", "string", "文件", "file")),
    )
    assert table.schema == "analytics"
    values = [
        "村委会 520425199003071234 登记",  # an ID number inside text
        "联系 138-1234-5678",  # a mobile number with dashes
        "520425101001",  # a 12-digit village code
        "5204251990030712345",  # 19 digits: longer than an ID number, and not a card (Luhn)
        "12812345678",  # 11 digits, but no mobile prefix
        "52042519900307123",  # 17 digits without a check character
        "户主王秀英家",  # a known person's name
    ]
    book = NameBook(b"k")
    book.add(book.fingerprints(["王秀英"]))
    with opened(f"duckdb:///{tmp_path / 'probe.duckdb'}") as db:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE SCHEMA analytics")
            connection.exec_driver_sql("CREATE TABLE analytics.probe (note TEXT, source_file TEXT)")
            for index, value in enumerate(values):
                connection.exec_driver_sql("INSERT INTO analytics.probe VALUES (?, ?)", (value, f"registry/f{index}.csv"))
        hits, how = sweep(db, [table], book)
        after = db.query("SELECT note FROM analytics.probe ORDER BY source_file")["note"].tolist()
        again, how_again = sweep(db, [table], book)
    assert sorted(hits["kind"]) == ["id_number", "name", "phone"] and set(hits["column"]) == {"note"}
    assert after == ["村委会 5204**********1234 登记", "联系 138****5678", *values[2:6], "户主王**家"]
    assert again.empty and how_again == {"probe": "kept: unchanged since found clean"}
    # The patterns written here agree with the project's.
    assert [bool(ID_LIKE.search(v) or PHONE_LIKE.search(v.replace("-", ""))) for v in values[:6]] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_after_a_file_is_loaded_again_the_sweep_searches_its_rows_alone_and_masks_what_slipped_in(run, tmp_path: Path):
    """A national table is not searched whole because one county sent its file again: the sweep
    reads the rows of the files loaded since it found the table clean, and catches what they hold."""
    import shutil
    from datetime import datetime, timedelta

    from etl_project.core.pii import pii_key
    from etl_project.warehouse.known_persons import known_persons
    from etl_project.warehouse.personal_data_sweep import sweep
    from schemas.tables import LOAD_AUDIT, STG_HOUSEHOLD

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(run.url.removeprefix("duckdb:///"), copy)
    with opened(f"duckdb:///{copy}") as db:
        book = known_persons(db, pii_key(None))
        files = db.query(f"SELECT DISTINCT source_file FROM {db.name(STG_HOUSEHOLD)} ORDER BY source_file")["source_file"].tolist()
        assert len(files) >= 2
        assert sweep(db, [STG_HOUSEHOLD], book)[1] == {STG_HOUSEHOLD.name: "kept: unchanged since found clean"}

        reloaded = files[0]
        slipped = "村委会 520425199003071234"
        latest = db.scalar(f"SELECT MAX(loaded_at) FROM {db.name(LOAD_AUDIT)}")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE staging.stg_household SET village_name = ? WHERE source_file = ? AND source_row = "
                "(SELECT MIN(source_row) FROM staging.stg_household WHERE source_file = ?)",
                (slipped, reloaded, reloaded),
            )
            connection.exec_driver_sql(
                "INSERT INTO audit.load_audit (run_id, source, source_file, status, loaded_at) VALUES ('again', 'registry', ?, 'loaded', ?)",
                (reloaded, latest + timedelta(seconds=1) if isinstance(latest, datetime) else datetime.now()),
            )
        # Loaded again naming the persons it named before: the book is the same book.
        book_again = known_persons(db, pii_key(None))
        hits, how = sweep(db, [STG_HOUSEHOLD], book_again)
        left = db.scalar(f"SELECT COUNT(*) FROM {db.name(STG_HOUSEHOLD)} WHERE village_name = :v", {"v": slipped})

        # Loaded once more, naming a person the book did not know: that name is looked for in every row.
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO audit.person_fingerprint (source_file, name_fingerprint, learnt_at) VALUES (?, ?, ?)",
                (reloaded, int(book.fingerprints(["欧阳新名"])[0]), datetime.now() + timedelta(days=1)),
            )
            connection.exec_driver_sql(
                "INSERT INTO audit.load_audit (run_id, source, source_file, status, loaded_at) VALUES ('more', 'registry', ?, 'loaded', ?)",
                (reloaded, datetime.now() + timedelta(days=1)),
            )
        book_learnt = known_persons(db, pii_key(None))
        _, how_learnt = sweep(db, [STG_HOUSEHOLD], book_learnt)

    assert book_again.version == book.version != book_learnt.version
    assert how[STG_HOUSEHOLD.name] == "searched now over the rows of 1 changed file(s), 1 value(s) masked", how
    assert hits[["column", "kind"]].values.tolist() == [["village_name", "id_number"]]
    assert left == 0
    assert how_learnt[STG_HOUSEHOLD.name].startswith(
        "searched now over the rows of 1 changed file(s) and its name columns whole, for names learnt since"
    ), how_learnt
