"""The name book of a warehouse: every person its registries and ledgers name, as the keyed
fingerprints staging stored in audit.person_fingerprint, for the guard to find those names in texts
read later (reports, file names) or in tables already built."""

from __future__ import annotations

import hashlib

import numpy as np

from etl_project.core.personal_data import NameBook
from etl_project.warehouse.incremental.tables import table_fingerprint
from schemas.tables import PERSON_FINGERPRINT


def known_persons(db, key: bytes) -> NameBook:
    """The book, its names read from the warehouse when first looked up. On DuckDB the book is
    known by what the table holds, so a pass that searches nothing reads none of a national
    table's names; elsewhere they are read now and the book is known by them."""
    if not db.has_table(PERSON_FINGERPRINT):
        return NameBook(key)

    def stored() -> np.ndarray:
        found = db.query(f"SELECT DISTINCT name_fingerprint FROM {db.name(PERSON_FINGERPRINT)}")
        return found["name_fingerprint"].to_numpy(dtype=np.int64)

    held = table_fingerprint(db, PERSON_FINGERPRINT)
    if held is None:
        return NameBook(key, stored())
    # The fingerprints are keyed: the same table read under another key is another book.
    under_key = hashlib.sha256(b"book|" + key).hexdigest()[:12]
    return NameBook(key, stored=(f"{held}|{under_key}", stored))
