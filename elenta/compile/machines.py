"""Per-machine configuration: every constellation's placement and services on a machine, merged.

`compile_machines(lab)` gives, for each machine that something is placed on, one entry with its
configuration (flake reference), extra NixOS settings (attribute-set host configurations and the
host side of its guests), VMs, containers, data, tags, roles and domain services. Merge conflicts
are collected (not raised) so that `check_lab` can report them together with the other checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elenta.compile.merge import Contribution, Source, merge_collect
from elenta.model.errors import Fault
from elenta.model.lab import Lab

# What a machine needs so that it can run guests (merged into its NixOS settings): VMs are
# microvm.nix VMs (its host module), containers NixOS containers (docs/nixos.md says why).
VM_HOST_SETTINGS: dict[str, Any] = {"microvm": {"host": {"enable": True}}}
CONTAINER_HOST_SETTINGS: dict[str, Any] = {"boot": {"enableContainers": True}}


@dataclass
class MachineEntry:
    """One machine's merged configuration (`config` goes into the plan manifest) and provenance."""

    name: str
    config: dict[str, Any]
    guests: dict[tuple[str, str], Source] = field(default_factory=dict)
    placements: list[Source] = field(default_factory=list)


@dataclass
class CompiledMachines:
    """Every machine entry plus the merge conflicts found while building them."""

    machines: dict[str, MachineEntry]
    faults: list[Fault]


def compiled_machines(lab: Lab) -> CompiledMachines:
    """`compile_machines(lab)`, computed once per Lab object (builders and checks share it).

    `compiled_machines(lab).machines["toto"].config["configuration"]` -> `".#dns"`
    """
    cached = vars(lab).get("_elenta_compiled_machines")
    if cached is None:
        cached = compile_machines(lab)
        vars(lab)["_elenta_compiled_machines"] = cached
    return cached


def _guest_dump(guest: Any) -> dict[str, Any]:
    return guest.model_dump(mode="json")


def compile_machines(lab: Lab) -> CompiledMachines:
    """Merge every placement and service per machine: `compile_machines(load_lab("examples/lab"))`."""
    faults: list[Fault] = []
    out: dict[str, MachineEntry] = {}
    names = set(lab.placements) | set(lab.services)
    for short in [m for m in lab.cadaster.machines if m in names]:
        contributions: list[Contribution] = []
        guests: dict[tuple[str, str], Source] = {}
        placement_sources: list[Source] = []
        for hp in lab.placements.get(short, []):
            p = hp.placement
            source = Source(
                hp.constellation.file, ("machines", hp.key), f"constellation {hp.constellation.name}"
            )
            placement_sources.append(source)
            value: dict[str, Any] = {}
            if isinstance(p.host_config, str):
                value["configuration"] = p.host_config
            elif isinstance(p.host_config, dict):
                value["nixos"] = p.host_config
            for kind in ("vms", "containers"):
                table = getattr(p, kind)
                if table:
                    value[kind] = {name: _guest_dump(g) for name, g in table.items()}
                    for name in table:
                        guests.setdefault((kind, name), Source(source.file, (*source.key, kind, name)))
            if p.data:
                value["data"] = p.data
            if p.tags:
                value["tags"] = list(p.tags)
            contributions.append(Contribution(source, value))
        for hs in lab.services.get(short, []):
            source = Source(
                hs.constellation.file,
                ("domains", hs.domain, "services", hs.name),
                f"constellation {hs.constellation.name}",
            )
            fqdn = f"{hs.name}.{hs.domain}"
            service = {"role": hs.service.role, "extraOpts": hs.service.extra_opts}
            # Placed under the service's own key so two constellations sharing it merge or conflict.
            contributions.append(Contribution(source, {"services": {fqdn: service}}))
        if len(contributions) == 1:
            # One source: nothing to merge (the top-level table is ours; nested values are not mutated).
            merged = contributions[0].value
        else:
            merged, found = merge_collect(contributions)
            faults.extend(found)
        config: dict[str, Any] = merged or {}
        support = _host_side(config, guests)
        if support:
            merged_support, found = merge_collect(
                [Contribution(placement_sources[0], {"nixos": config.get("nixos", {})}), *support]
            )
            faults.extend(found)
            config["nixos"] = merged_support["nixos"]
        config.setdefault("configuration", None)
        for key in ("nixos", "vms", "containers", "data", "services"):
            config.setdefault(key, {})
        config.setdefault("tags", [])
        config["roles"] = lab.roles_of(short)
        config["kind"] = lab.cadaster.machines[short].kind
        config["canon"] = lab.canon(short)
        out[short] = MachineEntry(short, config, guests, placement_sources)
    return CompiledMachines(out, faults)


def _host_side(config: dict[str, Any], guests: dict[tuple[str, str], Source]) -> list[Contribution]:
    """The host-side settings a machine's guests need, attributed to the first guest of each kind."""
    out: list[Contribution] = []
    for kind, settings in (("vms", VM_HOST_SETTINGS), ("containers", CONTAINER_HOST_SETTINGS)):
        if config.get(kind):
            first = min((s for (k, _), s in guests.items() if k == kind), key=lambda s: s.order)
            source = Source(first.file, first.key, f"host side of {kind} (added by elenta)")
            out.append(Contribution(source, {"nixos": settings}))
    return out


def machine_sources(lab: Lab, machine: str) -> tuple[Source, Source]:
    """Where a machine is declared (the cadaster) and where it is first placed (a constellation,
    else the cadaster): the sources that parts of its NixOS module name.

    `cadaster, placed = machine_sources(lab, "toto")`; `placed.file` -> `".../homelab.toml"`
    """
    entry = compiled_machines(lab).machines.get(machine)
    where = Source(lab.cadaster_file, ("machines", machine), "the cadaster")
    return where, entry.placements[0] if entry and entry.placements else where
