"""Superset's own import schemas, read from its wheel, and a check of a bundle's files against them.

Installing Superset to import a bundle for real takes a separate environment and minutes; its
import schemas are marshmallow classes in a few source files of the wheel. Those files are parsed
(never run, never copied): each schema's fields with their type, whether required, whether None is
allowed, nested schemas and fixed values; and the importer's own table of which folder of the
bundle is checked against which schema. A file is then checked as marshmallow would load it:
unknown keys refused (unless the schema excludes them), required keys present, each value of its
field's type.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SUPERSET_VERSION = "6.1.0"
SCHEMA_SOURCES = (
    "superset/commands/importers/v1/utils.py",  # MetadataSchema (metadata.yaml)
    "superset/databases/schemas.py",
    "superset/datasets/schemas.py",
    "superset/charts/schemas.py",
    "superset/dashboards/schemas.py",
    "superset/themes/schemas.py",
)
IMPORTER = "superset/commands/dashboard/importers/v1/__init__.py"


def superset_wheel() -> Path | None:
    """$SUPERSET_WHEEL, else the wheel cached under ~/.cache/etl-project, else downloaded there by pip."""
    if os.environ.get("SUPERSET_WHEEL"):
        return Path(os.environ["SUPERSET_WHEEL"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "etl-project"
    found = sorted(cache.glob(f"apache_superset-{SUPERSET_VERSION}-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                f"apache-superset=={SUPERSET_VERSION}",
                "-d",
                str(cache),
            ],
            check=True,
            timeout=900,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    found = sorted(cache.glob(f"apache_superset-{SUPERSET_VERSION}-*.whl"))
    return found[0] if found else None


@dataclass
class Spec:
    kind: str  # the marshmallow field class: String, Integer, Nested, List, ...
    required: bool = False
    allow_none: bool = False
    nested: str | None = None  # schema class of a Nested field
    many: bool = False
    inner: Spec | None = None  # item field of a List
    equal: object = None  # validate.Equal(...)
    choices: tuple | None = None  # validate.OneOf([...])


@dataclass
class SchemaClass:
    name: str
    bases: list[str]
    fields: dict[str, Spec] = field(default_factory=dict)
    excludes_unknown: bool = False


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


class Schemas:
    def __init__(self, wheel: Path):
        self.classes: dict[str, SchemaClass] = {}
        self.nested_fields: set[str] = {"Nested"}  # field classes derived from fields.Nested
        with zipfile.ZipFile(wheel) as archive:
            sources = {path: archive.read(path).decode("utf-8") for path in (*SCHEMA_SOURCES, IMPORTER)}
        for path in SCHEMA_SOURCES:
            self._read(ast.parse(sources[path]))
        self.by_folder = self._importer_table(ast.parse(sources[IMPORTER]))

    def _read(self, module: ast.Module) -> None:
        constants = {
            target.id: node.value.value
            for node in module.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in module.body:
            if isinstance(node, ast.ClassDef) and any(_name(b) == "Nested" for b in node.bases):
                self.nested_fields.add(node.name)
        for node in module.body:
            if not isinstance(node, ast.ClassDef):
                continue
            schema = SchemaClass(node.name, [_name(b) for b in node.bases])
            for item in node.body:
                if isinstance(item, ast.ClassDef) and item.name == "Meta":
                    schema.excludes_unknown = any(
                        isinstance(s, ast.Assign) and _name(s.targets[0]) == "unknown" and _name(s.value) == "EXCLUDE" for s in item.body
                    )
                if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                    spec = self._spec(item.value, constants)
                    if spec is not None:
                        schema.fields[item.targets[0].id] = spec
            self.classes[node.name] = schema

    def _spec(self, call: ast.AST, constants: dict) -> Spec | None:
        if not isinstance(call, ast.Call):
            return None
        kind = _name(call.func)
        if isinstance(call.func, ast.Attribute) and _name(call.func.value) != "fields" and kind not in self.nested_fields:
            return None
        if isinstance(call.func, ast.Name) and kind not in self.nested_fields:
            return None
        keywords = {k.arg: k.value for k in call.keywords if k.arg}

        def flag(key: str) -> bool:
            value = keywords.get(key)
            return isinstance(value, ast.Constant) and value.value is True

        load_default_none = isinstance(keywords.get("load_default"), ast.Constant) and keywords["load_default"].value is None
        spec = Spec(
            "Nested" if kind in self.nested_fields else kind,
            required=flag("required"),
            allow_none=flag("allow_none") or load_default_none,
            many=flag("many"),
        )
        if spec.kind == "Nested" and call.args:
            spec.nested = _name(call.args[0])
        if spec.kind == "List" and call.args:
            spec.inner = self._spec(call.args[0], constants)
        check = keywords.get("validate")
        if isinstance(check, ast.Call) and _name(check.func) == "Equal" and check.args:
            argument = check.args[0]
            spec.equal = argument.value if isinstance(argument, ast.Constant) else constants.get(_name(argument))
        if isinstance(check, ast.Call) and _name(check.func) == "OneOf" and check.args and isinstance(check.args[0], (ast.List, ast.Tuple)):
            spec.choices = tuple(e.value for e in check.args[0].elts if isinstance(e, ast.Constant))
        return spec

    @staticmethod
    def _importer_table(module: ast.Module) -> dict[str, str]:
        """The dashboard importer's ``schemas = {"charts/": ImportV1ChartSchema(), ...}``."""
        for node in ast.walk(module):
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and _name(node.targets[0] if isinstance(node, ast.Assign) else node.target) == "schemas"
                and isinstance(node.value, ast.Dict)
            ):
                return {k.value: _name(v.func) for k, v in zip(node.value.keys, node.value.values)}
        raise AssertionError("the dashboard importer's schema table was not found")

    def fields_of(self, name: str) -> tuple[dict[str, Spec], bool]:
        schema = self.classes[name]
        found, excludes = {}, schema.excludes_unknown
        for base in schema.bases:
            if base in self.classes:
                inherited, base_excludes = self.fields_of(base)
                found.update(inherited)
                excludes = excludes or base_excludes
        found.update(schema.fields)
        return found, excludes

    def check(self, data: object, schema: str, where: str) -> list[str]:
        """What marshmallow would refuse when loading ``data`` with the schema; empty when nothing."""
        if not isinstance(data, dict):
            return [f"{where}: expected a mapping, got {type(data).__name__}"]
        declared, excludes = self.fields_of(schema)
        problems = [] if excludes else [f"{where}.{key}: unknown field of {schema}" for key in data if key not in declared]
        for key, spec in declared.items():
            if key not in data:
                if spec.required:
                    problems.append(f"{where}.{key}: required by {schema}")
                continue
            problems += self._value(data[key], spec, f"{where}.{key}")
        return problems

    def _value(self, value: object, spec: Spec, where: str) -> list[str]:
        if value is None:
            return [] if spec.allow_none else [f"{where}: None not allowed"]
        kind = spec.kind
        simple = {
            "String": str,
            "Str": str,
            "URL": str,
            "Url": str,
            "Email": str,
            "Enum": str,
            "Integer": int,
            "Int": int,
            "Float": (int, float),
            "Number": (int, float),
            "Decimal": (int, float),
            "Boolean": bool,
            "Bool": bool,
            "Dict": dict,
            "Mapping": dict,
            "List": list,
        }
        if kind == "Raw":
            return []
        if kind in simple:
            if not isinstance(value, simple[kind]) or (kind in ("Integer", "Int") and isinstance(value, bool)):
                return [f"{where}: {value!r} is not a {kind}"]
        elif kind == "UUID":
            try:
                uuid.UUID(str(value))
            except ValueError:
                return [f"{where}: {value!r} is not a UUID"]
        elif kind == "DateTime":
            try:
                datetime.fromisoformat(str(value))
            except ValueError:
                return [f"{where}: {value!r} is not an ISO date-time"]
        elif kind == "Nested":
            if spec.nested not in self.classes:
                return [f"{where}: nested schema {spec.nested} not found"]
            items = value if spec.many else [value]
            if spec.many and not isinstance(value, list):
                return [f"{where}: expected a list"]
            return [p for i, item in enumerate(items) for p in self.check(item, spec.nested, f"{where}[{i}]" if spec.many else where)]
        else:
            return [f"{where}: field type {kind} is not understood by this check"]
        problems = []
        if spec.equal is not None and value != spec.equal:
            problems.append(f"{where}: must be {spec.equal!r}, is {value!r}")
        if spec.choices is not None and value not in spec.choices:
            problems.append(f"{where}: {value!r} is not one of {spec.choices}")
        if kind == "List" and spec.inner is not None:
            problems += [p for i, item in enumerate(value) for p in self._value(item, spec.inner, f"{where}[{i}]")]
        return problems

    def check_bundle(self, files: dict[str, object]) -> list[str]:
        """Every file of a bundle (paths as Superset reads them, YAML parsed) against its schema."""
        problems = [] if "metadata.yaml" in files else ["metadata.yaml is missing"]
        for path, content in files.items():
            if path == "metadata.yaml":
                problems += self.check(content, "MetadataSchema", path)
                continue
            folder = next((prefix for prefix in self.by_folder if path.startswith(prefix)), None)
            if folder is None:
                problems.append(f"{path}: no import schema for this folder ({sorted(self.by_folder)})")
                continue
            problems += self.check(content, self.by_folder[folder], path)
        return problems
