"""The NixOS subsystem's artifacts: the entry point, the discovery view, one module per machine.

    artifacts/nixos/lab/elenta.nix                  the Nix entry point (`mkHosts`, `modules.<m>`)
    artifacts/nixos/lab/discovery.json              what every machine knows (`config.elenta.discovery`)
    artifacts/nixos/machines/<m>/module.json        one NixOS machine's module data (`machine_module`)

`nixos_files(lab)` gives the same files keyed by their path inside `artifacts/nixos/`, which is
what a build writes into the flake it builds (`plan/artifacts/nixos/`).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

from elenta.compile.artifacts import Artifact
from elenta.compile.canonical import canonical_bytes
from elenta.model.lab import Lab
from elenta.nixos.module import discovery_view, machine_module

SUBSYSTEM = "nixos"
ENTRY = "elenta.nix"
DISCOVERY = "discovery.json"
MODULE = "module.json"
# Where a flake finds the plan's NixOS files: `./plan/artifacts/nixos/lab/elenta.nix`.
FLAKE_FOLDER = "plan/artifacts/nixos"


def entry_nix() -> bytes:
    """The Nix entry point shipped as `elenta/nixos/elenta.nix`."""
    return resources.files("elenta.nixos").joinpath(ENTRY).read_bytes()


def nixos_machines(lab: Lab) -> list[str]:
    """Machines that get a module: every NixOS machine of the cadaster, in cadaster order."""
    return [m for m, spec in lab.cadaster.machines.items() if spec.kind == "nixos"]


def nixos_artifacts(lab: Lab) -> Iterator[Artifact]:
    """`elenta.nix` and `discovery.json` for the lab, `module.json` per NixOS machine."""
    yield Artifact(SUBSYSTEM, None, ENTRY, entry_nix())
    yield Artifact(SUBSYSTEM, None, DISCOVERY, canonical_bytes(discovery_view(lab)))
    for machine in nixos_machines(lab):
        yield Artifact(SUBSYSTEM, machine, MODULE, canonical_bytes(machine_module(lab, machine), depth=2))


def nixos_files(lab: Lab) -> dict[str, bytes]:
    """`{"lab/elenta.nix": …, "lab/discovery.json": …, "machines/toto/module.json": …}`."""
    out: dict[str, bytes] = {}
    for artifact in nixos_artifacts(lab):
        where = "lab" if artifact.machine is None else f"machines/{artifact.machine}"
        out[f"{where}/{artifact.path}"] = artifact.content
    return out
