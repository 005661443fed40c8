"""What `elenta drift` reads of NixOS on a host, and compares: the system's revision, the guests.

Facts: `{"nixos": {"revision": "…", "current": "/nix/store/…", …}, "guests": {"vms": ["web1"],
"containers": None}}` (None: the tool is absent on the host, so that kind is not compared).
"""

from __future__ import annotations

from typing import Any

from elenta.compile.drift import Drift
from elenta.compile.plan import Plan
from elenta.facts.nixos import nixos_system_command, parse_nixos_system

GUESTS = ("vms", "containers")
PROBE = {
    "nixos": nixos_system_command(),
    # VMs are microvm.nix VMs (docs/nixos.md): one running `microvm@<name>.service` each.
    "vms": "if [ -d /run/systemd/system ]; then systemctl list-units --plain --no-legend"
    " --state=running 'microvm@*.service' | sed -n 's/^microvm@\\([^ ]*\\)\\.service .*/\\1/p';"
    " else echo @@none; fi",
    "containers": "if command -v nixos-container >/dev/null; then nixos-container list; else echo @@none; fi",
}


def read_sections(sections: dict[str, list[str]]) -> dict[str, Any]:
    """The NixOS system fact and the running guests from the probe's sections."""
    guests: dict[str, list[str] | None] = {}
    for kind in GUESTS:
        lines = [x.strip() for x in sections.get(kind, []) if x.strip()]
        guests[kind] = None if kind not in sections or lines == ["@@none"] else lines
    return {"nixos": parse_nixos_system(sections.get("nixos", [])), "guests": guests}


def compare(plan: Plan, machine: str, facts: dict[str, Any], revision: str | None) -> list[Drift]:
    """A running system without a revision recorded beside it (deployed by hand, not by elenta);
    guests not as planned. An older revision is no drift: builds are pure, so a later commit may
    leave a machine's system as it was."""
    out: list[Drift] = []
    nixos = facts.get("nixos")
    if nixos is not None and revision is not None and not nixos.get("revision"):
        out.append(Drift(machine, "nixos", "revision", revision, "none (not deployed by elenta)"))
    guests = facts.get("guests")
    if guests is not None:
        entry = plan.manifest.get("machines", {}).get(machine, {})
        for kind in GUESTS:
            if guests.get(kind) is None:
                continue
            want, have = set(entry.get(kind, {})), set(guests[kind])
            for name in sorted(want - have):
                out.append(Drift(machine, kind, name, "running", "not running"))
            for name in sorted(have - want):
                out.append(Drift(machine, kind, name, "absent", "running"))
    return out
