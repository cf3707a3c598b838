"""Text encodings of CSV files: detected from the bytes, never assumed.

County offices save CSV from Excel in GB18030/GBK (Chinese Windows) or UTF-8 with or without a
BOM. UTF-8 is strict enough that GB18030 text almost never decodes as UTF-8, so the order of
attempts below decides correctly.
"""

from __future__ import annotations

from pathlib import Path

BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


class UndecodableText(Exception):
    pass


def decode_bytes(raw: bytes, name: str) -> tuple[str, str]:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return _decode(raw, encoding, name), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"{name}: text is neither UTF-8 nor GB18030 (first bad byte at offset {exc.start}); "
            "save the file again as UTF-8 or GB18030 CSV"
        ) from exc


def _decode(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"{name}: starts with a {encoding} byte-order mark but byte {exc.start} is not {encoding}; "
            "the file mixes encodings"
        ) from exc


def decode_text(path: Path) -> tuple[str, str]:
    return decode_bytes(path.read_bytes(), path.name)
