"""The warehouse is opened one way: ``with opened(url) as db`` (or a resource's ``with
warehouse.open() as db``), which closes it however the block ends. A Warehouse built or closed by
hand elsewhere is a path that can leave a DuckDB file locked against the next run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("etl_project", "assets", "benchmarks", "tests")
WHERE_IT_IS_OPENED = Path("etl_project") / "warehouse" / "engine.py"
OPENERS = {"Warehouse", "opened"}


def _is_opening(call: ast.expr) -> bool:
    """``Warehouse(…)``, ``opened(…)`` or ``<resource>.open()``: an expression that yields a warehouse."""
    if not isinstance(call, ast.Call):
        return False
    function = call.func
    name = function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else None
    return name in OPENERS or (
        name == "open" and isinstance(function, ast.Attribute) and not call.args and "warehouse" in ast.unparse(function.value)
    )


def _warehouse_names(tree: ast.AST) -> set[str]:
    """Names that hold a warehouse: bound to an opening, or declared as a Warehouse."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_opening(node.value):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.withitem) and _is_opening(node.context_expr) and isinstance(node.optional_vars, ast.Name):
            names.add(node.optional_vars.id)
        elif isinstance(node, ast.arg) and node.annotation is not None and "Warehouse" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names


def opened_by_hand(source: str) -> list[str]:
    """Where the source builds a Warehouse itself or closes one (or its engine) by hand."""
    tree = ast.parse(source)
    warehouses = _warehouse_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if (isinstance(function, ast.Name) and function.id == "Warehouse") or (
            isinstance(function, ast.Attribute) and function.attr == "Warehouse"
        ):
            found.append((node.lineno, "builds a Warehouse (use `with opened(url) as db`)"))
        elif isinstance(function, ast.Attribute) and function.attr in ("close", "dispose"):
            receiver = function.value
            if isinstance(receiver, ast.Attribute) and receiver.attr == "engine":
                found.append((node.lineno, "disposes of a warehouse's engine by hand"))
            elif isinstance(receiver, ast.Name) and receiver.id in warehouses:
                found.append((node.lineno, f"closes the warehouse {receiver.id} by hand"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_the_scan_finds_a_warehouse_opened_or_closed_by_hand():
    by_hand = """
from etl_project import warehouse as wh
from etl_project.warehouse import Warehouse

def count(url, resource):
    db = Warehouse(url)
    try:
        return db.scalar("SELECT 1")
    finally:
        db.close()

def other(url):
    wh.Warehouse(url).engine.dispose()

def check(warehouse):
    db = warehouse.open()
    db.close()

def helper(db: Warehouse):
    db.close()
"""
    found = opened_by_hand(by_hand)
    assert [line.split(":")[0] for line in found] == ["line 6", "line 10", "line 13", "line 13", "line 17", "line 20"], found
    the_one_way = """
from etl_project.warehouse import opened

def count(url, warehouse, book):
    with opened(url) as db, warehouse.open() as other:
        total = db.scalar("SELECT 1") + other.scalar("SELECT 1")
    book.close()  # not a warehouse
    return total
"""
    assert opened_by_hand(the_one_way) == []


def test_nothing_outside_the_warehouse_module_opens_or_closes_a_warehouse_by_hand():
    offenders = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == WHERE_IT_IS_OPENED:
                continue
            found = opened_by_hand(path.read_text(encoding="utf-8"))
            if found:
                offenders[relative.as_posix()] = found
    assert not offenders, offenders
