"""Schema registry: table and source declarations, and what is derived from them."""

from schemas import investment_sources, investment_tables, monitoring_sources, person_sources, report_tables, sources, tables  # noqa: F401  (declaring the tables registers them)

# isort: split
from schemas import monitoring_tables  # noqa: F401  (after the staging table it is built from)

# isort: split
from schemas import views  # noqa: F401  (after the marts they show)
from schemas.registry import CATALOG

__all__ = ["CATALOG"]
