"""Narrative reports on the five showcase counties, one in each format, and what the warehouse
should make of every figure in them.

Each report quotes its county's figures from the generator's own marts (see report_figures),
mostly exactly, once as "X万余元", and with planted errors: a 7 % overstatement in 永州经开区 (of
the county's exits in one year and of a township's) and 新田县 (where it also makes the report
contradict itself), a 0.5 % one in 色尼区, and figures the warehouse cannot answer (people placed
in work). A township's exits are quoted by its name alone, to be found in the report's county.
Reports are written at every scale: they read the county and township rows of the marts, never
the households.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sample_data import report_writers as writers
from sample_data.counties import CountySpec
from sample_data.geography import Geography
from sample_data.investment_truth import InvestmentMart
from sample_data.report_draft import Draft
from sample_data.report_figures import add_monitoring, collect, exits_exceed_registered
from sample_data.report_monitoring import county_years
from sample_data.report_stories import STORIES, Setting, monitoring_blocks
from sample_data.source_plan import SourceSpec
from sample_data.truth import Mart


@dataclass(frozen=True)
class Plan:
    key: str
    name: str  # as the report names the county
    file: str  # relative to OUT
    office: str
    year: int  # of the report's date
    month: int
    days: tuple[int, int]


# 望谟县's report speaks of 今年: it must be dated 2020.
PLANS = (
    Plan("ziyun", "紫云县", "reports/紫云县脱贫攻坚成效综述.html", "紫云县融媒体中心", 2020, 12, (10, 28)),
    Plan("yongzhou_zone", "永州经开区", "reports/永州经开区2020年脱贫攻坚工作总结.docx", "永州经济技术开发区社会事务局", 2021, 1, (5, 28)),
    Plan("nagqu", "色尼区", "reports/色尼区脱贫攻坚工作综述.pdf", "色尼区人民政府", 2021, 2, (1, 26)),
    Plan("wangmo", "望谟县", "reports/望谟县2020年脱贫攻坚工作情况报告.txt", "望谟县扶贫开发办公室", 2020, 12, (1, 25)),
    Plan("xintian", "新田县", "reports/新田县脱贫攻坚成效与经验.md", "新田县乡村振兴局", 2021, 3, (1, 28)),
)
MONITORING_REPORT_YEAR = 2026  # after the last monitoring year the sample holds
_RELATED = ("全县召开巩固拓展脱贫攻坚成果推进会", "我县开展防返贫动态监测集中排查", "东西部协作产品展销会在我县举行")


@dataclass
class Reports:
    entries: list[dict] = field(default_factory=list)  # {"file", "format", "report_date", "county_code"}
    claims: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [entry["file"] for entry in self.entries]

    def truth(self) -> dict[str, list[dict]]:
        return {"reports": self.entries, "report_claims": self.claims, "report_findings": self.findings}


def write(
    out: Path,
    seed: int,
    counties: list[tuple[CountySpec, Geography, SourceSpec]],
    mart: Mart,
    investment: InvestmentMart,
    monitoring: Iterable[dict] | None = None,
) -> Reports:
    """Writes the reports of the showcase counties among ``counties`` under ``out/reports``.

    ``monitoring`` is the monitoring source's truth (its "households" spells) when the sample has one:
    the report of the first showcase county with monitoring figures then ends with them and is dated
    January 2026, after the years it quotes; without it no report speaks of monitoring."""
    by_key = {spec.key: (spec, geo, source) for spec, geo, source in counties}
    plans = [plan for plan in PLANS if plan.key in by_key]
    figures = collect(
        mart, investment, {by_key[p.key][0].code: (by_key[p.key][1].township_names, by_key[p.key][1].township_codes) for p in plans}
    )
    add_monitoring(figures, county_years(monitoring["households"]) if monitoring else None)
    # A county without a clean registered household has nothing to report on.
    plans = [plan for plan in plans if figures[by_key[plan.key][0].code].years]
    monitored = next((plan.key for plan in plans if figures[by_key[plan.key][0].code].monitoring), None)
    result = Reports()
    if plans:
        (out / "reports").mkdir(parents=True, exist_ok=True)
    for index, plan in enumerate(plans):
        spec, _, source = by_key[plan.key]
        rng = np.random.default_rng([seed, 4, index])
        if plan.key == monitored:
            plan = replace(plan, year=MONITORING_REPORT_YEAR, month=1, days=(5, 28))
        day = int(rng.integers(plan.days[0], plan.days[1] + 1))
        date = f"{plan.year}-{plan.month:02d}-{day:02d}"
        draft = Draft(figures[spec.code], rng)
        setting = Setting(plan.name, source.partner, source.donors[0], source.donors[1], plan.month, day)
        story = STORIES[plan.key](draft, setting)
        if plan.key == monitored:
            story = replace(story, blocks=[*story.blocks, *monitoring_blocks(draft)])
        _write(out / plan.file, story, date, plan.office, plan.name)
        fmt = Path(plan.file).suffix[1:]
        result.entries.append({"file": plan.file, "format": fmt, "report_date": date, "county_code": spec.code})
        result.claims += [{"file": plan.file, **claim} for claim in draft.claims]
        if exits_exceed_registered(draft.claims):
            result.findings.append({"file": plan.file, "rule": "exits_exceed_registered"})
    return result


def _write(path: Path, story, date: str, office: str, name: str) -> None:
    suffix = path.suffix
    if suffix == ".html":
        writers.write_html(path, story, date, office, f"{name}人民政府", list(_RELATED))
    elif suffix == ".docx":
        writers.write_docx(path, story, date, office)
    elif suffix == ".pdf":
        writers.write_pdf(path, story, date, office)
    elif suffix == ".txt":
        writers.write_txt(path, story, date, office)
    else:
        writers.write_md(path, story, date, office)
