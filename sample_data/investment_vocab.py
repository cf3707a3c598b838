"""Code lists of the investment sources (fund ledgers, project lists) as the generator writes them.

Each entry is (code, name, alias): the code is what the truth file reports, the name and the alias
are the two ways ledgers spell it. Kept apart from the warehouse's own lists for the same reason as
``vocab``: the sample data must not be built from the answers it examines.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = (
    ("industry", "产业", "产业扶贫"),
    ("infrastructure", "基础设施", "基础设施建设"),
    ("education", "教育", "教育扶贫"),
    ("health", "医疗", "健康扶贫"),
    ("employment", "就业", "就业扶贫"),
    ("consumption", "消费帮扶", "消费扶贫"),
    ("relocation", "易地搬迁", "易地扶贫搬迁"),
    ("other", "其他", "其他"),
)
INDUSTRY, INFRASTRUCTURE, EDUCATION, HEALTH, EMPLOYMENT, CONSUMPTION, RELOCATION, OTHER = range(len(CATEGORIES))
# How often each category is a project's type: industry and roads dominate county project lists.
CATEGORY_P = np.array([0.35, 0.28, 0.1, 0.07, 0.08, 0.05, 0.03, 0.04])

FUND_SOURCES = (
    ("fiscal", "财政专项", "财政专项资金"),
    ("credit", "信贷", "扶贫贷款"),
    ("own_funds", "单位自筹", "自筹资金"),
    ("donation", "社会募捐", "社会捐赠"),
    ("social_investment", "社会引资", "招商引资"),
)

DONOR_TYPES = (
    ("department", "部门"),
    ("enterprise", "企业"),
    ("social_org", "社会组织"),
    ("individual", "个人"),
)
DEPARTMENT, ENTERPRISE, SOCIAL_ORG, INDIVIDUAL = range(len(DONOR_TYPES))
# Where each kind of donor's money comes from, over FUND_SOURCES.
SOURCE_P = {
    DEPARTMENT: np.array([0.6, 0.05, 0.3, 0.05, 0.0]),
    ENTERPRISE: np.array([0.0, 0.05, 0.2, 0.45, 0.3]),
    SOCIAL_ORG: np.array([0.0, 0.0, 0.1, 0.9, 0.0]),
    INDIVIDUAL: np.array([0.0, 0.0, 0.0, 1.0, 0.0]),
}

PROJECT_STATUSES = (
    ("planned", "未开工", "未开工"),
    ("in_progress", "在建", "在建"),
    ("completed", "完工", "已完工"),
    ("accepted", "已验收", "已验收"),
)
PLANNED, IN_PROGRESS, COMPLETED, ACCEPTED = range(len(PROJECT_STATUSES))


def written(entries: tuple, index: int, alias: bool) -> str:
    return entries[index][2 if alias else 1]
