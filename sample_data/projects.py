"""A county's poverty-alleviation projects: where, what, when, how big and whom they reach.

Each project sits in one registry village, weighted by how many households the village registers,
and reaches between five and all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sample_data.geography import Geography
from sample_data.investment_vocab import (
    ACCEPTED,
    CATEGORY_P,
    COMPLETED,
    CONSUMPTION,
    EDUCATION,
    EMPLOYMENT,
    HEALTH,
    IN_PROGRESS,
    INDUSTRY,
    INFRASTRUCTURE,
    OTHER,
    PLANNED,
    RELOCATION,
)

REPORTED = date(2020, 12, 31)  # the lists describe projects as they stood at the end of 2020
_START_YEARS = np.arange(2016, 2022)
_START_YEAR_P = np.array([0.14, 0.2, 0.22, 0.22, 0.17, 0.05])
_CROPS = "精品水果 茶叶 蔬菜 中药材 刺梨 百香果 李子 油茶 猕猴桃 花椒".split()
_ANIMALS = (
    ("生猪", "头", 100, 2000),
    ("肉牛", "头", 30, 400),
    ("蛋鸡", "羽", 2000, 30000),
    ("中华蜂", "箱", 100, 1000),
    ("山羊", "只", 100, 1500),
)
# (name template, scale unit, low, high, decimals); {p} is the village, with or without its township.
_TEMPLATES = {
    INFRASTRUCTURE: (
        ("{v}通组路硬化工程", "公里", 1, 12, 1),
        ("{v}太阳能路灯安装工程", "盏", 50, 600, 0),
        ("{v}人饮安全巩固提升工程", "户", 30, 300, 0),
        ("{p}产业路建设项目", "公里", 1, 8, 1),
        ("{p}危桥改造工程", "座", 1, 3, 0),
    ),
    EDUCATION: (
        ("{t}中心幼儿园建设项目", "平方米", 600, 3000, 0),
        ("{p}教育资助项目", "人", 20, 200, 0),
        ("{t}中学学生宿舍改造工程", "平方米", 3000, 15000, 0),
    ),
    HEALTH: (
        ("{v}标准化卫生室建设", "平方米", 60, 200, 0),
        ("{p}家庭医生签约服务", "户", 50, 500, 0),
        ("{t}卫生院医疗设备购置", "台", 5, 40, 0),
    ),
    EMPLOYMENT: (
        ("{p}扶贫车间建设项目", "平方米", 500, 3000, 0),
        ("{t}劳动力技能培训", "人", 50, 500, 0),
        ("{p}公益性岗位开发", "个", 10, 80, 0),
    ),
    CONSUMPTION: (("{t}农特产品产销对接", "吨", 20, 500, 0), ("{p}消费扶贫专柜", "个", 1, 10, 0)),
    RELOCATION: (
        ("{t}易地扶贫搬迁安置点配套设施建设", "平方米", 2000, 30000, 0),
        ("{t}搬迁群众后续扶持项目", "户", 30, 400, 0),
    ),
    OTHER: (("{v}人居环境整治项目", "户", 50, 400, 0), ("{v}文化广场建设", "平方米", 300, 2000, 0)),
}
# A start date out of range as a clerk mistypes it: a year too early, or digits swapped.
BAD_YEARS = (2009, 2010, 2011, 2012, 2023, 2025, 2029, 2091)


@dataclass
class Project:
    code: str
    village: int  # position in the county's geography
    category: int
    name: str
    scale: str
    start: date
    end: date | None  # planned projects have no completion date yet
    status: int
    planned_yuan: int  # multiple of 100: lists write 万元 with two decimals
    households: int
    persons: int
    written_start: date  # differs from ``start`` only where the row carries date_out_of_range

    @property
    def out_of_range(self) -> bool:
        return self.written_start != self.start


def _amount_text(value: float, decimals: int, unit: str) -> str:
    if unit == "平方米" and value >= 10_000:
        return f"{value / 10_000:.1f}".removesuffix(".0") + "万平方米"
    return f"{value:.{decimals}f}{unit}"


def _describe(rng: np.random.Generator, category: int, township: str, village: str) -> tuple[str, str]:
    place = f"{township}{village}" if rng.random() < 0.4 else village
    if category == INDUSTRY:
        if rng.random() < 0.6:
            crop = _CROPS[int(rng.integers(len(_CROPS)))]
            return f"{place}{crop}种植项目", f"{int(rng.integers(50, 1500))}亩"
        animal, unit, low, high = _ANIMALS[int(rng.integers(len(_ANIMALS)))]
        return f"{place}{animal}养殖项目", f"{int(rng.integers(low, high + 1))}{unit}"
    template, unit, low, high, decimals = _TEMPLATES[category][int(rng.integers(len(_TEMPLATES[category])))]
    value = round(float(rng.uniform(low, high)), decimals)
    return template.format(p=place, t=township, v=village), _amount_text(value, decimals, unit)


def _dates(rng: np.random.Generator, year: int) -> tuple[date, date | None, int]:
    start = date(year, int(rng.integers(1, 13)), 1 if rng.random() < 0.5 else int(rng.integers(1, 29)))
    if start > REPORTED:
        return start, None, PLANNED
    end = start + timedelta(days=int(rng.integers(60, 430)))
    if end > REPORTED:
        return start, end, IN_PROGRESS
    return start, end, ACCEPTED if rng.random() < 0.55 else COMPLETED


def build(
    prefix: str,
    count: int,
    geo: Geography,
    village_households: np.ndarray,
    rng: np.random.Generator,
    defect_rate: float,
    at_least_one_defect: bool,
) -> list[Project]:
    """``count`` projects, ordered as lists write them: by township and village, then by code."""
    weights = village_households.astype(np.float64)
    if weights.sum() == 0:
        weights = np.ones(len(weights))
    villages = rng.choice(len(weights), size=count, p=weights / weights.sum())
    years = rng.choice(_START_YEARS, size=count, p=_START_YEAR_P)
    categories = rng.choice(len(CATEGORY_P), size=count, p=CATEGORY_P)
    # Project costs spread over two orders of magnitude: a few 万元 to a few hundred.
    planned = np.clip(rng.lognormal(np.log(120_000), 1.0, size=count), 20_000, 5_000_000)
    drafts = []
    for i in range(count):
        village = int(villages[i])
        start, end, status = _dates(rng, int(years[i]))
        name, scale = _describe(rng, int(categories[i]), geo.township_names[geo.village_township[village]], geo.village_names[village])
        registered = int(village_households[village])
        households = int(rng.integers(min(5, registered), registered + 1))
        persons = int(round(households * rng.uniform(3.0, 4.5)))
        drafts.append(
            (start, village, int(categories[i]), name, scale, end, status, int(round(planned[i] / 100)) * 100, households, persons)
        )

    # Codes number each start year's projects in date order, as a project library registers them.
    drafts.sort(key=lambda d: (d[0], d[1]))
    projects, serial = [], {}
    for start, village, category, name, scale, end, status, planned_yuan, households, persons in drafts:
        serial[start.year] = serial.get(start.year, 0) + 1
        code = f"{prefix}{start.year}-{serial[start.year]:03d}"
        projects.append(Project(code, village, category, name, scale, start, end, status, planned_yuan, households, persons, start))
    defects = int(rng.binomial(count, defect_rate))
    if at_least_one_defect:
        defects = max(defects, 1)
    for i in rng.choice(count, size=min(defects, count), replace=False).tolist():
        start = projects[i].start
        projects[i].written_start = date(int(rng.choice(BAD_YEARS)), start.month, min(start.day, 28))
    projects.sort(key=lambda p: (p.village, p.code))
    return projects


def unknown_code(prefix: str, year: int, serial: int) -> str:
    """A code shaped like the county's own that no project list holds (lists stop well short of 900)."""
    return f"{prefix}{year}-{900 + serial:03d}"
