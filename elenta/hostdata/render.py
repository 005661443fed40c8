"""Service discovery data: the whole compiled lab as JSON, so roles find their peers without DNS.

Two kinds of artifact (subsystem `hostdata`):

- lab-wide `discovery.json` (`elenta.compile.discovery`): every machine (canon name, addresses,
  roles, configuration, guests, data, services, and what other subsystems add, e.g. `bonds`),
  every service by DNS name with its host's address, the machines of each role, and each
  constellation's own `data`; plus `discovery.nix`, the Nix function that reads it;
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
from elenta.compile.discovery import discovery_data
from elenta.model.lab import Lab

# Where a host finds its data when a deploy installs it (`elenta deploy --only hostdata|all`).
HOST_JSON = "/etc/elenta/host.json"
DISCOVERY_JSON = "/etc/elenta/discovery.json"


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


__all__ = ["DISCOVERY_JSON", "HOST_JSON", "discovery_data", "host_files", "host_json", "hostdata_artifacts"]
