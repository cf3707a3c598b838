"""Write the bad-input corpus: `python -m tests.corpus.build OUT [--million]`.

Every case goes to OUT/<source>/<file name>, the layout of data/raw, so OUT can be run as a raw
folder. The million-row village list is written only on request (it is 30 MB).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.corpus import cases_files, cases_layout, cases_meaning, cases_names, cases_real_layouts, cases_rules, cases_values
from tests.corpus.case import CLEAN, Case

CASES: list[Case] = [
    *cases_files.CASES,
    *cases_layout.CASES,
    *cases_values.CASES,
    *cases_rules.CASES,
    *cases_names.CASES,
    *cases_meaning.CASES,
    *cases_real_layouts.CASES,
]
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
assert len({(c.source, c.filename) for c in CASES}) == len(CASES), "file names must be unique per source"

MILLION = 1_000_000


def write_million_villages(path: Path, rows: int = MILLION) -> None:
    """One sheet of a million villages, each distinct, in the four required columns."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("县,乡镇,行政村,是否贫困村\r\n")
        handle.writelines(f"紫云县,第{k // 1000}镇,第{k}村,{'是' if k % 7 == 0 else '否'}\r\n" for k in range(rows))


MILLION_CASE = Case(
    "million_rows", "villages", "百万行村表.csv", write_million_villages, "a sheet of 1 000 000 villages", CLEAN, rows=(MILLION, 0)
)


def build(out: Path, cases: list[Case] = CASES) -> dict[str, Path]:
    """Write the cases under ``out``; returns each case's path by name."""
    paths = {}
    for case in cases:
        path = case.path_in(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        case.write(path)
        paths[case.name] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--million", action="store_true", help="also write the million-row village list")
    args = parser.parse_args(argv)
    paths = build(args.out, CASES + ([MILLION_CASE] if args.million else []))
    for name, path in paths.items():
        print(f"{name}\t{path.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
