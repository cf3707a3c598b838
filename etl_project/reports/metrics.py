"""What a figure measures, from its unit and the words of its clause.

Money is ``investment_amount`` when the word nearest before it says money was put in (投入, 投资,
资金, 捐赠, 拨付 …), including investment in projects ("完成投资38亿元"); output, income, prices
and dividends (产值, 增加值, 收入, 增收, 分红, 价 …) are ``other``, and so is a rate per unit (每亩, 元/亩).

For households and persons the verb decides, strongest first:
1. helpers (党员, 干部, 职工, 志愿者 …) are never beneficiaries: ``other``;
2. work (就业, 务工, 雇佣, 员工 …): ``persons_employed``;
3. being driven or reached (带动, 惠及, 受益, 覆盖, 帮助, 增收, 签订 …): ``*_benefited``, even when
   脱贫 follows ("带动487户…脱贫增收"): a project that drives households is not the registry's exit;
4. risk eliminated in the monitoring against a return to poverty (风险消除, 消除风险):
   ``risk_eliminated_*``;
5. monitoring (监测对象, 监测户, 纳入监测, and the three kinds of monitored household 脱贫不稳定户,
   边缘易致贫户, 突发严重困难户): ``monitored_*``; checked before exit and registration because
   脱贫不稳定户 says 脱贫 and 识别纳入监测 says 识别 without anyone exiting or being registered poor;
6. exit (脱贫, 退出, 摘帽, 出列, 销号): ``*_exited``;
7. registration (建档立卡, 识别, 在册, 共有/现有贫困…): ``registered_poor_*``.
Villages and counties exit by the same words unless they were only driven; projects are always
``projects_count``; a percentage is ``poverty_incidence`` only when it says 贫困发生率, and
``growth_rate`` when the words nearest before it say it grew (增长, 增幅, 增速). Money is
``income_per_person`` when it is an income per person (人均纯收入, 人均可支配收入, 人均收入) and no
word of putting money in comes after those words.
"""

from __future__ import annotations

import re

_INVESTMENT = (
    "投入",
    "投资",
    "资金",
    "拨付",
    "拨款",
    "捐赠",
    "捐款",
    "捐资",
    "捐助",
    "援助",
    "筹措",
    "筹集",
    "整合",
    "安排",
    "下达",
    "发放",
    "贷款",
    "信贷",
    "专项",
    "经费",
    "补助",
    "补贴",
    "奖补",
)
_NOT_INVESTMENT = (
    "产值",
    "增加值",
    "总值",
    "GDP",
    "收入",
    "营收",
    "营业",
    "销售",
    "利润",
    "利税",
    "税收",
    "分红",
    "增收",
    "收益",
    "效益",
    "价",
    "工资",
    "薪",
    "收购",
    "创收",
    "产出",
    "交易额",
    "成交",
)
_HELPERS = ("党员", "干部", "职工", "志愿者", "专家", "医生", "教师", "记者", "工作队")
_EMPLOYMENT = ("就业", "务工", "雇佣", "雇用", "用工", "员工", "上岗", "招聘", "吸纳", "农民工", "工人")
_BENEFIT = (
    "带动",
    "惠及",
    "受益",
    "受惠",
    "覆盖",
    "辐射",
    "帮助",
    "扶持",
    "资助",
    "救助",
    "增收",
    "分红",
    "签订",
    "结对",
    "联结",
    "帮带",
    "入股",
    "带来",
)
_EXIT = ("脱贫", "减贫", "退出", "摘帽", "出列", "销号")
_REGISTERED = re.compile("建档立卡|识别|在册|纳入|(?:共有|现有|有)贫困(?:户|人口)")
_RISK_ELIMINATED = re.compile("风险消除|消除(?:了)?(?:返贫|致贫|返贫致贫)?风险|解除风险")
# Only words that name households under monitoring: 防返贫监测排查 counts the households visited.
_MONITORED = re.compile("监测对象|监测户|纳入(?:防止返贫|防返贫)?(?:动态)?监测|脱贫不稳定户|边缘易致贫户|突发严重困难户")
_INCOME_PER_PERSON = re.compile("人均(?:纯|可支配)?收入")
_GROWTH = ("增长", "增幅", "增速", "同比增加", "年均增加")
_NOT_GROWTH = ("占比", "比重", "覆盖率", "发生率", "达标率", "满意度", "入学率", "参保率", "参合率", "认可度")
# Names of the campaign contain 脱贫 without saying anyone exited.
_CAMPAIGN = re.compile("脱贫攻坚|精准脱贫|脱贫工作|脱贫任务|脱贫致富路")
# 每亩, 每户, 每人: a rate per unit, not an amount (每年 and 每月 amounts are amounts over time).
_RATE = re.compile(r"每(?![年月季天日期])[\u4e00-\u9fff]")

_BY_UNIT = {
    "household": ("households_benefited", "households_exited", "registered_poor_households"),
    "person": ("persons_benefited", "persons_exited", "registered_poor_persons"),
}


def _nearest(before: str, words: tuple[str, ...]) -> int:
    return max((before.rfind(w) + len(w) for w in words if w in before), default=-1)


def _money(before: str, after: str) -> str:
    if _RATE.search(before) or after.startswith("/"):
        return "other"
    income = [m.end() for m in _INCOME_PER_PERSON.finditer(before)]
    if income and _nearest(before, _INVESTMENT) < income[-1] and "增收" not in before[income[-1] :]:
        return "income_per_person"
    put_in, earned = _nearest(before, _INVESTMENT), _nearest(before, _NOT_INVESTMENT)
    if put_in < 0 and earned < 0:
        put_in = 0 if any(w in after for w in _INVESTMENT) else -1
    return "investment_amount" if put_in > earned else "other"


def _has(words: tuple[str, ...], text: str) -> bool:
    return any(w in text for w in words)


def metric_of(unit: str, before: str, after: str) -> str:
    """``before`` and ``after`` are the figure's clause on either side of it (folded text)."""
    if unit == "yuan":
        return _money(before, after)
    if unit == "project":
        return "projects_count"
    if unit == "percent":
        if "贫困发生率" in before + after:
            return "poverty_incidence"
        return "growth_rate" if _nearest(before, _GROWTH) > _nearest(before, _NOT_GROWTH) else "other"
    clause = _CAMPAIGN.sub("", before + after)
    if unit in _BY_UNIT:
        benefited, exited, registered = _BY_UNIT[unit]
        if unit == "person":
            if after.startswith(_HELPERS) or before.endswith(_HELPERS):
                return "other"
            if _has(_EMPLOYMENT, clause):
                return "persons_employed"
        if _has(_BENEFIT, clause):
            return benefited
        if _RISK_ELIMINATED.search(clause):
            return f"risk_eliminated_{unit}s"
        if _MONITORED.search(clause):
            return f"monitored_{unit}s"
        if _has(_EXIT, clause):
            return exited
        if _REGISTERED.search(clause):
            return registered
        return "other"
    if unit in ("village", "county") and _has(_EXIT, clause) and not _has(_BENEFIT, clause):
        return "villages_exited" if unit == "village" else "counties_exited"
    return "other"
