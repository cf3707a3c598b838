"""Assets by layer: raw → staging → warehouse → marts."""

import warnings

import dagster as dg

# Running a backfill of many file partitions as one run is what keeps the per-file partitions fast;
# the parameter is marked beta, and its warning on every import would only hide real ones.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=dg.BetaWarning)
# The file check of staged_file is evaluated per file partition (a failed file's partition shows its
# reason); partitioned checks are marked preview.
warnings.filterwarnings("ignore", message=r"Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning)
