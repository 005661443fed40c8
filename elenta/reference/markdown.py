"""`docs/reference.md` from the JSON Schemas: one table per table of each file, every key in it."""

from __future__ import annotations

import json
import re
from typing import Any

from elenta.reference.keydocs import KEYDOCS
from elenta.reference.schema import FILES, file_schemas

# A docstring's Python example (`Network(cidr=...)`, `Cadaster.model_validate(...)`): not for this page.
PYTHON_CALL = re.compile(r":?\s*`[A-Z]\w*(\.\w+)?\([^`]*\)`")
HEADER = """# Reference: every key of every file elenta reads

Generated from elenta's models by `python -m elenta.reference` (CI fails when this page is
stale; do not edit it by hand). JSON Schemas of the same files, for editors, are in
[`docs/schema/`](schema/): with the *Even Better TOML* extension add
`#:schema ./docs/schema/cadaster.schema.json` at the top of a file (or map the files in your
editor's settings); YAML editors read `# yaml-language-server: $schema=...`.

`<name>` in a path stands for a key you choose (a machine, a network, an interface...).
Sizes are MiB, or text such as `"16G"`, `"512M"`.
"""


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def type_text(node: dict[str, Any]) -> str:
    """A schema node as a reader's type: `list of string`, `table of Machine`, `"lan" | "wifi"`."""
    if "anyOf" in node:
        parts = [type_text(n) for n in node["anyOf"] if n.get("type") != "null"]
        return " or ".join(dict.fromkeys(parts)) or "null"
    if "enum" in node:
        return " | ".join(json.dumps(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    name = _ref_name(node)
    if name:
        return f"[{name}](#{name.lower()})"
    kind = node.get("type")
    if kind == "array":
        return f"list of {type_text(node.get('items', {}))}"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, dict) and values:
            return f"table of {type_text(values)}"
        return "table"
    bounds = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤")):
        if key in node:
            bounds.append(f"{sign} {node[key]}")
    text = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}.get(
        kind, "any"
    )
    return f"{text} {' '.join(bounds)}".strip()


def _default(node: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in node:
        return ""
    value = node["default"]
    if value in (None, "", [], {}):
        return {None: "none", "": '""', "[]": "[]", "{}": "{}"}.get(
            json.dumps(value) if value != "" else "", "none"
        )
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _children(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(suffix, definition name) of the tables a key leads to: `.<name>` for a table of them."""
    out = []
    for option in node.get("anyOf", [node]):
        name = _ref_name(option)
        if name:
            out.append(("", name))
        elif option.get("type") == "array" and _ref_name(option.get("items", {})):
            out.append(("[]", _ref_name(option["items"]) or ""))
        elif isinstance(option.get("additionalProperties"), dict):
            inner = option["additionalProperties"]
            for sub in inner.get("anyOf", [inner]):
                if _ref_name(sub):
                    out.append((".<name>", _ref_name(sub) or ""))
    return out


def file_section(name: str, schema: dict[str, Any]) -> list[str]:
    """The sections of one file: its top level, then each table in the order first reached."""
    defs = schema.get("$defs", {})
    model, where = FILES[name]
    order: list[tuple[str, str, dict[str, Any]]] = [("(top level)", model.__name__, schema)]
    paths: dict[str, list[str]] = {model.__name__: ["(top level)"]}
    i = 0
    while i < len(order):
        path, def_name, definition = order[i]
        for key, prop in definition.get("properties", {}).items():
            for suffix, child in _children(prop):
                child_path = f"{key}{suffix}" if path == "(top level)" else f"{path}.{key}{suffix}"
                if child not in paths:
                    paths[child] = [child_path]
                    order.append((child_path, child, defs[child]))
                elif child_path not in paths[child]:
                    paths[child].append(child_path)
        i += 1
    lines = [f"## {name}: {where}", ""]
    for _path, def_name, definition in order:
        lines += [f"### {def_name}", ""]
        lines.append("At " + ", ".join(f"`{p}`" for p in paths[def_name]) + ".")
        description = PYTHON_CALL.sub("", (definition.get("description") or "").strip())
        if description:
            lines += ["", " ".join(description.split())]
        lines += ["", "| key | type | default | meaning | example |", "| --- | --- | --- | --- | --- |"]
        required = set(definition.get("required", []))
        docs = KEYDOCS.get(def_name, {})
        for key, prop in definition.get("properties", {}).items():
            example_text = f"`{docs[key][1]}`" if key in docs else ""
            lines.append(
                f"| `{key}` | {_cell(type_text(prop))} | {_default(prop, key in required)} | "
                f"{_cell(prop.get('description', ''))} | {_cell(example_text)} |"
            )
        lines.append("")
    return lines


def reference_markdown() -> str:
    """The whole reference page: `reference_markdown()`."""
    lines = [HEADER]
    for name, schema in file_schemas().items():
        lines += file_section(name, schema)
    return "\n".join(lines).rstrip() + "\n"
