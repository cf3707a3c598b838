"""The name book of a warehouse: every person its registries and ledgers name, as the keyed
fingerprints staging stored in audit.person_fingerprint, for the guard to find those names in texts
read later (reports, file names) or in tables already built."""

from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np
import pandas as pd

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
    """The book known by the names it was taught and when, not by when its files were written: a
    registry loaded again naming no one it had not named before leaves the version as it was, so
    the tables found clean against the book are not searched for names again. Worked out once per
    change of the table (one scan of a column of timestamps)."""
    known = memo.recall(db, BOOK_STEP, held)
    if known is not None:
        return known["names"]
    # Rows of a release that did not stamp them (NULL) count as unknown times: their number is in the version.
    latest, unstamped = db.one(f"SELECT CAST(MAX(learnt_at) AS VARCHAR), COUNT(*) - COUNT(learnt_at) FROM {db.name(PERSON_FINGERPRINT)}")
    names = f"learnt:{latest}:{int(unstamped)}"
    memo.remember(db, BOOK_STEP, held, {"names": names})
    return names


def with_learnt_at(people: pd.DataFrame, before: pd.DataFrame | None, now: datetime) -> pd.DataFrame:
    """A file's fingerprints stamped with when the file first named each person: the time stored
    for it before, else ``now``. A person the file named before is no name learnt."""
    learnt = pd.Series(now, index=people.index, dtype="datetime64[us]")
    if before is not None and not before.empty:
        earliest = before.groupby("name_fingerprint")["learnt_at"].min().dropna()
        learnt = people["name_fingerprint"].map(earliest).astype("datetime64[us]").fillna(learnt)
    return people.assign(learnt_at=learnt)
