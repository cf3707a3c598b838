"""How a county's registry table is laid out around its nineteen columns, as provincial templates and
national exports do it: a column left out because the sheet says it elsewhere (one sheet per
township, section rows "一、猫营镇" over each township's rows), numbered headers over three rows with
a breakdown no column map knows, and the template's placeholder rows under the header.

A form changes only where values are written, never the households: the truth is the same model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data.households import Batch
from sample_data.layouts import COL, COLUMNS, GROUP, GROUP_COLUMNS

# The breakdown a three-row header carries beside the registry's columns (the Jiangsu income template).
INCOME_GROUP, INCOME_TOTAL, INCOME_PARTS_LABEL = "收入构成", "全年纯收入", "其中"
INCOME_PARTS = ("种植业收入", "务工收入")
# A template's rows for the system to fill in: "N" in every cell, and a 示例 row of ellipses.
PLACEHOLDERS = ("N", "示例")
_NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the numbering of section rows and of (一) sub-headers."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _NUMERALS[tens - 1]) + "十" if tens else "") + (_NUMERALS[ones - 1] if ones else "")


@dataclass(frozen=True)
class HeaderBlock:
    """The header as rows of text, merged ranges (first row, first col, last row, last col; 0-based
    within the block) written once at their top left."""

    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]

    @property
    def depth(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])


@dataclass(frozen=True)
class Form:
    name: str  # as the truth file names it
    dropped: tuple[str, ...] = ()  # columns the table leaves out: the sheet says them elsewhere
    numbered: bool = False  # numbered headers over three rows, with the income breakdown
    placeholders: bool = False  # the template's N and 示例 rows under the header
    sections: bool = False  # a section row "一、猫营镇" opens each township's rows
    township_sheets: bool = False  # one sheet per township, named after it

    @property
    def kept(self) -> list[int]:
        return [c for c, name in enumerate(COLUMNS) if name not in self.dropped]

    @property
    def columns(self) -> list[str]:
        """What each written column holds: a registry field, or a part of the income breakdown."""
        extra = [INCOME_TOTAL, *INCOME_PARTS] if self.numbered else []
        return [COLUMNS[c] for c in self.kept] + extra

    def header(self, headers: tuple[str, ...]) -> HeaderBlock:
        return _numbered(headers, self.kept) if self.numbered else _two_rows(headers, self.kept)

    def written(self, columns: list[list], batch: Batch, as_text: bool) -> list[list]:
        """The nineteen column lists of a batch as this form writes them."""
        kept = [columns[c] for c in self.kept]
        if not self.numbered:
            return kept
        total = np.round(batch.income * batch.size).astype(np.int64)
        farming = np.round(total * 0.4).astype(np.int64)
        parts = [total, farming, total - farming]
        return kept + [[str(v) for v in part.tolist()] if as_text else part.tolist() for part in parts]

    def row(self, full: list) -> list:
        """A row built over the nineteen columns (a 合计 row), as this form writes it."""
        return [full[c] for c in self.kept] + ([""] * (1 + len(INCOME_PARTS)) if self.numbered else [])

    def placeholder_rows(self) -> list[list[str]]:
        if not self.placeholders:
            return []
        width = len(self.columns)
        return [[PLACEHOLDERS[0]] * width, [PLACEHOLDERS[1]] + ["…"] * (width - 1)]


PLAIN = Form("plain")
NUMBERED = Form("numbered_three_rows", numbered=True, placeholders=True)
SECTIONS = Form("section_rows", dropped=("township_name",), sections=True)
TOWNSHIP_SHEETS = Form("sheet_per_township", dropped=("township_name",), township_sheets=True)


def section_text(number: int, township: str) -> str:
    return f"{numeral(number)}、{township}"


def _two_rows(headers: tuple[str, ...], kept: list[int]) -> HeaderBlock:
    """The usual header: each column merged over two rows, 两不愁三保障 over its four leaves."""
    upper, lower, merges = [], [], []
    group = [p for p, c in enumerate(kept) if c in GROUP_COLUMNS]
    for p, c in enumerate(kept):
        if c in GROUP_COLUMNS:
            upper.append(GROUP if p == group[0] else "")
            lower.append(headers[c])
        else:
            upper.append(headers[c])
            lower.append("")
            merges.append((0, p, 1, p))
    merges.append((0, group[0], 0, group[-1]))
    return HeaderBlock([upper, lower], merges)


def _numbered(headers: tuple[str, ...], kept: list[int]) -> HeaderBlock:
    """Numbered headers ("1.县", "2、乡镇") merged down three rows; "15.两不愁三保障" over its
    leaves ("（一）住房安全有保障") merged down two; then the income breakdown: 收入构成 over
    全年纯收入 and 其中, 其中 over 种植业收入 and 务工收入."""
    rows: list[list[str]] = [[], [], []]
    merges: list[tuple[int, int, int, int]] = []
    number = 0
    group = [p for p, c in enumerate(kept) if c in GROUP_COLUMNS]
    for p, c in enumerate(kept):
        if c in GROUP_COLUMNS:
            if p == group[0]:
                number += 1
                rows[0].append(f"{number}.{GROUP}")
                merges.append((0, p, 0, group[-1]))
            else:
                rows[0].append("")
            rows[1].append(f"（{numeral(p - group[0] + 1)}）{headers[c]}")
            rows[2].append("")
            merges.append((1, p, 2, p))
            continue
        number += 1
        rows[0].append(f"{number}.{headers[c]}" if number % 2 else f"{number}、{headers[c]}")
        rows[1].append("")
        rows[2].append("")
        merges.append((0, p, 2, p))
    first = len(kept)
    number += 1
    rows[0] += [f"{number}.{INCOME_GROUP}", "", ""]
    rows[1] += [f"（一）{INCOME_TOTAL}", f"（二）{INCOME_PARTS_LABEL}", ""]
    rows[2] += ["", *INCOME_PARTS]
    merges += [(0, first, 0, first + 2), (1, first, 2, first), (1, first + 1, 1, first + 2)]
    return HeaderBlock(rows, merges)


def total_row(form: Form, figures: dict[str, object], total_columns: tuple[str, ...]) -> list:
    full: list = [""] * len(COLUMNS)
    full[0] = "合计"
    for column in total_columns:
        full[COL[column]] = figures[column]
    return form.row(full)
