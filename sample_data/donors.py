"""Who gives: a partner's departments, enterprises and social organisations, and a few individuals.

Enterprise and person names are composed from syllables, so that no real company or person is
named; department and organisation names are the generic ones every city government has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data import names
from sample_data.investment_vocab import DEPARTMENT, ENTERPRISE, INDIVIDUAL, SOCIAL_ORG

_DEPARTMENTS = (
    "党工委办公室 管委会办公室 组织部 宣传部 统战部 政法委 纪工委 财政局 教育局 卫生健康局 人力资源和社会保障局 "
    "农业农村局 商务局 经济发展局 城市管理局 生态环境分局 住房和城乡建设局 自然资源分局 市场监督管理局 "
    "应急管理局 民政局 文化旅游局 税务局 公安分局 投资促进局 审计局 统计局 科技局 交通运输局 水务局 "
    "国有资产监督管理局 总工会 团工委 妇联 机关事务管理局 司法局 退役军人事务局 医疗保障局"
).split()
_ORGANISATIONS = "慈善总会 红十字会 工商业联合会 青年企业家协会 扶贫开发协会 光彩事业促进会 志愿者协会 商会".split()
_BRAND = "鑫盛华源泰恒达信和丰瑞隆通宏兴嘉润博远安康祥佳汇创联德裕顺豪诚晟凯辉弘"
_TRADES = (
    "科技",
    "实业",
    "建设",
    "电子",
    "食品",
    "物流",
    "置业",
    "制药",
    "机械",
    "投资",
    "商贸",
    "农业开发",
    "汽车零部件",
    "新材料",
    "能源",
    "环保",
    "电气",
    "纺织",
    "建材",
    "旅游开发",
)


@dataclass(frozen=True)
class Donor:
    name: str
    kind: int  # position in investment_vocab.DONOR_TYPES
    parent: str  # 所属单位 as the ledger writes it; empty for individuals


def _enterprises(rng: np.random.Generator, count: int, short: str) -> list[str]:
    made: list[str] = []
    while len(made) < count:
        first, second = rng.choice(len(_BRAND), size=2, replace=False)
        name = f"{short}{_BRAND[first]}{_BRAND[second]}{_TRADES[int(rng.integers(len(_TRADES)))]}有限公司"
        if name not in made:
            made.append(name)
    return made


def roster(rng: np.random.Generator, partner: str, short: str, counts: tuple[int, int, int, int]) -> list[Donor]:
    departments, enterprises, organisations, individuals = counts
    picked = rng.choice(len(_DEPARTMENTS), size=min(departments, len(_DEPARTMENTS)), replace=False)
    donors = [Donor(f"{partner}{_DEPARTMENTS[i]}", DEPARTMENT, partner) for i in sorted(picked.tolist())]
    donors += [Donor(name, ENTERPRISE, partner) for name in _enterprises(rng, enterprises, short)]
    picked = rng.choice(len(_ORGANISATIONS), size=min(organisations, len(_ORGANISATIONS)), replace=False)
    donors += [Donor(f"{partner}{_ORGANISATIONS[i]}", SOCIAL_ORG, partner) for i in sorted(picked.tolist())]
    people: list[str] = []
    while len(people) < individuals:
        person = names.head_names(rng, rng.random(1) < 0.5, False)[0]
        if person not in people:
            people.append(person)
    donors += [Donor(person, INDIVIDUAL, "") for person in people]
    return donors
