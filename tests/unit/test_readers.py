"""Readers on the quirks of real registry files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl_project.core.encoding import decode_bytes
from etl_project.ingest.readers import values
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import SourceFileError, extract
from schemas.sources import REGISTRY_HOUSEHOLD
from tests.builders import HEADERS_A, VALID_IDS, household, registry_headers, write_csv, write_xls, write_xlsx

COLUMN_MAP = load_column_map("registry")


def _rows():
    return [
        household(),
        household(**{"户编号": "5204250010002", "证件号码": VALID_IDS[2], "家庭人口数": "３", "识别年度": "２０１５年"}),
        household(**{"户编号": "5204250010003", "证件号码": VALID_IDS[3], "乡镇": "板当镇", "行政村": " 新 村 "}),
    ]


def test_xlsx_title_unit_merged_header_total_and_notes(tmp_path: Path):
    path = tmp_path / "紫云县.xlsx"
    rows = write_xlsx(path, _rows(), blank_after=(0,))
    extracted = extract(path, COLUMN_MAP)
    data = extracted.rows
    assert len(data) == 3
    assert data["source_row"].tolist() == [rows[0], rows[1], rows[2]]
    assert data["source_sheet"].unique().tolist() == ["花名册"]
    # The group header spread over four sub-columns maps each one to its own field.
    assert data["housing_secure"].tolist() == ["是"] * 3
    assert extracted.headers["medical_secure"] == "两不愁三保障/基本医疗有保障"
    sheet = extracted.sheets[0]
    assert (sheet.header_row, sheet.blank_rows, sheet.total_rows, sheet.note_rows) == (3, 1, 1, 2)
    assert sheet.rows_read == sheet.data_rows + sheet.blank_rows + sheet.total_rows + sheet.note_rows


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str):
    path = tmp_path / f"registry-{encoding}.csv"
    lines = write_csv(path, _rows(), encoding)
    extracted = extract(path, COLUMN_MAP)
    assert extracted.encoding == encoding
    assert extracted.rows["county_name"].tolist() == ["紫云县"] * 3
    assert extracted.rows["source_row"].tolist() == [lines[0], lines[1], lines[2]]
    assert extracted.rows["source_sheet"].unique().tolist() == [""]
    assert extracted.sheets[0].total_rows == 1 and extracted.sheets[0].note_rows == 1


def test_gb18030_text_is_not_taken_for_utf8():
    raw = "紫云苗族布依族自治县,猫营镇".encode("gb18030")
    text, encoding = decode_bytes(raw, "x.csv")
    assert encoding == "gb18030" and text.startswith("紫云苗族布依族自治县")


def test_legacy_xls_reads_like_xlsx(tmp_path: Path):
    path = tmp_path / "legacy.xls"
    rows = write_xls(path, _rows())
    extracted = extract(path, COLUMN_MAP)
    assert extracted.rows["household_id"].tolist() == ["5204250010001", "5204250010002", "5204250010003"]
    assert extracted.rows["source_row"].tolist() == [rows[0], rows[1], rows[2]]
    assert extracted.rows["water_secure"].tolist() == ["是"] * 3


def test_xls_renamed_to_xlsx_is_read_by_its_content(tmp_path: Path):
    path = tmp_path / "renamed.xlsx"
    write_xls(path, _rows())
    assert len(extract(path, COLUMN_MAP).rows) == 3


def test_alias_spellings_of_another_county(tmp_path: Path):
    headers = registry_headers("B")
    assert not set(headers) & set(HEADERS_A)  # every column spelled otherwise than in layout A
    path = tmp_path / "yongzhou.xlsx"
    write_xlsx(path, [household(**{"县": "永州经济技术开发区"})], headers=headers)
    extracted = extract(path, COLUMN_MAP)
    # every field of the household layout (the per-person layout's member columns are not in it)
    assert set(extracted.headers) == set(REGISTRY_HOUSEHOLD.column_names)
    assert extracted.rows.loc[0, "county_name"] == "永州经济技术开发区"


def test_missing_required_column_names_file_and_column(tmp_path: Path):
    headers = [h for h in HEADERS_A if h != "家庭人口数"]
    rows = [[c for h, c in zip(HEADERS_A, household()) if h != "家庭人口数"]]
    path = tmp_path / "缺列.xlsx"
    write_xlsx(path, rows, headers=headers)
    with pytest.raises(SourceFileError) as error:
        extract(path, COLUMN_MAP, "registry/缺列.xlsx")
    message = str(error.value)
    assert "registry/缺列.xlsx" in message and "household_size" in message and "家庭人口数" in message
    assert "花名册" in message


def test_file_without_any_known_header_is_refused(tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="no header row found"):
        extract(path, COLUMN_MAP)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 10, "binary"),
        (b"<html><body>not a sheet</body></html>", "web page"),
        (b"PK\x03\x04garbage", "not a readable xlsx"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=expected):
        extract(path, COLUMN_MAP)


def test_new_alias_is_data_not_code(tmp_path: Path):
    maps = tmp_path / "maps"
    maps.mkdir()
    declared = (Path(__file__).parents[2] / "schemas" / "column_maps" / "registry.yaml").read_text(encoding="utf-8")
    (maps / "registry.yaml").write_text(declared.replace("household_size: [", "household_size: [在册人口, "), encoding="utf-8")
    extended = load_column_map.__wrapped__("registry", maps)
    headers = [("在册人口" if h == "家庭人口数" else h) for h in HEADERS_A]
    path = tmp_path / "new-county.xlsx"
    write_xlsx(path, [household()], headers=headers)
    with pytest.raises(SourceFileError):
        extract(path, COLUMN_MAP)
    assert extract(path, extended).rows.loc[0, "household_size"] == "4"


def test_values_full_width_years_money_and_codes():
    years, bad = values.parse_year(pd.Series(["2016年", "２０１７", "2018.0", "二〇一六", None]))
    assert years.tolist()[:3] == [2016, 2017, 2018] and bad.tolist() == [False, False, False, True, False]
    money, bad = values.parse_money(pd.Series(["3,456.78", "１２３４", "1.5万", "-200", "abc", "inf"]))
    assert money.tolist()[:4] == [3456.78, 1234.0, 15000.0, -200.0]
    assert bad.tolist() == [False, False, False, False, True, True]
    # A half fen is rounded away from zero, as written (1.005 × 100 is 100.49999…); numpy's round gives 0.12 for 0.125.
    money, bad = values.parse_money(pd.Series(["1.005", "0.125", "-0.125", "6.3546万", "1" + "0" * 16, "12345678901234.56"]), limit=1e16)
    assert money.tolist()[:4] + money.tolist()[5:] == [1.01, 0.13, -0.13, 63546.0, 12345678901234.56]
    assert bad.tolist() == [False, False, False, False, True, False]
    sizes, bad = values.parse_integer(pd.Series(["５", "3人", "2.5"]))
    assert sizes.tolist()[:2] == [5, 3] and bad.tolist() == [False, False, True]
    from schemas.vocabularies import EXIT_STATUS, POVERTY_CAUSE

    assert values.parse_code(pd.Series(["因病", "01", "1", "因懒"]), POVERTY_CAUSE).tolist() == ["01", "01", "01", "因懒"]
    assert values.parse_code(pd.Series(["已脱贫(享受政策)", "4", "返贫"]), EXIT_STATUS).tolist() == ["1", "4", "3"]
