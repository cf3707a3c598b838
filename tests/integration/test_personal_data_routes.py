"""Every route by which personal data used to reach a reader, planted beside the shipped sample in
every spelling, and then looked for everywhere a reader or an operator can see: each analytics,
staging and quarantine table, the read copy, `validate` and `extract-claims` output and the run's
Dagster event log. The rows stay accounted for and the other files' marts are built.

The detectors are written here, not imported, so that the project's guard is itself under test.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster._serdes import serialize_value

from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import extract
from etl_project.orchestration.cli import main
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from etl_project.warehouse.serving import published_path
from tests.builders import FUND_HEADERS, VALID_IDS, fund_row, household, write_table, write_xlsx
from tests.corpus.runs import copy_sample

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_with_check(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def _luhn_complete(body: str) -> str:
    for last in "0123456789":
        digits = [int(c) for c in body + last][::-1]
        if sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0:
            return body + last
    raise AssertionError


HEAD_ID = _id_with_check("52042519600105201")  # the planted household head's, written five ways below
CARD = _luhn_complete("622202000000000000")  # 19 digits
PLANTED_NAMES = ("夏侯秋菊", "慕容福贵", "欧阳娜娜", "司马长风")
NUMBERS = (HEAD_ID, "13900000101", "13900000501", "13900000777", "085112345678", CARD, VALID_IDS[2], VALID_IDS[3], VALID_IDS[4])


def _spaced(digits: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c in "Xx" else c for c in text)


def _digits_of(text: str) -> str:
    """The text as a detector reads it: full-width folded, separators between digits dropped."""
    plain = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=[0-9])[\s\-－()（）]+(?=[0-9Xx])", "", plain)


def personal_in(text: str, names: set[str]) -> list[str]:
    """Everything in the text a reader could take for a person: a planted number in any spelling, an
    ID-shaped or phone-shaped run, a name of a person the raw files hold."""
    folded = _digits_of(text)
    found = [n for n in NUMBERS if n.lower() in folded.lower()]
    # Not inside a decimal number: Dagster's events carry timings such as 0.016642720463.
    found += re.findall(r"(?<![0-9.])(?:[0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9]|\.[0-9])", folded)
    found += [n for n in names if n in text]
    return found


def _write_report(path: Path, head: str) -> None:
    path.write_text(
        "紫云县2019年脱贫攻坚工作情况\n\n"
        f"2019年，猫营镇大河村户主{head}（身份证号{_spaced(HEAD_ID, 6, '-')}，联系电话139 0000 0101）一家获得产业帮扶资金1.2万元，"
        f"当年实现脱贫。结对帮扶干部{PLANTED_NAMES[3]}，电话0851-12345678，代发工资卡{_spaced(CARD)}。\n"
        "全县2019年共投入帮扶资金2386万余元，带动贫困户1200户。\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    raw = copy_sample(tmp_path_factory.mktemp("raw"))
    heads = extract(raw / "registry" / "紫云县建档立卡贫困户信息表.xlsx", load_column_map("registry")).rows["head_name"].dropna()
    sample_head = str(heads.iloc[0]).strip()

    # A registry named after a household head with her ID number, a sheet named after another with a phone.
    registry = raw / "registry" / f"{PLANTED_NAMES[0]}{_spaced(HEAD_ID[:6], 6)}-{HEAD_ID[6:14]}-{HEAD_ID[14:]}.xlsx"
    rows = [
        household(**{"户编号": "5204250090001", "户主姓名": PLANTED_NAMES[0], "证件号码": HEAD_ID, "联系电话": "13900000101"}),
        household(**{"户编号": "5204250090002", "证件号码": VALID_IDS[2], "行政村": "139 0000 0101"}),  # a shifted column
        household(**{"户编号": "5204250090003", "证件号码": VALID_IDS[3], "行政村": _full_width(HEAD_ID.lower())}),
        household(**{"户编号": "5204250090004", "证件号码": VALID_IDS[4], "家庭人口数": _spaced(HEAD_ID, 6, "-")}),
        household(**{"户编号": _spaced(HEAD_ID), "证件号码": VALID_IDS[0]}),  # the same 户编号 twice: shown in quarantine
        household(**{"户编号": _spaced(HEAD_ID), "证件号码": VALID_IDS[5]}),
    ]
    write_xlsx(registry, rows, sheet=f"户主{PLANTED_NAMES[0]} 13900000777")

    ledger = raw / "funds" / "紫云县个人捐赠台账.xlsx"
    write_table(
        ledger,
        FUND_HEADERS,
        [
            fund_row(
                1, **{"帮扶单位": f"{PLANTED_NAMES[1]}(13900000501)", "单位类型": "社会组织", "所属单位": "", "项目编号": "ZY2016-002"}
            ),
            fund_row(2, **{"帮扶单位": PLANTED_NAMES[2], "单位类型": "企业", "所属单位": VALID_IDS[2], "项目编号": "ZY2016-002"}),
            fund_row(3, **{"帮扶单位": PLANTED_NAMES[2], "单位类型": "", "所属单位": "", "项目编号": "ZY2016-002"}),
        ],
        title="紫云县个人捐赠资金台账",
        unit_row="单位：万元",
    )
    _write_report(raw / "reports" / "紫云县2019年帮扶个案.txt", sample_head)

    url = f"duckdb:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_pipeline(raw, url, instance)
        events = [serialize_value(entry) for run_id in result.run_ids for entry in instance.all_logs(run_id)]
    return {
        "raw": raw,
        "url": url,
        "result": result,
        "events": events,
        "registry": registry,
        "ledger": ledger,
        "sample_head": sample_head,
        "names": {*PLANTED_NAMES, sample_head},
    }


def _tables(url: str) -> dict[str, pd.DataFrame]:
    with opened(url) as db:
        names = db.query(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('analytics', 'staging', 'audit')"
        )
        return {f"{s}.{t}": db.query(f"SELECT * FROM {db.quote(s)}.{db.quote(t)}") for s, t in names.itertuples(index=False)}


def _hits(tables: dict[str, pd.DataFrame], names: set[str]) -> list[tuple[str, str, str]]:
    found = []
    for name, frame in tables.items():
        for column in frame.columns:
            for value in frame[column].dropna().astype(str).unique():
                found += [(name, column, hit) for hit in personal_in(value, names)]
    return found


def test_the_detector_here_sees_every_spelling(planted):
    spellings = [
        HEAD_ID,
        _spaced(HEAD_ID, 6, "-"),
        _spaced(HEAD_ID),
        _full_width(HEAD_ID.lower()),
        "139 0000 0101",
        "0851-12345678",
        _spaced(CARD),
    ]
    assert all(personal_in(s, set()) for s in spellings)
    assert not personal_in("5204**********2010 139****0101 2386万余元 520425101001", set())


def test_no_warehouse_table_holds_personal_data(planted):
    tables = _tables(planted["url"])
    kept = {k: v for k, v in tables.items() if not k.startswith("audit.") or k == "audit.quarantine"}
    assert _hits(kept, planted["names"]) == []


def test_the_read_copy_holds_none(planted):
    with duckdb.connect(str(published_path(planted["url"])), read_only=True) as connection:
        names = connection.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        tables = {f"{s}.{t}": connection.execute(f'SELECT * FROM "{s}"."{t}"').fetchdf() for s, t in names}
    assert "analytics.report_claim" in tables and _hits(tables, planted["names"]) == []


def test_the_event_log_holds_none(planted):
    assert planted["events"]
    leaks = {hit for event in planted["events"] for hit in personal_in(event, planted["names"])}
    assert leaks == set()


def test_what_was_masked_is_still_there_and_counted(planted):
    tables = _tables(planted["url"])
    audit = tables["audit.load_audit"]
    mine = audit[audit["source_file"].str.startswith("registry/夏侯**")]
    assert len(mine) == 1 and mine.iloc[0]["status"] == "loaded"
    row = mine.iloc[0]
    assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"] + row["rows_skipped"]
    assert row["rows_loaded"] == 2 and row["rows_quarantined"] == 4 and row["personal_data_masked"] > 0
    label = row["source_file"]
    assert re.fullmatch(r"registry/夏侯\*\*5204\*{10}\d{3}[0-9X]~[a-z]{8}\.xlsx", label)
    quarantine = tables["audit.quarantine"]
    rejected = quarantine[quarantine["source_file"] == label]
    assert set(rejected["rule"]) >= {"personal_number_in_place_name", "duplicate_household", "not_an_integer"}
    assert "139****0101" in set(rejected["value_masked"]) and f"5204**********{HEAD_ID[-4:]}" in set(rejected["value_masked"])
    assert set(rejected["source_sheet"]) == {"户主夏侯** 139****0777"}
    fact = tables["analytics.fact_household"]
    assert (fact["source_file"] == label).sum() == 2


def test_individual_donors_appear_only_by_keyed_hash(planted):
    tables = _tables(planted["url"])
    staged = tables["staging.stg_fund_movement"]
    mine = staged[staged["source_file"] == "funds/紫云县个人捐赠台账.xlsx"]
    assert len(mine) == 3
    assert (mine["donor_type"] == "individual").all() and mine["donor_name"].isna().all() and mine["donor_parent"].isna().all()
    assert mine["donor_key"].str.startswith("p-").all()
    # 欧阳娜娜 twice, typed once as an enterprise and once not at all: one person, one key.
    assert mine["donor_key"].nunique() == 2


def test_a_report_keeps_its_figures_and_loses_its_persons(planted):
    claims = _tables(planted["url"])["analytics.report_claim"]
    mine = claims[claims["source_file"] == "reports/紫云县2019年帮扶个案.txt"]
    sentences = set(mine["sentence"])
    assert any("1.2万元" in s and "5204**********" in s and "139****0101" in s for s in sentences)
    assert any("2386万余元" in s for s in sentences)
    assert 12_000 in set(mine["value"]) and 23_860_000 in set(mine["value"])


def test_the_other_files_marts_are_built(planted):
    tables = _tables(planted["url"])
    assert planted["result"].success
    assert len(tables["analytics.mart_poverty_exit"]) > 0 and len(tables["analytics.reconciliation"]) > 0
    failed = tables["audit.load_audit"].query("status == 'failed'")
    assert failed.empty


def test_validate_shows_none(planted, capsys):
    for path in (planted["registry"], planted["ledger"]):
        code = main(["validate", str(path), "--format", "json"])
        out = capsys.readouterr().out
        assert code == 1 or path == planted["ledger"]
        json.loads(out)
        assert personal_in(out, planted["names"]) == [], out
        code = main(["validate", str(path)])
        out = capsys.readouterr()
        assert personal_in(out.out + out.err, planted["names"]) == []


def test_extract_claims_shows_none(planted, capsys):
    path = planted["raw"] / "reports" / "紫云县2019年帮扶个案.txt"
    assert main(["extract-claims", str(path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "1.2万元" in out and "5204**********" in out
    # Without the warehouse's name book only a name beside a number is known as one.
    assert personal_in(out, {PLANTED_NAMES[3]}) == []
