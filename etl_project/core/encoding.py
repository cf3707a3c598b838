"""Text encodings of CSV files: detected from the bytes, never assumed.

County offices save CSV from Excel in GB18030/GBK (Chinese Windows) or UTF-8 with or without a
BOM. UTF-8 is strict enough that GB18030 text almost never decodes as UTF-8, so the order of
attempts below decides correctly.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from etl_project.core.refusal import Refusal

# (byte-order mark, encoding reported, codec of the text after the mark, name for people)
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16", "utf-16-be", "UTF-16"),
)


class UndecodableText(Refusal):
    pass


def decode_bytes(raw: bytes, name: str) -> tuple[str, str]:
    for bom, encoding, codec, label in BOMS:
        if raw.startswith(bom):
            return _decode(raw, bom, codec, label, name), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as not_utf8:
        utf8_error = not_utf8
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as not_gb18030:
        gb_error = not_gb18030
    if b"\x00" in raw[:4096]:
        if _looks_like_utf16(raw[:4096]):
            raise UndecodableText(
                f"{name}: looks like UTF-16 text without a byte-order mark, which cannot be told from binary content "
                "for sure; save it again as UTF-8 CSV (or as Excel's Unicode text, which has the mark)",
                "似乎是没有字节顺序标记（BOM）的 UTF-16 文本，无法与二进制内容可靠区分：请另存为 UTF-8 编码的 CSV",
            ) from utf8_error
        raise UndecodableText(
            f"{name}: binary content, not UTF-8 or GB18030 text", "内容为二进制，不是 UTF-8 或 GB18030 文本"
        ) from utf8_error
    # The encoding that reads further tells where the text changes: a file saved in one encoding
    # and appended to in the other (the other one fails at its first Chinese character), or cut
    # short inside its last character.
    label, error, codec = ("UTF-8", utf8_error, "utf-8") if utf8_error.start >= gb_error.start else ("GB18030", gb_error, "gb18030")
    line, offset = _position(raw, 0, error.start, codec)
    if _cut_short(raw[error.start :], codec):
        raise UndecodableText(
            f"{name}: the {label} text ends inside a character (line {line}, byte {offset}, the end of the file): "
            "it looks cut short by an interrupted download or copy; send the complete file",
            f"{label} 文本在一个字符的中间结束（第 {line} 行第 {offset} 字节，即文件末尾）：文件似乎在下载或复制时被截断，请报送完整的文件",
        ) from error
    where = "from its first byte on" if error.start == 0 else f"it reads as {label} up to line {line}, byte {offset}, and not from there on"
    where_zh = "从第一个字节起即无法读取" if error.start == 0 else f"按 {label} 可读到第 {line} 行第 {offset} 字节，其后不能"
    raise UndecodableText(
        f"{name}: text is neither UTF-8 nor GB18030, {where}; the file mixes encodings or uses another one: "
        "save it again as UTF-8 or GB18030 CSV",
        f"文本既不是 UTF-8 也不是 GB18030，{where_zh}；文件混用了多种编码或使用了其他编码：请另存为 UTF-8 或 GB18030 编码的 CSV",
    ) from error


def _decode(raw: bytes, bom: bytes, codec: str, label: str, name: str) -> str:
    try:
        return raw[len(bom) :].decode(codec)
    except UnicodeDecodeError as exc:
        line, offset = _position(raw, len(bom), len(bom) + exc.start, codec)
        raise UndecodableText(
            f"{name}: starts with a {label} byte-order mark but line {line}, byte {offset} of the file, is not "
            f"{label}; the file mixes encodings: save it again as UTF-8 or GB18030 CSV",
            f"文件以 {label} 字节顺序标记开头，但第 {line} 行第 {offset} 字节不是 {label}；文件混用了多种编码：请另存为 UTF-8 或 GB18030 编码的 CSV",
        ) from exc


def _looks_like_utf16(head: bytes) -> bool:
    """NUL bytes on one side of every pair only: the high bytes of ASCII characters in UTF-16."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return min(even, odd) == 0 and max(even, odd) * 10 >= len(head) // 2


def _cut_short(rest: bytes, codec: str) -> bool:
    """Whether the bytes from the error on are the beginning of a character the file stops in."""
    if not rest or (codec == "gb18030" and not 0x81 <= rest[0] <= 0xFE):
        return False  # Python's GB18030 decoder waits for more after any high byte, a lead byte or not
    try:
        return codecs.getincrementaldecoder(codec)().decode(rest, final=False) == ""
    except UnicodeDecodeError:
        return False


def _position(raw: bytes, start: int, offset: int, codec: str) -> tuple[int, int]:
    """An offset of the file as a person finds it: the line (as a text editor counts them), and
    the offset itself, counted from the start of the file, byte-order mark included."""
    return raw[start:offset].decode(codec, errors="replace").count("\n") + 1, offset


def decode_text(path: Path) -> tuple[str, str]:
    return decode_bytes(path.read_bytes(), path.name)
