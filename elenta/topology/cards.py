"""What the topology picture shows of each machine and network, whatever draws it (pure).

`machine_card(lab, "ifrit", rows)` -> the canon name, kind colour, the summary line (`router ·
firewall · serves dhcp`), the guests, one row per interface (aliases after their interface) and,
for a switch, one row per cadaster port; `network_lines(lab, "lab")` -> `["lab", "127.0.1.0/24",
"VLAN 10 · lan"]`. `graph` (DOT) and `svg` draw the same cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from elenta.inventory import machine_subsystems
from elenta.model.lab import Lab


class SwitchPort(Protocol):
    """A row of the switch subsystem's port map (its `switch_ports` fact), as a card shows it."""

    @property
    def port(self) -> str: ...

    @property
    def vlan(self) -> str: ...


KIND_COLOURS = {
    "nixos": "#e0ecff",
    "router": "#ffe8cc",
    "switch": "#e5e5e5",
    "modem": "#f3e0ff",
    "other": "#f5f5f5",
}


@dataclass(frozen=True)
class Row:
    """One row of a card: an interface with its addresses, an alias, or a switch port and its VLANs."""

    name: str
    values: tuple[str, ...]
    interface: str | None = None  # the physical interface a line attaches to (None for an alias)
    port: str | None = None  # the switch port a cable attaches to


@dataclass(frozen=True)
class MachineCard:
    """A machine as the picture shows it."""

    short: str
    title: str
    colour: str
    summary: str
    guests: str
    interfaces: tuple[Row, ...]
    ports: tuple[Row, ...]


def machine_card(lab: Lab, short: str, switch_rows: Sequence[SwitchPort]) -> MachineCard:
    """The card of one machine; `switch_rows` are its own port rows when it is a switch."""
    spec = lab.cadaster.machines[short]
    roles = lab.roles_of(short)
    served = [s for s in machine_subsystems(lab, short) if s != "nixos" and s not in roles]
    summary = " · ".join([spec.kind] + ([", ".join(roles)] if roles else []))
    if served:
        summary += f" · serves {', '.join(served)}"
    guests: list[str] = []
    for hp in lab.placements.get(short, []):
        guests += [f"vm {n}" for n in hp.placement.vms] + [f"container {n}" for n in hp.placement.containers]
    rows: list[Row] = []
    for if_name, iface in spec.interfaces.items():
        addresses = [str(iface.ip)]
        ip6 = iface.address6(lab.cadaster.networks.get(iface.network))
        if ip6 is not None:
            addresses.append(str(ip6))
        rows.append(Row(if_name, tuple(addresses), interface=if_name))
        rows += [Row(name, (str(alias.ip),)) for name, alias in iface.aliases.items()]
    ports = tuple(Row(r.port, (r.vlan,), port=r.port) for r in switch_rows)
    return MachineCard(
        short,
        lab.canon(short),
        KIND_COLOURS.get(spec.kind, "#f5f5f5"),
        summary,
        ", ".join(guests),
        tuple(rows),
        ports,
    )


def network_lines(lab: Lab, name: str) -> list[str]:
    """A network's lines: name, CIDR, IPv6 prefix, `VLAN 10 · lan` (or the link type alone)."""
    net = lab.cadaster.networks[name]
    lines = [name, str(net.cidr)]
    if net.prefix6 is not None:
        lines.append(str(net.prefix6))
    lines.append(f"VLAN {net.vlan} · {net.link}" if net.vlan else net.link)
    return lines
