"""Writing one county's investment sources: its fund ledger(s), project list and village list.

Runs after the county's registry, from its own random stream, so the registry's bytes do not
depend on these files; places and household counts come from the registry's clean model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sample_data import donors as donor_roster
from sample_data import fund_ledgers, funds, project_list, projects, table, village_list, villages, wide_ledger
from sample_data.geography import Geography
from sample_data.investment_truth import InvestmentMart
from sample_data.source_plan import SourceSpec
from sample_data.truth import Log, Mart

RATE = 0.015  # of each fund-ledger rule, per row
PROJECT_RATE = 0.02


def village_households(geo: Geography, households: int) -> np.ndarray:
    """Households the registry model places in each village (clean or not)."""
    return np.diff(np.append(geo.village_start, households))


def write_county(
    out: Path,
    spec: SourceSpec,
    geo: Geography,
    households: int,
    rng: np.random.Generator,
    showcase: bool,
    mart: Mart,
    investment: InvestmentMart,
    log: Log,
) -> list[str]:
    """Writes the fund ledger (and the wide ledger of its year, if it has one), the project list and
    the village list; returns their paths relative to ``out``."""
    per_village = village_households(geo, households)
    roster = donor_roster.roster(rng, spec.partner, spec.partner_short, spec.donors)
    plan = projects.build(spec.project_prefix, spec.projects, geo, per_village, rng, PROJECT_RATE, showcase)
    movements = funds.build(plan, roster, geo, per_village, spec.target_yuan, rng)
    wide = [m for m in movements if m.day.year == spec.wide_year]
    dated = [m for m in movements if m.day.year != spec.wide_year]
    funds.corrupt(dated, spec.project_prefix, rng, RATE, showcase)
    listing = villages.build(spec.county.code, geo, *mart.county_persons(), rng, spec.county.tibetan, spec.omit_village)

    ledgers = [(fund_ledgers.table(spec, dated, plan, roster, geo, rng), dated)]
    if wide:
        ledgers.append((wide_ledger.table(spec, wide, plan, roster, geo, rng, showcase), wide))
    lists = [project_list.table(spec, plan, geo, rng), village_list.table(spec, listing, geo, rng)]
    for planned, held in ledgers:
        entry = table.write(planned, out, log)
        entry["clean_yuan"] = sum(m.amount_yuan for m in held if m.rule is None)
    for planned in lists:
        table.write(planned, out, log)
    if listing.omitted is not None:
        file, sheet, _ = spec.villages_file()
        log.defect(file, sheet, None, "village_not_in_list", "village_name", village_code=geo.village_codes[listing.omitted])
    mart.list_villages(listing.exit_years, listing.denominators)
    investment.add_county(spec.county.code, geo, movements, plan, roster)
    investment.villages_listed += len(listing.villages)
    return [planned.file for planned, _ in ledgers] + [planned.file for planned in lists]
