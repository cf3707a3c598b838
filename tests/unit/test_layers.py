"""Imports point down the layers, never up: a module may import from its own layer and the layers
below it. Every import counts, a function's own included.

The layers, top to bottom, each a package or packages side by side that do not import each other:
orchestration (Dagster definitions, sensors, runs, command line); the assets, and the sample-data
generator beside them; ingest (raw files into staging); reports (narrative reports into claims,
reconciled against the warehouse); warehouse (its engine and what is built in it); schemas (the
declarations); core (rules that know no table).
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = (
    ("etl_project.orchestration",),
    ("assets", "sample_data"),
    ("etl_project.ingest",),
    ("etl_project.reports",),
    ("etl_project.warehouse",),
    ("schemas",),
    ("etl_project.core",),
)
# Outside the layers: what `python -m etl_project` runs; nothing imports it.
ENTRY_POINTS = frozenset({"etl_project", "etl_project.__main__"})
# The generator must never borrow the warehouse's code, or the warehouse would be graded against
# itself: of the project it may read the national vocabularies alone.
MAY_IMPORT_ONLY = {"sample_data": ("schemas.vocabularies",)}
PROJECT_PACKAGES = frozenset(package.split(".")[0] for layer in LAYERS for package in layer)


def project_modules(root: Path = ROOT) -> dict[str, str]:
    """Every module of the project's packages: dotted name → source."""
    found = {}
    for top in sorted(PROJECT_PACKAGES):
        for path in sorted((root / top).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path.read_text(encoding="utf-8")
    return found


def _is_package(name: str, modules: dict[str, str]) -> bool:
    return any(other.startswith(name + ".") for other in modules)


def imported_modules(name: str, source: str, modules: dict[str, str]) -> set[str]:
    """The project modules a module imports, anywhere in it: `from a import b` counts as a.b when b
    is a module, else as a."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if _is_package(name, modules) else name.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module)
    return {module for module in found if module.split(".")[0] in PROJECT_PACKAGES}


def layer_of(module: str) -> tuple[int, str] | None:
    """(the layer's depth, its package) of a module, None outside every layer."""
    for depth, packages in enumerate(LAYERS):
        for package in packages:
            if module == package or module.startswith(package + "."):
                return depth, package
    return None


def wrong_imports(modules: dict[str, str]) -> list[str]:
    """Each import that points up the layers, across to a package beside, or out of what a package
    may import; and each module outside every layer."""
    wrong = []
    for name, source in sorted(modules.items()):
        here = layer_of(name)
        if here is None and name not in ENTRY_POINTS:
            wrong.append(f"{name} is in no layer: put it in one of {[p for layer in LAYERS for p in layer]}")
            continue
        for imported in sorted(imported_modules(name, source, modules)):
            there = layer_of(imported)
            allowed = MAY_IMPORT_ONLY.get(here[1] if here else "")
            if imported in ENTRY_POINTS or there is None:
                if imported != "etl_project" and name not in ENTRY_POINTS:
                    wrong.append(f"{name} imports {imported}, which is no layer's")
            elif here is None:
                continue  # an entry point may import anything
            elif there[1] == here[1]:
                continue
            elif allowed is not None and not any(imported == a or imported.startswith(a + ".") for a in allowed):
                wrong.append(f"{name} imports {imported}: {here[1]} may import only {', '.join(allowed)}")
            elif there[0] < here[0]:
                wrong.append(f"{name} imports {imported}, a layer above it ({there[1]} is above {here[1]})")
            elif there[0] == here[0]:
                wrong.append(f"{name} imports {imported}: {here[1]} and {there[1]} stand side by side")
    return wrong


def test_imports_point_down_the_layers():
    modules = project_modules()
    assert "etl_project.orchestration.definitions" in modules and "sample_data.generate" in modules
    assert wrong_imports(modules) == []


@pytest.mark.parametrize(
    ("modules", "wrong"),
    [
        pytest.param(
            {
                "etl_project.core.rule": "def check():\n    from etl_project.warehouse.engine import Warehouse\n",
                "etl_project.warehouse.engine": "from etl_project.core import rule\n",
            },
            [
                "etl_project.core.rule imports etl_project.warehouse.engine, a layer above it "
                "(etl_project.warehouse is above etl_project.core)"
            ],
            id="an import up the layers is found even inside a function",
        ),
        pytest.param(
            {
                "etl_project.ingest.pending": "",
                "etl_project.reports.rows": "from etl_project.ingest import pending\n",
                "etl_project.ingest.steward": "from etl_project.reports import rows\n",
            },
            [
                "etl_project.reports.rows imports etl_project.ingest.pending, a layer above it "
                "(etl_project.ingest is above etl_project.reports)"
            ],
            id="a module imported by name counts as itself",
        ),
        pytest.param(
            {
                "assets.raw": "import sample_data.table\n",
                "sample_data.table": "from schemas.vocabularies import HELP_MEASURE\nfrom etl_project.core.idcard import well_formed\n",
                "schemas.vocabularies": "",
                "etl_project.core.idcard": "",
                "etl_project.loose": "",
            },
            [
                "assets.raw imports sample_data.table: assets and sample_data stand side by side",
                "etl_project.loose is in no layer: put it in one of " + str([p for layer in LAYERS for p in layer]),
                "sample_data.table imports etl_project.core.idcard: sample_data may import only schemas.vocabularies",
            ],
            id="packages side by side and the generator keep to themselves",
        ),
    ],
)
def test_wrong_imports_are_named(modules: dict, wrong: list):
    assert wrong_imports(modules) == wrong


def test_a_reader_helper_in_core_still_counts_in_the_rules_files_are_read_by(tmp_path, monkeypatch):
    """Money units, encodings and the like sit in core because other layers use them, but they
    decide how a file is read: changing one must read the files again."""
    from etl_project.ingest.incremental import files as load_state

    def version() -> str:
        return load_state.rules_version("registry", lambda name: "")

    before = version()
    assert version() == before
    changed = tmp_path / "money_units.py"
    changed.write_bytes(Path(load_state.money_units.__file__).read_bytes() + b"\n# one more line\n")
    helpers = tuple(SimpleNamespace(__file__=str(changed)) if h is load_state.money_units else h for h in load_state.READER_HELPERS)
    monkeypatch.setattr(load_state, "READER_HELPERS", helpers)
    assert version() != before
