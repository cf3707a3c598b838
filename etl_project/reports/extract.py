"""A report file → its cleaned body, every figure in it as a claim, and its self-contradictions."""

from __future__ import annotations

from pathlib import Path

from etl_project.reports.attribution import Attribution
from etl_project.reports.dates import first_date
from etl_project.reports.figures import find_figures
from etl_project.reports.findings import find_inconsistencies
from etl_project.reports.furniture import clean
from etl_project.reports.metrics import metric_of
from etl_project.reports.numerals import fold
from etl_project.reports.periods import period_of
from etl_project.reports.places import find_places
from etl_project.reports.regions import RegionLookup, default_regions
from etl_project.reports.segments import Segments
from etl_project.reports.sources import read_source


def _title_end(body: str, title: str | None) -> int:
    """Where the title ends in the body; 0 when the body does not start with it."""
    if title and body.startswith(title):
        return len(title)
    return 0


def _first_paragraph_end(body: str, title_end: int) -> int:
    start = title_end + 1 if title_end else 0
    end = body.find("\n", start)
    return len(body) if end < 0 else end


def extract_text(
    body: str, title: str | None, report_date: str | None, regions: RegionLookup | None = None
) -> tuple[list[dict], list[dict]]:
    """Claims and findings of an already cleaned body."""
    lookup = regions or default_regions()
    folded = fold(body)
    segments = Segments(folded)
    # Places are found with the reference vocabulary; the caller's lookup only decides their codes.
    places = find_places(folded, default_regions(), segments.is_protected)
    title_end = _title_end(body, title)
    attribution = Attribution(folded, places, segments, lookup, title_end, _first_paragraph_end(body, title_end))
    report_year = int(report_date[:4]) if report_date else None
    claims, clause_before = [], []
    for figure in find_figures(folded, segments):
        clause_start, clause_end = segments.clause_at(figure.start)
        before, after = folded[clause_start : figure.start], folded[figure.end : clause_end]
        metric = metric_of(figure.unit, before, after)
        sentence_start, _ = segments.sentence_at(figure.start)
        sentence = folded[sentence_start : segments.sentence_at(figure.start)[1]]
        period = period_of(sentence, figure.start - sentence_start, clause_end - sentence_start, report_year)
        region, region_code, context_code = attribution.region_of(figure.start, figure.end, metric)
        claims.append(
            {
                "value": figure.value,
                "unit": figure.unit,
                "approx": figure.approx,
                "range_high": figure.range_high,
                "metric": metric,
                "period": period,
                "region": region,
                "region_code": region_code,
                "context_code": context_code,
                "text": body[sentence_start : sentence_start + len(sentence)].strip(),
                "start": figure.start,
                "end": figure.end,
            }
        )
        clause_before.append(before)
    findings = find_inconsistencies(claims, folded, segments.sentence_at, clause_before)
    return claims, findings


def extract_report(path: Path, regions: RegionLookup | None = None) -> dict:
    """Read a report (.txt, .md, .html/.htm, .docx, .pdf) and return its claims.

    ``{"file", "report_date", "title", "body", "claims", "findings"}``; each claim's ``start`` and
    ``end`` index ``body``. Raises ``UnreadableReport`` with a message for files it cannot read.
    """
    path = Path(path)
    source = read_source(path)
    cleaned = clean(source.text, source.title, first_date(source.date) if source.date else None)
    claims, findings = extract_text(cleaned.body, cleaned.title, cleaned.report_date, regions)
    return {
        "file": str(path),
        "report_date": cleaned.report_date,
        "title": cleaned.title,
        "body": cleaned.body,
        "claims": claims,
        "findings": findings,
    }
