"""Narrative reports: every figure as a claim with its sentence, place, period and position.

``extract_report(path)`` reads a report (sources, html_text), strips the page around it
(furniture), finds each quantity with a unit or classifier (figures, units, numerals), says what
it measures (metrics), when (periods) and where (places, attribution, regions), and lists the
figures of the report that contradict each other (findings). Each module's docstring states the
rules it applies.

Once the warehouse is built, each claim is set against the figure it holds for the same metric,
region and period (reconciliation; monitoring claims in monitoring_claims, townships named in
reports in townships).
"""

from etl_project.reports.extract import extract_report, extract_text
from etl_project.reports.regions import ReferenceRegions, RegionLookup, default_regions
from etl_project.reports.sources import UnreadableReport

__all__ = ["ReferenceRegions", "RegionLookup", "UnreadableReport", "default_regions", "extract_report", "extract_text"]
