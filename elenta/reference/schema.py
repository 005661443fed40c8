"""JSON Schemas of the files elenta reads, from the pydantic models, as editors should see them.

`file_schemas()` -> `{"cadaster": {...}, "constellation": {...}, "elenta": {...}}`. Each key carries
its meaning and an example (`keydocs.KEYDOCS`); forms the models accept before validation (a
guest written as a bare flake reference, sizes such as `"16G"`) are in the schema too.
"""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import BaseModel

from elenta.model.cadaster import Cadaster
from elenta.model.constellation import Constellation
from elenta.model.names import parse_size_mib
from elenta.model.settings import LabSettings
from elenta.reference.keydocs import KEYDOCS

FILES: dict[str, tuple[type[BaseModel], str]] = {
    "cadaster": (Cadaster, "cadaster.toml (or .yaml, .json, .nix) at the lab's root"),
    "constellation": (Constellation, "constellations/*.toml (or .yaml, .json, .nix)"),
    "elenta": (LabSettings, "elenta.toml at the lab's root: the lab's own settings"),
}
SHORTHAND: dict[str, dict[str, Any]] = {
    name: {"type": "string", "description": 'a flake reference alone, e.g. ".#web"'}
    for name in ("Guest", "PlacedGuest")
}
SIZE = {
    "anyOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": r"^\d+(\.\d+)?\s*[BKMGTbkmgt]"},
    ]
}


def _example(text: str) -> list[Any]:
    """The example as a value for the schema (`[]` when it is a TOML snippet, not a value)."""
    try:
        return [tomllib.loads(f"x = {text}")["x"]]
    except tomllib.TOMLDecodeError:
        return []


def models_under(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from `root` by its fields, by class name."""
    found: dict[str, type[BaseModel]] = {}
    todo = [root]
    while todo:
        model = todo.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for field in model.model_fields.values():
            stack = [field.annotation]
            while stack:
                kind = stack.pop()
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    todo.append(kind)
                stack.extend(getattr(kind, "__args__", ()))
    return found


def size_fields(root: type[BaseModel]) -> set[tuple[str, str]]:
    """(model, key) of every size field (`SizeMiB`: MiB, or text such as "16G") under `root`."""
    out = set()
    for name, model in models_under(root).items():
        for key, field in model.model_fields.items():
            if any(getattr(m, "func", None) is parse_size_mib for m in field.metadata):
                out.add((name, field.alias or key))
    return out


def _annotate(name: str, definition: dict[str, Any], sizes: set[tuple[str, str]]) -> None:
    docs = KEYDOCS.get(name, {})
    for key, prop in definition.get("properties", {}).items():
        prop.pop("title", None)
        if (name, key) in sizes:
            default = prop.get("default")
            prop.clear()
            prop.update(SIZE, default=default)
        if key in docs:
            meaning, example = docs[key]
            prop["description"] = meaning
            if _example(example):
                prop["examples"] = _example(example)


def _shorthand(node: Any) -> Any:
    """Wherever a model with a shorthand is referenced, accept the shorthand too."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name in SHORTHAND and len(node) == 1:
            return {"anyOf": [dict(node), SHORTHAND[name]]}
        return {k: _shorthand(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_shorthand(v) for v in node]
    return node


def file_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one file elenta reads: `file_schema("cadaster")`."""
    model, where = FILES[name]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    sizes = size_fields(model)
    for def_name, definition in schema.get("$defs", {}).items():
        _annotate(def_name, definition, sizes)
    _annotate(model.__name__, schema, sizes)
    schema = _shorthand(schema)
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://elenta.invalid/schema/{name}.schema.json",
        "title": f"elenta {name}: {where}",
        **schema,
    }


def file_schemas() -> dict[str, dict[str, Any]]:
    """Every file's schema by file kind."""
    return {name: file_schema(name) for name in FILES}
