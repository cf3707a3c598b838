"""Personal data: the keyed hash that replaces it, and the masks that show it in quarantine.

The key comes from ETL_PII_KEY (a setting of the raw files' resource). Without it a documented
development key is used, which is fine for the shipped sample data and wrong for real registries
(the summary warns).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from etl_project.core import personal_data
from etl_project.core.settings import PII_KEY_ENV  # noqa: F401  (named in the warnings about the key)

DEVELOPMENT_KEY = "etl-project-development-key (set ETL_PII_KEY in production)"


def pii_key(written: str | None) -> bytes:
    """The key as the keyed hash takes it; ``written`` None: none was given, the development key."""
    return (DEVELOPMENT_KEY if written is None else written).encode("utf-8")


def keyed_hash(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA-256, first 160 bits in lower-case base32: stable across runs for the same key, and
    useless to anyone who has the warehouse but not the key. Base32 has no digits 0, 1, 8 or 9, so
    a key can never look like an ID number or a phone number to a personal-data scan."""
    inner, outer = _hmac_pads(key)
    digests = []
    for value in values.tolist():
        # RFC 2104 from the two keyed states, copied per value: what hmac.new computes, without
        # building an HMAC object for each of a registry's millions of rows.
        state = inner.copy()
        state.update(value.encode("utf-8"))
        final = outer.copy()
        final.update(state.digest())
        digests.append(final.digest()[:20])
    return pd.Series(_base32_lower(digests), index=values.index, dtype="string")


_BLOCK = 64  # SHA-256 block size in bytes
_BASE32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)


def _hmac_pads(key: bytes):
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def _base32_lower(digests: list[bytes]) -> list[str]:
    """20-byte digests as 32 base32 characters each (160 bits: no padding), lower case."""
    if not digests:
        return []
    bits = np.unpackbits(np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), 20), axis=1)
    letters = _BASE32[bits.reshape(len(digests), 32, 5) @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)]
    text = letters.tobytes().decode("ascii")
    return [text[i : i + 32] for i in range(0, len(text), 32)]


def mask_id_number(value: str) -> str:
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return personal_data.mask_digits(value, personal_data.ID_NUMBER)


def mask_phone(value: str) -> str:
    value = str(value)
    if len(value) < 8:
        return "*" * len(value)
    return personal_data.mask_digits(value, personal_data.PHONE)


MASKS = {"id_number": mask_id_number, "head_name": personal_data.mask_person_name, "phone": mask_phone}


def mask(field_name: str, value: object) -> str:
    """A value of a personal column, masked whatever it holds."""
    masker = MASKS.get(field_name, lambda v: "*" * len(str(v)))
    return masker(str(value))
