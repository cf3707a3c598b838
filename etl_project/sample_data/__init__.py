"""Sample county registries (建档立卡户) with known defects, and the marts they should produce.

Built only from this package, the standard library, NumPy and xlsxwriter: the generator must
never borrow the warehouse's own code, or the warehouse would be graded against itself.
"""

from etl_project.sample_data.generate import generate

__all__ = ["generate"]
