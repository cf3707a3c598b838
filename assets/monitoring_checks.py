"""Rules of monitoring (防止返贫监测) as warning checks on the household spells: each lists the
households that break it, with a masked sample, so that a county can look at them."""

import dagster as dg

from assets.checks import SAMPLE_ROWS, _md
from assets.metadata import WAREHOUSE_POOL
from etl_project import monitoring_build
from etl_project.resources import WarehouseResource
from schemas.monitoring_tables import FACT_MONITORING_SPELL
from schemas.tables import FACT_HOUSEHOLD

_RULES = {
    "early_or_unhelped_elimination": ("风险消除时监测不满六个月或无帮扶措施", "risk eliminated before six months of monitoring or without a help measure", "spells", ()),
    "eliminated_without_labour": ("无劳动力户被标为风险消除（应继续监测）", "household with no labour at all marked eliminated (it stays monitored)", "spells", ()),
    "dates_out_of_order": ("日期顺序错误：消除早于纳入，或纳入晚于首次出现", "dates out of order: eliminated before taken in, or taken in after its first export", "spells", ()),
    "household_in_two_counties": ("同一户出现在两个县的监测名单", "the same household listed by two counties", "households", ()),
    "unstable_household_not_exited": ("脱贫不稳定户在建档立卡库中不是已脱贫户", "脱贫不稳定户 not found as an exited household in the registry", "spells", (FACT_HOUSEHOLD.name,)),
    "marginal_household_registered_poor": ("边缘易致贫户是建档立卡户", "边缘易致贫户 that is a registered household", "spells", (FACT_HOUSEHOLD.name,)),
}


def _rule_check(rule: str, zh: str, en: str, counted: str, also_reads: tuple[str, ...]):
    @dg.asset_check(pool=WAREHOUSE_POOL, name=rule, asset=FACT_MONITORING_SPELL.name, additional_deps=list(also_reads), description=f"{zh} / {en}")
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.open() as db:
            select, params = monitoring_build.RULES[rule](db)
            count = int(db.scalar(f"SELECT COUNT(*) FROM ({select}) AS found", params))
            sample = db.query(f"{select} ORDER BY 1, 2 LIMIT :limit", {**params, "limit": SAMPLE_ROWS})
        return dg.AssetCheckResult(passed=count == 0, severity=dg.AssetCheckSeverity.WARN, metadata={counted: count, "sample": _md(sample)})

    return check


monitoring_rule_checks = [_rule_check(rule, *about) for rule, about in _RULES.items()]


@dg.asset_check(
    pool=WAREHOUSE_POOL,
    asset=FACT_MONITORING_SPELL.name,
    description="消除时人均纯收入不高于本省当年监测线（监测线未知的不判断）/ income at elimination at or below its province's monitoring line of the year (unknown lines are not judged)",
)
def income_above_monitoring_line(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        listed, unjudged = monitoring_build.income_findings(db)
    metadata = {"eliminations_not_judged_line_unknown": unjudged, "lines": "data/reference/monitoring_lines.csv (sources in SOURCES.md)"}
    if listed is None:
        metadata["note"] = "no monitoring line is known yet: no elimination was judged / 尚无已确认的监测线，未作判断"
        return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)
    return dg.AssetCheckResult(
        passed=listed.empty, severity=dg.AssetCheckSeverity.WARN, metadata={**metadata, "spells": len(listed), "sample": _md(listed)}
    )
