"""Where the cable really is: the switch's MAC table and LLDP neighbours against the cadaster.

For every port the cadaster lists with a machine whose interface has a MAC, the MAC must be
learned on that port; seen on another port or not at all is a finding. Where the switch has
LLDP neighbours, a port whose neighbour is another machine, or the machine announced on another
port, is a finding too (this also covers machines without a MAC in the cadaster).

    report = compare_macs(lab.cadaster, "sw1", mac_rows, CISCO_IOS, lldp_rows)
    report.ok, report.text()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from elenta.model.cadaster import Cadaster
from elenta.model.errors import ElentaError
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
    return VerifyReport(name, checked, tuple(findings))


def _short(device: str) -> str:
    """An LLDP system name as a machine's short name: `"toto.canon"` -> `"toto"`."""
    return device.split(".", 1)[0].lower()
