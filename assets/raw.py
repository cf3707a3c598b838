"""Raw layer: the files as they arrived, with their content hashes."""


import dagster as dg
import pandas as pd

from assets.metadata import OWNERS
from etl_project.resources import RawFilesResource


@dg.asset(
    group_name="raw",
    owners=OWNERS,
    kinds={"excel", "csv"},
    description="建档立卡户登记文件（各县上报的原始表格）\n\nCounty household registry files as received "
    "(xlsx, xls, CSV in UTF-8 or GB18030) under data/raw/registry/.",
    code_version="1",
)
def raw_registry_files(context: dg.AssetExecutionContext, raw_files: RawFilesResource) -> dg.MaterializeResult:
    files = raw_files.files("registry")
    listing = pd.DataFrame([{"file": f.relative, "bytes": f.size, "sha256": f.sha256[:16]} for f in files])
    context.log.info(f"{len(files)} registry files under {raw_files.root}/registry")
    return dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.int(len(files)),
            "total_bytes": dg.MetadataValue.int(int(sum(f.size for f in files))),
            "listing": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "no files"),
        },
        data_version=dg.DataVersion("|".join(f.sha256 for f in files) or "empty"),
    )
