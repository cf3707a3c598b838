"""Column maps: per source, the header spellings of each field, kept as data under schemas/column_maps."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

from etl_project.core.money_units import is_unit_list

COLUMN_MAP_DIR = Path(__file__).resolve().parents[3] / "schemas" / "column_maps"

# Units in brackets ("（万元）", "（人民币亿元）", "（元/人）") are part of how a header is written,
# not of what it means; the unit itself is read by core.money_units.
_BRACKETED = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_NOISE = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\ufeff*＊:：]+")
# How forms and exports number their headers: "1.", "2、", "一、", "（一）", "(1)", "①". Matched before
# NFKC, which turns "①" into "1" and "（一）" into "(一)".
_NUMBERING = re.compile(
    r"^\s*(?:[①-⑳⑴-⒇⒈-⒛]|[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]|(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[.．、](?![\d０-９]))\s*"
)


def header_key(text: object) -> str:
    """A header cell reduced to what identifies it: NFKC, no spaces, no bracketed unit."""
    if text is None:
        return ""
    return _header_key(str(text))


@lru_cache(maxsize=1 << 16)
def _header_key(text: str) -> str:
    # Headers repeat from file to file and the search tries each row several times.
    value = unicodedata.normalize("NFKC", _NUMBERING.sub("", text, count=1))
    value = _NOISE.sub("", value)
    return _BRACKETED.sub(lambda m: "" if is_unit_list(m.group(1)) else m.group(0), value)


@dataclass(frozen=True)
class WideGroup:
    """Header groups whose columns each hold one ``measure`` of one value of ``field``: under
    "资金来源（万元）", one amount column per fund source, the leaf header naming the source."""

    field: str  # the field the leaf headers give a value of (fund_source, category)
    measure: str  # the field each cell is a value of (amount)
    groups: frozenset[str]  # header keys of the groups


@dataclass(frozen=True)
class SheetLayout:
    """Another shape of the source's files (the per-person registry export), known by a column
    only it has, with the columns it must have."""

    name: str
    marker: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class ColumnMap:
    source: str
    aliases: dict[str, str]  # header key -> field
    required: tuple[str, ...]
    fields: tuple[str, ...]
    spellings: dict[str, tuple[str, ...]]  # field -> aliases as declared, for messages
    wide: tuple[WideGroup, ...] = ()
    # what the title, file name, sheet name and section rows may give: county, township, year -> field
    context: dict[str, str] = field(default_factory=dict)
    layouts: tuple[SheetLayout, ...] = ()

    def field_for(self, key: str) -> str | None:
        return self.aliases.get(key)

    def layout_of(self, matched) -> SheetLayout | None:
        """The layout a header naming these fields is in; None for the source's own."""
        return next((layout for layout in self.layouts if layout.marker in matched), None)

    def required_for(self, matched) -> tuple[str, ...]:
        layout = self.layout_of(matched)
        return self.required if layout is None else layout.required


@cache
def load_column_map(source: str, directory: Path = COLUMN_MAP_DIR) -> ColumnMap:
    path = directory / f"{source}.yaml"
    declared = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for field_name, spellings in declared["fields"].items():
        for spelling in spellings:
            key = "/".join(header_key(part) for part in str(spelling).split("/"))
            if aliases.get(key, field_name) != field_name:
                raise ValueError(f"{path.name}: header {spelling!r} is declared for both {aliases[key]} and {field_name}")
            aliases[key] = field_name
    layouts = tuple(SheetLayout(name, spec["marker"], tuple(spec["required"])) for name, spec in (declared.get("layouts") or {}).items())
    for required in (declared.get("required", []), *(layout.required for layout in layouts), [layout.marker for layout in layouts]):
        unknown = set(required) - set(declared["fields"])
        if unknown:
            raise ValueError(f"{path.name}: required fields {sorted(unknown)} have no aliases")
    wide = tuple(
        WideGroup(group["field"], group["measure"], frozenset(header_key(g) for g in group["groups"])) for group in declared.get("wide", [])
    )
    for group in wide:
        if {group.field, group.measure} - set(declared["fields"]):
            raise ValueError(f"{path.name}: wide group fields {group.field}, {group.measure} must be declared under fields")
    context = dict(declared.get("context", {}))
    if set(context.values()) - set(declared["fields"]):
        raise ValueError(f"{path.name}: context fields {sorted(set(context.values()) - set(declared['fields']))} have no aliases")
    return ColumnMap(
        source=declared["source"],
        aliases=aliases,
        required=tuple(declared.get("required", [])),
        fields=tuple(declared["fields"]),
        spellings={k: tuple(v) for k, v in declared["fields"].items()},
        wide=wide,
        context=context,
        layouts=layouts,
    )
