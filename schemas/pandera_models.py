"""Pandera DataFrameModels derived from the registry's table declarations."""

from __future__ import annotations

import dataclasses
from functools import cache

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

import schemas.checks  # noqa: F401  (registers the custom checks the models name)
from schemas.registry import CATALOG, Table


@dataclasses.dataclass(frozen=True)
class _String(pandas_engine.STRING):
    """pandas' "string" type, with pandera's verdict on a column of exactly that type given as one
    bool. Pandera's own check answers such a column with one True per row, which makes it build and
    print a table of failure cases (empty) for every text column of every file it validates, a
    fixed cost paid by every file, however small. Any other column type gets pandera's own verdict."""

    def check(self, pandera_dtype, data_container=None):
        if data_container is not None:
            try:
                if pandas_engine.Engine.dtype(pandera_dtype).type == self.type:
                    return True
            except TypeError:
                pass
        return super().check(pandera_dtype, data_container)


_DTYPES = {
    "string": _String,
    "Int64": pd.Int64Dtype,
    "Float64": pd.Float64Dtype,
    "boolean": pd.BooleanDtype,
    "datetime64[ns]": pa.DateTime,
}


def _field_checks(rules) -> dict:
    """Field(...) keyword arguments for a field's rules: ``in_range={...}``, ``isin=[...]``, …"""
    kwargs = {}
    for rule in rules:
        if rule.check == "isin":
            kwargs["isin"] = rule.params["allowed_values"]
        elif rule.check in ("gt", "ge", "lt", "le"):
            kwargs[rule.check] = rule.params["min_value"]
        else:
            kwargs[rule.check] = dict(rule.params) if rule.params else ()
    return kwargs


@cache
def model_for(table_name: str) -> type[pa.DataFrameModel]:
    """A DataFrameModel class for one declared table; frame rules become Config-level checks."""
    table: Table = CATALOG[table_name]
    annotations, namespace = {}, {}
    for f in table.fields:
        if f.pandas_dtype not in _DTYPES:
            continue
        annotations[f.name] = _DTYPES[f.pandas_dtype]
        namespace[f.name] = pa.Field(nullable=not f.required, **_field_checks(f.rules))
    config = {"strict": False, "coerce": False, "name": table.name, "description": table.description}
    for rule in table.frame_rules:
        config[rule.check] = dict(rule.params) if rule.params else ()
    namespace["__annotations__"] = annotations
    namespace["Config"] = type("Config", (), config)
    namespace["__doc__"] = table.description
    class_name = "".join(part.title() for part in table.name.split("_")) + "Model"
    return type(class_name, (pa.DataFrameModel,), namespace)
