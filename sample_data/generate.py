"""The sample-data entry point: registry files and investment sources (fund ledgers, project lists,
village lists) for a set of counties, narrative reports on the showcase counties, plus their truth file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sample_data import counties as county_plan
from sample_data import monitoring, source_plan, sources
from sample_data import reports as report_files
from sample_data import truth as truth_file
from sample_data.county import CountyWriter
from sample_data.investment_truth import InvestmentMart
from sample_data.person_export import PersonExportWriter
from sample_data.shares import split

SHOWCASE = 5
PER_PERSON_MAX_HOUSEHOLDS = 5000
FORMATS = ("xlsx", "csv")


def generate(
    out: Path,
    households: int = 2000,
    seed: int = 7,
    truth: Path | None = None,
    fmt: str = "xlsx",
    counties: int = 5,
    per_person: int = 1,
) -> dict:
    """Writes registry files under ``out/registry``, each county's fund ledger, project list and
    village list under ``out/funds``, ``out/projects`` and ``out/villages``, the showcase counties'
    reports under ``out/reports``, and, if asked, the truth JSON. ``per_person`` further counties send
    their registry as the national system's per-person export (.xlsx, then .xls), in either format.

    Counties are generated and written one at a time, in chunks of households, so memory does not
    grow with ``households``. The same arguments always give the same bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if households < 0 or seed < 0:
        raise ValueError("households and seed must not be negative")
    out = Path(out)
    if per_person < 0:
        raise ValueError("per_person must not be negative")
    specs = county_plan.plan(counties, fmt, per_person)
    allocation = np.random.default_rng([seed, 0])
    # Showcase counties get about equal shares; the others vary more, as real counties do.
    weights = np.where(
        np.arange(len(specs)) < SHOWCASE,
        allocation.uniform(0.9, 1.1, size=len(specs)),
        allocation.uniform(0.5, 1.5, size=len(specs)),
    )
    shares = split(households, weights).tolist()
    # A per-person export is planned whole in memory (its members as objects): it shows the layout at
    # a bounded size, and what it would hold beyond goes to the first county, which streams.
    for index, spec in enumerate(specs):
        if spec.per_person and shares[index] > PER_PERSON_MAX_HOUSEHOLDS:
            shares[0] += shares[index] - PER_PERSON_MAX_HOUSEHOLDS
            shares[index] = PER_PERSON_MAX_HOUSEHOLDS

    # One showcase ledger whose 合计 does not add up and one showcase village missing from its list,
    # so every sample carries both; further counties' ledgers sometimes do not add up either.
    choices = np.random.default_rng([seed, 3])
    mismatched, omitted = choices.integers(SHOWCASE, size=2).tolist()
    mismatch = (choices.random(len(specs)) < 0.1) | (np.arange(len(specs)) == mismatched)

    (out / "registry").mkdir(parents=True, exist_ok=True)
    mart, log, investment = truth_file.Mart(), truth_file.Log(households), InvestmentMart()
    files: list[str] = []
    showcase: list = []  # (spec, geography, source plan) of each showcase county, for its report
    monitored: list = []  # (code, name, geography, registry heads) of the counties with monitoring lists
    for index, (spec, count) in enumerate(zip(specs, shares)):
        rng = np.random.default_rng([seed, 1, index])
        if spec.per_person:
            writer = PersonExportWriter(spec, count, rng, mart, log)
        else:
            writer = CountyWriter(spec, count, rng, index < SHOWCASE, mart, log)
            if len(monitored) < monitoring.COUNTIES:
                heads = monitoring.RegistryHeads(spec.code, spec.tibetan)
                writer.listeners.append(heads)
                monitored.append((spec.code, spec.written_name, writer.geo, heads))
        files += writer.write(out)
        rng = np.random.default_rng([seed, 2, index])
        plan = source_plan.plan(spec, index, fmt, rng, bool(mismatch[index]), index == omitted)
        files += sources.write_county(out, plan, writer.geo, count, rng, index < SHOWCASE, mart, investment, log)
        if index < SHOWCASE:
            showcase.append((spec, writer.geo, plan))
    monitoring_files, monitoring_truth = monitoring.write(out, monitored, seed, log, fmt)
    # A report quotes the monitoring lists' figures, so they are written first.
    reports = report_files.write(out, seed, showcase, mart, investment, monitoring_truth)
    files += monitoring_files

    registry = [entry for entry in log.files if entry["source"] == "registry"]
    # A per-person export's clean rows are persons; its households are counted apart.
    clean = sum(entry.get("households", entry["clean_rows"]) for entry in registry)
    if truth is not None:
        truth_file.write(Path(truth), seed, households, clean, mart, log, investment, {**reports.truth(), "monitoring": monitoring_truth})
    return {
        "out": str(out),
        "files": files,
        "counties": len(specs),
        "households": households,
        "clean_households": clean,
        "data_rows": sum(entry["data_rows"] for entry in registry),
        "fund_movements": sum(entry["data_rows"] for entry in log.files if entry["source"] == "funds"),
        "projects": sum(entry["data_rows"] for entry in log.files if entry["source"] == "projects"),
        "villages_listed": investment.villages_listed,
        "investment_yuan": round(float(investment.total_yuan), 2),
        "reports": reports.files,
        "monitoring_lists": len(monitoring_files),
        "defects": dict(sorted(log.defect_counts.items())),
        "blank_rows": log.skipped_counts["blank"],
        "defects_truncated": not log.listed,
        "truth": str(truth) if truth is not None else None,
    }
