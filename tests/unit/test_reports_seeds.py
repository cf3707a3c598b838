"""The two seed reports, read from the shared folder: every figure checked by hand against the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl_project.reports import extract_report

SEEDS = Path("/work/shared/seeds")
ZONE = "永州经开区"


def seed(name: str) -> dict:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed report {path} is not on this machine (it lives in the shared folder, not the repository)")
    return extract_report(path)


def table(report: dict) -> list[tuple]:
    body = report["body"]
    return [(body[c["start"] : c["end"]], c["value"], c["unit"], c["approx"], c["metric"], c["period"]) for c in report["claims"]]


def by_figure(report: dict) -> dict[str, dict]:
    body = report["body"]
    return {body[c["start"] : c["end"]]: c for c in report["claims"]}


GUIYANG = [
    ("27家", 27, "department", False, "other", None),
    ("30余家", 30, "enterprise", True, "other", None),
    ("1000余名", 1000, "person", True, "other", None),
    ("2386万余元", 23_860_000, "yuan", True, "investment_amount", None),
    ("127个", 127, "project", False, "projects_count", None),
    ("30余个", 30, "village", True, "other", None),
    ("10余个", 10, "count", True, "other", None),
    ("21个", 21, "project", False, "projects_count", None),
    ("487户", 487, "household", False, "households_benefited", None),
    ("2932名", 2932, "person", False, "persons_benefited", None),
    ("400余万元", 4_000_000, "yuan", True, "investment_amount", None),
    ("3个", 3, "village", False, "other", None),
    ("485盏", 485, "count", False, "other", None),
    ("3条", 3, "count", False, "other", None),
    ("36余万元", 360_000, "yuan", True, "investment_amount", None),
    ("5个", 5, "count", False, "other", None),
    ("100余套", 100, "count", True, "other", None),
    ("1200余人", 1200, "person", True, "persons_benefited", None),
    ("971万元", 9_710_000, "yuan", False, "investment_amount", "2018-2019"),
    ("200亩", 200, "mu", False, "other", None),
    ("4个", 4, "project", False, "projects_count", None),
    ("265户", 265, "household", False, "households_benefited", None),
]


def test_seed_guiyang_zone_helping_ziyun():
    report = seed("000_ebdab4a296e003dc.txt")
    assert report["report_date"] == "2020-05-28"
    assert report["title"] == "贵阳经开区:强化对口帮扶 决战脱贫攻坚"
    for furniture in ("首页", "来源", "热度", "时间:"):
        assert furniture not in report["body"]
    assert table(report) == GUIYANG
    claims = by_figure(report)
    # The zone's money and projects went to the county it helps.
    for figure in ("2386万余元", "127个", "487户", "2932名", "36余万元", "971万元", "265户"):
        assert (claims[figure]["region"], claims[figure]["region_code"]) == ("紫云县", "520425"), figure
    # The helper's own departments stay with it; its zone is not in the 2023 list.
    assert (claims["27家"]["region"], claims["27家"]["region_code"]) == ("贵阳经开区", None)
    assert claims["200亩"]["region"] == "牛场村"
    assert report["findings"] == []


YONGZHOU = [
    ("593户", 593, "household", False, "registered_poor_households", None),
    ("1755人", 1755, "person", False, "registered_poor_persons", None),
    ("393户", 393, "household", False, "households_exited", "2014-2016"),
    ("1154人", 1154, "person", False, "persons_exited", "2014-2016"),
    ("两个", 2, "village", False, "villages_exited", None),  # 今年, and the page gives no date
    ("284户", 284, "household", False, "households_exited", "2017"),
    ("844人", 844, "person", False, "persons_exited", "2017"),
    ("400亩", 400, "mu", False, "other", None),
    ("800元", 800, "yuan", False, "other", None),
    ("10万元", 100_000, "yuan", False, "other", None),
    ("3000元", 3000, "yuan", False, "other", None),
    ("近20户", 20, "household", True, "households_benefited", None),
    ("400余万元", 4_000_000, "yuan", True, "investment_amount", None),
    ("200亩", 200, "mu", False, "other", None),
    ("50亩", 50, "mu", False, "other", None),
    ("1500亩", 1500, "mu", False, "other", None),
    ("5个", 5, "enterprise", False, "other", None),
    ("3家", 3, "household", False, "households_benefited", None),
    ("60余人", 60, "person", True, "persons_employed", None),
    ("550余户", 550, "household", True, "households_benefited", None),
    ("2600多亩", 2600, "mu", True, "other", None),
    ("800多亩", 800, "mu", True, "other", None),
    ("42人", 42, "person", False, "persons_employed", None),
    ("120余人", 120, "person", True, "persons_employed", None),
    ("33户", 33, "household", False, "households_benefited", None),
    ("10万余元", 100_000, "yuan", True, "other", None),
    ("两个", 2, "village", False, "other", None),
    ("约2.1万度", 21_000, "kwh", True, "other", None),
    ("约1.8万度", 18_000, "kwh", True, "other", None),
    ("120.2亿元", 12_020_000_000, "yuan", False, "other", None),
    ("31.7%", 31.7, "percent", False, "growth_rate", None),
    ("24.3亿元", 2_430_000_000, "yuan", False, "other", None),
    ("13.1%", 13.1, "percent", False, "growth_rate", None),
    ("82个", 82, "project", False, "projects_count", None),
    ("38亿元", 3_800_000_000, "yuan", False, "investment_amount", None),
    ("30个", 30, "project", False, "projects_count", None),
    ("30.9亿元", 3_090_000_000, "yuan", False, "investment_amount", None),
    ("13个", 13, "project", False, "projects_count", None),
    ("17亿元", 1_700_000_000, "yuan", False, "investment_amount", None),
    ("8个", 8, "project", False, "projects_count", None),
    ("1个", 1, "project", False, "projects_count", None),
    ("50亿元", 5_000_000_000, "yuan", False, "investment_amount", None),
    ("600余人", 600, "person", True, "persons_employed", None),
    ("2公里", 2, "km", False, "other", None),
    ("27余座", 27, "count", True, "other", None),
    ("1个", 1, "project", False, "projects_count", None),
    ("3公里", 3, "km", False, "other", None),
    ("60万", 600_000, "yuan", False, "investment_amount", "2017"),
]


def test_seed_yongzhou_zone_and_its_own_contradiction():
    report = seed("002_9507989a9390650a.txt")
    assert report["report_date"] is None
    assert report["title"] == "永州经开区脱贫攻坚纪实:扶贫花开惠乡邻"
    assert "相关链接" not in report["body"] and "冷水滩" not in report["body"] and "返回" not in report["body"]
    assert "当前位置" not in report["body"]
    assert table(report) == YONGZHOU
    claims = report["claims"]
    for index in (0, 1, 2, 3, 5, 6):
        assert (claims[index]["region"], claims[index]["region_code"]) == (ZONE, "431171")
    figures = by_figure(report)
    assert figures["400亩"]["region"] == "罗建村"
    assert figures["约2.1万度"]["region"] == "罗建村"
    assert figures["约1.8万度"]["region"] == "金台村"
    assert figures["1500亩"]["region"] == "金台、东冲村"
    assert (claims[4]["region"], claims[4]["region_code"]) == ("罗建村、金台村", None)

    households, persons = report["findings"]
    assert households["rule"] == persons["rule"] == "exits_exceed_registered"
    # 593 registered households, then 393 (2014-2016) + 284 (2017) = 677 exited
    assert [claims[i]["value"] for i in households["claims"]] == [593, 393, 284]
    assert "677" in households["message_zh"] and "593" in households["message_en"]
    # the persons say the same: 1755 registered, 1154 + 844 = 1998 exited
    assert [claims[i]["value"] for i in persons["claims"]] == [1755, 1154, 844]


@pytest.mark.parametrize("name", ["000_ebdab4a296e003dc.txt", "002_9507989a9390650a.txt"])
def test_seed_dates_ordinals_and_names_are_not_claims(name):
    report = seed(name)
    body = report["body"]
    for claim in report["claims"]:
        written = body[claim["start"] : claim["end"]]
        assert not any(mark in written for mark in ("年", "月", "日", "第", "医院", "大")), written
        assert claim["text"] in body and claim["start"] >= body.index(claim["text"])
