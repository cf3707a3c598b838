"""Property tests of the cell parsers: any text at all gets an answer (a value or a flag, never an
exception), a batch is read as its cells are one by one, and a value written in any form the README
promises reads back as itself.

Examples are derandomised so CI is repeatable; change ``SEED_SETTINGS`` locally to explore.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_project.core.money_units import header_scale as _unit_of
from etl_project.ingest.readers import values
from etl_project.ingest.readers.column_map import header_key, load_column_map
from schemas import vocabularies

SEED_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces county spreadsheets are made of, so generated text is near the formats as well as far.
FRAGMENTS = [
    "0",
    "1",
    "2",
    "9",
    "12",
    "2019",
    "0.5",
    "１",
    "２０１９",
    "٣",
    "-",
    "+",
    ".",
    ",",
    "，",
    "/",
    ":",
    " ",
    "\u3000",
    "\u200b",
    "\ufeff",
    "\x00",
    "年",
    "月",
    "日",
    "度",
    "万",
    "亿",
    "千",
    "元",
    "人",
    "户",
    "亩",
    "e",
    "E",
    "inf",
    "nan",
    "NaN",
    "(",
    ")",
    "（",
    "）",
    "【",
    "】",
    "*",
    "#DIV/0!",
    "\n",
    "😀",
]
near = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)
anything = st.one_of(st.text(max_size=40), near, st.none())
batches = st.lists(anything, min_size=1, max_size=12)
FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")

VOCABULARIES = [v for v in vars(vocabularies).values() if isinstance(v, vocabularies.Vocabulary)]
COLUMN_MAPS = [load_column_map(s) for s in ("registry", "funds", "projects", "villages")]


def _series(cells: list) -> pd.Series:
    # A shuffled, non-zero-based index: results must follow labels, not positions.
    return pd.Series(cells, index=[1000 - 7 * i for i in range(len(cells))], dtype=object)


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def _assert_flagged_exactly_the_unread(cells: pd.Series, parsed: pd.Series, bad: pd.Series) -> None:
    assert parsed.index.equals(cells.index) and bad.index.equals(cells.index)
    assert bad.dtype == bool
    text = values.normalise(cells)
    for label in cells.index:
        if pd.isna(text[label]):
            assert not bad[label] and pd.isna(parsed[label]), "an empty cell is neither a value nor a problem"
        else:
            assert bad[label] == pd.isna(parsed[label]), f"{cells[label]!r} neither read nor flagged"


def _assert_cellwise(parse, cells: pd.Series, parsed: pd.Series) -> None:
    for label in cells.index:
        alone = parse(pd.Series([cells[label]], dtype=object))
        alone = alone[0] if isinstance(alone, tuple) else alone
        assert _same(alone.iloc[0], parsed[label]), f"{cells[label]!r}: {alone.iloc[0]!r} alone, {parsed[label]!r} in a batch"


# -- nothing escapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parse", [values.parse_year, values.parse_integer, values.parse_money, values.parse_date], ids=["year", "integer", "money", "date"]
)
@SEED_SETTINGS
@given(cells=batches)
def test_any_text_is_read_or_flagged(parse, cells):
    series = _series(cells)
    parsed, bad = parse(series)
    _assert_flagged_exactly_the_unread(series, parsed, bad)
    _assert_cellwise(parse, series, parsed)


@SEED_SETTINGS
@given(cells=batches, multiplier=st.sampled_from([1.0, 1e3, 1e4, 1e8]))
def test_money_is_finite_and_in_fen(cells, multiplier):
    parsed, _ = values.parse_money(_series(cells), multiplier=multiplier)
    for amount in parsed.dropna():
        assert abs(amount) < float("inf") and round(amount, 2) == amount


@SEED_SETTINGS
@given(cells=batches)
def test_any_scale_is_read_or_flagged(cells):
    series = _series(cells)
    value, unit, bad = values.parse_scale(series)
    _assert_flagged_exactly_the_unread(series, value, bad)
    assert unit[value.notna()].notna().all(), "a scale read without its unit"


@SEED_SETTINGS
@given(cells=batches, vocabulary=st.sampled_from(VOCABULARIES))
def test_any_code_is_mapped_or_kept_as_written(cells, vocabulary):
    series = _series(cells)
    coded = values.parse_code(series, vocabulary)
    squeezed = values.squeeze(series)
    assert coded.index.equals(series.index)
    for label in series.index:
        # Unknown values stay, so that the vocabulary rule can quote them; blanks stay blank.
        assert pd.isna(coded[label]) == pd.isna(squeezed[label])
    _assert_cellwise(lambda s: values.parse_code(s, vocabulary), series, coded)


@SEED_SETTINGS
@given(text=st.one_of(st.text(max_size=60), near, st.integers(), st.floats(), st.none()))
def test_any_header_has_a_key_and_any_text_a_unit_or_none(text):
    key = header_key(text)
    assert isinstance(key, str) and not any(c.isspace() for c in key)
    if text is not None:
        assert _unit_of(str(text)) in (None, 1.0, 1e3, 1e4, 1e8)


@pytest.mark.parametrize(
    "parse, good",
    [(values.parse_year, "2019"), (values.parse_integer, "4"), (values.parse_money, "12.5"), (values.parse_date, "2019.5.27")],
    ids=["year", "integer", "money", "date"],
)
def test_a_nul_character_does_not_make_two_cells_one(parse, good):
    _, bad = parse(_series([good + "\x00x", good, good, good]))
    assert bad.tolist() == [True, False, False, False]


INVISIBLE = [
    "\x01",
    "\x07",
    "\x1b",
    "\x7f",
    "\x9b",
    "\u00ad",
    "\u200b",
    "\u200c",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2060",
    "\u2066",
    "\ufeff",
]


@SEED_SETTINGS
@given(cells=batches, data=st.data())
def test_characters_nobody_sees_change_no_cell(cells, data):
    marked = []
    for cell in cells:
        if isinstance(cell, str):
            at = data.draw(st.integers(0, len(cell)))
            cell = cell[:at] + data.draw(st.sampled_from(INVISIBLE)) + cell[at:]
        marked.append(cell)
    assert values.squeeze(_series(marked)).equals(values.squeeze(_series(cells)))
    assert values.normalise(_series(marked)).equals(values.normalise(_series(cells)))


own_unit = st.builds(
    lambda n, unit: f"{n}{unit}",
    st.integers(-(10**9), 10**9).map(lambda n: Decimal(n) / 100),
    st.sampled_from(["万", "亿", "元", "万元", "亿元"]),
)


@SEED_SETTINGS
@given(cells=st.lists(st.one_of(anything, own_unit), min_size=1, max_size=12), multiplier=st.sampled_from([1e3, 1e4, 1e8]))
def test_a_cell_with_its_own_unit_ignores_the_files(cells, multiplier):
    parsed, _ = values.parse_money(_series(cells), multiplier=multiplier)
    alone, _ = values.parse_money(_series(cells))
    for label, cell in _series(cells).items():
        text = values.squeeze(pd.Series([cell], dtype=object)).iloc[0]
        if not pd.isna(text) and text.endswith(("万", "亿", "元")):
            assert _same(parsed[label], alone[label]), cell


# -- written as promised, read back as itself ---------------------------------------------------


def _decorate(text: str, full_width: bool, pad: bool) -> str:
    text = text.translate(FULL_WIDTH) if full_width else text
    return f" \u3000{text} " if pad else text


@SEED_SETTINGS
@given(year=st.integers(1000, 9999), form=st.sampled_from(["{}", "{}年", "{}年度", "{}.0"]), full_width=st.booleans(), pad=st.booleans())
def test_years_round_trip(year, form, full_width, pad):
    parsed, bad = values.parse_year(_series([_decorate(form.format(year), full_width, pad)]))
    assert parsed.iloc[0] == year and not bad.iloc[0]


@SEED_SETTINGS
@given(
    number=st.integers(-(10**12), 10**12),
    form=st.sampled_from(["{}", "{}人", "{}户", "{}个", "{}.0"]),
    full_width=st.booleans(),
    pad=st.booleans(),
)
def test_integers_round_trip(number, form, full_width, pad):
    parsed, bad = values.parse_integer(_series([_decorate(form.format(number), full_width, pad)]))
    assert parsed.iloc[0] == number and not bad.iloc[0]


def _grouped(number: Decimal, separator: str) -> str:
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = separator.join(groups) + (f".{fraction}" if fraction else "")
    return ("-" if number < 0 else "") + text


@SEED_SETTINGS
@given(
    fen=st.integers(-(10**13), 10**13),
    suffix=st.sampled_from(["", "万", "亿"]),
    separator=st.sampled_from(["", ",", "，"]),
    yuan=st.booleans(),
    full_width=st.booleans(),
    pad=st.booleans(),
)
def test_money_round_trips_to_the_fen(fen, suffix, separator, yuan, full_width, pad):
    amount = Decimal(fen) / 100
    written = amount / {"": 1, "万": 10**4, "亿": 10**8}[suffix]
    text = _grouped(written.normalize() if written else Decimal(0), separator) + suffix + ("元" if yuan else "")
    parsed, bad = values.parse_money(_series([_decorate(text, full_width, pad)]))
    assert not bad.iloc[0], text
    assert parsed.iloc[0] == float(amount), text


@SEED_SETTINGS
@given(fen=st.integers(1, 10**11), unit=st.sampled_from([("万元", 10**4), ("千元", 10**3), ("亿元", 10**8)]))
def test_money_in_a_stated_unit_round_trips(fen, unit):
    name, scale = unit
    amount = Decimal(fen) / 100
    text = f"{(amount / scale).normalize():f}"
    parsed, _ = values.parse_money(_series([text]), multiplier=float(_unit_of(f"金额（{name}）")))
    assert parsed.iloc[0] == float(amount), f"{text} {name}"


DATE_FORMS = [
    "{y}年{m}月{d}日",
    "{y}年{m:02d}月{d:02d}日",
    "{y}.{m}.{d}",
    "{y}-{m}-{d}",
    "{y}/{m}/{d}",
    "{y}{m:02d}{d:02d}",
    "{y}-{m:02d}-{d:02d} 00:00:00",
    "{y} 年 {m} 月 {d} 日",
]


@SEED_SETTINGS
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), form=st.sampled_from(DATE_FORMS), full_width=st.booleans())
def test_dates_round_trip_in_every_written_form(day, form, full_width):
    text = form.format(y=day.year, m=day.month, d=day.day)
    parsed, bad = values.parse_date(_series([_decorate(text, full_width, False)]))
    assert not bad.iloc[0] and parsed.iloc[0].date() == day, text


@SEED_SETTINGS
@given(day=st.dates(dt.date(1927, 10, 18), dt.date(2173, 10, 14)), fraction=st.sampled_from(["", ".25", ".0"]))
def test_excel_serial_dates_round_trip(day, fraction):
    serial = (day - dt.date(1899, 12, 30)).days
    parsed, bad = values.parse_date(_series([f"{serial}{fraction}"]))
    assert not bad.iloc[0] and parsed.iloc[0].date() == day


@SEED_SETTINGS
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 1)))
def test_a_month_alone_is_its_first_day(day):
    parsed, _ = values.parse_date(_series([f"{day.year}年{day.month}月"]))
    assert parsed.iloc[0].date() == day.replace(day=1)


@SEED_SETTINGS
@given(
    tenths=st.integers(0, 10**7),
    multiplier=st.sampled_from([("", 1), ("千", 10**3), ("万", 10**4)]),
    unit=st.sampled_from(["亩", "盏", "公里", "平方米", "座", "立方米", "kW"]),
)
def test_scales_round_trip(tenths, multiplier, unit):
    word, scale = multiplier
    text = f"{Decimal(tenths) / 10:f}{word}{unit}"
    value, read_unit, bad = values.parse_scale(_series([text]))
    assert not bad.iloc[0] and read_unit.iloc[0] == unit
    assert value.iloc[0] == pytest.approx(tenths / 10 * scale, rel=1e-12), text


@SEED_SETTINGS
@given(vocabulary=st.sampled_from(VOCABULARIES), data=st.data())
def test_codes_and_names_round_trip(vocabulary, data):
    code, name = data.draw(st.sampled_from(sorted(vocabulary.codes.items())))
    written = data.draw(st.sampled_from([code, name, f" {name} ", name.replace("（", "(").replace("）", ")"), " ".join(name)]))
    assert values.parse_code(_series([written]), vocabulary).iloc[0] == code, written


def _header_variants(alias: str):
    decorations = [
        lambda a: a,
        lambda a: f" {a} ",
        lambda a: a.replace("(", "（").replace(")", "）"),
        lambda a: "\n".join(a),
        lambda a: f"*{a}",
        lambda a: f"{a}：",
        lambda a: f"\u200b{a}\ufeff",
        lambda a: unicodedata.normalize("NFKD", a),
    ]
    return st.sampled_from(decorations).map(lambda d: d(alias))


@SEED_SETTINGS
@given(data=st.data())
def test_header_spellings_find_their_field_however_decorated(data):
    column_map = data.draw(st.sampled_from(COLUMN_MAPS))
    field_name = data.draw(st.sampled_from(sorted(column_map.spellings)))
    alias = data.draw(st.sampled_from([a for a in column_map.spellings[field_name] if "/" not in a]))
    written = data.draw(_header_variants(alias))
    unit = data.draw(st.sampled_from(["", "（元）", "(万元)", "【人】", "[户]"]))
    assert column_map.field_for(header_key(written + unit)) == field_name, written + unit


@SEED_SETTINGS
@given(
    header=st.text(max_size=12).filter(lambda t: "元" not in unicodedata.normalize("NFKC", t)),
    unit=st.sampled_from([("元", 1.0), ("千元", 1e3), ("万元", 1e4), ("亿元", 1e8)]),
    brackets=st.sampled_from(["（）", "()", "【】", "[]"]),
)
def test_a_bracketed_amount_unit_is_found_after_any_header(header, unit, brackets):
    name, scale = unit
    assert _unit_of(f"{header}{brackets[0]}{name}{brackets[1]}") == scale
    assert _unit_of(header) is None
