"""`elenta doctor`: the live network against the cadaster, one finding per line, each with a fix."""

from __future__ import annotations

import json
import sys

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.spec import command
from elenta.tasks._common import open_lab, reports_errors


@task(
    iterable=["leases"],
    help={
        "leases": "read this lease file (Kea CSV or dnsmasq) instead of the DHCP servers' over SSH "
        "(repeatable)",
        "interface": "probe every cadaster address on this local interface's network with ARP (needs root)",
        "no_ssh": "do not read interfaces and lease files over SSH",
        "no_dns": "do not ask the lab's DNS servers (hosts are always reached by their cadaster address)",
        "no_switches": "do not read the switches' MAC tables (where each machine is plugged)",
        "offline": "reach nothing over the network: no SSH, no DNS, no switch (lease files, this "
        "machine's neighbour table and ARP only)",
        "json": "print the findings as JSON",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
@command(
    examples=[
        "elenta doctor",
        "sudo elenta doctor --interface enp3s0 --json",
        "elenta doctor --offline --leases kea-leases4.csv",
    ]
)
def doctor(
    c: Context,
    leases: list[str] | None = None,
    interface: str = "",
    no_ssh: bool = False,
    no_dns: bool = False,
    no_switches: bool = False,
    offline: bool = False,
    json_: bool = False,
    lab: str = "",
) -> None:
    """Compare leases, ARP, interfaces, DNS and switch ports with the cadaster; exit 1 with findings."""
    from elenta.doctor import collect
    from elenta.doctor.findings import Observed, find_problems

    loaded = open_lab(lab or None)
    observed = Observed()
    if offline:
        no_ssh = no_dns = no_switches = True
        observed.skipped["SSH, DNS and switch ports"] = "not checked (--offline)"
    if leases:
        collect.read_lease_files(observed, leases)
    elif not no_ssh:
        collect.leases_over_ssh(loaded, observed)
    collect.local_neighbours(observed, interface)
    if interface:
        collect.arp_probe(loaded, observed, interface)
    if not no_ssh:
        collect.interfaces_over_ssh(loaded, observed)
    if not no_dns:
        collect.dns_answers(loaded, observed)
    if not no_switches:
        collect.switch_ports(loaded, observed)
    elif not offline:
        observed.skipped["switch ports"] = "not checked (--no-switches)"
    findings = find_problems(loaded, observed)
    for what, why in observed.skipped.items():
        print(f"note: {what}: {why}", file=sys.stderr)
    if json_:
        report = {"findings": [f.as_dict() for f in findings], "checked": observed.counts()}
        print(json.dumps(report | {"skipped": observed.skipped}, indent=2))
    else:
        for finding in findings:
            print(finding)
        if not findings:
            checked = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in observed.counts().items())
            print(f"clean: the live network matches the cadaster ({checked})")
    if findings:
        raise Exit(code=1)
