"""Firewall openings per physical interface, from the ports each role declares.

Packets for an alias address (`enp2s0_dns`, 127.0.1.53 on toto) arrive on the physical interface
(`enp2s0`), so a rule written for the alias name never matches. `firewall_plan(lab, "toto")`
maps every declared port to the physical interface that carries it (the union over its aliases),
keeps ports declared without an interface open on all interfaces, and warns for each port a
configuration opens on an alias name. `nixos_firewall(plan)` is the NixOS
`networking.firewall` data; the plan gets it per host through `elenta.firewall.subsystem`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from elenta.compile.artifacts import Artifact
from elenta.compile.source import lab_relative
from elenta.model.errors import Fault, ModelError, key_path
from elenta.model.lab import Lab

PROTOS = ("tcp", "udp")
NIX_KEYS = {"tcp": "allowedTCPPorts", "udp": "allowedUDPPorts"}


class AliasInterfaceWarning(UserWarning):
    """A port opened on an alias interface name, which no packet ever arrives on."""


@dataclass
class FirewallPlan:
    """One machine's openings: on all interfaces, and per physical interface, by protocol."""

    machine: str
    everywhere: dict[str, set[int]] = field(default_factory=lambda: {p: set() for p in PROTOS})
    interfaces: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    warnings: list[Fault] = field(default_factory=list)

    def open(self, interface: str | None, proto: str, port: int) -> None:
        """Open `port/proto` on a physical interface, or everywhere when `interface` is None."""
        if interface is None:
            self.everywhere[proto].add(port)
        else:
            self.interfaces.setdefault(interface, {p: set() for p in PROTOS})[proto].add(port)

    def is_empty(self) -> bool:
        return not any(self.everywhere.values()) and not self.interfaces


def alias_owners(lab: Lab, machine: str) -> dict[str, str]:
    """Alias interface name -> physical interface, on one machine: `{"enp2s0_dns": "enp2s0"}`."""
    return {
        alias: physical
        for physical, iface in lab.cadaster.machines[machine].interfaces.items()
        for alias in iface.aliases
    }


def firewall_plan(lab: Lab, machine: str) -> FirewallPlan:
    """The openings of one machine from the roles it carries; raises ModelError for an unknown interface.

    `firewall_plan(lab, "toto").interfaces == {"enp2s0": {"tcp": {53}, "udp": {53}}}`, with one
    warning per port declared on the alias `enp2s0_dns`.
    """
    plan = FirewallPlan(machine)
    physical = set(lab.cadaster.machines[machine].interfaces)
    owners = alias_owners(lab, machine)
    faults: list[Fault] = []
    for role in lab.roles_of(machine):
        for loaded in lab.constellations:
            declared = loaded.model.roles.get(role)
            if declared is None:
                continue
            for i, spec in enumerate(declared.ports):
                key = key_path(("roles", role, "ports", i, "interface"))
                name = spec.interface
                if name is None or name in physical:
                    plan.open(name, spec.proto, spec.port)
                elif name in owners:
                    plan.open(owners[name], spec.proto, spec.port)
                    plan.warnings.append(
                        Fault(
                            loaded.file,
                            key,
                            f"{spec.port}/{spec.proto} is declared on alias {name!r} of {machine}; packets "
                            f"for its address arrive on {owners[name]!r}, so it is opened there",
                        )
                    )
                else:
                    known = sorted(physical | set(owners))
                    faults.append(
                        Fault(
                            loaded.file,
                            key,
                            f"role {role!r} runs on {machine}, which has no interface {name!r} "
                            f"(it has: {', '.join(known) or 'none'})",
                        )
                    )
            break  # the first constellation declaring a role defines it (as Lab.role does)
    for loaded, hp_key, data in _config_data(lab, machine):
        plan.warnings.extend(config_alias_warnings(lab, machine, data, loaded, hp_key))
    if faults:
        raise ModelError(faults)
    return plan


def _config_data(lab: Lab, machine: str) -> Iterator[tuple[str, tuple[str, ...], Mapping[str, Any]]]:
    for hp in lab.placements.get(machine, []):
        yield hp.constellation.file, ("machines", hp.key, "data"), hp.placement.data
        if isinstance(hp.placement.host_config, dict):
            yield hp.constellation.file, ("machines", hp.key, "hostConfig"), hp.placement.host_config
    for role in lab.roles_of(machine):
        for loaded in lab.constellations:
            if role in loaded.model.roles:
                yield loaded.file, ("roles", role, "data"), loaded.model.roles[role].data
                break


def config_alias_warnings(
    lab: Lab, machine: str, config: Mapping[str, Any], file: str, key: tuple[str, ...] = ()
) -> list[Fault]:
    """Warnings for a NixOS configuration (or its data) that opens ports on an alias interface.

    Looks for `networking.firewall.interfaces.<name>` (nested or dotted keys) in `config`, e.g.
    the attribute set of an evaluated host configuration:
    `config_alias_warnings(lab, "toto", {"networking.firewall.interfaces": {"enp2s0_dns": …}}, "x.nix")`
    """
    owners = alias_owners(lab, machine)
    interfaces = _dig(config, ("networking", "firewall", "interfaces"))
    out = []
    for name, opening in (interfaces or {}).items():
        if name in owners and isinstance(opening, Mapping) and any(opening.values()):
            out.append(
                Fault(
                    file,
                    key_path((*key, "networking", "firewall", "interfaces", name)),
                    f"opens ports on alias {name!r} of {machine}, which never matches: packets for "
                    f"its address arrive on {owners[name]!r}; open them on {owners[name]!r}",
                )
            )
    return out


def _dig(data: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any] | None:
    node: Any = data
    for depth, part in enumerate(path):
        if not isinstance(node, Mapping):
            return None
        dotted = ".".join(path[depth:])
        if dotted in node:
            node = node[dotted]
            break
        node = node.get(part)
    return node if isinstance(node, Mapping) else None


def nixos_firewall(plan: FirewallPlan) -> dict[str, Any]:
    """The NixOS `networking.firewall` options for a plan: ports sorted, protocols without ports and
    per-interface ports already open everywhere left out.

    `nixos_firewall(firewall_plan(lab, "toto"))` -> `{"networking": {"firewall": {"interfaces":
    {"enp2s0": {"allowedTCPPorts": [53], "allowedUDPPorts": [53]}}}}}`
    """
    firewall: dict[str, Any] = {NIX_KEYS[p]: sorted(plan.everywhere[p]) for p in PROTOS if plan.everywhere[p]}
    interfaces: dict[str, Any] = {}
    for name, ports in sorted(plan.interfaces.items()):
        # A port open everywhere needs no per-interface entry.
        own = {
            NIX_KEYS[p]: sorted(ports[p] - plan.everywhere[p])
            for p in PROTOS
            if ports[p] - plan.everywhere[p]
        }
        if own:
            interfaces[name] = own
    if interfaces:
        firewall["interfaces"] = interfaces
    return {"networking": {"firewall": firewall}}


def firewall_artifacts(lab: Lab) -> Iterator[Artifact]:
    """Per NixOS machine with openings, `firewall/<machine>.json` (NixOS options and the warnings)."""
    for machine, spec in lab.cadaster.machines.items():
        if spec.kind != "nixos":
            continue
        plan = firewall_plan(lab, machine)
        for fault in plan.warnings:
            warnings.warn(str(fault), AliasInterfaceWarning, stacklevel=2)
        if plan.is_empty() and not plan.warnings:
            continue
        notes = [f"{lab_relative(lab, f.file)}: {f.key}: {f.message}" for f in plan.warnings]
        document = nixos_firewall(plan) | {"warnings": notes}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        yield Artifact("firewall", machine, f"firewall/{machine}.json", text.encode())
