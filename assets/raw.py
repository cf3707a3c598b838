"""Raw layer: the files of each source as they arrived, with their content hashes."""

import dagster as dg
import pandas as pd

from assets.metadata import OWNERS
from etl_project.resources import REPORT_SUFFIXES, SPREADSHEET_SUFFIXES, RawFilesResource

RAW_SOURCES = {
    "registry": ("raw_registry_files", "建档立卡户登记文件（各县上报的原始表格）", "county household registries"),
    "funds": ("raw_fund_files", "帮扶资金台账文件", "fund ledgers of donors and recipient counties"),
    "projects": ("raw_project_files", "扶贫项目库文件", "project lists"),
    "villages": ("raw_village_files", "行政村名单文件", "village lists with poor-village flag and exit year"),
    "reports": ("raw_report_files", "工作报告与新闻稿", "narrative reports and news (txt, md, html, docx, pdf)"),
}
RAW_ASSETS = {source: asset_name for source, (asset_name, _, _) in RAW_SOURCES.items()}


def _raw_asset(source: str, asset_name: str, zh: str, en: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=asset_name,
        group_name="raw",
        owners=OWNERS,
        kinds={"text"} if source == "reports" else {"excel", "csv"},
        description=f"{zh}\n\n{en.capitalize()} as received under data/raw/{source}/.",
        code_version="1",
    )
    def inventory(context: dg.AssetExecutionContext, raw_files: RawFilesResource) -> dg.MaterializeResult:
        files = raw_files.files(source, REPORT_SUFFIXES if source == "reports" else SPREADSHEET_SUFFIXES)
        listing = pd.DataFrame([{"file": f.relative, "bytes": f.size, "sha256": f.sha256[:16]} for f in files])
        context.log.info(f"{len(files)} {source} files under {raw_files.root}/{source}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(len(files)),
                "files": dg.MetadataValue.int(len(files)),
                "total_bytes": dg.MetadataValue.int(int(sum(f.size for f in files))),
                "listing": dg.MetadataValue.md(listing.to_markdown(index=False) if not listing.empty else "no files"),
            },
            data_version=dg.DataVersion("|".join(f.sha256 for f in files) or "empty"),
        )

    return inventory


raw_assets = [_raw_asset(source, *details) for source, details in RAW_SOURCES.items()]
