"""The machine side of switch bonds: which interfaces of a machine form an LACP bond.

Switch ports of one machine that share a `channel` in the cadaster are a port-channel on the
switch and a bond on the machine. `machine_bonds(cadaster)` gives, per machine, what its host
data carries (`host.json`: `host.bonds`), ready for NixOS's `networking.bonds`:

    {"nancy": {"bond7": {"interfaces": ["enp3s0", "enp4s0"], "mode": "802.3ad",
                         "switch": "sw1", "channel": 7}}}
"""

from __future__ import annotations

from typing import Any

from elenta.model.cadaster import Cadaster
from elenta.model.lab import Lab


def machine_bonds(cadaster: Cadaster) -> dict[str, dict[str, dict[str, Any]]]:
    """Every machine's bonds, from the channels of the switches' ports (empty: no bond)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for switch_name, machine in cadaster.machines.items():
        if machine.switch is None:
            continue
        for port in machine.switch.ports.values():
            if port.channel is None or port.machine is None:
                continue
            short = cadaster.resolve(port.machine).machine
            interface = port.interface or (cadaster.machines[short].primary_interface() or ("?",))[0]
            bond = out.setdefault(short, {}).setdefault(
                f"bond{port.channel}",
                {"interfaces": [], "mode": "802.3ad", "switch": switch_name, "channel": port.channel},
            )
            if interface not in bond["interfaces"]:
                bond["interfaces"].append(interface)
    return out


def bond_entries(lab: Lab) -> dict[str, dict[str, Any]]:
    """The switch's part of the discovery document: `{"nancy": {"bonds": {...}}}` (bonded machines only)."""
    return {machine: {"bonds": bonds} for machine, bonds in machine_bonds(lab.cadaster).items()}
