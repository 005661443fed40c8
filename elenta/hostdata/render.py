"""Service discovery data: the whole compiled lab as JSON, so roles find their peers without DNS.

Two kinds of artifact (subsystem `hostdata`):

- lab-wide `discovery.json`: every machine (canon name, addresses, roles, configuration, guests,
  data, services), every service by DNS name with its host's address, the machines of each role,
  and each constellation's own `data`; plus `discovery.nix`, the Nix function that reads it;
- per machine `host.json`: which machine this is, its own merged entry and addresses (a host's
  own file stays small in a large lab, and changes only when that host's entry changes).

A flake imports `discovery.nix` from a plan written next to it (`elenta plan --out plan`, see
docs/plan.md): `(import ./plan/artifacts/hostdata/lab/discovery.nix { host = "toto"; }).self`.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

from elenta.compile.artifacts import Artifact
from elenta.compile.canonical import canonical_bytes
from elenta.compile.machines import compiled_machines
from elenta.model.lab import Lab
from elenta.switch.bonds import machine_bonds

# Where a host finds its data when a deploy installs it (`elenta deploy --only hostdata|all`).
HOST_JSON = "/etc/elenta/host.json"
DISCOVERY_JSON = "/etc/elenta/discovery.json"


def _addresses(lab: Lab) -> dict[str, dict[str, dict[str, str]]]:
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
    addresses = _addresses(lab)
    bonds = machine_bonds(lab.cadaster)
    machines: dict[str, Any] = {}
    roles: dict[str, list[str]] = {}
    for name, entry in compiled.items():
        primary = lab.cadaster.machines[name].primary_interface()
        machines[name] = {
            **entry.config,
            "addresses": addresses.get(name, {}),
            "ip": str(primary[1].ip) if primary else None,
            **({"bonds": bonds[name]} if name in bonds else {}),
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


def discovery_nix() -> bytes:
    """The Nix function that reads `discovery.json` (shipped as `elenta/hostdata/discovery.nix`)."""
    return resources.files("elenta.hostdata").joinpath("discovery.nix").read_bytes()


def host_json(data: dict[str, Any], name: str) -> bytes:
    """One machine's `host.json` from the discovery document: `host_json(discovery_data(lab), "toto")`."""
    machine = data["machines"][name]
    return canonical_bytes({"self": name, "canon": machine["canon"], "host": machine})


def host_files(lab: Lab, machine: str) -> dict[str, bytes]:
    """What a deploy installs on `machine`: `{HOST_JSON: …, DISCOVERY_JSON: …}` (paths to bytes)."""
    data = discovery_data(lab)
    if machine not in data["machines"]:
        return {}
    return {HOST_JSON: host_json(data, machine), DISCOVERY_JSON: canonical_bytes(data)}


def hostdata_artifacts(lab: Lab) -> Iterator[Artifact]:
    """`discovery.json` + `discovery.nix` for the lab, and `host.json` per placed machine."""
    data = discovery_data(lab)
    yield Artifact("hostdata", None, "discovery.json", canonical_bytes(data))
    yield Artifact("hostdata", None, "discovery.nix", discovery_nix())
    for name in data["machines"]:
        yield Artifact("hostdata", name, "host.json", host_json(data, name))
