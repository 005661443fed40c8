"""The lab's discovery document: the compiled lab as JSON, so roles find their peers without DNS.

`discovery_data(lab)` holds every machine (canon name, addresses, roles, configuration, guests,
data, services, and what registered subsystems add to a machine, e.g. the switch's `bonds`),
every service by DNS name with its host's address, the machines of each role, and each
constellation's own `data`. The hostdata subsystem installs it on the hosts; the NixOS
subsystem hands a view of it to every machine's module.
"""

from __future__ import annotations

from typing import Any

from elenta.compile.machines import compiled_machines
from elenta.model.lab import Lab
from elenta.subsystem import host_entries


def machine_addresses(lab: Lab) -> dict[str, dict[str, dict[str, str]]]:
    """Each machine's addresses by interface: `machine_addresses(lab)["toto"]["enp2s0"]["ip"]`."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for record in lab.cadaster.addresses():
        if record.ip.version == 6 and record.interface in out.get(record.machine, {}):
            out[record.machine][record.interface]["ip6"] = str(record.ip)  # dual stack: beside the IPv4
            continue
        out.setdefault(record.machine, {})[record.interface] = {
            "ip": str(record.ip),
            "network": record.network,
            **({"physical": record.physical} if record.physical else {}),
        }
    return out


def discovery_data(lab: Lab) -> dict[str, Any]:
    """The lab-wide discovery document: `discovery_data(lab)["services"]["www.example.lab"]["ip"]`."""
    compiled = compiled_machines(lab).machines
    addresses = machine_addresses(lab)
    added = host_entries(lab)
    machines: dict[str, Any] = {}
    roles: dict[str, list[str]] = {}
    for name, entry in compiled.items():
        primary = lab.cadaster.machines[name].primary_interface()
        machines[name] = {
            **entry.config,
            "addresses": addresses.get(name, {}),
            "ip": str(primary[1].ip) if primary else None,
            **added.get(name, {}),
        }
        for role in entry.config["roles"]:
            roles.setdefault(role, []).append(name)
    services: dict[str, Any] = {}
    for name, entry in compiled.items():
        for fqdn, service in entry.config["services"].items():
            services[fqdn] = {**service, "host": name, "ip": machines[name]["ip"]}
    constellations = {loaded.name: loaded.model.data for loaded in lab.constellations}
    return {
        "domain": lab.cadaster.domain,
        "machines": machines,
        "roles": roles,
        "services": services,
        "constellations": constellations,
    }
