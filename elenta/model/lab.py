"""A lab: one cadaster and the constellations that share it, loaded and checked together."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from elenta.model.cadaster import Cadaster, check_cadaster
from elenta.model.constellation import Constellation, Guest, Placement, Role, Service
from elenta.model.errors import FaultCollector, ModelError
from elenta.model.loading import SUFFIXES, load_document, validate

if TYPE_CHECKING:
    from elenta.compile.placement import Placed
from elenta.model.settings import LabSettings, load_settings


def state_dir_of(root: Path) -> Path:
    """The state folder of the lab in folder `root`: `$ELENTA_STATE_DIR`, else `root/.elenta`."""
    override = os.environ.get("ELENTA_STATE_DIR")
    return Path(override) if override else root / ".elenta"


@dataclass(frozen=True)
class LoadedConstellation:
    """A constellation with the file it came from (for errors that name both sides)."""

    model: Constellation
    file: str

    @property
    def name(self) -> str:
        return self.model.name or Path(self.file).stem


@dataclass(frozen=True)
class HostPlacement:
    """One constellation's placement on one machine, with where it was written."""

    constellation: LoadedConstellation
    key: str
    placement: Placement


@dataclass(frozen=True)
class HostService:
    """One domain service placed on a machine."""

    constellation: LoadedConstellation
    domain: str
    name: str
    service: Service


@dataclass
class Lab:
    """Cadaster + constellations + where they live: `lab = load_lab(Path("examples/lab"))`."""

    root: Path
    cadaster: Cadaster
    cadaster_file: str
    constellations: list[LoadedConstellation] = field(default_factory=list)
    settings: LabSettings = field(default_factory=LabSettings)
    # Where earlier placements went (`elenta place`); None: the previous plan in the state folder.
    placement_memory: dict[str, str] | None = None

    @property
    def state_dir(self) -> Path:
        """Where elenta keeps keys, plans and history for this lab (`$ELENTA_STATE_DIR` wins)."""
        return state_dir_of(self.root)

    @property
    def flake_dir(self) -> Path:
        """The folder whose `flake.nix` the lab's `.#role` references point into."""
        return self.root

    def canon(self, machine: str) -> str:
        """`lab.canon("toto") == "toto.canon"`."""
        return self.cadaster.canon(machine)

    def machine_name(self, name: str) -> str:
        """Resolve a short, canon or link-type name to the machine's short name, or raise KeyError."""
        return self.cadaster.resolve(name).machine

    def placements_given(self, machine: str) -> list[HostPlacement]:
        """The placements constellations write under `machines.<m>` (without placed guests)."""
        return self._given_placements.get(machine, [])

    @cached_property
    def _given_placements(self) -> dict[str, list[HostPlacement]]:
        out: dict[str, list[HostPlacement]] = {}
        for loaded in self.constellations:
            for key, placement in loaded.model.machines.items():
                short = self.machine_name(key)
                out.setdefault(short, []).append(HostPlacement(loaded, key, placement))
        return out

    @cached_property
    def placement(self) -> Placed:
        """Where elenta put the services and guests declared without a host (`elenta place`).

        Raises PlacementError (a ModelError) naming what fits nowhere and by how much.
        """
        from elenta.compile.placement import lab_placement

        placed = lab_placement(self)
        placed.raise_if_infeasible()
        return placed

    def _host_of(self, kind: str, name: str, host: str) -> str:
        if host in ("", "any"):
            return self.placement.where[f"{kind}:{name}"]
        return self.machine_name(host)

    def service_host(self, domain: str, name: str, host: str) -> str:
        """Where a domain service runs: its `host` as written (`archimedes`, `lan.archimedes.canon`),
        or for one elenta places (`any`, or no host) the short name of the machine it went to.

        `lab.service_host("example.lab", "www", "archimedes")` -> `'archimedes'`
        """
        return self._host_of("service", f"{name}.{domain}", host) if host in ("", "any") else host

    @cached_property
    def placements(self) -> dict[str, list[HostPlacement]]:
        """Per machine (short name), every constellation placement on it, placed guests included."""
        out = {machine: list(given) for machine, given in self._given_placements.items()}
        for loaded in self.constellations:
            for kind, table in (("vm", loaded.model.vms), ("container", loaded.model.containers)):
                for name, guest in table.items():
                    short = self._host_of(kind, name, guest.host)
                    plain = Guest.model_validate(
                        guest.model_dump(include={"config", "cores", "memory", "disk", "disks"})
                    )
                    placement = Placement.model_validate({f"{kind}s": {name: plain}})
                    out.setdefault(short, []).append(HostPlacement(loaded, short, placement))
        return out

    @cached_property
    def services(self) -> dict[str, list[HostService]]:
        """Per machine (short name), every domain service it hosts (placed ones included)."""
        out: dict[str, list[HostService]] = {}
        for loaded in self.constellations:
            for domain_name, domain in loaded.model.domains.items():
                for name, service in domain.services.items():
                    short = self._host_of("service", f"{name}.{domain_name}", service.host)
                    out.setdefault(short, []).append(HostService(loaded, domain_name, name, service))
        return out

    def roles_of(self, machine: str) -> list[str]:
        """The roles a machine carries, host configuration first: `lab.roles_of("toto")`."""
        roles: list[str] = []
        for hp in self.placements.get(machine, []):
            role = hp.placement.role()
            if role and role not in roles:
                roles.append(role)
        for hs in self.services.get(machine, []):
            if hs.service.role not in roles:
                roles.append(hs.service.role)
        return roles

    def role(self, name: str) -> Role:
        """The declared needs of a role (merged over constellations; empty if undeclared)."""
        for loaded in self.constellations:
            if name in loaded.model.roles:
                return loaded.model.roles[name]
        return _no_role()

    def host_config(self, machine: str) -> str | None:
        """The flake reference of a machine's host configuration, if any."""
        for hp in self.placements.get(machine, []):
            if isinstance(hp.placement.host_config, str):
                return hp.placement.host_config
        return None

    def has_system(self, machine: str) -> bool:
        """True when a constellation gives the machine a NixOS configuration (a reference or a table).

        `lab.has_system("toto")` -> True; a machine with only a literal `hostConfig = {…}` has one too.
        """
        return any(hp.placement.host_config is not None for hp in self.placements_given(machine))

    def machines_with_role(self, role: str) -> list[str]:
        """Short names of the machines carrying `role`, in cadaster order."""
        return [m for m in self.cadaster.machines if role in self.roles_of(m)]

    def deployable(self) -> Iterator[str]:
        """Machines with a NixOS host configuration that are deployed over SSH (not netbooted)."""
        for short, machine in self.cadaster.machines.items():
            if machine.kind == "nixos" and not machine.netboot and self.has_system(short):
                yield short


def _find_cadaster(root: Path) -> Path:
    for suffix in SUFFIXES:
        candidate = root / f"cadaster{suffix}"
        if candidate.exists():
            return candidate
    raise ModelError.one(root, "(folder)", "no cadaster file (cadaster.toml, .json, .yaml or .nix)")


def _constellation_files(root: Path) -> list[Path]:
    folder = root / "constellations"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)


def load_lab(*paths: Path | str, placement_memory: dict[str, str] | None = None, place: bool = True) -> Lab:
    """Load and check a lab from a folder, or from a cadaster file and constellation files.

    `load_lab("examples/lab")` or `load_lab("cadaster.toml", "web.yaml")`; raises ModelError.
    `placement_memory` replaces the previous plan's placement (a replayed plan keeps its own);
    `place=False` leaves placement (and its faults) until something asks (`elenta place`).
    """
    resolved = [Path(p) for p in paths] or [Path.cwd()]
    for path in resolved:
        if not path.exists():
            raise ModelError.one(path, "(path)", "no such file or folder")
    if len(resolved) == 1 and resolved[0].is_dir():
        root = resolved[0]
        cadaster_path = _find_cadaster(root)
        constellation_paths = _constellation_files(root)
    else:
        for p in resolved:
            if p.is_dir():
                raise ModelError.one(p, "(arguments)", "give one lab folder, or files only")
        cadasters = [p for p in resolved if p.stem == "cadaster"]
        if len(cadasters) != 1:
            raise ModelError.one(
                resolved[0], "(arguments)", "name exactly one cadaster file (cadaster.toml, …)"
            )
        cadaster_path = cadasters[0]
        root = cadaster_path.parent
        constellation_paths = [p for p in resolved if p is not cadaster_path]
    settings = load_settings(root)
    cadaster = validate(Cadaster, load_document(cadaster_path), cadaster_path)
    check_cadaster(cadaster, str(cadaster_path))
    constellations = [
        LoadedConstellation(validate(Constellation, load_document(p), p), str(p)) for p in constellation_paths
    ]
    lab = Lab(root, cadaster, str(cadaster_path), constellations, settings, placement_memory)
    check_references(lab)
    if place:
        _ = lab.placement  # what has no host is placed now: something that fits nowhere is an input fault
    return lab


def check_references(lab: Lab) -> None:
    """Every machine, host and export client a constellation names must be in the cadaster."""
    faults: list = []
    for loaded in lab.constellations:
        collector = FaultCollector(loaded.file)
        model = loaded.model
        for key in model.machines:
            _resolve(lab, key, ("machines", key), collector)
        for domain_name, domain in model.domains.items():
            for name, service in domain.services.items():
                if service.host not in ("", "any"):
                    _resolve(lab, service.host, ("domains", domain_name, "services", name, "host"), collector)
            target = domain.redirect_bare_to
            if target is not None and target not in domain.services:
                collector.add(
                    ("domains", domain_name, "redirect_bare_to"),
                    f"{target!r} is not a service of {domain_name!r} "
                    f"(services: {', '.join(domain.services) or 'none'})",
                )
        for kind in ("vms", "containers"):
            for name, guest in getattr(model, kind).items():
                if guest.host not in ("", "any"):
                    _resolve(lab, guest.host, (kind, name, "host"), collector)
        for role_name, role in model.roles.items():
            for i, export in enumerate(role.exports):
                for j, client in enumerate(export.clients):
                    if client in lab.cadaster.networks or client == "*":
                        continue
                    _resolve(lab, client, ("roles", role_name, "exports", i, "clients", j), collector)
        faults.extend(collector.faults)
    if faults:
        raise ModelError(faults)


def _resolve(lab: Lab, name: str, loc: Sequence[str | int], collector: FaultCollector) -> None:
    try:
        lab.cadaster.resolve(name)
    except KeyError as exc:
        collector.add(loc, exc.args[0])


@cache
def _no_role() -> Role:
    """The role of an undeclared name: nothing asked (one frozen instance, asked for per machine)."""
    return Role()
