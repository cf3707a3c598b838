"""Rows of a report in the warehouse's tables: one per claim (report_claim), one per finding
(report_finding), one per finding and claim it involves (report_finding_claim)."""

import pandas as pd

from etl_project.reports.reconciliation import qualifier_of
from schemas.report_tables import REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM

QUALIFIER_WINDOW = 3  # characters either side of a figure where its qualifier may stand


def _period_bounds(period: str | None) -> tuple[int | None, int | None]:
    if not period:
        return None, None
    years = [int(p) for p in str(period).split("-") if p.strip().isdigit()]
    return (years[0], years[-1]) if years else (None, None)


def claim_rows(report: dict, report_id: str, source_file: str) -> pd.DataFrame:
    body = report["body"]
    rows = []
    for index, claim in enumerate(report["claims"]):
        start, end = claim["start"], claim["end"]
        first, last = _period_bounds(claim.get("period"))
        window = body[max(0, start - QUALIFIER_WINDOW) : end + QUALIFIER_WINDOW]
        rows.append(
            {
                "report_id": report_id,
                "source_file": source_file,
                "report_date": pd.Timestamp(report["report_date"]) if report.get("report_date") else pd.NaT,
                "claim_index": index,
                "value": float(claim["value"]),
                "range_high": claim.get("range_high"),
                "unit": claim["unit"],
                "approx": bool(claim.get("approx")),
                "qualifier": qualifier_of(window) if claim.get("approx") else None,
                "figure_text": body[start:end],
                "metric": claim["metric"],
                "period": claim.get("period"),
                "period_start": first,
                "period_end": last,
                "region": claim.get("region"),
                "region_code": claim.get("region_code"),
                "context_code": claim.get("context_code"),
                "sentence": claim.get("text"),
                "start_offset": start,
                "end_offset": end,
            }
        )
    frame = pd.DataFrame(rows, columns=REPORT_CLAIM.column_names)
    for column in ("period_start", "period_end"):
        frame[column] = frame[column].astype("Int64")
    return frame


def finding_rows(report: dict, report_id: str, source_file: str) -> pd.DataFrame:
    rows = [
        {
            "report_id": report_id,
            "source_file": source_file,
            "finding_index": index,
            "rule": finding["rule"],
            "message_zh": finding.get("message_zh"),
            "message_en": finding.get("message_en"),
            "claim_indexes": ",".join(str(i) for i in finding.get("claims", [])),
        }
        for index, finding in enumerate(report["findings"])
    ]
    return pd.DataFrame(rows, columns=REPORT_FINDING.column_names).astype({"finding_index": "Int64"})


def finding_claim_rows(report: dict, report_id: str, source_file: str) -> pd.DataFrame:
    """Each claim a finding involves, once, as a row that joins the finding to the claim."""
    rows = [
        {"report_id": report_id, "source_file": source_file, "finding_index": index, "claim_index": int(claim)}
        for index, finding in enumerate(report["findings"])
        for claim in dict.fromkeys(finding.get("claims", []))
    ]
    return pd.DataFrame(rows, columns=REPORT_FINDING_CLAIM.column_names).astype({"finding_index": "Int64", "claim_index": "Int64"})
