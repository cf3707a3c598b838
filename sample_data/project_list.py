"""A county's project list (扶贫项目库) as the county writes it: mixed date forms, 万元, a 合计 row."""

from __future__ import annotations

from datetime import date

import numpy as np

from sample_data.geography import Geography
from sample_data.investment_vocab import CATEGORIES, PROJECT_STATUSES, written
from sample_data.projects import Project
from sample_data.source_plan import SourceSpec
from sample_data.table import Table
from sample_data.table_sinks import Header

HEADER = Header(
    (
        "县",
        "乡镇",
        "行政村",
        "项目编号",
        "项目名称",
        "项目类型",
        "开工日期",
        "完工日期",
        "计划投资（万元）",
        "项目状态",
        "带动贫困户数",
        "带动贫困人口数",
        "建设规模",
    )
)
_WIDTHS = (12, 12, 12, 14, 36, 12, 12, 12, 14, 10, 12, 14, 14)
_NOTES = ("注：项目类型按产业、基础设施、教育、医疗、就业、消费帮扶、易地搬迁、其他分类填写。", "填表人：", "审核人：")


def _date(day: date | None, form: int) -> str:
    if day is None:
        return ""
    if form == 0:
        return day.isoformat()
    if form == 1:
        return f"{day.year}年{day.month}月"
    return f"{day.year}.{day.month}.{day.day}"


def table(spec: SourceSpec, projects: list[Project], geo: Geography, rng: np.random.Generator) -> Table:
    file, sheet, kind = spec.projects_file()
    out = Table(
        "projects",
        "A",
        spec.county.code,
        file,
        sheet,
        kind,
        f"{spec.name}脱贫攻坚项目库（2016-2020年）",
        "单位：万元、户、人",
        HEADER,
        _WIDTHS,
    )
    forms = rng.choice(3, size=len(projects), p=[0.5, 0.25, 0.25])
    aliases = rng.random((len(projects), 2)) < np.array([0.3, 0.5])
    blanks = set(rng.choice(len(projects), size=min(len(projects), int(rng.integers(0, 2))), replace=False).tolist())
    totals = [0, 0, 0]
    for i, p in enumerate(projects):
        form, alias = int(forms[i]), aliases[i].tolist()
        cells = [
            spec.name,
            geo.township_names[geo.village_township[p.village]],
            geo.village_names[p.village],
            p.code,
            p.name,
            written(CATEGORIES, p.category, alias[0]),
            _date(p.written_start, form),
            _date(p.end, form),
            p.planned_yuan / 10_000,
            written(PROJECT_STATUSES, p.status, alias[1]),
            p.households,
            p.persons,
            p.scale,
        ]
        out.data(cells, "date_out_of_range" if p.out_of_range else None, "start_date" if p.out_of_range else None)
        totals = [totals[0] + p.planned_yuan, totals[1] + p.households, totals[2] + p.persons]
        if i in blanks:
            out.blank()
    total: list = ["合计"] + [""] * (len(HEADER.names) - 1)
    total[8], total[10], total[11] = totals[0] / 10_000, totals[1], totals[2]
    out.total(total)
    out.notes = list(_NOTES[: int(rng.integers(1, len(_NOTES) + 1))])
    return out
