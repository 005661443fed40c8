"""What `elenta drift` reads of the host data on a host (`host.json`), compared key by key."""

from __future__ import annotations

import json
from typing import Any

from elenta.compile.diff import diff_values, flatten
from elenta.compile.drift import Drift, show
from elenta.compile.plan import Plan, artifact_file
from elenta.hostdata.render import HOST_JSON

PROBE = {"host": f"cat {HOST_JSON} 2>/dev/null"}


def read_sections(sections: dict[str, list[str]]) -> dict[str, Any]:
    """`{"host": {...}}` as found on the host, None when absent, a marker when unreadable."""
    text = "\n".join(sections.get("host", [])).strip()
    try:
        return {"host": json.loads(text) if text else None}
    except json.JSONDecodeError:
        return {"host": {"(unreadable)": text[:200]}}


def planned_host(plan: Plan, machine: str) -> dict[str, Any] | None:
    """The plan's `host.json` for a machine (None when the plan has none)."""
    rel = artifact_file("hostdata", machine, "host.json")
    return json.loads(plan.files[rel]) if rel in plan.files else None


def compare(plan: Plan, machine: str, facts: dict[str, Any], revision: str | None = None) -> list[Drift]:
    """Every key of the host's `host.json` that differs from the plan's (or the file missing)."""
    if "host" not in facts:
        return []
    if facts["host"] is None:
        return [Drift(machine, "hostdata", HOST_JSON, "the plan's host data", "none")]
    expected = planned_host(plan, machine)
    if expected is None:
        return []
    found = facts["host"]
    return [
        Drift(machine, "hostdata", key, show(flatten(expected).get(key)), show(flatten(found).get(key)))
        for _op, key, _text in diff_values(expected, found)
    ]
