"""Where the cable really is: the switch's MAC table and LLDP neighbours against the cadaster.

For every port the cadaster lists with a machine whose interface has a MAC, the MAC must be
learned on that port; seen on another port or not at all is a finding. Where the switch has
LLDP neighbours, a port whose neighbour is another machine, or the machine announced on another
port, is a finding too (this also covers machines without a MAC in the cadaster). A machine the
cadaster puts on no port, whose MAC is learned alone on an edge port, is a finding as well.

    report = compare_macs(lab.cadaster, "sw1", mac_rows, CISCO_IOS, lldp_rows)
    report.ok, report.text()
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from elenta.model.cadaster import Cadaster
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.switch.drivers import SwitchDriver


class VerifyError(ElentaError):
    """The switch's MAC table disagrees with the cadaster (the report is printed first)."""

    exit_code = 5


@dataclass(frozen=True)
class Finding:
    """One cadaster port whose machine is not where the cadaster says."""

    port: str
    expected: str  # "toto:enp2s0 (52:54:00:00:01:02)"
    seen: tuple[str, ...]  # ports where the MAC is learned (empty: nowhere)
    neighbour: str | None = None  # the LLDP neighbour on the port, when it is another machine
    listed: str = ""  # the port as the cadaster writes it (machines.<switch>.switch.ports.<listed>)
    machine: str = ""  # the machine the cadaster plugs there, its interface and MAC
    interface: str = ""
    mac: str | None = None

    def text(self) -> str:
        """`"FastEthernet0/1: toto:enp2s0 (…) is on FastEthernet0/7"` or `"… not seen"`."""
        if not self.listed:
            return f"{self.port}: {self.expected} is plugged here, and the cadaster puts it on no port"
        if self.neighbour is not None:
            return f"{self.port}: LLDP neighbour is {self.neighbour}, the cadaster says {self.expected}"
        where = f"is on {', '.join(self.seen)}" if self.seen else "is not seen on this switch"
        return f"{self.port}: {self.expected} {where}"


@dataclass(frozen=True)
class VerifyReport:
    """Ports checked, ports confirmed, and findings of one switch."""

    name: str
    checked: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """No finding: every checked machine is on its port."""
        return not self.findings

    def text(self) -> str:
        """Human report: `sw1: 5 port(s) checked, all as in the cadaster`."""
        if self.ok:
            return f"{self.name}: {self.checked} port(s) checked, all as in the cadaster"
        lines = [f"{self.name}: {len(self.findings)} of {self.checked} port(s) differ from the cadaster:"]
        return "\n".join(lines + [f"    {f.text()}" for f in self.findings])


def compare_macs(
    cadaster: Cadaster,
    name: str,
    rows: list[tuple[int, str, str]],
    driver: SwitchDriver,
    lldp: Sequence[tuple[str, str, str]] = (),
) -> VerifyReport:
    """Compare learned `(vlan, mac, port)` rows and LLDP `(port, device, port id)` rows with the
    ports of switch `name` in the cadaster."""
    switch = cadaster.machines[name].switch
    assert switch is not None
    seen: dict[str, list[str]] = {}
    for _vlan, mac, port in rows:
        seen.setdefault(mac.lower(), []).append(port)
    neighbours: dict[str, list[str]] = {}
    for port, device, _port_id in lldp:
        neighbours.setdefault(port, []).append(device)
    checked = 0
    findings = []
    for port_name, port in switch.ports.items():
        if port.machine is None:
            continue
        short = cadaster.resolve(port.machine).machine
        machine = cadaster.machines[short]
        if_name = port.interface or (machine.primary_interface() or (None, None))[0]
        iface = machine.interfaces.get(if_name) if if_name else None
        canonical = driver.canonical(port_name)
        expected = f"{short}:{if_name}"
        others = [d for d in neighbours.get(canonical, []) if _short(d) != short]
        if others and len(others) == len(neighbours[canonical]):
            checked += 1
            findings.append(
                Finding(
                    canonical,
                    expected,
                    (),
                    ", ".join(others),
                    port_name,
                    short,
                    if_name or "",
                    iface.mac if iface is not None else None,
                )
            )
            continue
        if iface is None or iface.mac is None:
            checked += canonical in neighbours
            continue
        checked += 1
        where = sorted(set(seen.get(iface.mac.lower(), [])))
        if canonical not in where:
            expected = f"{expected} ({iface.mac})"
            findings.append(
                Finding(canonical, expected, tuple(where), None, port_name, short, if_name or "", iface.mac)
            )
    unlisted = _unlisted(cadaster, rows, driver, {f.port for f in findings})
    return VerifyReport(name, checked + len(unlisted), tuple(findings + unlisted))


def _unlisted(
    cadaster: Cadaster, rows: list[tuple[int, str, str]], driver: SwitchDriver, reported: set[str]
) -> list[Finding]:
    """Machines the cadaster puts on no switch port whose MAC this switch learned on an edge port.

    An edge port is one that learned that MAC alone and that the cadaster does not make a trunk:
    an uplink learns the MACs of everything behind it, and says nothing about where they are.
    """
    plugged: set[tuple[str, str]] = set()
    trunks: set[str] = set()
    for machine in cadaster.machines.values():
        if machine.switch is None:
            continue
        for port_name, port in machine.switch.ports.items():
            if port.mode == "trunk" or port.networks:
                trunks.add(driver.canonical(port_name))
            if port.machine is not None:
                short = cadaster.resolve(port.machine).machine
                primary = cadaster.machines[short].primary_interface()
                plugged.add((short, port.interface or (primary[0] if primary else "")))
    on_port: dict[str, set[str]] = {}
    for _vlan, mac, port in rows:
        on_port.setdefault(driver.canonical(port), set()).add(mac.lower())
    out = []
    for short, machine in cadaster.machines.items():
        if machine.switch is not None:
            continue
        for if_name, iface in machine.interfaces.items():
            if iface.mac is None or (short, if_name) in plugged:
                continue
            ports = sorted(p for p, macs in on_port.items() if iface.mac.lower() in macs)
            if len(ports) != 1 or ports[0] in trunks or ports[0] in reported or len(on_port[ports[0]]) != 1:
                continue
            expected = f"{short}:{if_name} ({iface.mac})"
            out.append(Finding(ports[0], expected, tuple(ports), None, "", short, if_name, iface.mac))
    return out


def _short(device: str) -> str:
    """An LLDP system name as a machine's short name: `"toto.canon"` -> `"toto"`."""
    return device.split(".", 1)[0].lower()


def port_readers(lab: Lab) -> dict[str, Callable[[], Any]]:
    """The fact `switch_port_readers`: per managed switch, a call reading its MAC table and LLDP
    neighbours against the cadaster's ports, as `elenta net verify` does (`elenta doctor`).

    `port_readers(lab)["sw1"]()` -> sw1's verify report (over SSH, through `elenta.operations.switch`).
    """
    from elenta.operations.switch import verify_switch
    from elenta.switch.render import switches

    return {name: functools.partial(verify_switch, lab, name) for name in switches(lab.cadaster)}
