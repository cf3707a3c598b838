"""Schema registry: table and source declarations, and what is derived from them."""
# isort: skip_file

# Declaring a table registers it. The catalog lists tables in the order they are declared, which is
# the order a run's summary, the read copy and the BI bundle list them in: source records first,
# then the registry's tables, the money tables, monitoring and the reports; the monitoring marts
# after the staging table and facts they are built from, the views after the marts they show.
from schemas import sources, investment_sources, person_sources, tables, investment_tables, monitoring_sources, report_tables  # noqa: F401
from schemas import monitoring_tables  # noqa: F401
from schemas import views  # noqa: F401
from schemas.registry import CATALOG

__all__ = ["CATALOG"]
