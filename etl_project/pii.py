"""Personal data: the keyed hash that replaces it, and the masks that show it in quarantine.

The key comes from ETL_PII_KEY. Without it a documented development key is used, which is fine
for the shipped sample data and wrong for real registries (the summary warns).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pandas as pd

PII_KEY_ENV = "ETL_PII_KEY"
DEVELOPMENT_KEY = "etl-project-development-key (set ETL_PII_KEY in production)"


def pii_key() -> bytes:
    return os.environ.get(PII_KEY_ENV, DEVELOPMENT_KEY).encode("utf-8")


def using_development_key() -> bool:
    return PII_KEY_ENV not in os.environ


def keyed_hash(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA-256, first 160 bits in lower-case base32: stable across runs for the same key, and
    useless to anyone who has the warehouse but not the key. Base32 has no digits 0, 1, 8 or 9, so
    a key can never look like an ID number or a phone number to a personal-data scan."""
    digest = hmac.new
    return pd.Series(
        [base64.b32encode(digest(key, v.encode("utf-8"), hashlib.sha256).digest()[:20]).decode("ascii").lower() for v in values.tolist()],
        index=values.index,
        dtype="string",
    )


def mask_id_number(value: str) -> str:
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 8) + value[-2:]


def mask_name(value: str) -> str:
    value = str(value)
    return value[:1] + "*" * max(len(value) - 1, 1)


def mask_phone(value: str) -> str:
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKS = {"id_number": mask_id_number, "head_name": mask_name, "phone": mask_phone}


def mask(field_name: str, value: object) -> str:
    masker = MASKS.get(field_name, lambda v: "*" * len(str(v)))
    return masker(value)
