"""Sample county registries (建档立卡户) and investment sources (fund ledgers, project lists, village
lists) with known defects, and the marts they should produce.

Built only from this package, the standard library, NumPy, xlsxwriter and xlwt: the generator must
never borrow the warehouse's own code, or the warehouse would be graded against itself.
"""

from etl_project.sample_data.generate import generate

__all__ = ["generate"]
