"""Units and classifiers: what a figure counts, and the factor to the warehouse's base unit.

Written units carry their meaning (户, 元, 亩). Classifiers (个, 家, 项 …) count whatever noun goes
with them, so the noun right after the classifier, or the noun the figure closes when it ends its
clause ("实施项目127个"), decides the unit. A measure outside the warehouse's vocabulary (吨, 盏,
套, 所 …) is kept as a plain ``count``.
"""

from __future__ import annotations

from decimal import Decimal

# written unit → (unit, factor to the base unit)
FIXED: dict[str, tuple[str, Decimal]] = {
    "元": ("yuan", Decimal(1)),
    "户": ("household", Decimal(1)),
    "人": ("person", Decimal(1)),
    "名": ("person", Decimal(1)),
    "位": ("person", Decimal(1)),
    "口人": ("person", Decimal(1)),
    "人次": ("person_time", Decimal(1)),
    "亩": ("mu", Decimal(1)),
    "公顷": ("mu", Decimal(15)),
    "平方米": ("sqm", Decimal(1)),
    "平米": ("sqm", Decimal(1)),
    "㎡": ("sqm", Decimal(1)),
    "平方公里": ("sqm", Decimal(1_000_000)),
    "公里": ("km", Decimal(1)),
    "千米": ("km", Decimal(1)),
    "km": ("km", Decimal(1)),
    "米": ("km", Decimal("0.001")),
    "千瓦时": ("kwh", Decimal(1)),
    "kwh": ("kwh", Decimal(1)),
    "kWh": ("kwh", Decimal(1)),
    "度": ("kwh", Decimal(1)),
    "%": ("percent", Decimal(1)),
    "个百分点": ("percent", Decimal(1)),
    "百分点": ("percent", Decimal(1)),
}
MEASURES = "吨 公斤 千克 斤 盏 条 套 台 辆 间 栋 头 只 株 棵 张 份 件 本 篇 眼 口 场 次 批 支 所 处 座 箱 袋".split()
# classifier → unit when no noun tells otherwise
CLASSIFIERS: dict[str, str] = {
    "个": "count",
    "家": "enterprise",
    "项": "count",
    "处": "count",
    "所": "count",
    "座": "count",
    "批": "count",
    "支": "count",
}

ALL_WORDS = sorted({*FIXED, *MEASURES, *CLASSIFIERS}, key=len, reverse=True)

# Nouns a classifier can count, tried longest first at each position.
_NOUNS: list[tuple[str, str]] = [
    ("贫困人口", "person"),
    ("人口", "person"),
    ("村民", "person"),
    ("群众", "person"),
    ("农民工", "person"),
    ("农民", "person"),
    ("劳动力", "person"),
    ("学生", "person"),
    ("儿童", "person"),
    ("老人", "person"),
    ("党员", "person"),
    ("干部", "person"),
    ("职工", "person"),
    ("员工", "person"),
    ("人员", "person"),
    ("专家", "person"),
    ("医生", "person"),
    ("志愿者", "person"),
    ("队员", "person"),
    ("成员", "person"),
    ("人", "person"),
    ("贫困户", "household"),
    ("农户", "household"),
    ("大户", "household"),
    ("家庭", "household"),
    ("户", "household"),
    ("贫困村", "village"),
    ("行政村", "village"),
    ("自然村", "village"),
    ("村庄", "village"),
    ("村", "village"),
    ("乡镇", "township"),
    ("街道", "township"),
    ("乡", "township"),
    ("镇", "township"),
    ("县市区", "county"),
    ("区县", "county"),
    ("县区", "county"),
    ("县", "county"),
    ("项目", "project"),
    ("工程", "project"),
    ("龙头企业", "enterprise"),
    ("企业", "enterprise"),
    ("公司", "enterprise"),
    ("合作社", "enterprise"),
    ("工厂", "enterprise"),
    ("车间", "enterprise"),
    ("部门", "department"),
    ("单位", "department"),
    ("机关", "department"),
]
_NOUNS.sort(key=lambda pair: len(pair[0]), reverse=True)
NOUN_WINDOW = 6
# A noun further than this from the classifier belongs to another phrase ("3个基地带动农户").
NOUN_REACH = 4

# After 个 these make a duration (3个月), not a count.
DURATIONS = ("月", "小时", "工作日", "季度", "年头", "星期", "礼拜")


def _noun_at(text: str, pos: int) -> str | None:
    for noun, unit in _NOUNS:
        if text.startswith(noun, pos):
            return unit
    return None


def noun_after(following: str) -> str | None:
    """The first countable noun in the words right after the classifier."""
    window = following[:NOUN_WINDOW]
    for pos in range(min(len(window), NOUN_REACH)):
        if not "\u4e00" <= window[pos] <= "\u9fff":
            break
        unit = _noun_at(window, pos)
        if unit:
            return unit
    return None


def noun_before(preceding: str) -> str | None:
    """The countable noun the figure closes ("等项目13个" → project)."""
    for noun, unit in _NOUNS:
        if preceding.endswith(noun):
            return unit
    return None


def unit_of(word: str, following: str, preceding: str, ends_clause: bool) -> tuple[str, Decimal]:
    if word in FIXED:
        return FIXED[word]
    if word in CLASSIFIERS:
        unit = noun_after(following) or (noun_before(preceding) if ends_clause else None)
        return unit or CLASSIFIERS[word], Decimal(1)
    return "count", Decimal(1)
