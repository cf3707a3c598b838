"""The name book of a warehouse: every person its registries and ledgers name, as the keyed
fingerprints staging stored in audit.person_fingerprint, for the guard to find those names in texts
read later (reports, file names) or in tables already built."""

from __future__ import annotations

import numpy as np

from etl_project.core.personal_data import NameBook
from schemas.tables import PERSON_FINGERPRINT


def known_persons(db, key: bytes) -> NameBook:
    book = NameBook(key)
    if db.has_table(PERSON_FINGERPRINT):
        found = db.query(f"SELECT DISTINCT name_fingerprint FROM {db.name(PERSON_FINGERPRINT)}")
        book.add(found["name_fingerprint"].to_numpy(dtype=np.int64))
    return book
