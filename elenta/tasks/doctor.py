"""`elenta doctor`: the live network against the cadaster, one finding per line, each with a fix."""

from __future__ import annotations

import json

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.tasks._common import open_lab, reports_errors


@task(
    iterable=["leases"],
    help={
        "leases": "read this lease file (Kea CSV or dnsmasq) instead of the DHCP servers' over SSH "
        "(repeatable)",
        "interface": "probe every cadaster address on this local interface's network with ARP (needs root)",
        "no_ssh": "do not read interfaces and lease files over SSH",
        "no_dns": "do not ask the lab's DNS servers (hosts are always reached by their cadaster address)",
        "json": "print the findings as JSON",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def doctor(
    c: Context,
    leases: list[str] | None = None,
    interface: str = "",
    no_ssh: bool = False,
    no_dns: bool = False,
    json_: bool = False,
    lab: str = "",
) -> None:
    """Compare leases, ARP, interfaces and DNS with the cadaster; exit 0 when clean, 1 with findings."""
    from elenta.doctor import collect
    from elenta.doctor.findings import Observed, find_problems

    loaded = open_lab(lab or None)
    observed = Observed()
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
    findings = find_problems(loaded, observed)
    if json_:
        print(
            json.dumps({"findings": [f.as_dict() for f in findings], "checked": observed.counts()}, indent=2)
        )
    else:
        for finding in findings:
            print(finding)
        if not findings:
            checked = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in observed.counts().items())
            print(f"clean: the live network matches the cadaster ({checked})")
    if findings:
        raise Exit(code=1)
