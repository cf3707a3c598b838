"""Money as people read it: the sheet's unit beside yuan, digits grouped, never scientific notation,
in the steward's messages and the checks' tables alike."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl_project.core.amounts import GROUP_SEPARATOR, money_columns_as_text, money_text, number_text, written_unit, yuan_text
from etl_project.ingest.steward import validate_file
from tests.builders import FUND_HEADERS, fund_row, write_table


def _digits(text: str) -> Decimal:
    """The amount a yuan text spells, read back: separators and the unit dropped."""
    return Decimal(text.removesuffix(" 元").replace(GROUP_SEPARATOR, ""))


def test_an_amount_in_wan_is_shown_in_wan_next_to_yuan():
    assert money_text(7909740, "万元") == "790.974 万元 = 7 909 740 元"
    assert money_text(7909740.0, 10_000.0) == "790.974 万元 = 7 909 740 元"
    assert money_text(Decimal("123456789012.34"), "亿元") == "1 234.5678901234 亿元 = 123 456 789 012.34 元"
    assert money_text(1500, "元") == money_text(1500) == "1 500 元"
    assert money_text(None, "万元") == yuan_text(float("nan")) == "—"


def test_fen_are_shown_only_when_there_are_some_and_rounded_half_up():
    assert yuan_text(0.1 + 0.2) == "0.30 元"
    assert yuan_text(1234.5) == "1 234.50 元"
    assert yuan_text(Decimal("0.125")) == "0.13 元"
    assert yuan_text(-22500) == "-22 500 元"
    assert yuan_text(np.int64(999)) == "999 元"


@pytest.mark.parametrize("exponent", range(18))
def test_large_and_small_amounts_are_written_out_in_full(exponent):
    for value in (10.0**exponent, 7.90974 * 10.0**exponent, float(np.float64(3.3) * 10**exponent)):
        for text in (yuan_text(value), money_text(value, "亿元"), number_text(value)):
            assert "e" not in text.lower(), text
        assert _digits(yuan_text(value)) == Decimal(repr(value)).quantize(Decimal("0.01"))
    assert "e" not in number_text(10.0**-exponent).lower()


def test_random_amounts_read_back_exactly():
    rng = random.Random(15)
    for _ in range(2000):
        fen = rng.randrange(-(10**17), 10**17)
        amount = Decimal(fen) / 100
        assert _digits(yuan_text(amount)) == amount
        wan = money_text(amount, "万元").split(" = ")[0]
        assert Decimal(wan.removesuffix(" 万元").replace(GROUP_SEPARATOR, "")) * 10_000 == amount


def test_a_unit_the_project_does_not_know_is_refused():
    with pytest.raises(ValueError):
        money_text(100, "美元")
    with pytest.raises(ValueError):
        money_text(100, 1000.5)


def test_the_unit_a_report_writes_a_figure_in():
    assert [written_unit(t) for t in ("2386万余元", "3.2亿元", "1,074,270元", "5千元", "2萬元", None)] == [
        "万元",
        "亿元",
        "元",
        "千元",
        "万元",
        "元",
    ]


def test_tables_for_the_ui_hold_no_scientific_notation():
    frame = pd.DataFrame(
        {
            "stated_yuan": [7909740.0, None],
            "booked_yuan": [Decimal("12345678901234.56"), Decimal("1E+7")],
            "poverty_incidence": [2.5, 1e16],
            "households": [3, 4],
            "label": ["合计", "小计"],
        }
    )
    table = money_columns_as_text(frame).to_markdown(index=False)
    assert "e+" not in table and "E+" not in table
    for shown in ("7 909 740 元", "12 345 678 901 234.56 元", "10 000 000 元", "10 000 000 000 000 000", "2.5"):
        assert shown in table, table


def test_a_wrong_total_is_reported_in_the_sheet_s_unit(tmp_path: Path):
    """The 合计 states 790.974 万元 over rows adding up to 15.5 万元: the steward says so in 万元 and in yuan."""
    path = tmp_path / "台账.xlsx"
    rows = [fund_row(1, 金额=12.5), fund_row(2, 金额=3), ["合计", "", "", "", "", "", "", "", "", "", "", 790.974, ""]]
    excel_rows = write_table(path, FUND_HEADERS, rows, "贵阳经开区2019年对口帮扶紫云县资金台账", "单位：万元", sheet="台账")
    verdict = validate_file(path)
    [problem] = [p for p in verdict.problems if p["rule"] == "total_mismatch"]
    assert problem["row"] == excel_rows[2]
    assert problem["value"] == "790.974 万元 = 7 909 740 元"
    assert "表内 790.974 万元 = 7 909 740 元，逐行加总 15.5 万元 = 155 000 元，差额 775.474 万元 = 7 754 740 元" in problem["message_zh"]
    assert "rows add up to 15.5 万元 = 155 000 元" in problem["message_en"]
    assert "e+" not in verdict.as_text()


def test_reconciliation_rows_show_money_in_the_report_s_unit():
    from etl_project.reports.reconciliation import as_read

    rows = pd.DataFrame(
        {
            "metric": ["investment_amount", "households_exited", "investment_amount"],
            "claimed_value": [1074270.0, 67.0, 2.5e10],
            "warehouse_value": [1074000.0, 63.0, None],
            "difference": [270.0, 4.0, None],
            "figure_text": ["107.427万元", "67户", "250亿元"],
        }
    )
    shown = as_read(rows)
    assert shown["claimed_value"].tolist() == ["107.427 万元 = 1 074 270 元", "67", "250 亿元 = 25 000 000 000 元"]
    assert shown["warehouse_value"].tolist() == ["1 074 000 元", "63", "—"]
    assert shown["difference"].tolist() == ["270 元", "4", "—"]
    assert "figure_text" not in shown
