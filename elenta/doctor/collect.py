"""Gathering what `elenta doctor` compares with the cadaster. Each source can be left out.

- leases: lease files given on the command line (`--leases FILE`), else read over SSH from each
  DHCP server of the lab (Kea's or dnsmasq's lease file);
- neighbours: this machine's neighbour table (`ip -j neigh`);
- ARP: with `--interface IF`, a probe of every cadaster address on that interface's network;
- interfaces: `ip -j addr` read over SSH from every machine deployed over SSH;
- DNS: every cadaster name asked of the lab's DNS servers (`[dns] servers`, never the system
  resolver);
- switch ports: each managed switch's MAC table and LLDP neighbours, read and compared as
  `elenta net verify` does (`verify_switch`); a switch that cannot be read is a note, not a finding.
"""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from elenta.doctor.findings import LiveInterface, Neighbour, Observed, PortSeen
from elenta.doctor.leases import parse_leases
from elenta.model.lab import Lab
from elenta.model.names import normalise_mac


def read_lease_files(observed: Observed, paths: list[str]) -> None:
    """Leases from local files (Kea CSV or dnsmasq format, recognised by content)."""
    now = time.time()
    for path in paths:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            observed.unreachable[f"lease file {path}"] = f"cannot read it ({exc.strerror})"
            continue
        observed.leases += [(lease, path) for lease in parse_leases(text, now)]


def _ssh(lab: Lab, machine: str, command: str) -> str:
    """Run `command` on a machine reached at its cadaster address (the doctor never trusts DNS for it)."""
    from elenta.inventory import ssh_data
    from elenta.pipeline.ssh import SshTarget, run_ssh

    target = SshTarget.from_data(ssh_data(lab, machine, no_dns=True), lab.canon(machine))
    proc = run_ssh(target, command, timeout=20)
    if proc.returncode != 0:
        raise OSError((proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"])
    return proc.stdout


def _over_ssh(lab: Lab, machines: list[str], command: str, observed: Observed) -> dict[str, str]:
    def one(machine: str) -> tuple[str, str | None, str | None]:
        try:
            return machine, _ssh(lab, machine, command), None
        except Exception as exc:  # every failure becomes an 'unreachable' finding
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, list):
                detail = "; ".join(detail)
            return machine, None, f"over SSH: {detail}"

    out: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for machine, text, error in pool.map(one, machines):
            if error is not None:
                observed.unreachable[lab.canon(machine)] = error
            else:
                out[machine] = text or ""
    return out


def leases_over_ssh(lab: Lab, observed: Observed) -> None:
    """Each DHCP server's lease file, read over SSH (where the DHCP subsystem says it keeps them)."""
    from elenta.inventory import inventory_machines
    from elenta.subsystem import provided

    reachable = set(inventory_machines(lab))
    now = time.time()
    for server, paths in provided(lab, "dhcp_lease_files", {}).items():
        if server not in reachable:
            continue
        for path in paths:
            texts = _over_ssh(lab, [server], f"cat {path} 2>/dev/null; true", observed)
            for machine, text in texts.items():
                where = f"{lab.canon(machine)}:{path}"
                observed.leases += [(lease, where) for lease in parse_leases(text, now)]


def parse_ip_neigh(text: str, source: str) -> list[Neighbour]:
    """`ip -j neigh` output -> neighbours with a MAC (incomplete and failed entries dropped)."""
    out = []
    for entry in json.loads(text or "[]"):
        mac = entry.get("lladdr")
        states = set(entry.get("state") or [])
        if not mac or states & {"FAILED", "INCOMPLETE"} or ":" in entry.get("dst", ":"):
            continue
        out.append(Neighbour(entry["dst"], normalise_mac(mac), source))
    return out


def local_neighbours(observed: Observed, interface: str = "") -> None:
    """This machine's neighbour table (only `interface`'s when given)."""
    command = ["ip", "-j", "neigh", "show"] + (["dev", interface] if interface else [])
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        observed.neighbours += parse_ip_neigh(proc.stdout, "this machine")


def arp_probe(lab: Lab, observed: Observed, interface: str, timeout: float = 1.0) -> None:
    """Probe every cadaster IPv4 address on `interface`'s network; record who answered."""
    from elenta.doctor.arp import link_networks, probe

    networks = link_networks(interface)
    addresses = sorted(
        {
            str(r.ip)
            for r in lab.cadaster.addresses()
            if r.ip.version == 4 and any(r.ip in n for n in networks)
        }
    )
    if not addresses:
        return
    for address, macs in probe(addresses, interface, timeout).items():
        if macs:
            observed.probes[address] = macs


def parse_ip_addr(text: str) -> list[LiveInterface]:
    """`ip -j addr` output -> one LiveInterface per link with its MAC and addresses."""
    out = []
    for link in json.loads(text or "[]"):
        mac = link.get("address")
        try:
            mac = normalise_mac(mac) if mac else None
        except ValueError:
            mac = None  # loopback, tunnels
        addresses = tuple(a["local"] for a in link.get("addr_info", []) if "local" in a)
        out.append(LiveInterface(link.get("ifname", ""), mac, addresses))
    return out


def interfaces_over_ssh(lab: Lab, observed: Observed, machines: list[str] | None = None) -> None:
    """Every SSH-deployed machine's interfaces, as the machine reports them."""
    from elenta.inventory import inventory_machines

    chosen = machines if machines is not None else inventory_machines(lab)
    for machine, text in _over_ssh(lab, chosen, "ip -j addr show", observed).items():
        try:
            observed.interfaces[machine] = parse_ip_addr(text)
        except json.JSONDecodeError:
            observed.unreachable[lab.canon(machine)] = "over SSH: `ip -j addr show` did not answer JSON"


def dns_answers(lab: Lab, observed: Observed, servers: list[str] | None = None) -> None:
    """Every cadaster name asked of the lab's DNS servers: A records, and AAAA where it has IPv6."""
    from elenta.lookup import LookupError_, resolve_name

    servers = servers if servers is not None else list(lab.cadaster.dns.servers)
    if not servers:
        return
    records = list(lab.cadaster.addresses())
    asks = sorted({(n, "A") for r in records if r.ip.version == 4 for n in r.names})
    asks += sorted({(n, "AAAA") for r in records if r.ip.version == 6 for n in r.names})
    for name, rtype in asks:
        key = name if rtype == "A" else f"{name} AAAA"
        try:
            observed.dns[key] = (servers[0], resolve_name(name, servers, rdtype=rtype, timeout=2.0))
        except LookupError_ as exc:
            if "no such name" in str(exc):
                observed.dns[key] = (servers[0], [])
            elif "NoAnswer" in str(exc):
                observed.dns[key] = (servers[0], [])  # the name exists without that record type
            else:
                observed.unreachable[f"DNS {', '.join(servers)}"] = str(exc)
                return


def switch_ports(lab: Lab, observed: Observed) -> None:
    """Every managed switch's MAC table against the cadaster's ports, as `elenta net verify` reads it.

    A switch that cannot be read (down, refused, no password) is noted in `observed.skipped`; when
    none can, the whole check is noted as skipped.
    """
    from elenta.subsystem import provided

    readers = provided(lab, "switch_port_readers", {})  # the switch subsystem's, one per switch
    names = list(readers)
    if not names:
        return

    def one(name: str):  # type: ignore[no-untyped-def]
        try:
            return name, readers[name](), None
        except Exception as exc:  # a switch that cannot be read is a note, never a traceback
            return name, None, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(one, names))
    failed = {name: why for name, report, why in outcomes if report is None}
    if len(failed) == len(names):
        reasons = "; ".join(f"{name}: {why}" for name, why in failed.items())
        observed.skipped["switch ports"] = f"no switch could be read ({reasons})"
        return
    for name, why in failed.items():
        observed.skipped[f"switch {name}"] = f"its ports were not checked ({why})"
    for _name, report, _why in outcomes:
        if report is None:
            continue
        observed.switch_ports += report.checked
        observed.ports += [
            PortSeen(report.name, f.port, f.listed, f.machine, f.interface, f.mac, f.seen, f.neighbour)
            for f in report.findings
        ]
