"""A snapshot of every asset spec, so that a change of lineage, group, kinds, owners or checks shows
up in review. Refresh it on purpose with ETL_UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from etl_project.orchestration.definitions import build_definitions

SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "asset_specs.json"


def current_specs() -> dict:
    defs = build_definitions("data/raw", "duckdb:///data/warehouse/warehouse.duckdb")
    graph = defs.resolve_asset_graph()
    checks_by_asset: dict[str, list[str]] = {}
    for check_key in graph.asset_check_keys:
        checks_by_asset.setdefault(check_key.asset_key.to_user_string(), []).append(check_key.name)
    specs = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        specs[name] = {
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "checks": sorted(checks_by_asset.get(name, [])),
        }
    return specs


def test_asset_specs_match_the_snapshot():
    specs = current_specs()
    if os.environ.get("ETL_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(specs, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert specs == recorded, "asset specs changed: review the lineage, then refresh with ETL_UPDATE_SNAPSHOTS=1"
