"""The live network against the cadaster (pure): observations in, findings out.

`find_problems(lab, observed)` compares what was seen — leases, neighbour tables, ARP probe
answers, interfaces read over SSH, DNS answers — with the cadaster and returns one `Finding` per
problem, each saying what to do:

- `stale-lease`: a lease gives an address to a MAC while the cadaster gives it to another MAC
  (a client holding it answers for a machine it is not: SSH hangs, wrong host keys);
- `lease-mismatch`: a cadaster MAC leased another address than its cadaster one;
- `unknown-device`: a MAC in leases or neighbour tables that the cadaster lacks;
- `duplicate-address`: two MACs answered an ARP probe for one address;
- `address-mac`: one MAC answered for a cadaster address, not the cadaster's MAC;
- `interface-mismatch`: a machine's interface, read over SSH, lacks its cadaster MAC or address;
- `unreachable`: a machine (or a DNS server) could not be asked;
- `dns-mismatch`: the lab's DNS server answers a cadaster name with other addresses (A, and
  AAAA for names with an IPv6 address);
- `switch-port`: a switch learned a machine's MAC on another port than the cadaster's, or on
  none, or its LLDP neighbour on that port is another machine; or a machine the cadaster puts on
  no port is alone on an edge port (read as `elenta net verify` does).
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field

from elenta.doctor.leases import Lease
from elenta.model.lab import Lab


@dataclass(frozen=True)
class Finding:
    """One problem: `Finding("stale-lease", "192.0.2.10", "…", "…")`; `str()` is its line."""

    kind: str
    subject: str
    message: str
    fix: str
    details: tuple[tuple[str, object], ...] = ()  # both sides as data, for `--json` (switch-port)

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.message}; {self.fix}"

    def as_dict(self) -> dict[str, object]:
        """The finding for `--json`: kind, subject, message, fix (and details when it has them)."""
        out: dict[str, object] = asdict(self)
        out.pop("details")
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(frozen=True)
class Neighbour:
    """An address -> MAC pair seen in a neighbour (ARP) table, and where."""

    ip: str
    mac: str
    source: str


@dataclass(frozen=True)
class LiveInterface:
    """One interface as the machine itself reports it (over SSH)."""

    name: str
    mac: str | None
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class PortSeen:
    """A cadaster switch port whose machine the switch sees elsewhere (or not at all).

    `PortSeen("sw1", "FastEthernet0/2", "Fa0/2", "nancy", "enp3s0", "52:54:00:00:01:03",
    ("FastEthernet0/7",))`: the cadaster plugs nancy:enp3s0 into sw1's `Fa0/2`, the switch learned
    its MAC on FastEthernet0/7 only.
    """

    switch: str
    port: str  # the switch's own name for the port
    listed: str  # the port as the cadaster writes it
    machine: str
    interface: str
    mac: str | None
    seen: tuple[str, ...]  # ports where the switch learned the MAC (empty: nowhere)
    neighbour: str | None = None  # the LLDP neighbour on the port, when it is another machine


@dataclass
class Observed:
    """Everything `elenta doctor` collected; each part may be empty when not collected."""

    leases: list[tuple[Lease, str]] = field(default_factory=list)  # (lease, where it was read)
    neighbours: list[Neighbour] = field(default_factory=list)
    probes: dict[str, list[str]] = field(default_factory=dict)  # address -> MACs that answered
    interfaces: dict[str, list[LiveInterface]] = field(default_factory=dict)  # machine -> interfaces
    unreachable: dict[str, str] = field(default_factory=dict)  # what -> why
    # "toto.canon" (A) or "toto.canon AAAA" -> (server asked, addresses it answered)
    dns: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    ports: list[PortSeen] = field(default_factory=list)  # switch ports not as the cadaster says
    switch_ports: int = 0  # cadaster switch ports checked against the switches' MAC tables
    skipped: dict[str, str] = field(default_factory=dict)  # check left out -> why (a note, no finding)

    def counts(self) -> dict[str, int]:
        """How much was looked at: `{"leases": 3, "neighbours": 5, …}`."""
        return {
            "leases": len(self.leases),
            "neighbours": len(self.neighbours),
            "probed_addresses": len(self.probes),
            "machines_over_ssh": len(self.interfaces),
            "dns_names": len(self.dns),
            "switch_ports": self.switch_ports,
        }


@dataclass(frozen=True)
class Owner:
    """Who the cadaster gives an address or MAC to."""

    machine: str
    interface: str
    ip: str
    mac: str | None

    def __str__(self) -> str:
        return f"{self.machine}:{self.interface}" + (f" ({self.mac})" if self.mac else "")


def cadaster_index(lab: Lab) -> tuple[dict[str, Owner], dict[str, Owner]]:
    """(address -> owner, MAC -> owner) over every cadaster interface and alias."""
    by_ip: dict[str, Owner] = {}
    by_mac: dict[str, Owner] = {}
    for record in lab.cadaster.addresses():
        physical = record.physical or record.interface
        mac = lab.cadaster.machines[record.machine].interfaces[physical].mac
        owner = Owner(record.machine, record.interface, str(record.ip), mac)
        by_ip.setdefault(str(record.ip), owner)
        if mac and record.physical is None and record.ip.version == 4:
            by_mac.setdefault(mac, owner)
    return by_ip, by_mac


def _lease_findings(lab: Lab, observed: Observed, by_ip: dict, by_mac: dict) -> list[Finding]:
    out = []
    for lease, where in observed.leases:
        owner = by_ip.get(lease.ip)
        named = f" ({lease.hostname})" if lease.hostname else ""
        if owner is not None and owner.mac and owner.mac != lease.mac:
            out.append(
                Finding(
                    "stale-lease",
                    lease.ip,
                    f"{where} leases it to {lease.mac}{named}, but the cadaster gives it to {owner}",
                    f"delete that lease on the DHCP server and renew on {lease.mac}; until then "
                    f"{lab.canon(owner.machine)} and {lease.mac} may both answer for {lease.ip}",
                )
            )
        elif lease.mac in by_mac and by_mac[lease.mac].ip != lease.ip:
            mine = by_mac[lease.mac]
            out.append(
                Finding(
                    "lease-mismatch",
                    f"{mine.machine}:{mine.interface}",
                    f"{where} leases {lease.ip} to {lease.mac}, the cadaster gives it {mine.ip}",
                    "deploy the reservations (`elenta dhcp apply`), then renew the lease on the machine",
                )
            )
        elif lease.mac not in by_mac and owner is None:
            out.append(
                Finding(
                    "unknown-device",
                    lease.mac,
                    f"{where} leases {lease.ip} to it{named}, and the cadaster has no such MAC",
                    "add the device to the cadaster (machines.<name>.interfaces.<if>.mac), or keep it "
                    "off the network",
                )
            )
    return out


def _neighbour_findings(observed: Observed, by_ip: dict, by_mac: dict) -> list[Finding]:
    out = []
    for n in observed.neighbours:
        if n.mac in by_mac:
            continue
        owner = by_ip.get(n.ip)
        if owner is None:
            out.append(
                Finding(
                    "unknown-device",
                    n.mac,
                    f"seen at {n.ip} in the neighbour table of {n.source}, and the cadaster has no such MAC",
                    "add the device to the cadaster (machines.<name>.interfaces.<if>.mac), or keep it "
                    "off the network",
                )
            )
    return out


def _probe_findings(observed: Observed, by_ip: dict) -> list[Finding]:
    out = []
    for ip, macs in sorted(observed.probes.items()):
        owner = by_ip.get(ip)
        answered = sorted(set(macs))
        if len(answered) > 1:
            cadaster = f"the cadaster gives it to {owner}" if owner else "the cadaster has no such address"
            strangers = [m for m in answered if not owner or m != owner.mac]
            out.append(
                Finding(
                    "duplicate-address",
                    ip,
                    f"{len(answered)} MACs answer an ARP probe for it ({', '.join(answered)}); {cadaster}",
                    f"find {', '.join(strangers)} and give it another address (or take it off the network)",
                )
            )
        elif answered and owner is not None and owner.mac and answered[0] != owner.mac:
            out.append(
                Finding(
                    "address-mac",
                    ip,
                    f"{answered[0]} answers for it, the cadaster gives it to {owner}",
                    f"if {owner.machine}'s network card was replaced, write {answered[0]} in the "
                    f"cadaster (machines.{owner.machine}.interfaces.{owner.interface}.mac); else find "
                    f"{answered[0]}",
                )
            )
    return out


def _interface_findings(lab: Lab, observed: Observed) -> list[Finding]:
    out = []
    for machine, live in sorted(observed.interfaces.items()):
        have = {i.name: i for i in live}
        for if_name, iface in lab.cadaster.machines[machine].interfaces.items():
            subject = f"{machine}:{if_name}"
            key = f"machines.{machine}.interfaces.{if_name}"
            seen = have.get(if_name)
            if seen is None:
                names = ", ".join(sorted(have)) or "none"
                out.append(
                    Finding(
                        "interface-mismatch",
                        subject,
                        f"the machine has no interface {if_name} (it has: {names})",
                        f"rename the interface in the cadaster ({key}) or on the machine",
                    )
                )
                continue
            if iface.mac and seen.mac and seen.mac != iface.mac:
                out.append(
                    Finding(
                        "interface-mismatch",
                        subject,
                        f"the machine reports MAC {seen.mac}, the cadaster says {iface.mac}",
                        f"write {seen.mac} in the cadaster ({key}.mac) if the card was replaced, then "
                        "deploy DHCP so its reservation follows",
                    )
                )
            wanted = [str(iface.ip)] + [str(a.ip) for a in iface.aliases.values()]
            missing = [ip for ip in wanted if ip not in seen.addresses]
            if missing:
                has = ", ".join(seen.addresses) or "none"
                out.append(
                    Finding(
                        "interface-mismatch",
                        subject,
                        f"the machine lacks {', '.join(missing)} (it has: {has})",
                        "renew its DHCP lease or fix its network configuration (and deploy it)",
                    )
                )
    return out


def _dns_findings(lab: Lab, observed: Observed) -> list[Finding]:
    out = []
    wanted: dict[str, set[str]] = {}
    for record in lab.cadaster.addresses():
        for name in record.names:
            wanted.setdefault(name, set()).add(str(record.ip))
    for key, (server, answers) in sorted(observed.dns.items()):
        name, _, rtype = key.partition(" ")  # "toto.canon" (A) or "toto.canon AAAA"
        family = 6 if rtype == "AAAA" else 4
        expected = {ip for ip in wanted.get(name, set()) if ipaddress.ip_address(ip).version == family}
        got_set = {str(ipaddress.ip_address(a)) for a in answers}
        if got_set != expected:
            got = ", ".join(sorted(got_set)) or "nothing"
            out.append(
                Finding(
                    "dns-mismatch",
                    key,
                    f"{server} answers {got}, the cadaster says {', '.join(sorted(expected)) or 'nothing'}",
                    "deploy the zones (`elenta dns apply`, or `elenta deploy --only dns`); if they are "
                    "deployed, look for another server answering for the zone",
                )
            )
    return out


def _port_findings(lab: Lab, observed: Observed) -> list[Finding]:
    out = []
    for p in observed.ports:
        key = f"machines.{p.switch}.switch.ports.{p.listed}"
        plugged = f"{p.machine}:{p.interface}" + (f" ({p.mac})" if p.mac else "")
        cadaster = f"{lab.cadaster_file} ({key}) plugs {plugged} there"
        if not p.listed:
            key = f"machines.{p.machine}.interfaces.{p.interface}"
            cadaster = f"{lab.cadaster_file} ({key}) puts {plugged} on no switch port"
            seen = f"{p.switch} sees {p.mac} on {p.port}, alone"
            fix = (
                f'write it in the cadaster: machines.{p.switch}.switch.ports."{p.port}" = '
                f'{{ machine = "{p.machine}", interface = "{p.interface}" }}'
            )
        elif p.neighbour is not None:
            seen = f"{p.switch}'s LLDP neighbour on it is {p.neighbour}"
            fix = f"plug {p.machine} back into {p.port}, or write the port each machine is on in the cadaster"
        elif p.seen:
            seen = f"{p.switch} sees {p.mac} on {', '.join(p.seen)}"
            fix = (
                f"move the cable back to {p.port}, or write the port it is on in the cadaster "
                f"(machines.{p.switch}.switch.ports)"
            )
        else:
            seen = f"{p.switch} sees {p.mac} on no port"
            fix = (
                f"check that {p.machine} is up and cabled to {p.port} (a switch learns a MAC from its "
                f"traffic), or fix {key}"
            )
        sides = (
            ("cadaster", {"file": lab.cadaster_file, "key": key, "machine": p.machine,
                          "interface": p.interface, "mac": p.mac}),
            ("switch", {"name": p.switch, "port": p.port, "mac_seen_on": list(p.seen),
                        "lldp_neighbour": p.neighbour}),
        )  # fmt: skip
        out.append(Finding("switch-port", f"{p.switch}:{p.port}", f"{cadaster}; {seen}", fix, sides))
    return out


def find_problems(lab: Lab, observed: Observed) -> list[Finding]:
    """Every finding, one per problem, sorted by kind then subject: `find_problems(lab, observed)`."""
    by_ip, by_mac = cadaster_index(lab)
    found = [
        *_lease_findings(lab, observed, by_ip, by_mac),
        *_neighbour_findings(observed, by_ip, by_mac),
        *_probe_findings(observed, by_ip),
        *_interface_findings(lab, observed),
        *_dns_findings(lab, observed),
        *_port_findings(lab, observed),
    ]
    for what, why in sorted(observed.unreachable.items()):
        found.append(Finding("unreachable", what, why, "check that it is up and reachable, or skip it"))
    unique: dict[tuple[str, str], Finding] = {}
    for finding in found:
        unique.setdefault((finding.kind, finding.subject), finding)
    return sorted(unique.values(), key=lambda f: (f.kind, f.subject))
