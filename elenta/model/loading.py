"""Reading cadaster and constellation files (TOML, JSON, YAML, Nix) into validated models.

Loading is bounded, so a hand-written (or hostile) file gives a fault naming it, never a crash
or a runaway: at most `MAX_FILE_BYTES` per file, UTF-8 text only, nesting at most `MAX_DEPTH`
levels, and at most `MAX_NODES` values and `MAX_TEXT` characters once YAML aliases are expanded
(a few bytes of nested anchors would otherwise grow into gigabytes of plan). Keys are text;
values are plain data (text, numbers, booleans, lists, tables); dates become ISO text; a key
is one line of printable text.
"""

from __future__ import annotations

import datetime
import json
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from elenta.model.errors import Fault, ModelError, key_path
from elenta.model.text import check_line

SUFFIXES = (".toml", ".json", ".yaml", ".yml", ".nix")
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 48
MAX_NODES = 250_000
MAX_TEXT = 8 * 1024 * 1024
Model = TypeVar("Model", bound=BaseModel)


def load_document(path: Path) -> dict[str, Any]:
    """Parse one file into plain data by its suffix; every fault names the file (and line or key).

    `load_document(Path("examples/lab/cadaster.toml"))["domain"]` -> `"canon"`
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ModelError.one(path, "(file)", f"unknown format {suffix!r}; use one of {', '.join(SUFFIXES)}")
    data = _evaluate_nix(path) if suffix == ".nix" else _parse(path, suffix, read_text(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ModelError.one(path, "(top level)", f"expected a table/mapping, got {_kind(data)}")
    return plain_data(data, path)


def read_text(path: Path) -> str:
    """The UTF-8 text of a regular file of at most MAX_FILE_BYTES; raise ModelError naming it.

    `read_text(Path("examples/lab/cadaster.toml")).startswith("#")` -> `True`
    """
    if not path.exists():
        raise ModelError.one(
            path, "(file)", "no such file" + (" (a broken link)" if path.is_symlink() else "")
        )
    if path.is_dir():
        link = " (a link to a folder)" if path.is_symlink() else ""
        raise ModelError.one(path, "(file)", f"is a folder{link}, not a file: rename it or move it away")
    if not path.is_file():
        raise ModelError.one(path, "(file)", "is not a regular file (a device, socket or pipe?)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelError.one(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ModelError.one(
            path, "(file)", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; split it or move data out"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ModelError.one(
            path,
            "(encoding)",
            f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} (save it as UTF-8)",
        ) from None


def _parse(path: Path, suffix: str, text: str) -> Any:
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=_unique_json_object, parse_constant=_no_constant)
        from elenta.model.yaml_text import parse_yaml  # PyYAML is loaded for YAML files only

        return parse_yaml(text)
    except RecursionError:
        raise ModelError.one(path, "(syntax)", f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError.one(path, "(syntax)", f"invalid TOML: {exc}") from None
    except DuplicateKey as exc:
        raise ModelError.one(
            path, exc.key, f"given twice (line {exc.line})" if exc.line else "given twice"
        ) from None
    except BadKey as exc:
        raise ModelError.one(path, "(syntax)", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ModelError.one(path, "(syntax)", f"invalid JSON: {exc}") from None
    except InvalidYaml as exc:
        raise ModelError.one(path, "(syntax)", f"invalid YAML: {exc}") from None
    except ValueError as exc:  # a JSON NaN/Infinity (parse_constant)
        raise ModelError.one(path, "(syntax)", f"invalid JSON: {exc}") from None


def _evaluate_nix(path: Path) -> Any:
    from elenta.nix import NixError, nix_eval_json

    read_text(path)  # the same file checks as every other format
    try:
        from elenta.model.settings import lab_nix_config

        return nix_eval_json(
            ["--file", str(path.resolve())], what=f"evaluating {path}", config=lab_nix_config(path)
        )
    except NixError as exc:
        raise ModelError.one(path, "(nix)", str(exc)) from None
    except RecursionError:
        raise ModelError.one(path, "(nix)", f"nested too deeply (at most {MAX_DEPTH} levels)") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _kind(value: object) -> str:
    names = {
        dict: "a table",
        list: "a list",
        str: "text",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return names.get(type(value), type(value).__name__)


def plain_data(data: dict[str, Any], file: str | Path) -> dict[str, Any]:
    """A copy of parsed data within the bounds (depth, values, text), dates as ISO text.

    `plain_data({"a": [1, "x"]}, "c.toml")` -> `{'a': [1, 'x']}`; raises ModelError naming the key.
    Shared YAML aliases are counted each time they are used, as they would be once expanded.
    """
    budget = [MAX_NODES, MAX_TEXT]

    def copy(value: Any, loc: tuple[str | int, ...]) -> Any:
        if len(loc) > MAX_DEPTH:
            raise ModelError.one(file, _named(loc), f"nested too deeply (at most {MAX_DEPTH} levels)")
        budget[0] -= 1
        if budget[0] < 0 or budget[1] < 0:
            raise ModelError.one(
                file,
                _named(loc),
                f"too much data: more than {MAX_NODES} values or {MAX_TEXT // (1024 * 1024)} MiB of text "
                "(counting every use of a YAML alias)",
            )
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ModelError.one(
                        file, loc, f"key {key!r} is {_kind(key)}; keys must be text (quote it)"
                    )
                try:
                    check_line(key)  # keys become names: attribute names in Nix, JSON keys, labels
                except ValueError as exc:
                    raise ModelError.one(file, loc, f"a key: {exc}") from None
                budget[1] -= len(key)
                out[key] = copy(item, (*loc, key))
            return out
        if isinstance(value, list | tuple):
            return [copy(item, (*loc, i)) for i, item in enumerate(value)]
        if isinstance(value, str):
            budget[1] -= len(value)
            if "\x00" in value:
                raise ModelError.one(
                    file, loc, "holds a NUL character, which no destination (a Nix string included) carries"
                )
            return value
        if isinstance(value, float) and not math.isfinite(value):
            raise ModelError.one(file, loc, f"{value} is not a finite number")
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        raise ModelError.one(file, loc, f"{_kind(value)} is not plain data (text, number, list or table)")

    return copy(data, ())


def _named(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The location up to its last named key: `data.x` for `data.x[0][0][0]…`."""
    while loc and not isinstance(loc[-1], str):
        loc = loc[:-1]
    return loc


class DuplicateKey(ValueError):
    """A mapping gives the same key twice (JSON and YAML parsers would silently keep the last)."""

    def __init__(self, key: str, line: int | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


class InvalidYaml(ValueError):
    """PyYAML refused the text (the message is PyYAML's, on one line)."""


class BadKey(ValueError):
    """A YAML mapping key that is not text (a list, a number, a boolean)."""


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


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
                owner = _model_at(model, loc[:-1])
                message = getattr(owner, "unknown_key_hint", None) or "unknown key (check its spelling)"
            elif error["type"] == "missing":
                message = "required key is missing"
            faults.append(Fault(str(file), key_path(loc), message))
        raise ModelError(_dedupe(faults)) from None


def _model_at(model: type[BaseModel], loc: list[str | int]) -> type[BaseModel] | None:
    """The model class that validates the value at `loc` (through dicts, lists and optionals).

    `_model_at(Constellation, ["machines", "toto"])` -> `Placement`
    """
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = current.model_fields
            field = fields.get(part) if isinstance(part, str) else None
            field = field or next((f for f in fields.values() if f.alias == part), None)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`Placement | None` -> `Placement`; `Annotated[str, ...]` -> `str`; a union prefers its model."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
        return (models or members)[0]
    return annotation


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
