"""Code lists of the national registry system as the generator writes them.

Kept here rather than shared with the warehouse: the sample data is the warehouse's exam, so it
must not be built from the warehouse's own answers.
"""

from __future__ import annotations

ATTRIBUTES = (
    ("01", "一般贫困户"),
    ("02", "低保贫困户"),
    ("03", "特困供养贫困户"),
    ("04", "一般脱贫户"),
    ("05", "低保脱贫户"),
    ("06", "特困供养脱贫户"),
    ("07", "边缘易致贫户"),
    ("08", "脱贫不稳定户"),
)

CAUSES = (
    ("01", "因病"),
    ("02", "因残"),
    ("03", "因学"),
    ("04", "因灾"),
    ("05", "缺土地"),
    ("06", "缺水"),
    ("07", "缺技术"),
    ("08", "缺劳力"),
    ("09", "缺资金"),
    ("10", "交通条件落后"),
    ("11", "自身发展动力不足"),
    ("12", "其他"),
)

# Index positions into STATUSES; 2 was never used by the national system.
NOT_EXITED, EXITED_SUPPORTED, RETURNED, EXITED_UNSUPPORTED = range(4)
STATUSES = (
    ("0", "未脱贫"),
    ("1", "已脱贫（享受政策）"),
    ("3", "返贫"),
    ("4", "已脱贫（不享受政策）"),
)

# Values outside every code list, by how the column is written. Cause codes 13 and 14 exist in
# some provincial systems (causes of returning to poverty), so the unknown cause code avoids them.
UNKNOWN_VALUES = {
    ("attribute", "code"): ("09", "10"),
    ("attribute", "name"): ("待定", "一般农户"),
    ("cause", "code"): ("00", "15"),
    ("cause", "name"): ("因懒", "待定"),
    ("status", "code"): ("7", "9"),
    ("status", "name"): ("待定", "未知"),
}

FIRST_YEAR, LAST_EXIT_YEAR, LAST_RETURN_YEAR = 2013, 2020, 2021
