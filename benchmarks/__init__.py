"""The pipeline against the way such pipelines are usually written and against the physical floors.

``python -m benchmarks --households N [--format xlsx|csv] [--counties K] [--json FILE]`` generates
sample files (or reuses them), then times, each in its own process: the pipeline end to end and its
peak memory, a rerun with nothing changed, a rerun after one county's file changed, a naive
baseline (openpyxl, a Python loop per row, ``DataFrame.to_sql``) and the floors (the fastest parse
of the same files, an Arrow load of their rows into DuckDB). See docs/benchmarks.md.
"""
