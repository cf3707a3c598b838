"""Rules of monitoring (防止返贫监测) as warning checks on the household spells: each lists the
households that break it, with a masked sample, so that a county can look at them."""

import dagster as dg

from assets.checks import SAMPLE_ROWS, _md
from assets.metadata import WAREHOUSE_POOL, table_check
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse import monitoring, monitoring_build
from etl_project.warehouse.incremental.checks import kept_while_unchanged
from schemas.monitoring_tables import FACT_MONITORING_SPELL
from schemas.registry import CATALOG
from schemas.tables import FACT_HOUSEHOLD

_RULES = {
    "early_or_unhelped_elimination": (
        "风险消除时监测不满六个月或无帮扶措施",
        "risk eliminated before six months of monitoring or without a help measure",
        "spells",
        (),
    ),
    "eliminated_without_labour": (
        "无劳动力户被标为风险消除（应继续监测）",
        "household with no labour at all marked eliminated (it stays monitored)",
        "spells",
        (),
    ),
    "dates_out_of_order": (
        "日期顺序错误：消除早于纳入，或纳入晚于首次出现",
        "dates out of order: eliminated before taken in, or taken in after its first export",
        "spells",
        (),
    ),
    "household_in_two_counties": ("同一户出现在两个县的监测名单", "the same household listed by two counties", "households", ()),
    "unstable_household_not_exited": (
        "脱贫不稳定户在建档立卡库中不是已脱贫户",
        "脱贫不稳定户 not found as an exited household in the registry",
        "spells",
        (FACT_HOUSEHOLD.name,),
    ),
    "marginal_household_registered_poor": (
        "边缘易致贫户是建档立卡户",
        "边缘易致贫户 that is a registered household",
        "spells",
        (FACT_HOUSEHOLD.name,),
    ),
}


def _rule_check(rule: str, zh: str, en: str, counted: str, also_reads: tuple[str, ...]):
    @dg.asset_check(
        pool=WAREHOUSE_POOL, name=rule, asset=FACT_MONITORING_SPELL.name, additional_deps=list(also_reads), description=f"{zh} / {en}"
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.open() as db:
            select, params = monitoring_build.RULES[rule](db)

            def breaking() -> tuple[bool, dict]:
                count = int(db.scalar(f"SELECT COUNT(*) FROM ({select}) AS found", params))
                sample = db.query(f"{select} ORDER BY 1, 2 LIMIT :limit", {**params, "limit": SAMPLE_ROWS})
                return count == 0, {counted: count, "sample": _md(sample)}

            # Its tables are national when it reads the registry: a night that changed neither keeps the answer.
            inputs = [CATALOG[name] for name in (FACT_MONITORING_SPELL.name, *also_reads)]
            decision, passed, metadata = kept_while_unchanged(db, rule, inputs, f"{select}|{params!r}", breaking)
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata={**metadata, "answer_version": decision.version}
        )

    return check


monitoring_rule_checks = [_rule_check(rule, *about) for rule, about in _RULES.items()]


_VERDICTS = {
    "pass": "every elimination above its line / 全部高于监测线",
    "fail": "eliminations at or below their line / 有消除户收入不高于监测线",
    "cannot_tell": "no elimination at or below a known line, but some could not be judged / 未发现不高于监测线者，但部分无法判断",
}


def _unknown_lines(judged) -> str:
    """The provinces and years whose line the rule needed and did not have, with how many eliminations each."""
    missing = judged[judged["judgement"] == monitoring.LINE_UNKNOWN]
    if missing.empty:
        return "none"
    keys = missing["county_code"].str[:2] + "0000 " + missing["eliminated_date"].map(lambda d: str(d)[:4])
    return ", ".join(f"{key}: {count}" for key, count in keys.value_counts().sort_index().items())


@table_check(
    FACT_MONITORING_SPELL,
    (
        "消除时人均纯收入不高于本省当年监测线（监测线未知者无法判断，不算通过）/ income at elimination at or below its province's "
        "monitoring line of the year (an unknown line cannot tell, and is no pass)"
    ),
)
def income_above_monitoring_line(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as db:
        judged = monitoring_build.income_judgements(db)
    judgements = judged["judgement"].value_counts()
    listed = judged[judged["judgement"] == monitoring.AT_OR_BELOW_LINE]
    cannot_tell = int(sum(judgements.get(j, 0) for j in monitoring.CANNOT_TELL))
    verdict = "fail" if not listed.empty else ("cannot_tell" if cannot_tell else "pass")
    return dg.AssetCheckResult(
        passed=verdict == "pass",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "verdict": _VERDICTS[verdict],
            "spells": len(listed),
            "eliminations_above_line": int(judgements.get(monitoring.ABOVE_LINE, 0)),
            "eliminations_not_judged_line_unknown": int(judgements.get(monitoring.LINE_UNKNOWN, 0)),
            "eliminations_not_judged_income_unknown": int(judgements.get(monitoring.INCOME_UNKNOWN, 0)),
            "lines_unknown_for": _unknown_lines(judged),
            "sample": _md(listed.drop(columns=["judgement"]).head(SAMPLE_ROWS)),
            "lines": "data/reference/monitoring_lines.csv (sources in data/reference/SOURCES.md)",
        },
    )
