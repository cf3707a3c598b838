"""``python -m benchmarks [--households N] [--format xlsx|csv] [--counties K] [--deployed-storage sqlite|postgres] [--json FILE]``

Runs, each in a process of its own and on the same generated files: the pipeline (a fresh
warehouse), the pipeline again with nothing changed, again after one county's file changed, the
same three passes as a deployment runs them (benchmarks/deployed.py), the naive baseline on a
subset (scaled to all rows), and the floors. Prints a table, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from pathlib import Path

from tabulate import tabulate

from benchmarks import change, data, measure

REPO = Path(__file__).resolve().parents[1]
TARGETS = {
    "xlsx": [("fraction_of_floor", ">=", 0.7), ("speedup_vs_naive", ">=", 30)],
    "csv": [("pipeline_rows_per_s_per_core", ">=", 1_000_000), ("speedup_vs_naive", ">=", 30)],
}
NATIONAL = [
    ("pipeline_s", "<", 600),
    ("peak_rss_mb", "<", 4096),
    ("noop_rerun_s", "<", 15),
    ("one_county_rerun_s", "<", 30),
    ("deployed_noop_s", "<", 10),
]
# A pass launched as a deployment launches it, against the same pass from the command line.
DEPLOYED = [("deployed_pipeline_vs_cli", "<", 1.3), ("deployed_noop_vs_cli", "<", 1.3), ("deployed_one_county_vs_cli", "<", 1.3)]
# deployed pass → the command line's pass it is set beside, and the JSON key the CLI pass is kept under
DEPLOYED_PASSES = {"pipeline": "pipeline", "noop": "noop_rerun", "one_county": "one_county_rerun"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument(
        "--counties", type=int, default=None, help=f"default: one per {data.HOUSEHOLDS_PER_COUNTY:,} households, 5 to {data.MAX_COUNTIES}"
    )
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--workdir", default=os.environ.get("ETL_BENCH_DIR", "/tmp/etl-bench"), help="generated files and warehouses")
    parser.add_argument("--naive-rows", type=int, default=20_000, help="rows the naive baseline is timed on before scaling")
    parser.add_argument(
        "--deployed-storage",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the deployed path's run and event storage: SQLite files, or PostgreSQL as deploy/dagster.yaml ships it "
        "(DAGSTER_PG_URL: a database the benchmark alone uses, wiped first)",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=("naive", "floors", "reruns", "deployed"), help="parts to leave out")
    args = parser.parse_args(argv)

    counties = args.counties or data.default_counties(args.households)
    root = Path(args.workdir)
    root.mkdir(parents=True, exist_ok=True)
    raw, generated = data.sample_files(root / "data", args.households, args.format, counties)
    work = root / f"run-{args.format}-{args.households}-{counties}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    copy = data.working_copy(raw, work / "raw")
    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    step = _Steps()

    full = step("pipeline", "benchmarks.job", str(copy), url)
    step.cli["pipeline"] = full
    result = {
        "households": args.households,
        "format": args.format,
        "counties": counties,
        "rows": _rows_read(full.report),
        "registry_rows": _rows_read(full.report, "registry"),
        "files": sum(f["files"] for f in full.report["files"]),
        "pipeline_s": round(full.report["job_s"], 2),
        "pipeline_process_s": round(full.seconds, 2),
        "pipeline_cpu_s": round(full.cpu_s, 1),
        "startup_s": round(full.report["startup_s"], 2),
        "peak_rss_mb": round(full.peak_rss_mb),
        "peak_rss_main_mb": round(full.peak_rss_main_mb),
    }
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    result["pipeline_rows_per_s"] = round(result["rows"] / full.report["job_s"])
    result["pipeline_rows_per_s_per_core"] = round(result["pipeline_rows_per_s"] / cores)
    result["slowest_steps_s"] = dict(list(full.report["steps_s"].items())[:8])

    if "reruns" not in args.skip:
        noop = step("no-op rerun", "benchmarks.job", str(copy), url)
        changed = change.change_one_county(copy)
        one = step("one county changed", "benchmarks.job", str(copy), url)
        step.cli.update(noop_rerun=noop, one_county_rerun=one)
        result.update(
            noop_rerun_s=round(noop.report["job_s"], 2),
            one_county_rerun_s=round(one.report["job_s"], 2),
            one_county_file=changed.relative_to(copy).as_posix(),
            rerun_peak_rss_mb=round(max(noop.peak_rss_mb, one.peak_rss_mb)),
            noop_slowest_steps_s=dict(list(noop.report["steps_s"].items())[:8]),
            one_county_slowest_steps_s=dict(list(one.report["steps_s"].items())[:8]),
        )
    if "deployed" not in args.skip and "reruns" not in args.skip:
        # Its own copy of the files and its own warehouse: the same three passes from the start.
        deployed = step(
            "deployed path",
            "benchmarks.deployed",
            str(data.working_copy(raw, work / "raw-deployed")),
            f"duckdb:///{work / 'deployed.duckdb'}",
            str(work / "dagster_home"),
            args.deployed_storage,
        )
        result.update(deployed_storage=args.deployed_storage, **_deployed(deployed.report, result, step.cli))
    if "naive" not in args.skip:
        naive = step("naive baseline", "benchmarks.naive", str(raw), f"duckdb:///{work / 'naive.duckdb'}", str(args.naive_rows))
        per_row = naive.report["seconds"] / naive.report["rows"]
        result.update(
            naive_s=round(per_row * result["rows"], 1),
            naive_measured_rows=naive.report["rows"],
            naive_measured_s=round(naive.report["seconds"], 2),
            naive_scaled="timed on the first registry files, scaled linearly to every row the pipeline read",
        )
        result["speedup_vs_naive"] = _ratio(result["naive_s"], result["pipeline_s"])
    if "floors" not in args.skip:
        floors = step("floors", "benchmarks.floors", str(raw), str(work))
        result.update(
            floor_read_s=round(floors.report["read_s"], 2),
            floor_load_s=round(floors.report["load_s"], 2),
            floor_s=round(floors.report["read_s"] + floors.report["load_s"], 2),
            floor_reader="fastexcel (Excel), DuckDB read_csv (CSV), Arrow's CSV reader (GB18030 CSV)",
        )
        result["fraction_of_floor"] = _ratio(result["floor_s"], result["pipeline_s"])
    result["targets"] = _targets(result, args.format, national=args.households >= 30_000_000)
    result["machine"] = _machine(cores)
    result["generated"] = {k: generated[k] for k in ("data_rows", "fund_movements", "projects", "villages_listed") if k in generated}
    result["step_seconds"] = step.seconds

    print(_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


class _Steps:
    """Runs the benchmark's steps one after the other (never two heavy ones at once)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.cli: dict[str, measure.Measured] = {}  # the command line's passes, by their JSON name

    def __call__(self, label: str, module: str, *args: str) -> measure.Measured:
        print(f"… {label}", file=sys.stderr, flush=True)
        measured = measure.run(module, *args, cwd=REPO)
        self.seconds[label] = round(measured.seconds, 2)
        return measured


def _deployed(report: dict, result: dict, cli: dict[str, measure.Measured]) -> dict:
    """The deployed passes beside the command line's. ``deployed_*_s`` runs from the tick to the end
    of the last run: the run's own process starting and loading the code is in it. The command
    line's ``*_s`` is the job alone; its process, Python and code load included, is ``*_process_s``.
    ``deployed_*_vs_cli`` sets the deployed pass against the whole command-line process (each starts
    Python and loads the code once); ``deployed_*_vs_cli_job`` against the job alone."""
    found = {
        "deployed_code_server_start_s": round(report["code_server_start_s"], 2),
        "deployed_sensor_first_tick_runs": report["sensor_first_tick_runs"],
    }
    for name, cli_name in DEPLOYED_PASSES.items():
        done = report[name]
        runs = done["runs"]
        found[f"deployed_{name}_s"] = round(done["seconds"], 2)
        found[f"deployed_{name}_tick_s"] = round(done["tick_s"], 2)
        found[f"deployed_{name}_submit_s"] = round(done["submit_s"], 2)
        found[f"deployed_{name}_job_s"] = round(sum(run["job_s"] for run in runs), 2)
        found[f"deployed_{name}_process_start_s"] = round(sum(run["process_start_s"] for run in runs), 2)
        found[f"deployed_{name}_runs"] = [
            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in run.items() if k != "ended_at"} for run in runs
        ]
        found[f"{cli_name}_process_s"] = round(cli[cli_name].seconds, 2)
        found[f"deployed_{name}_vs_cli"] = _ratio(done["seconds"], cli[cli_name].seconds)
        found[f"deployed_{name}_vs_cli_job"] = _ratio(done["seconds"], result[f"{cli_name}_s"])
    return found


def _ratio(numerator: float, denominator: float) -> float:
    # Three significant digits: a ratio far below 1 (a tiny run) keeps its precision.
    return float(f"{numerator / denominator:.3g}")


def _rows_read(report: dict, source: str | None = None) -> int:
    return sum(f["rows_read"] for f in report["files"] if f["status"] == "loaded" and (source is None or f["source"] == source))


def _targets(result: dict, fmt: str, national: bool) -> list[dict]:
    checks = TARGETS[fmt] + (NATIONAL if national else []) + [t for t in DEPLOYED if t[0] in result]
    found = []
    for key, op, bound in checks:
        value = result.get(key)
        met = None if value is None else (value >= bound if op == ">=" else value < bound)
        found.append({"metric": key, "target": f"{op} {bound:,}", "value": value, "met": met})
    return found


def _machine(cores: int) -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    memory = next((int(line.split()[1]) // 1024 for line in meminfo if line.startswith("MemTotal")), None)
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    import duckdb
    import pandas
    import pyarrow

    return {
        "cores": cores,
        "memory_mb": memory,
        "cpu": model,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "load_average_at_end": os.getloadavg()[0],
    }


def _table(result: dict) -> str:
    keys = [
        "households",
        "rows",
        "pipeline_s",
        "pipeline_rows_per_s",
        "pipeline_rows_per_s_per_core",
        "peak_rss_mb",
        "noop_rerun_s",
        "one_county_rerun_s",
        "deployed_pipeline_s",
        "deployed_noop_s",
        "deployed_one_county_s",
        "deployed_sensor_first_tick_runs",
        "naive_s",
        "speedup_vs_naive",
        "floor_read_s",
        "floor_load_s",
        "floor_s",
        "fraction_of_floor",
        "startup_s",
    ]
    rows = [(k, f"{result[k]:,}" if isinstance(result[k], (int, float)) else result[k]) for k in keys if k in result]
    targets = [(t["metric"], t["target"], t["value"], {True: "met", False: "NOT met", None: "-"}[t["met"]]) for t in result["targets"]]
    return (
        f"{result['format']} · {result['households']:,} households · {result['counties']} counties\n"
        + tabulate(rows, headers=("measure", "value"), colalign=("left", "right"))
        + "\n\n"
        + tabulate(targets, headers=("target", "bound", "value", ""))
    )


if __name__ == "__main__":
    sys.exit(main())
