"""What a report's figures mean: metric, period, place, and the contradictions among them."""

from __future__ import annotations

import pytest

from etl_project.reports import ReferenceRegions, extract_text
from etl_project.reports.regions import default_regions


def claims_in(text: str, report_date: str | None = None, title: str | None = None, regions=None) -> list[dict]:
    return extract_text(text, title, report_date, regions)[0]


def by_figure(text: str, **kwargs) -> dict[str, dict]:
    return {text[c["start"] : c["end"]]: c for c in claims_in(text, **kwargs)}


@pytest.mark.parametrize(
    ("text", "unit", "metric"),
    [
        # money is investment only when it was put in
        ("累计投入帮扶资金860万元。", "yuan", "investment_amount"),
        ("整合涉农资金420万元。", "yuan", "investment_amount"),
        ("项目完成投资3.2亿元。", "yuan", "investment_amount"),
        ("社会各界捐款56万元。", "yuan", "investment_amount"),
        ("全年完成工业总产值88亿元。", "yuan", "other"),
        ("实现规模工业增加值24亿元。", "yuan", "other"),
        ("村集体经济收入达到12万元。", "yuan", "other"),
        ("贫困户户均增收3500元。", "yuan", "other"),
        ("合作社为社员分红9万元。", "yuan", "other"),
        ("辣椒收购价达到每斤6元。", "yuan", "other"),
        ("每亩补助600元。", "yuan", "other"),
        # persons employed, helpers and beneficiaries
        ("扶贫车间吸纳就业150人。", "person", "persons_employed"),
        ("带动贫困群众就近务工320余人。", "person", "persons_employed"),
        ("选派党员干部260名参与结对帮扶。", "person", "other"),
        ("全区320名党员干部下沉到村。", "person", "other"),
        ("教育帮扶惠及学生1500人。", "person", "persons_benefited"),
        # other units
        ("今年有12个贫困村出列。", "village", "villages_exited"),
        ("产业覆盖8个贫困村。", "village", "other"),
        ("全省有5个县脱贫摘帽。", "county", "counties_exited"),
        ("实施产业帮扶项目43个。", "project", "projects_count"),
        ("新建扶贫项目17个。", "project", "projects_count"),
        ("引进龙头企业6家。", "enterprise", "other"),
        ("27家部门参与帮扶。", "department", "other"),
        ("全县贫困发生率降至0.9%。", "percent", "poverty_incidence"),
        ("粮食产量同比增长4.5%。", "percent", "growth_rate"),
        ("新建蔬菜大棚300亩。", "mu", "other"),
    ],
)
def test_a_figure_s_unit_and_metric(text, unit, metric):
    (claim,) = claims_in(text)
    assert (claim["unit"], claim["metric"]) == (unit, metric)


def test_registered_households_and_persons_from_one_sentence():
    text = "全镇共有建档立卡贫困户812户2960人。"
    claims = by_figure(text)
    assert claims["812户"]["metric"] == "registered_poor_households"
    assert claims["2960人"]["metric"] == "registered_poor_persons"


@pytest.mark.parametrize(
    ("text", "household_metric", "person_metric"),
    [
        ("2018年累计脱贫410户1390人。", "households_exited", "persons_exited"),
        ("当年又有126户402人脱贫。", "households_exited", "persons_exited"),
        # driven by a project: benefited, even though 脱贫 follows (the registry records exits, not projects)
        ("产业项目带动215户870名贫困人口脱贫增收。", "households_benefited", "persons_benefited"),
        ("扶贫车间惠及贫困户58户193人。", "households_benefited", "persons_benefited"),
    ],
)
def test_households_and_persons_by_verb(text, household_metric, person_metric):
    household, person = claims_in(text)
    assert (household["metric"], person["metric"]) == (household_metric, person_metric)


@pytest.mark.parametrize(
    ("text", "report_date", "period"),
    [
        ("今年全镇脱贫86户。", "2019-12-05", "2019"),
        ("今年全镇脱贫86户。", None, None),
        ("去年全镇脱贫86户。", "2019-12-05", "2018"),
        ("“十三五”期间全镇脱贫86户。", None, "2016-2020"),
        ("十三五期间全镇脱贫86户。", "2021-01-02", "2016-2020"),
        ("2014年、2015年、2016年累计脱贫86户。", None, "2014-2016"),
        ("2018年至2019年累计投入资金90万元。", None, "2018-2019"),
        ("2016-2018年累计投入资金90万元。", None, "2016-2018"),
        ("2017年，全镇又有86户脱贫。", None, "2017"),
        ("二〇一八年全镇脱贫86户。", None, "2018"),
        ("全镇脱贫86户（2019年）。", None, "2019"),
        ("全镇脱贫86户。", "2019-12-05", None),
        ("2016年投入资金50万元，今年脱贫86户。", "2019-12-05", "2019"),
    ],
)
def test_periods(text, report_date, period):
    claim = claims_in(text, report_date=report_date)[-1]
    assert claim["period"] == period


def test_region_lookup_knows_full_short_and_zone_names():
    regions = default_regions()
    assert regions.resolve("紫云苗族布依族自治县") == "520425"
    assert regions.resolve("紫云县") == "520425"
    assert regions.resolve("永州经开区") == "431171"
    assert regions.resolve("永州经济技术开发区") == "431171"
    assert regions.resolve("永州市") == "431100"
    assert regions.resolve("贵阳经开区") is None  # not a statistical zone in the 2023 list
    assert regions.resolve("鼓楼区") is None  # several cities have one
    assert regions.resolve("罗建村") is None


def test_region_lookup_reads_the_file_it_is_given(tmp_path):
    reference = tmp_path / "regions.csv"
    reference.write_text(
        "region_code,region_name,region_level,parent_code\n990000,样例省,province,\n"
        "990100,样例市,city,990000\n990101,样例苗族自治县,county,990100\n990171,样例经济技术开发区,county,990100\n",
        encoding="utf-8",
    )
    regions = ReferenceRegions(reference)
    assert regions.resolve("样例县") == "990101"
    assert regions.resolve("样例经开区") == "990171"
    assert regions.resolve("紫云县") is None


def test_claims_take_the_place_named_in_their_clause():
    text = "望谟县今年投入资金300万元，其中桑郎镇新建茶园800亩，麻山村新修道路4公里。"
    claims = by_figure(text)
    assert (claims["300万元"]["region"], claims["300万元"]["region_code"]) == ("望谟县", "522326")
    assert (claims["800亩"]["region"], claims["800亩"]["region_code"]) == ("桑郎镇", None)
    assert (claims["4公里"]["region"], claims["4公里"]["region_code"]) == ("麻山村", None)


def test_claims_without_a_place_belong_to_the_reports_subject():
    title = "紫云县巩固脱贫成果纪实"
    text = f"{title}\n全县累计实施产业项目56个。\n新建蔬菜基地1200亩。"
    for claim in claims_in(text, title=title):
        assert (claim["region"], claim["region_code"]) == ("紫云县", "520425")


def test_a_short_zone_name_means_the_subject_zone():
    title = "永州经开区今年扶贫工作综述"
    text = f"{title}\n经开区全年新增就业岗位320个。"
    (claim,) = claims_in(text, title=title)
    assert (claim["region"], claim["region_code"]) == ("永州经开区", "431171")


def test_money_given_to_another_place_belongs_to_the_receiving_place():
    title = "贵阳高新区对口帮扶工作回顾"
    text = (
        f"{title}\n结对帮扶望谟县三年来，高新区累计投入帮扶资金1200万元，带动望谟县4000余户群众增收。\n"
        "高新区派出干部25名。\n今年又实施帮扶项目9个，带动贫困户310户。"
    )
    claims = by_figure(text, title=title)
    assert (claims["1200万元"]["region"], claims["1200万元"]["region_code"]) == ("望谟县", "522326")
    assert claims["4000余户"]["region"] == "望谟县"
    assert claims["9个"]["region"] == "望谟县"  # no place in the sentence: the pairing's recipient
    assert claims["310户"]["region"] == "望谟县"
    # the helper's own staff stay with the helper, a zone the 2023 list does not hold
    assert (claims["25名"]["region"], claims["25名"]["region_code"]) == ("贵阳高新区", None)


def test_places_joined_by_a_list_mark_are_one_place_as_written():
    text = "望谟县今年脱贫攻坚成效明显，新屯村、纳夜村两个贫困村完成出列。"
    claim = by_figure(text)["两个"]
    assert (claim["region"], claim["region_code"], claim["metric"]) == ("新屯村、纳夜村", None, "villages_exited")


def test_a_region_lookup_given_by_the_caller_is_used():
    class Fixed:
        def resolve(self, name: str) -> str | None:
            return {"望谟县": "X-1"}.get(name)

    (claim,) = claims_in("望谟县新建茶园800亩。", regions=Fixed())
    assert (claim["region"], claim["region_code"]) == ("望谟县", "X-1")


def findings_of(text: str) -> list[dict]:
    return extract_text(text, None, None)[1]


def test_exits_above_registered_are_a_finding():
    text = "全镇共有建档立卡贫困户300户1000人。2015年至2017年累计脱贫200户700人。2018年脱贫150户260人。"
    claims, findings = extract_text(text, None, None)
    households = [f for f in findings if f["rule"] == "exits_exceed_registered" and "households" in f["message_en"]]
    assert len(households) == 1
    assert [claims[i]["value"] for i in households[0]["claims"]] == [300, 200, 150]
    assert "350" in households[0]["message_zh"] and "300" in households[0]["message_zh"]
    assert len(findings) == 1  # persons: 960 of 1000 is possible


def test_overlapping_periods_are_not_added_twice():
    text = "全镇共有建档立卡贫困户300户。2015年至2018年累计脱贫260户。2018年脱贫120户。"
    assert findings_of(text) == []


def test_parts_above_their_total_are_a_finding():
    text = "全县共投入扶贫资金500万元，其中财政资金300万元、社会捐款260万元。"
    claims, findings = extract_text(text, None, None)
    (finding,) = findings
    assert finding["rule"] == "parts_exceed_total" and finding["claims"] == [0, 1, 2]
    assert findings_of("全县共实施项目40个。其中产业项目25个，基础设施项目15个。") == []


def test_a_share_above_100_percent_is_a_finding_but_growth_is_not():
    (finding,) = findings_of("全村农户参保率达到104%。")
    assert finding["rule"] == "percent_over_100" and finding["message_en"]
    assert findings_of("合作社销售额同比增长150%。") == []
