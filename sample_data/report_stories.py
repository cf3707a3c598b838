"""The wording of the five showcase counties' reports: a news item, two year-end summaries, a
work report and a review, each quoting the county's own figures through a Draft.

Sentences are built so that every quoted figure is read as meant: a figure shares its clause with
the verb that says what it counts (投入, 脱贫, 出列, 建档立卡, 务工) and its sentence with the year it
belongs to; a township's figure shares its clause with the township, named without its county, as
local reports do; other places appear only in sentences whose figures the warehouse does not reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sample_data.report_draft import Draft
from sample_data.report_figures import Township

FUND_YEARS = (2016, 2020)
# Characters that make the extractor take a township's name for an ordinary word, or a number.
_UNSAFE_NAME_CHARS = set("和多那三四五")


@dataclass(frozen=True)
class Setting:
    name: str  # the county as the report names it
    partner: str  # the pairing partner as the county's ledgers name it
    departments: int
    enterprises: int
    month: int  # of the report's date
    day: int


@dataclass(frozen=True)
class Story:
    title: str
    blocks: list[tuple[str, str]]  # ("h", heading) or ("p", paragraph)


def _best_year(draft: Draft, metric: str, first: int = 2016, last: int = 2020) -> int:
    values = {y: draft.figures.value(metric, (y, y)) or 0 for y in range(first, last + 1)}
    return max(values, key=lambda y: (values[y], y))


def _township(draft: Draft) -> Township | None:
    """The township with the most exits over 2016-2020 among those whose names read as places."""

    def exits(place: Township) -> int:
        return sum(place.exited.get(y, (0, 0))[0] for y in range(2016, 2021))

    safe = [t for t in draft.figures.townships if not set(t.name[:-1]) & _UNSAFE_NAME_CHARS and exits(t) > 0]
    return max(safe, key=exits, default=None)


def _villages_clause(draft: Draft, period: tuple[int, int] | None, template: str, chinese_count: bool = False) -> str:
    """``template`` with {n}; empty when no poor village exited in the period."""
    if not draft.figures.value("villages_exited", period):
        return ""
    return template.format(n=draft.count("villages_exited", period, "个", in_chinese=chinese_count))


def ziyun(d: Draft, s: Setting) -> Story:
    year = _best_year(d, "investment_amount")
    villages = _villages_clause(d, FUND_YEARS, "2016年至2020年，全县累计出列贫困村{n}，")
    blocks = [
        (
            "p",
            f"{s.month}月{s.day}日，记者从{s.name}扶贫开发办公室了解到，截至2020年底，全县共有建档立卡贫困户"
            f"{d.count('registered_poor_households', (2020, 2020))}{d.count('registered_poor_persons', (2020, 2020), '人')}，"
            "贫困群众“两不愁三保障”突出问题得到全面解决。",
        ),
        ("h", "一、真金白银投入 夯实发展根基"),
        (
            "p",
            f"自{s.partner}结对帮扶以来，对方先后动员{s.departments}个部门、{s.enterprises}家企业参与帮扶，"
            "双方互派干部挂职交流，城市的人才、资金和市场持续向山乡汇聚。",
        ),
        (
            "p",
            f"2016年至2020年，全县累计投入帮扶资金{d.money_more(FUND_YEARS)}，重点投向产业发展、基础设施和教育医疗。"
            f"{year}年是投入力度最大的一年，当年到位资金{d.money((year, year))}。",
        ),
        ("h", "二、精准施策到户 稳步减贫摘帽"),
        (
            "p",
            f"2018年，全县脱贫{d.count('households_exited', (2018, 2018))}{d.count('persons_exited', (2018, 2018), '人')}；"
            f"2019年，全县脱贫{d.count('households_exited', (2019, 2019))}{d.count('persons_exited', (2019, 2019), '人')}。"
            f"{villages}贫困村基础设施短板基本补齐。",
        ),
        (
            "p",
            f"围绕红薯、食用菌等特色产业，全县新增种植红薯{d.pick(300, 3000)}亩，新修通组路{d.decimal(8, 60)}公里，"
            f"建成扶贫车间{d.pick(3, 20)}个。",
        ),
        ("p", f"劳务输出方面，全县建立劳务协作站{d.pick(4, 15)}个，组织{d.employed(0.3, 0.6)}贫困劳动力赴省内外务工。"),
        ("h", "三、巩固成果 接续奋斗"),
        (
            "p",
            f"下一步，{s.name}将严格落实“四个不摘”要求，继续发挥第一书记和驻村工作队作用，"
            "把防止返贫监测帮扶放在突出位置，推动脱贫攻坚与乡村振兴有效衔接。",
        ),
    ]
    return Story(f"{s.name}：真金白银投入 决战脱贫交出答卷", blocks)


def yongzhou(d: Draft, s: Setting) -> Story:
    town = _township(d)
    # The 2018 exits are overstated by about 7 %: the report disagrees with the registry.
    exits = (
        f"从年度看，2017年脱贫{d.count('households_exited', (2017, 2017))}{d.count('persons_exited', (2017, 2017), '人')}，"
        f"2018年脱贫{d.count('households_exited', (2018, 2018), skew=0.07)}{d.count('persons_exited', (2018, 2018), '人')}，"
        f"2019年脱贫{d.count('households_exited', (2019, 2019))}{d.count('persons_exited', (2019, 2019), '人')}。"
    )
    villages = _villages_clause(d, None, "全区累计退出贫困村{n}，村集体经济收入普遍增加。")
    # The township's persons are overstated by about 7 %: a township figure the registry disproves.
    township = (
        (
            f"2016年至2020年，{town.name}累计脱贫{d.township(town, (2016, 2020), '户')}"
            f"{d.township(town, (2016, 2020), '人', skew=0.07)}，走在全区前列。"
        )
        if town
        else ""
    )
    employed = f"园区企业吸纳{d.employed(0.1, 0.3)}贫困群众就业。"
    blocks = [
        ("p", f"2020年是脱贫攻坚收官之年。一年来，{s.name}坚持把脱贫攻坚作为头等大事，以产业园区带动周边村组发展，各项目标任务全面完成。"),
        ("h", "一、基本情况"),
        (
            "p",
            f"截至2020年末，全区建档立卡贫困户共{d.count('registered_poor_households', (2020, 2020))}"
            f"{d.count('registered_poor_persons', (2020, 2020), '人')}。{exits}{villages}",
        ),
        ("h", "二、主要做法"),
        (
            "p",
            f"“十三五”期间，全区累计投入各级各类帮扶资金{d.money_more(FUND_YEARS)}；"
            f"2020年投入{d.money((2020, 2020), form='yuan')}，用于产业扶持和基础设施补短板。",
        ),
        (
            "p",
            f"依托园区企业，全区新建标准化厂房{d.pick(5000, 40000)}平方米，引进企业{d.pick(5, 30)}家，"
            f"培训贫困劳动力{d.pick(500, 4000)}人次。{employed}{township}",
        ),
        ("h", "三、下一步打算"),
        ("p", "一是巩固“两不愁三保障”成果；二是做好防返贫动态监测和帮扶；三是推动园区产业与乡村振兴有效衔接。"),
    ]
    return Story("永州经济技术开发区2020年脱贫攻坚工作总结", blocks)


def nagqu(d: Draft, s: Setting) -> Story:
    villages_year = _best_year(d, "villages_exited")
    year = _best_year(d, "investment_amount")
    villages = _villages_clause(d, (villages_year, villages_year), f"{villages_year}年，全区有{{n}}贫困村退出。", chinese_count=True)
    blocks = [
        (
            "p",
            f"{s.name}地处藏北高原腹地，平均海拔4500米以上，是那曲市的政治、经济和文化中心。"
            "撤县设区以来，全区把脱贫攻坚作为最大的政治任务和第一民生工程。",
        ),
        (
            "p",
            f"截至2020年底，全区共有建档立卡贫困户{d.count('registered_poor_households', (2020, 2020))}、"
            f"贫困人口{d.count('registered_poor_persons', (2020, 2020), '人')}。"
            f"2019年，全区实现脱贫{d.count('households_exited', (2019, 2019))}{d.count('persons_exited', (2019, 2019), '人')}；"
            f"2020年，全区又脱贫{d.count('households_exited', (2020, 2020))}"
            f"{d.count('persons_exited', (2020, 2020), '人')}。"
            f"{villages}",
        ),
        (
            "p",
            f"2016年至2020年，全区累计落实各类帮扶资金{d.money_more(FUND_YEARS)}。"
            f"{year}年到位帮扶资金{d.money((year, year), skew=0.005)}，为历年最多。",
        ),
        (
            "p",
            f"全区开发生态岗位{d.pick(200, 1500)}个，安排{d.employed(0.1, 0.3)}贫困群众就近就业；"
            f"扶持牦牛养殖{d.pick(800, 6000)}头，人工种草{d.pick(1000, 9000)}亩。",
        ),
        ("p", "2019年12月，经自治区人民政府批准，全区退出贫困县（区）序列。今后将继续坚持“四个不摘”，巩固拓展脱贫攻坚成果。"),
    ]
    return Story(f"{s.name}脱贫攻坚工作综述", blocks)


def wangmo(d: Draft, s: Setting) -> Story:
    year = _best_year(d, "investment_amount", 2016, 2019)
    villages = _villages_clause(d, (2017, 2019), "2017年至2019年，全县{n}贫困村相继出列。")
    blocks = [
        (
            "p",
            f"今年以来，{s.name}紧紧围绕“两不愁三保障”目标，聚焦剩余贫困人口和易地扶贫搬迁后续扶持，"
            "全力以赴推动脱贫攻坚各项工作落地见效。现将有关情况报告如下。",
        ),
        ("h", "一、脱贫攻坚总体情况"),
        (
            "p",
            f"全县建档立卡贫困户{d.count('registered_poor_households', None)}{d.count('registered_poor_persons', None, '人')}，"
            f"分布在{d.pick(12, 17)}个乡镇（街道）。"
            f"今年以来，全县脱贫{d.count('households_exited', (2020, 2020))}{d.count('persons_exited', (2020, 2020), '人')}。"
            f"2014年至2020年，全县累计减贫{d.count('persons_exited', (2014, 2020), '人')}。{villages}",
        ),
        ("h", "二、资金投入和项目建设"),
        (
            "p",
            f"2016年至2020年，全县累计投入帮扶资金{d.money_more(FUND_YEARS)}。"
            f"{year}年投入{d.money((year, year))}，主要用于产业路、人饮工程和教育医疗补短板。",
        ),
        (
            "p",
            f"全县完成易地扶贫搬迁{d.share('registered_poor_households', 0.1, 0.35)}户，新建产业路{d.decimal(20, 120)}公里，"
            f"种植板栗、油茶{d.pick(2000, 20000)}亩。",
        ),
        ("h", "三、就业帮扶"),
        (
            "p",
            f"全县有组织输出贫困劳动力{d.employed(0.3, 0.6, '人')}外出务工，农村居民人均可支配收入"
            f"同比增长{d.unjudged('growth_rate', 'percent', None, 7, 12, '%')}。",
        ),
        ("p", "12月以来，县里组织第二批帮扶干部开展回头看，对照“两不愁三保障”逐户核查，确保不漏一户、不落一人。"),
    ]
    return Story(f"{s.name}2020年脱贫攻坚工作情况报告", blocks)


def monitoring_blocks(d: Draft) -> list[tuple[str, str]]:
    """The county's monitoring against a return to poverty at the last year the sample holds, quoted
    exactly, with income and growth the warehouse cannot judge. Nothing without monitoring figures."""
    years = [y for y, row in d.figures.monitoring.items() if row["cumulative_taken_in_households"]]
    if not years:
        return []
    year = max(years)
    row = d.figures.monitoring[year]
    flows = []
    if row["newly_taken_in_households"]:
        flows.append(f"全县新纳入监测户{d.monitoring('monitored_households', 'newly_taken_in_households', year, '户')}")
    if row["eliminated_households"]:
        flows.append(f"当年消除风险{d.monitoring('risk_eliminated_households', 'eliminated_households', year, '户')}")
    eliminated = (
        f"，已消除风险{d.monitoring('risk_eliminated_households', 'cumulative_eliminated_households', year, '户')}"
        f"{d.monitoring('risk_eliminated_persons', 'cumulative_eliminated_persons', year, '人')}"
        if row["cumulative_eliminated_households"]
        else ""
    )
    income = (
        f"脱贫人口人均纯收入达到{d.unjudged('income_per_person', 'yuan', (year, year), 11000, 16000, '元')}，"
        f"同比增长{d.unjudged('growth_rate', 'percent', (year, year), 6, 15, '%')}。"
    )
    return [
        ("h", "巩固拓展脱贫攻坚成果"),
        (
            "p",
            f"截至{year}年底，全县累计识别纳入防止返贫监测对象"
            f"{d.monitoring('monitored_households', 'cumulative_taken_in_households', year, '户')}"
            f"{d.monitoring('monitored_persons', 'cumulative_taken_in_persons', year, '人')}{eliminated}。"
            f"{year}年，{'，'.join(flows) + '，' if flows else ''}{income}",
        ),
    ]


def xintian(d: Draft, s: Setting) -> Story:
    town = _township(d)
    registered = d.figures.value("registered_poor_households", (2020, 2020))
    early = d.figures.value("households_exited", (2014, 2017))
    township = (f"{town.name}2016年至2020年累计脱贫{d.township(town, (2016, 2020), '户')}，是全县减贫人数最多的乡镇。") if town else ""
    villages = _villages_clause(d, None, "全县累计出列贫困村{n}。")
    blocks = [
        (
            "p",
            f"{s.name}地处湘南，曾是国家扶贫开发工作重点县，2019年经省人民政府批准退出贫困县序列。"
            f"广东省{s.partner}对口帮扶以来，两地在产业、劳务、消费等方面深度协作。",
        ),
        ("h", "一、减贫成效"),
        (
            "p",
            f"截至2020年底，全县共有建档立卡贫困户{d.count('registered_poor_households', (2020, 2020))}"
            f"{d.count('registered_poor_persons', (2020, 2020), '人')}。",
        ),
        # The second period's exits are overstated past what was ever registered: the report
        # contradicts itself, and the registry.
        (
            "p",
            f"2014年至2017年，全县累计脱贫{d.count('households_exited', (2014, 2017))}"
            f"{d.count('persons_exited', (2014, 2017), '人')}；2018年至2020年，全县又有"
            f"{d.count('households_exited', (2018, 2020), skew=0.07, at_least=registered - early + 1)}"
            f"{d.count('persons_exited', (2018, 2020), '人')}脱贫。{township}{villages}",
        ),
        ("h", "二、投入保障"),
        ("p", f"2016年至2020年，全县累计投入帮扶资金{d.money_more(FUND_YEARS)}，2020年当年投入{d.money((2020, 2020))}。"),
        (
            "p",
            f"全县发展富硒蔬菜{d.pick(3000, 15000)}亩，修建产业路{d.decimal(10, 80)}公里。"
            f"借助劳务协作，全县组织{d.employed(0.2, 0.5)}贫困劳动力赴沿海地区务工。",
        ),
        ("h", "三、经验启示"),
        ("p", "实践证明，坚持“五级书记抓扶贫”，选优配强第一书记，是打赢脱贫攻坚战的重要保证。"),
    ]
    return Story(f"{s.name}脱贫攻坚成效与经验", blocks)


STORIES = {"ziyun": ziyun, "yongzhou_zone": yongzhou, "nagqu": nagqu, "wangmo": wangmo, "xintian": xintian}
