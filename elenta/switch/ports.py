"""The switch port map and the cabling check, from the cadaster (pure): `elenta net ports`.

`port_map(lab)` gives one `PortRow` per switch port the cadaster lists: `("sw1", "FastEthernet0/1",
"10 (lab)", "toto:enp2s0")`; `unplugged(lab)` the faults (used as warnings by `elenta check`) of
wired interfaces on a switched network that no switch port names.
"""

from __future__ import annotations

from dataclasses import dataclass

from elenta.model.errors import Fault, key_path
from elenta.model.lab import Lab
from elenta.switch.render import desired_switch, switches


class CablingWarning(UserWarning):
    """A wired interface on a switched network that no switch port names (`elenta check` warns)."""


@dataclass(frozen=True)
class PortRow:
    """One line of the port map: switch, port, VLAN text, `machine:interface` (or "")."""

    switch: str
    port: str
    vlan: str
    plugged: str
    machine: str | None = None
    interface: str | None = None


def _vlan_text(lab: Lab, vlan: int | None) -> str:
    names = {net.vlan: name for name, net in lab.cadaster.networks.items() if net.vlan is not None}
    return f"{vlan} ({names[vlan]})" if vlan in names else str(vlan)


def port_map(lab: Lab) -> list[PortRow]:
    """Every cadaster switch port with its VLANs and what is plugged in, in cadaster order."""
    rows = []
    cad = lab.cadaster
    for name in switches(cad):
        state = desired_switch(cad, name, lab.cadaster_file)
        specs = {p.name: p for p in state.ports}
        for port_name, port in cad.machines[name].switch.ports.items():  # type: ignore[union-attr]
            spec = specs.get(port_name)
            if spec is None or spec.mode is None:
                vlan = "-"
            elif spec.mode == "access":
                vlan = _vlan_text(lab, spec.access_vlan)
            else:
                allowed = ", ".join(_vlan_text(lab, v) for v in spec.allowed_vlans)
                native = f"; native {_vlan_text(lab, spec.native_vlan)}" if spec.native_vlan else ""
                vlan = f"trunk {allowed}{native}"
            machine = interface = None
            if port.machine is not None:
                machine = cad.resolve(port.machine).machine
                interface = port.interface or (cad.machines[machine].primary_interface() or (None,))[0]
            plugged = f"{machine}:{interface}" if machine and interface else machine or ""
            rows.append(PortRow(name, port_name, vlan, plugged, machine, interface))
    return rows


def switched_networks(lab: Lab) -> dict[str, list[str]]:
    """Networks some switch port carries, each with the switches carrying it: `{"lab": ["sw1"]}`."""
    cad = lab.cadaster
    out: dict[str, list[str]] = {}
    for name in switches(cad):
        carried: set[str] = set()
        for port in cad.machines[name].switch.ports.values():  # type: ignore[union-attr]
            carried.update(n for n in (port.network, port.native, *port.networks) if n)
            if port.machine is not None and not port.networks and port.network is None:
                machine = cad.machines[cad.resolve(port.machine).machine]
                iface = (
                    machine.interfaces.get(port.interface or "")
                    or (machine.primary_interface() or (0, None))[1]
                )
                if iface is not None:
                    carried.add(iface.network)
        for network in sorted(carried):
            out.setdefault(network, []).append(name)
    return out


def unplugged(lab: Lab) -> list[Fault]:
    """Wired interfaces on a switched network that sit on no switch port (wifi networks excepted).

    `unplugged(lab)` -> `[Fault("cadaster.toml", "machines.hermes.interfaces.eth0", "…")]`
    """
    cad = lab.cadaster
    plugged = {(r.machine, r.interface) for r in port_map(lab) if r.machine}
    carried = switched_networks(lab)
    faults = []
    for short, machine in cad.machines.items():
        if machine.switch is not None:
            continue  # a switch's own (management) interfaces are its VLAN interfaces
        for if_name, iface in machine.interfaces.items():
            net = cad.networks.get(iface.network)
            if net is None or net.link == "wifi" or iface.network not in carried:
                continue
            if (short, if_name) in plugged:
                continue
            by = ", ".join(carried[iface.network])
            faults.append(
                Fault(
                    lab.cadaster_file,
                    key_path(("machines", short, "interfaces", if_name)),
                    f"{short}:{if_name} is on switched network {iface.network!r} (carried by {by}) but on "
                    f"no switch port: add it to a port of {by} (machines.<switch>.switch.ports), or the "
                    "port map and `elenta doctor` cannot tell where it is plugged",
                )
            )
    return faults
