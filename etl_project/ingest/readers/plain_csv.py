"""CSV text into Arrow columns with Arrow's parser, when every line of it is plain CSV.

Plain: lines end in \\n or \\r\\n, no quoted cell spans two lines, and a quote either encloses a
whole cell or is doubled inside one. On such text Python's csv module and Arrow's parser read the
same cells, one record per line, so line numbers are record numbers. Anything else (a quoted line
break, a stray quote, a lone \\r, a cell too long for the csv module) is left to the csv module,
whose reading is the reference: ``columns`` returns None and the caller reads it that way.

Lines with fewer cells than the widest (a title typed in one cell, an empty line) are read by the
csv module one by one and put back in their place, padded with empty cells as the caller would.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

_QUOTED = '"(?:[^"]|"")*"'
_FIELD = f'(?:{_QUOTED}|[^",\\r\\n]*)'
_PLAIN_LINE = f"^{_FIELD}(?:,{_FIELD})*$"
# The csv module refuses longer cells (csv.field_size_limit); such files keep its verdict.
_LONGEST_LINE = 131_072


def columns(text: str) -> list[pa.Array] | None:
    """One Arrow string array per column ("" for an empty cell, None where a short line has no
    cell), or None when the text is not plain CSV."""
    if not text:
        return []
    if "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    data = text.encode("utf-8")
    body = _lines(data)
    lengths = pc.binary_length(body).to_numpy(zero_copy_only=False)
    if lengths.max() > _LONGEST_LINE or not pc.all(pc.match_substring_regex(body, _PLAIN_LINE)).as_py():
        return None
    cells = pc.count_substring(pc.replace_substring_regex(body, _QUOTED, ""), ",").to_numpy(zero_copy_only=False) + 1
    cells[lengths == 0] = 0  # the csv module reads an empty line as a record without cells
    width = int(cells.max())
    if width == 0:
        return []
    full = cells == width
    parsed = _parse(data, width, int(lengths.max()))
    if parsed is None or parsed.num_rows != int(full.sum()):
        return None
    result = [parsed.column(i).combine_chunks() for i in range(width)]
    short = np.flatnonzero(~full)
    if short.size == 0:
        return result
    records = [next(csv.reader([body[int(i)].as_py()]), []) for i in short]
    order = np.empty(len(body), dtype=np.int64)
    order[full] = np.arange(parsed.num_rows)
    order[short] = parsed.num_rows + np.arange(short.size)
    take = pa.array(order)
    padded = [pa.array([r[i] if i < len(r) else None for r in records], type=pa.string()) for i in range(width)]
    return [pa.concat_arrays([column, extra]).take(take) for column, extra in zip(result, padded)]


def _lines(data: bytes) -> pa.Array:
    """The lines of UTF-8 text (lone \\r excluded) as an Arrow array, without their line ends."""
    starts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")) + 1
    if not data.endswith(b"\n"):
        starts = np.append(starts, len(data))
    offsets = np.concatenate(([0], starts)).astype(np.int64)
    with_ends = pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data))
    return pc.utf8_rtrim(with_ends, "\r\n")


def _parse(data: bytes, width: int, longest: int) -> pa.Table | None:
    """The lines with ``width`` cells, by Arrow's parser; the others are skipped."""
    names = [str(i) for i in range(width)]
    try:
        return pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False, block_size=max(1 << 20, 4 * longest + 64)),
            parse_options=pa_csv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
                invalid_row_handler=lambda row: "skip",
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError):
        return None
