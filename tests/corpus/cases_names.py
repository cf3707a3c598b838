"""Names that are also SQL, and one household in two files: text that must stay text."""

from __future__ import annotations

from tests.corpus.case import CLEAN, REJECTED, Case, P, bare_registry_case
from tests.corpus.rows import fund, hh, hh_bad_id, village
from tests.corpus.writers import FLAT, FUND_FLAT, csv_text, registry_xlsx, sheets_xlsx, text_file, village_list

SQL_FILE = "a'; DROP TABLE analytics.fact_household; --.xlsx"
SQL_SHEET = "x'); DROP TABLE audit.quarantine; --"[:31]
DROP_SCHEMA = "'); DROP SCHEMA analytics CASCADE; --"
# The household both duplicate files hold: far from the numbers other cases use.
SHARED = 9000

CASES = [
    Case(
        "sql_in_file_name",
        "registry",
        SQL_FILE,
        registry_xlsx([hh(1), hh_bad_id(2)]),
        "a file named like an SQL injection, with one bad row",
        REJECTED,
        problems=(P(6, "id_check_digit", "证件号码", "花名册"),),
        rows=(1, 1),
    ),
    Case(
        "sql_and_quotes_in_ledger_name",
        "funds",
        '"; DELETE FROM audit.load_audit WHERE 1=1; --台账.csv',
        text_file(csv_text([fund(1), fund(2)], FUND_FLAT)),
        "a ledger named with double quotes, semicolons and DELETE",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "sql_in_sheet_name",
        "registry",
        "工作表名.xlsx",
        sheets_xlsx({SQL_SHEET: [FLAT, hh(1), hh(2, 家庭人口数="x")]}),
        "a sheet named like an SQL injection",
        REJECTED,
        problems=(P(3, "not_an_integer", "家庭人口数", SQL_SHEET),),
        rows=(1, 1),
    ),
    Case(
        "sql_in_region_names",
        "registry",
        "地名注入.csv",
        text_file(
            csv_text(
                [hh(1, 乡镇="猫营镇'; DROP TABLE analytics.dim_region; --"), hh(2, 行政村='大河村"); DELETE FROM audit.quarantine; --')]
            )
        ),
        "township and village names carrying SQL: stored as names",
        CLEAN,
        rows=(2, 0),
        staged={"township_name": ["猫营镇';DROPTABLEanalytics.dim_region;--", "猫营镇"]},
    ),
    Case(
        "sql_in_header",
        "registry",
        "表头注入.csv",
        text_file(csv_text([hh(1) + ["x"]], FLAT + [DROP_SCHEMA])),
        "an extra column whose header is SQL",
        CLEAN,
        rows=(1, 0),
    ),
    bare_registry_case(
        "sql_in_rejected_value",
        "值注入.csv",
        [hh(1, 家庭人口数="4'; DROP TABLE audit.quarantine; --"), hh(2)],
        "an SQL string where a number belongs: quarantined as written",
        (P(2, "not_an_integer", "家庭人口数"),),
        1,
    ),
    Case(
        "sql_in_village_list",
        "villages",
        "村名注入.xlsx",
        village_list([village("新村'; DROP TABLE analytics.mart_poverty_exit; --"), village("大河村")]),
        "a village list naming a village with SQL",
        CLEAN,
        rows=(2, 0),
    ),
    bare_registry_case(
        "same_household_file_a",
        "重复户甲.csv",
        [hh(SHARED), hh(SHARED + 1)],
        "a household that a second file also holds (first copy)",
        (),
        2,
    ),
    bare_registry_case(
        "same_household_file_b",
        "重复户乙.csv",
        [hh(SHARED, 户编号="5204259999999"), hh(SHARED + 2)],
        "the same head's ID number in a second file, under another household number",
        (),
        2,
    ),
]
