"""Reading cadaster and constellation files (TOML, JSON, YAML, Nix) into validated models."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from elenta.model.errors import Fault, ModelError, key_path

SUFFIXES = (".toml", ".json", ".yaml", ".yml", ".nix")
Model = TypeVar("Model", bound=BaseModel)


def load_document(path: Path) -> dict[str, Any]:
    """Parse one file into plain data by its suffix; syntax errors name the file and line.

    `load_document(Path("examples/lab/cadaster.toml"))["domain"]` -> `"canon"`
    """
    if not path.exists():
        raise ModelError.one(path, "(file)", "no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data = tomllib.loads(path.read_text())
        elif suffix == ".json":
            data = json.loads(path.read_text(), object_pairs_hook=_unique_json_object)
        elif suffix in (".yaml", ".yml"):
            data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
        elif suffix == ".nix":
            from elenta.nix import NixError, nix_eval_json

            try:
                from elenta.model.settings import lab_nix_config

                data = nix_eval_json(
                    ["--file", str(path.resolve())], what=f"evaluating {path}", config=lab_nix_config(path)
                )
            except NixError as exc:
                raise ModelError.one(path, "(nix)", str(exc)) from None
        else:
            raise ModelError.one(path, "(file)", f"unknown format {suffix!r}; use one of {SUFFIXES}")
    except tomllib.TOMLDecodeError as exc:
        raise ModelError.one(path, "(syntax)", f"invalid TOML: {exc}") from None
    except DuplicateKey as exc:
        raise ModelError.one(
            path, exc.key, f"given twice (line {exc.line})" if exc.line else "given twice"
        ) from None
    except json.JSONDecodeError as exc:
        raise ModelError.one(path, "(syntax)", f"invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise ModelError.one(path, "(syntax)", f"invalid YAML: {' '.join(str(exc).split())}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ModelError.one(path, "(top level)", f"expected a table/mapping, got {type(data).__name__}")
    return data


class DuplicateKey(ValueError):
    """A mapping gives the same key twice (JSON and YAML parsers would silently keep the last)."""

    def __init__(self, key: str, line: int | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKey(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def validate(model: type[Model], data: dict[str, Any], file: str | Path) -> Model:
    """Validate data against a model; every pydantic error becomes a Fault naming the key.

    `validate(Cadaster, load_document(p), p)`
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        faults = []
        for error in exc.errors():
            loc = [part for part in error["loc"] if not _is_union_tag(part)]
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            elif error["type"] == "missing":
                message = "required key is missing"
            faults.append(Fault(str(file), key_path(loc), message))
        raise ModelError(_dedupe(faults)) from None


def _is_union_tag(part: object) -> bool:
    # pydantic names union members in locations ("function-before[...]", "str", "dict[str,any]").
    return isinstance(part, str) and (
        "[" in part or part in ("str", "int", "dict", "list", "IPv4Address", "IPv6Address")
    )


def _dedupe(faults: list[Fault]) -> list[Fault]:
    seen: dict[str, Fault] = {}
    for fault in faults:
        seen.setdefault(fault.key, fault)
    return list(seen.values())
