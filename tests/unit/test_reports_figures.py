"""Figures in report text: every number form, qualifier and range, and what is not a figure."""

from __future__ import annotations

import pytest

from etl_project.reports import extract_text


def claims_in(text: str, report_date: str | None = None, title: str | None = None) -> list[dict]:
    claims, _ = extract_text(text, title, report_date)
    for claim in claims:
        assert claim["end"] > claim["start"]
    return claims


def only_claim(text: str, **kwargs) -> dict:
    claims = claims_in(text, **kwargs)
    assert len(claims) == 1, [(text[c["start"] : c["end"]], c["value"]) for c in claims]
    return claims[0]


def written(text: str, claim: dict) -> str:
    return text[claim["start"] : claim["end"]]


@pytest.mark.parametrize(
    ("text", "figure", "value", "unit"),
    [
        ("全镇识别贫困户593户。", "593户", 593, "household"),
        ("两个贫困村今年通了自来水。", "两个", 2, "village"),
        ("全乡十一个村都建了卫生室。", "十一个", 11, "village"),
        ("培训班结业学员一百二十人。", "一百二十人", 120, "person"),
        ("每户发放补助三千五百元。", "三千五百元", 3500, "yuan"),
        ("慰问金共计1,234,567元。", "1,234,567元", 1234567, "yuan"),
        ("新修通组公路3.5公里。", "3.5公里", 3.5, "km"),
        ("扶贫资金2万元到位。", "2万元", 20000, "yuan"),
        ("易地搬迁安置1.2万人。", "1.2万人", 12000, "person"),
        ("种植茶叶2万亩。", "2万亩", 20000, "mu"),
        ("光伏电站全年发电5.6万度。", "5.6万度", 56000, "kwh"),
        ("园区实现产值120.2亿元。", "120.2亿元", 12020000000, "yuan"),
        ("中央下达资金1.5万亿元。", "1.5万亿元", 1500000000000, "yuan"),
        ("修建厂房8000平方米。", "8000平方米", 8000, "sqm"),
        ("铺设管网2500米。", "2500米", 2.5, "km"),
        ("退耕还林30公顷。", "30公顷", 450, "mu"),
        ("开展技能培训900人次。", "900人次", 900, "person_time"),
        ("全县贫困发生率降至1.8%。", "1.8%", 1.8, "percent"),
        ("贫困发生率下降了百分之三十。", "百分之三十", 30, "percent"),
        ("安排三点五万元修缮校舍。", "三点五万元", 35000, "yuan"),
        ("捐赠人民币壹佰万元。", "壹佰万元", 1000000, "yuan"),
        ("全年投入60万专项资金。", "60万", 600000, "yuan"),
        ("项目总投资17亿，当年开工。", "17亿", 1700000000, "yuan"),
    ],
)
def test_number_forms(text, figure, value, unit):
    claim = only_claim(text)
    assert (written(text, claim), claim["value"], claim["unit"], claim["approx"]) == (figure, value, unit, False)
    assert claim["range_high"] is None


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        # full-width digits
        ("全村贫困户３００户。", 300, "household"),
        ("贫困发生率为１２．５％。", 12.5, "percent"),
        ("投入资金１，２００万元。", 12000000, "yuan"),
        # traditional characters
        ("該縣帶動貧困戶3萬戶。", 30000, "household"),
        ("投入資金1.2億元。", 120000000, "yuan"),
        ("兩個村完成出列。", 2, "village"),
        ("補助金額五百餘萬元。", 5000000, "yuan"),
    ],
)
def test_full_width_digits_and_traditional_characters(text, value, unit):
    claim = only_claim(text)
    assert (claim["value"], claim["unit"]) == (value, unit)


@pytest.mark.parametrize(
    ("text", "figure", "value"),
    [
        ("累计投入资金300余万元。", "300余万元", 3000000),
        ("累计投入资金1500万余元。", "1500万余元", 15000000),
        ("帮扶贫困户30多户。", "30多户", 30),
        ("帮扶贫困户约120户。", "约120户", 120),
        ("帮扶贫困户近80户。", "近80户", 80),
        ("帮扶贫困户60户左右。", "60户左右", 60),
        ("帮扶贫困户超过200户。", "超过200户", 200),
        ("帮扶贫困户100户以上。", "100户以上", 100),
        ("帮扶贫困户逾500户。", "逾500户", 500),
        ("帮扶贫困户不足10户。", "不足10户", 10),
        ("帮扶贫困户十来户。", "十来户", 10),
    ],
)
def test_each_qualifier_makes_the_figure_approximate(text, figure, value):
    claim = only_claim(text)
    assert (written(text, claim), claim["value"], claim["approx"]) == (figure, value, True)


def test_a_word_ending_in_a_qualifier_is_no_qualifier():
    # 签约 and 附近 end in 约 and 近 but say nothing about precision.
    claim = only_claim("本月签约3个项目。")
    assert (claim["value"], claim["unit"], claim["approx"]) == (3, "project", False)
    claim = only_claim("辐射附近5个村。")
    assert (claim["value"], claim["approx"]) == (5, False)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("每户补助3至5万元。", 30000, 50000, "yuan"),
        ("每个合作社联结30-50户。", 30, 50, "household"),
        ("每村选派三至五个工作队员。", 3, 5, "person"),
        ("每年分红2万至3万元。", 20000, 30000, "yuan"),
        ("每亩增收800~1200元。", 800, 1200, "yuan"),
    ],
)
def test_a_range_is_one_claim_with_its_upper_bound(text, low, high, unit):
    claim = only_claim(text)
    assert (claim["value"], claim["range_high"], claim["unit"], claim["approx"]) == (low, high, unit, False)


def test_offsets_point_at_the_figure_in_the_body():
    text = "全县共有贫困户1200户4300人，其中今年脱贫600户。"
    figures = [written(text, c) for c in claims_in(text)]
    assert figures == ["1200户", "4300人", "600户"]


@pytest.mark.parametrize(
    "text",
    [
        "2017年全县召开大会。",
        "11月14日召开推进会。",
        "27日签订合作协议。",
        "会议于2020-05-28举行。",
        "二〇一九年是关键之年。",
        "1至10月经济运行平稳。",
    ],
)
def test_dates_and_years_are_not_figures(text):
    assert claims_in(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "第一书记入村走访。",
        "第3批工作队进驻。",
        "一是加强组织领导。二是压实责任。",
        "1.加强组织领导\n2.压实工作责任",
        "（一）加强组织领导",
        "他第二天一早又出发了。",
    ],
)
def test_ordinals_and_list_numbers_are_not_figures(text):
    assert claims_in(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "组织辖区300医院开展义诊。",  # a hospital's name
        "全力实施七大行动。",  # a programme: 大 is no classifier, the 7 counts no thing
        "落实五个一批工程。",  # a slogan: classifier followed by another numeral
        "推进“六大战役”项目建设。",  # a quoted name
        "印发《关于3个重点村帮扶的办法》。",  # inside a document title
        "新建5G基站。",
        "瞄准一个目标，不让一个人掉队。",  # 一 as an article
        "帮扶周期为3个月。",  # a duration
        "数十户群众前来咨询。",  # a vague count
        "一个个产业基地拔地而起。",
    ],
)
def test_names_slogans_and_articles_are_not_figures(text):
    assert claims_in(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "扶贫热线电话：0851-12317。",
        "联系手机13812345678。",
        "咨询电话12345678，欢迎来电。",
    ],
)
def test_phone_numbers_are_not_figures(text):
    assert claims_in(text) == []


def test_a_sentence_with_figures_and_non_figures_keeps_only_the_figures():
    text = "2019年3月9日，第一工作队在3个村走访贫困户45户，发放慰问金1.2万元，联系电话13900001111。"
    figures = [(written(text, c), c["value"], c["unit"]) for c in claims_in(text)]
    assert figures == [("3个", 3, "village"), ("45户", 45, "household"), ("1.2万元", 12000, "yuan")]


def test_degree_is_energy_only_where_electricity_is_spoken_of():
    assert claims_in("今天气温达到38度。") == []
    assert only_claim("光伏板发电1200度。")["unit"] == "kwh"
