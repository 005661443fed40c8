"""One diff across every subsystem, grouped by subsystem and machine, like `terraform plan`.

`changes = diff_plans(old, new)` compares the input files line by line, machine entries key by
key and artifacts file by file (JSON artifacts key by key, text artifacts line by line);
`render_changes(changes)` prints

    inputs
      (lab)
        ~ constellations/homelab.toml
            -hostConfig = ".#dns"
            +hostConfig = ".#dns2"
    machines
      toto
        ~ data.zone_admin: "hostmaster" -> "root"
    dns
      toto
        ~ dns/zones/canon.zone
            -toto  IN A 127.0.1.2
            +toto  IN A 127.0.1.9

    Plan: 0 to add, 1 to change, 0 to remove.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from elenta.compile.plan import Plan, artifact_file
from elenta.model.errors import key_path

INPUTS = "inputs"
MACHINES = "machines"
LAB = "(lab)"
MAX_DETAIL = 40


@dataclass(frozen=True)
class Change:
    """One added (+), removed (-) or changed (~) item of a plan."""

    group: str  # "machines" or a subsystem
    machine: str  # a machine, or "(lab)" for lab-wide artifacts
    op: str  # "+", "-" or "~"
    item: str  # a key path of a machine entry, or an artifact path
    detail: tuple[str, ...] = field(default=())


def flatten(value: Any, prefix: tuple[str | int, ...] = ()) -> dict[str, Any]:
    """Leaves of nested tables by key path: `flatten({"a": {"b": 1}})` -> `{"a.b": 1}`.

    Lists and empty tables are leaves.
    """
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(flatten(value[key], (*prefix, str(key))))
        return out
    if not prefix and value in ({}, None):
        return {}
    return {key_path(prefix): value}


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def diff_values(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """`(op, key path, text)` for each leaf that differs between two tables."""
    a, b = flatten(old), flatten(new)
    for key in sorted(set(a) | set(b)):
        if key not in a:
            yield "+", key, f"+ {key}: {_show(b[key])}"
        elif key not in b:
            yield "-", key, f"- {key}: {_show(a[key])}"
        elif a[key] != b[key]:
            yield "~", key, f"~ {key}: {_show(a[key])} -> {_show(b[key])}"


def _files(plan: Plan | None, scope: str | None) -> dict[tuple[str, str], dict[str, str]]:
    """The plan's inputs and artifacts: `{(group, machine): {path: sha256}}`."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    if plan is None:
        return out
    out[(INPUTS, LAB)] = dict(plan.manifest.get("inputs", {}))
    for subsystem, table in plan.manifest.get("subsystems", {}).items():
        out[(subsystem, LAB)] = dict(table.get("lab", {}))
        for machine, paths in table.get("machines", {}).items():
            if scope is None or machine == scope:
                out[(subsystem, machine)] = dict(paths)
    return out


def _content(plan: Plan, group: str, machine: str, path: str) -> bytes:
    if group == INPUTS:
        return plan.files[f"{INPUTS}/{path}"]
    return plan.files[artifact_file(group, None if machine == LAB else machine, path)]


def _content_detail(old: bytes, new: bytes) -> tuple[str, ...]:
    try:
        a, b = json.loads(old), json.loads(new)
    except (ValueError, UnicodeDecodeError):
        a = b = None
    if isinstance(a, dict) and isinstance(b, dict):
        lines = [text for _, _, text in diff_values(a, b)]
    else:
        try:
            old_text, new_text = old.decode().splitlines(), new.decode().splitlines()
        except UnicodeDecodeError:
            return (f"(binary: {len(old)} -> {len(new)} bytes)",)
        lines = [
            line
            for line in difflib.unified_diff(old_text, new_text, lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))
        ]
    if len(lines) > MAX_DETAIL:
        lines = [*lines[:MAX_DETAIL], f"… {len(lines) - MAX_DETAIL} more lines"]
    return tuple(lines)


def describe_machine(entry: dict[str, Any]) -> str:
    """One line for a whole machine entry: `.#hypervisor, roles hypervisor+web, 1 VM, 1 container`."""
    parts = [entry.get("configuration") or "no configuration"]
    if entry.get("roles"):
        parts.append("roles " + "+".join(entry["roles"]))
    for kind, noun in (("vms", "VM"), ("containers", "container"), ("services", "service")):
        count = len(entry.get(kind) or {})
        if count:
            parts.append(f"{count} {noun}{'s' if count > 1 else ''}")
    return ", ".join(parts)


def diff_plans(old: Plan | None, new: Plan, scope: str | None = None) -> list[Change]:
    """Every change from `old` (None: nothing applied yet) to `new`, sorted by group and machine.

    `diff_plans(store.load(history.current()), build_plan(lab))`; with `scope`, only that machine
    (and lab-wide artifacts) is compared.
    """
    scope = scope or new.scope
    changes: list[Change] = []
    old_machines = old.manifest.get("machines", {}) if old else {}
    new_machines = new.manifest.get("machines", {})
    for name in sorted(set(old_machines) | set(new_machines)):
        if scope is not None and name != scope:
            continue
        if name not in old_machines or name not in new_machines:
            op, entry = ("+", new_machines[name]) if name not in old_machines else ("-", old_machines[name])
            changes.append(Change(MACHINES, name, op, "(machine)", (describe_machine(entry),)))
            continue
        for op, key, _text in diff_values(old_machines.get(name, {}), new_machines.get(name, {})):
            before = flatten(old_machines.get(name, {})).get(key)
            after = flatten(new_machines.get(name, {})).get(key)
            text = {"+": _show(after), "-": _show(before), "~": f"{_show(before)} -> {_show(after)}"}[op]
            changes.append(Change(MACHINES, name, op, key, (text,)))
    old_art, new_art = _files(old, scope), _files(new, scope)
    for group, machine in sorted(set(old_art) | set(new_art)):
        a, b = old_art.get((group, machine), {}), new_art.get((group, machine), {})
        for path in sorted(set(a) | set(b)):
            if path not in a:
                changes.append(Change(group, machine, "+", path))
            elif path not in b:
                changes.append(Change(group, machine, "-", path))
            elif a[path] != b[path]:
                assert old is not None
                detail = _content_detail(
                    _content(old, group, machine, path), _content(new, group, machine, path)
                )
                changes.append(Change(group, machine, "~", path, detail))
    rank = {INPUTS: 0, MACHINES: 1}
    return sorted(changes, key=lambda c: (rank.get(c.group, 2), c.group, c.machine != LAB, c.machine))


def summary(changes: list[Change]) -> str:
    """`Plan: 1 to add, 2 to change, 0 to remove.`"""
    count = {op: sum(1 for c in changes if c.op == op) for op in "+~-"}
    return f"Plan: {count['+']} to add, {count['~']} to change, {count['-']} to remove."


def render_changes(changes: list[Change]) -> str:
    """The text `elenta plan` and `elenta diff` print (`No changes.` when there are none)."""
    if not changes:
        return "No changes."
    lines: list[str] = []
    group = machine = None
    for change in changes:
        if change.group != group:
            group, machine = change.group, None
            lines.append(group)
        if change.machine != machine:
            machine = change.machine
            lines.append(f"  {machine}")
        if change.group == MACHINES and change.item == "(machine)":
            lines.append(f"    {change.op} {change.detail[0]}")
        elif change.group == MACHINES:
            lines.append(f"    {change.op} {change.item}: {change.detail[0]}")
        else:
            lines.append(f"    {change.op} {change.item}")
            lines.extend(f"        {line}" for line in change.detail)
    lines += ["", summary(changes)]
    return "\n".join(lines)
