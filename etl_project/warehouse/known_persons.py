"""The name book of a warehouse: every person its registries and ledgers name, as the keyed
fingerprints staging stored in audit.person_fingerprint, for the guard to find those names in texts
read later (reports, file names) or in tables already built."""

from __future__ import annotations

import hashlib

import numpy as np

from etl_project.core.personal_data import NameBook
from etl_project.warehouse.incremental import memo
from etl_project.warehouse.incremental.tables import table_fingerprint
from schemas.tables import PERSON_FINGERPRINT

BOOK_STEP = "name_book"


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
    return NameBook(key, stored=(lambda: f"{_held_names(db, held)}|{under_key}", stored))


def _held_names(db, held: str) -> str:
    """The book known by the names it holds, not by when they were written: a registry loaded again
    naming the persons it named before leaves the version as it was, so the tables found clean
    against the book are not searched for names again. Worked out once per change of the table
    (one scan of a column of 64-bit numbers)."""
    known = memo.recall(db, BOOK_STEP, held)
    if known is not None:
        return known["names"]
    # A sum of hashes is blind to order; as text, for the sum outgrows 64 bits.
    rows, total = db.one(f"SELECT COUNT(*), CAST(SUM(hash(name_fingerprint)::HUGEINT) AS VARCHAR) FROM {db.name(PERSON_FINGERPRINT)}")
    names = f"names:{int(rows)}:{total}"
    memo.remember(db, BOOK_STEP, held, {"names": names})
    return names
