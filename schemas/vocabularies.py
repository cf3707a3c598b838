"""Category vocabularies of the national registry system, with the names files use for them.

Files write a category either by its code ("01", "1") or by its name ("因病", "低保贫困户"); other
systems number the same causes differently, so names are matched first and codes second.

Each vocabulary also says, in Chinese and English, what it is and what each code means: the
warehouse's analytics.dim_code and every ``*_name`` column beside a code are made from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vocabulary:
    name: str
    codes: dict[str, str]  # code -> canonical Chinese name
    aliases: dict[str, str]  # extra spellings -> code
    code_width: int
    en: dict[str, str] = field(default_factory=dict)  # code -> English name
    zh_title: str = ""  # what the vocabulary classifies, in Chinese
    en_title: str = ""  # and in English

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (code, unpadded code, name, alias) mapped to its code."""
        table: dict[str, str] = {}
        for code, label in self.codes.items():
            table[code] = code
            table[code.lstrip("0") or "0"] = code
            table[label] = code
        table.update(self.aliases)
        return table


HOUSEHOLD_ATTRIBUTE = Vocabulary(
    name="household_attribute",
    codes={
        "01": "一般贫困户",
        "02": "低保贫困户",
        "03": "特困供养贫困户",
        "04": "一般脱贫户",
        "05": "低保脱贫户",
        "06": "特困供养脱贫户",
        "07": "边缘易致贫户",
        "08": "脱贫不稳定户",
    },
    aliases={"一般户": "01", "低保户": "02", "五保户": "03", "五保贫困户": "03", "特困户": "03"},
    code_width=2,
    zh_title="贫困户属性",
    en_title="household attribute",
    en={
        "01": "general poor household",
        "02": "poor household on minimum living allowance (dibao)",
        "03": "poor household in destitute support (tekun)",
        "04": "general household out of poverty",
        "05": "dibao household out of poverty",
        "06": "tekun household out of poverty",
        "07": "marginal household at risk of poverty",
        "08": "household whose exit is not yet stable",
    },
)

POVERTY_CAUSE = Vocabulary(
    name="poverty_cause",
    codes={
        "01": "因病",
        "02": "因残",
        "03": "因学",
        "04": "因灾",
        "05": "缺土地",
        "06": "缺水",
        "07": "缺技术",
        "08": "缺劳力",
        "09": "缺资金",
        "10": "交通条件落后",
        "11": "自身发展动力不足",
        "12": "其他",
        # Causes of returning to poverty only.
        "13": "因婚",
        "14": "产业项目失败",
    },
    aliases={
        "交通落后": "10",
        "交通条件差": "10",
        "缺乏劳动力": "08",
        "缺劳动力": "08",
        "缺乏技术": "07",
        "缺乏资金": "09",
        "因病致贫": "01",
        "因残致贫": "02",
        "因学致贫": "03",
        "因灾致贫": "04",
        "发展动力不足": "11",
        "其它": "12",
    },
    code_width=2,
    zh_title="主要致贫原因",
    en_title="main cause of poverty",
    en={
        "01": "illness",
        "02": "disability",
        "03": "schooling costs",
        "04": "natural disaster",
        "05": "lack of land",
        "06": "lack of water",
        "07": "lack of skills",
        "08": "lack of labour",
        "09": "lack of funds",
        "10": "poor transport",
        "11": "lack of own drive",
        "12": "other",
        "13": "marriage",
        "14": "failed industry project",
    },
)

EXIT_STATUS = Vocabulary(
    name="exit_status",
    codes={"0": "未脱贫", "1": "已脱贫（享受政策）", "3": "返贫", "4": "已脱贫（不享受政策）"},
    aliases={
        "已脱贫(享受政策)": "1",
        "已脱贫(不享受政策)": "4",
        "脱贫（享受政策）": "1",
        "脱贫（不享受政策）": "4",
        "脱贫(享受政策)": "1",
        "脱贫(不享受政策)": "4",
        "已脱贫": "1",
        "脱贫": "1",
        "稳定脱贫": "4",
        # 脱贫属性 of the per-person export: 预脱贫 is an exit planned for the year, not yet one.
        "预脱贫": "0",
    },
    code_width=1,
    zh_title="脱贫状态",
    en_title="exit status",
    en={
        "0": "not out of poverty",
        "1": "out of poverty (still supported)",
        "3": "returned to poverty",
        "4": "out of poverty (support ended)",
    },
)

YES_NO = Vocabulary(
    name="yes_no",
    codes={"1": "是", "0": "否"},
    aliases={"Y": "1", "N": "0", "有": "1", "无": "0", "√": "1", "×": "0", "已保障": "1", "未保障": "0"},
    code_width=1,
    zh_title="是否",
    en_title="yes or no",
    en={"1": "yes", "0": "no"},
)

EXITED_STATUSES = ("1", "3", "4")

VOCABULARIES = {v.name: v for v in (HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE, EXIT_STATUS, YES_NO)}

# Investment sources (fund ledgers, project lists). Codes are the project's own, short English words
# that read well in SQL; names are how ledgers write them.
FUND_CATEGORY = Vocabulary(
    name="fund_category",
    codes={
        "industry": "产业",
        "infrastructure": "基础设施",
        "education": "教育",
        "health": "医疗",
        "employment": "就业",
        "consumption": "消费帮扶",
        "relocation": "易地搬迁",
        "other": "其他",
    },
    aliases={
        "产业扶贫": "industry",
        "产业发展": "industry",
        "产业项目": "industry",
        "基础设施建设": "infrastructure",
        "基础设施扶贫": "infrastructure",
        "基础建设": "infrastructure",
        "教育扶贫": "education",
        "助学": "education",
        "健康扶贫": "health",
        "医疗扶贫": "health",
        "医疗卫生": "health",
        "就业扶贫": "employment",
        "劳务协作": "employment",
        "就业帮扶": "employment",
        "消费扶贫": "consumption",
        "消费": "consumption",
        "易地扶贫搬迁": "relocation",
        "搬迁": "relocation",
        "其它": "other",
    },
    code_width=0,
    zh_title="资金类别（项目类型）",
    en_title="category of assistance (project type)",
    en={
        "industry": "industry",
        "infrastructure": "infrastructure",
        "education": "education",
        "health": "health care",
        "employment": "employment",
        "consumption": "consumption assistance",
        "relocation": "relocation",
        "other": "other",
    },
)

FUND_SOURCE = Vocabulary(
    name="fund_source",
    codes={
        "fiscal": "财政专项",
        "credit": "信贷",
        "own_funds": "单位自筹",
        "donation": "社会募捐",
        "social_investment": "社会引资",
        "other": "其他",
    },
    aliases={
        "财政专项资金": "fiscal",
        "财政资金": "fiscal",
        "财政": "fiscal",
        "财政扶贫资金": "fiscal",
        # wide tables split the fiscal money by level of government: each is fiscal money
        "中央财政资金": "fiscal",
        "省级财政资金": "fiscal",
        "市级财政资金": "fiscal",
        "县级财政资金": "fiscal",
        "省级财政": "fiscal",
        "市级财政": "fiscal",
        "县级财政": "fiscal",
        "省级财政安排": "fiscal",
        "市县财政安排": "fiscal",
        "信贷资金": "credit",
        "扶贫贷款": "credit",
        "贷款": "credit",
        "自筹": "own_funds",
        "自筹资金": "own_funds",
        "单位自筹资金": "own_funds",
        "捐赠": "donation",
        "捐款": "donation",
        "社会捐赠": "donation",
        "募捐": "donation",
        "引资": "social_investment",
        "招商引资": "social_investment",
        "社会资金": "social_investment",
        "其它": "other",
        "其他资金": "other",
        "其它资金": "other",
    },
    code_width=0,
    zh_title="资金来源",
    en_title="fund source",
    en={
        "fiscal": "fiscal special funds",
        "credit": "credit",
        "own_funds": "the unit's own funds",
        "donation": "donations",
        "social_investment": "attracted social investment",
        "other": "other",
    },
)

DONOR_TYPE = Vocabulary(
    name="donor_type",
    codes={"department": "部门", "enterprise": "企业", "social_org": "社会组织", "individual": "个人"},
    aliases={
        "单位": "department",
        "机关": "department",
        "部门单位": "department",
        "机关单位": "department",
        "事业单位": "department",
        "国有企业": "enterprise",
        "民营企业": "enterprise",
        "国企": "enterprise",
        "民企": "enterprise",
        "公司": "enterprise",
        "社会团体": "social_org",
        "协会": "social_org",
        "基金会": "social_org",
        "商会": "social_org",
        "爱心人士": "individual",
        "党员": "individual",
        "干部职工": "individual",
    },
    code_width=0,
    zh_title="帮扶单位类型",
    en_title="donor type",
    en={
        "department": "government department or public institution",
        "enterprise": "enterprise",
        "social_org": "social organisation",
        "individual": "individual",
    },
)

PROJECT_STATUS = Vocabulary(
    name="project_status",
    codes={"planned": "未开工", "in_progress": "在建", "completed": "完工", "accepted": "已验收", "suspended": "停建"},
    aliases={
        "计划": "planned",
        "拟建": "planned",
        "待建": "planned",
        "在建中": "in_progress",
        "实施中": "in_progress",
        "建设中": "in_progress",
        "已开工": "in_progress",
        "已完工": "completed",
        "竣工": "completed",
        "已竣工": "completed",
        "完成": "completed",
        "验收": "accepted",
        "已验收完成": "accepted",
        "暂停": "suspended",
        "终止": "suspended",
    },
    code_width=0,
    zh_title="项目状态",
    en_title="project status",
    en={
        "planned": "not started",
        "in_progress": "under construction",
        "completed": "completed",
        "accepted": "accepted",
        "suspended": "suspended",
    },
)

VOCABULARIES.update({v.name: v for v in (FUND_CATEGORY, FUND_SOURCE, DONOR_TYPE, PROJECT_STATUS)})

# Member columns of the national system's per-person export.
SEX = Vocabulary(
    name="sex",
    codes={"male": "男", "female": "女"},
    aliases={"男性": "male", "女性": "female"},
    code_width=0,
    zh_title="性别",
    en_title="sex",
    en={"male": "male", "female": "female"},
)

LABOUR_SKILL = Vocabulary(
    name="labour_skill",
    codes={
        "ordinary": "普通劳动力",
        "skilled": "技能劳动力",
        "weak": "弱劳动力或半劳动力",
        "lost": "丧失劳动力",
        "none": "无劳动力",
    },
    aliases={"弱劳动力": "weak", "半劳动力": "weak", "丧失劳动能力": "lost", "无劳动能力": "none"},
    code_width=0,
    zh_title="劳动能力",
    en_title="labour capacity",
    en={
        "ordinary": "ordinary labour",
        "skilled": "skilled labour",
        "weak": "weak or half labour",
        "lost": "labour capacity lost",
        "none": "no labour capacity",
    },
)

# 在校生状况 as the national system writes it, and the ages (as of the snapshot's year) a pupil of
# that stage can have; a generous span, so that only a plain contradiction is reported (a six-year-old
# at university, a sixty-year-old in primary school). The first stage whose name opens the text counts.
SCHOOLING_AGES = (
    ("学前", 2, 8),
    ("小学", 5, 16),
    ("七年级", 10, 19),
    ("八年级", 10, 19),
    ("九年级", 10, 19),
    ("初中", 10, 19),
    ("高中", 13, 23),
    ("普通高中", 13, 23),
    ("中职", 13, 25),
    ("中专", 13, 25),
    ("技校", 13, 25),
    ("高职", 15, 30),
    ("大专", 15, 30),
    ("本科", 15, 35),
    ("研究生", 18, 45),
    ("硕士", 18, 45),
    ("博士", 20, 50),
)

VOCABULARIES.update({v.name: v for v in (SEX, LABOUR_SKILL)})

# The warehouse's own codes: the level of a region, what a report's figure measures, and how a
# figure compares with the warehouse. They are never read from files, only written by the pipeline.
REGION_LEVEL = Vocabulary(
    name="region_level",
    codes={"province": "省级", "city": "地级", "county": "县级", "township": "乡镇", "village": "行政村"},
    aliases={},
    code_width=0,
    zh_title="区划层级",
    en_title="region level",
    en={"province": "province", "city": "prefecture", "county": "county", "township": "township", "village": "village"},
)

REPORT_METRIC = Vocabulary(
    name="report_metric",
    codes={
        "investment_amount": "帮扶资金投入",
        "registered_poor_households": "建档立卡贫困户数",
        "registered_poor_persons": "建档立卡贫困人口数",
        "households_exited": "脱贫户数",
        "persons_exited": "脱贫人口数",
        "households_benefited": "带动贫困户数",
        "persons_benefited": "带动贫困人口数",
        "persons_employed": "带动就业人数",
        "villages_exited": "出列贫困村数",
        "counties_exited": "摘帽贫困县数",
        "projects_count": "项目数",
        "poverty_incidence": "贫困发生率",
        "monitored_households": "防止返贫监测对象户数",
        "monitored_persons": "防止返贫监测对象人数",
        "risk_eliminated_households": "风险消除户数",
        "risk_eliminated_persons": "风险消除人数",
        "income_per_person": "人均收入",
        "growth_rate": "增长率",
        "other": "其他（不核对）",
    },
    aliases={},
    code_width=0,
    zh_title="报告数字指标",
    en_title="what a report's figure measures",
    en={
        "investment_amount": "money put in",
        "registered_poor_households": "registered poor households",
        "registered_poor_persons": "registered poor persons",
        "households_exited": "households out of poverty",
        "persons_exited": "persons out of poverty",
        "households_benefited": "poor households benefited",
        "persons_benefited": "poor persons benefited",
        "persons_employed": "persons employed",
        "villages_exited": "poor villages exited",
        "counties_exited": "poverty counties exited",
        "projects_count": "projects",
        "poverty_incidence": "poverty incidence",
        "monitored_households": "households under monitoring against a return to poverty",
        "monitored_persons": "persons under monitoring against a return to poverty",
        "risk_eliminated_households": "monitored households whose risk was eliminated",
        "risk_eliminated_persons": "monitored persons whose risk was eliminated",
        "income_per_person": "income per person",
        "growth_rate": "growth rate",
        "other": "other (not reconciled)",
    },
)

RECONCILIATION_STATUS = Vocabulary(
    name="reconciliation_status",
    codes={
        "match": "一致",
        "within_tolerance": "在容差内",
        "mismatch": "不一致",
        "ambiguous": "无法确定（同名乡镇）",
        "no_data": "仓库无数据",
    },
    aliases={},
    code_width=0,
    zh_title="核对结果",
    en_title="reconciliation status",
    en={
        "match": "match",
        "within_tolerance": "within tolerance (1 %)",
        "mismatch": "mismatch",
        "ambiguous": "ambiguous (township name found in several places)",
        "no_data": "no warehouse figure",
    },
)

VOCABULARIES.update({v.name: v for v in (REGION_LEVEL, REPORT_METRIC, RECONCILIATION_STATUS)})

# Monitoring against a return to poverty (防止返贫监测), from 2020 on. Numbered like the monitoring
# system's own lists; files write a category, risk or measure by its number or by its name, and a
# cell of risks or measures often holds two or three joined with 、.
MONITORING_CATEGORY = Vocabulary(
    name="monitoring_category",
    codes={"01": "脱贫不稳定户", "02": "边缘易致贫户", "03": "突发严重困难户"},
    aliases={
        "脱贫不稳定": "01",
        "不稳定户": "01",
        "脱贫监测户": "01",
        "边缘易致贫": "02",
        "边缘户": "02",
        "边缘易致贫人口": "02",
        "突发严重困难": "03",
        "突发困难户": "03",
        "严重困难户": "03",
    },
    code_width=2,
    zh_title="监测对象类别",
    en_title="category of monitored household",
    en={
        "01": "exited household at risk of returning to poverty",
        "02": "marginal household at risk of falling into poverty",
        "03": "household in sudden severe hardship",
    },
)

RISK_TYPE = Vocabulary(
    name="risk_type",
    codes={
        "01": "因病",
        "02": "因残",
        "03": "因学",
        "04": "因自然灾害",
        "05": "因意外事故",
        "06": "因产业项目失败",
        "07": "因务工就业不稳",
        "08": "缺劳动力",
        "09": "住房出现安全问题/刚性支出过大",
        "99": "其他",
    },
    aliases={
        "因灾": "04",
        "自然灾害": "04",
        "因意外": "05",
        "意外事故": "05",
        "因产业失败": "06",
        "产业项目失败": "06",
        "因务工就业不稳定": "07",
        "务工就业不稳": "07",
        "就业不稳": "07",
        "缺劳力": "08",
        "缺乏劳动力": "08",
        "刚性支出过大": "09",
        "因刚性支出过大": "09",
        "住房出现安全问题": "09",
        "住房安全问题": "09",
        "其它": "99",
    },
    code_width=2,
    zh_title="致贫返贫风险类型",
    en_title="risk type",
    en={
        "01": "illness",
        "02": "disability",
        "03": "schooling",
        "04": "natural disaster",
        "05": "accident",
        "06": "industry project failure",
        "07": "unstable work",
        "08": "lack of labour",
        "09": "unsafe housing or high rigid expenses",
        "99": "other",
    },
)

HELP_MEASURE = Vocabulary(
    name="help_measure",
    codes={
        "01": "产业帮扶",
        "02": "就业帮扶",
        "03": "公益岗位",
        "04": "小额信贷",
        "05": "健康帮扶",
        "06": "教育帮扶",
        "07": "住房保障",
        "08": "综合保障(低保/特困)",
        "99": "其他",
    },
    aliases={
        "产业": "01",
        "产业扶持": "01",
        "就业": "02",
        "务工就业": "02",
        "公益性岗位": "03",
        "公益岗": "03",
        "小额贷款": "04",
        "扶贫小额信贷": "04",
        "健康": "05",
        "医疗救助": "05",
        "教育": "06",
        "教育资助": "06",
        "住房": "07",
        "危房改造": "07",
        "综合保障": "08",
        "低保": "08",
        "特困": "08",
        "特困供养": "08",
        "低保/特困": "08",
        "兜底保障": "08",
        "社会保障": "08",
        "其它": "99",
    },
    code_width=2,
    zh_title="帮扶措施",
    en_title="help measure",
    en={
        "01": "industry",
        "02": "employment",
        "03": "public-welfare post",
        "04": "small credit",
        "05": "health",
        "06": "education",
        "07": "housing",
        "08": "social security (dibao / tekun)",
        "99": "other",
    },
)

ELIMINATION_METHOD = Vocabulary(
    name="elimination_method",
    codes={"by_help": "帮扶消除", "natural": "自然消除"},
    aliases={"帮扶": "by_help", "帮扶后消除": "by_help", "自然": "natural", "自然消除风险": "natural"},
    code_width=0,
    zh_title="风险消除方式",
    en_title="how the risk was eliminated",
    en={"by_help": "eliminated by help", "natural": "eliminated naturally"},
)

VOCABULARIES.update({v.name: v for v in (MONITORING_CATEGORY, RISK_TYPE, HELP_MEASURE, ELIMINATION_METHOD)})
