"""Sample county registries (建档立卡户), investment sources (fund ledgers, project lists, village
lists) and narrative reports, with known defects, and the marts and reconciliations they should produce.

Built only from this package, the national vocabularies (schemas/vocabularies.py), the standard
library, NumPy and the file writers (xlsxwriter, xlwt, python-docx, reportlab): the generator must
never borrow the warehouse's own code, or the warehouse would be graded against itself. So it stands
outside etl_project, and tests/test_layers.py keeps it to those imports; ``etl-project sample-data``
runs it.
"""

from sample_data.generate import generate

__all__ = ["generate"]
