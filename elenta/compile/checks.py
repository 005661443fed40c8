"""The one validation `elenta check`, `elenta plan` and every deploy share; each fault names both sides.

`validate_lab(lab)` compiles the lab, runs every check here (plus the merge conflicts found while
compiling), then each subsystem's own `check` and its artifacts built in memory, so what a
renderer refuses (a zone name, an exports path, a switch platform) is found too. It raises one
`CheckError` listing every fault, or returns the machines and artifacts a plan is made of.
Nothing is written.
Each check is also a function returning its faults: `check_ports(lab, compiled_machines(lab).machines)`.
"""

from __future__ import annotations

import ipaddress
import posixpath
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from elenta.compile.artifacts import Artifact
from elenta.compile.machines import MachineEntry, compiled_machines
from elenta.compile.merge import Source
from elenta.model.constellation import Role
from elenta.model.errors import Fault, ModelError, key_path
from elenta.model.lab import Lab
from elenta.model.text import check_dns_name_length

if TYPE_CHECKING:
    from elenta.subsystem import Subsystem

Machines = dict[str, MachineEntry]
Check = Callable[[Lab, Machines], list[Fault]]


class CheckError(ModelError):
    """The constellations cannot be deployed together; nothing has been planned or applied."""


@dataclass(frozen=True)
class ValidLab:
    """What a lab that passed every check compiles to: per-machine entries and every artifact."""

    machines: Machines
    artifacts: list[Artifact]
    subsystems: list[str]


def validate_lab(lab: Lab, *, render: bool = True) -> ValidLab:
    """Check everything that can be known offline, raising CheckError with every fault at once.

    The compatibility checks below, then each registered subsystem: its artifacts are built in
    memory (a fault its rendering raises is reported) and its own `check`, when it has one, runs.
    With `render=False` (`elenta check`), a subsystem with its own `check` is trusted to find
    every fault without rendering (the switch check: no template engine to load); the faults are
    the same, and the result holds no artifacts.
    `validate_lab(load_lab("examples/lab")).artifacts[0].subsystem` -> `'dns'`
    """
    from elenta.subsystem import registered

    subsystems = registered()
    cache_key = "_elenta_valid_lab:" + ",".join(s.name for s in subsystems)  # plugins may come and go
    cached = vars(lab).get(cache_key)
    if cached is not None:
        return cached if render else ValidLab(cached.machines, [], cached.subsystems)
    compiled = compiled_machines(lab)
    faults = list(compiled.faults)
    for check in CHECKS:
        faults.extend(check(lab, compiled.machines))
    artifacts: list[Artifact] = []
    found = _all_subsystem_faults(subsystems, lab, render, artifacts, already=bool(faults))
    # A subsystem's fault at a key already named (by a check, or twice by itself) is the same problem.
    named = {(f.file, f.key) for f in faults}
    for fault in found:
        if (fault.file, fault.key) not in named:
            faults.append(fault)
            named.add((fault.file, fault.key))
    if faults:
        raise CheckError(_unique(faults))
    valid = ValidLab(
        compiled.machines,
        sorted(artifacts, key=lambda a: (a.subsystem, a.path)),
        [s.name for s in subsystems],
    )
    if render:
        vars(lab)[cache_key] = valid
    return valid


def _all_subsystem_faults(
    subsystems: tuple[Subsystem, ...], lab: Lab, render: bool, artifacts: list[Artifact], already: bool
) -> list[Fault]:
    """Every subsystem's faults, in registry order, its artifacts added to `artifacts`.

    A subsystem whose check mostly waits for other programs (`Subsystem.check_waits`: DNS and
    `named-checkzone`) runs on a thread of its own, started first, while the others run here.
    """
    waiting = [s for s in subsystems if s.check_waits]
    found: dict[str, list[Fault]] = {}
    made: dict[str, list[Artifact]] = {s.name: [] for s in subsystems}
    with ThreadPoolExecutor(max_workers=max(1, len(waiting))) as pool:
        started = {
            s.name: pool.submit(_subsystem_faults, s, lab, render, made[s.name], already=False)
            for s in waiting
        }
        for subsystem in subsystems:
            if subsystem.name not in started:
                seen = already or any(found.values())
                found[subsystem.name] = _subsystem_faults(subsystem, lab, render, made[subsystem.name], seen)
        for name, future in started.items():
            try:
                found[name] = future.result()
            except Exception:
                if not (already or any(found.values())):
                    raise  # as `_subsystem_faults` does: a bug shows unless a fault explains it
                found[name] = []
    for subsystem in subsystems:
        artifacts.extend(made[subsystem.name])
    return [fault for s in subsystems for fault in found[s.name]]


def _subsystem_faults(
    subsystem: Subsystem, lab: Lab, render: bool, artifacts: list[Artifact], already: bool
) -> list[Fault]:
    """One subsystem's faults: its own `check` if it has one, and what rendering its artifacts
    (added to `artifacts`) raises; rendering is left out when `render` is False and it has a check."""
    from elenta.subsystem import Subsystem

    found: list[Fault] = []
    own_check = type(subsystem).check is not Subsystem.check  # the default one renders, as below
    if own_check:
        found.extend(subsystem.check(lab))
        if not render:
            return found
    try:
        artifacts.extend(subsystem.artifacts(lab))
    except ModelError as exc:
        found.extend(exc.faults)
    except Exception:
        if not (already or found):
            raise  # a bug in the subsystem, not a fault of the lab: let it show
        # else: the renderer tripped over a fault already found; fixing that comes first
    return found


def check_lab(lab: Lab) -> Machines:
    """Compile and check the lab, raising CheckError with every fault: `machines = check_lab(lab)`."""
    return validate_lab(lab).machines


def _unique(faults: list[Fault]) -> list[Fault]:
    return list(dict.fromkeys(faults))


# -- roles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredRole:
    """A role and where it is declared."""

    name: str
    role: Role
    source: Source


def declared_roles(lab: Lab) -> dict[str, DeclaredRole]:
    """Each role with the first constellation (by file name) that declares it."""
    cached = vars(lab).get("_elenta_declared_roles")
    if cached is not None:
        return cached
    out: dict[str, DeclaredRole] = {}
    for loaded in sorted(lab.constellations, key=lambda c: c.file):
        for name, role in loaded.model.roles.items():
            out.setdefault(name, DeclaredRole(name, role, Source(loaded.file, ("roles", name))))
    vars(lab)["_elenta_declared_roles"] = out
    return out


def check_role_declarations(lab: Lab, machines: Machines) -> list[Fault]:
    """A role declared in two constellations must be declared the same way in both."""
    faults: list[Fault] = []
    first = declared_roles(lab)
    for loaded in sorted(lab.constellations, key=lambda c: c.file):
        for name, role in loaded.model.roles.items():
            seen = first[name]
            if seen.source.file != loaded.file and seen.role != role:
                faults.append(
                    Fault(
                        loaded.file,
                        key_path(("roles", name)),
                        f"role {name!r} is declared differently in {seen.source.at(())}; "
                        "declare a role once, or identically",
                    )
                )
    return faults


# -- resources ---------------------------------------------------------------------------------


def check_resources(lab: Lab, machines: Machines) -> list[Fault]:
    """The cores, memory and disk of a machine's VMs and containers fit its cadaster `resources`.

    A resource the cadaster leaves at 0 is undeclared and not checked.
    """
    faults: list[Fault] = []
    for name, entry in machines.items():
        have = lab.cadaster.machines[name].resources
        for resource, unit in (("cores", ""), ("memory", " MiB"), ("disk", " MiB")):
            limit = getattr(have, resource)
            asks = [
                (kind, guest, int(spec.get(resource, 0)))
                for kind in ("vms", "containers")
                for guest, spec in sorted(entry.config[kind].items())
            ]
            total = sum(n for _, _, n in asks)
            if limit and total > limit:
                parts = ", ".join(f"{entry.guests[(k, g)].at(())} {n}{unit}" for k, g, n in asks if n)
                first = min((entry.guests[(k, g)] for k, g, n in asks if n), key=lambda s: s.order)
                faults.append(
                    Fault(
                        first.file,
                        key_path(first.key),
                        f"machine {name!r} is over-allocated: its guests ask for {total}{unit} of "
                        f"{resource} ({parts}) but {lab.cadaster_file}: "
                        f"{key_path(('machines', name, 'resources', resource))} gives {limit}{unit}",
                    )
                )
    return faults


# -- kinds -------------------------------------------------------------------------------------


def check_kinds(lab: Lab, machines: Machines) -> list[Fault]:
    """Only NixOS machines carry a NixOS configuration, VMs, containers or domain services."""
    faults: list[Fault] = []
    for name, entry in machines.items():
        kind = lab.cadaster.machines[name].kind
        if kind == "nixos":
            continue
        where = f"{lab.cadaster_file}: {key_path(('machines', name, 'kind'))}"
        for (guest_kind, guest), source in sorted(entry.guests.items()):
            noun = "VM" if guest_kind == "vms" else "container"
            faults.append(
                Fault(
                    source.file,
                    key_path(source.key),
                    f"{noun} {guest!r} is placed on {name!r}, a {kind!r} ({where}); "
                    "only machines of kind 'nixos' can host guests",
                )
            )
        for hs in lab.services.get(name, []):
            faults.append(
                Fault(
                    hs.constellation.file,
                    key_path(("domains", hs.domain, "services", hs.name, "host")),
                    f"service {hs.name}.{hs.domain} (role {hs.service.role!r}) is placed on {name!r}, "
                    f"a {kind!r} ({where}); only machines of kind 'nixos' run roles",
                )
            )
        for hp in lab.placements.get(name, []):
            if hp.placement.host_config is not None:
                faults.append(
                    Fault(
                        hp.constellation.file,
                        key_path(("machines", hp.key, "hostConfig")),
                        f"{name!r} is a {kind!r} ({where}) and cannot run a NixOS configuration",
                    )
                )
    return faults


# -- ports -------------------------------------------------------------------------------------

ANY = "*"


@dataclass(frozen=True)
class PortClaim:
    """A role listening on proto/port at one address (`*` = every address of the machine)."""

    address: str
    proto: str
    port: int
    role: str
    source: Source


def _interface_address(lab: Lab, machine: str, interface: str) -> str | None:
    for if_name, iface in lab.cadaster.machines[machine].interfaces.items():
        if if_name == interface:
            return str(iface.ip)
        if interface in iface.aliases:
            return str(iface.aliases[interface].ip)
    return None


def port_claims(lab: Lab, machine: str, roles: list[str]) -> tuple[list[PortClaim], list[Fault]]:
    """The ports the roles of `machine` listen on, each resolved to an address."""
    claims: list[PortClaim] = []
    faults: list[Fault] = []
    declared = declared_roles(lab)
    for role in roles:
        if role not in declared:
            continue
        decl = declared[role]
        for i, spec in enumerate(decl.role.ports):
            source = Source(decl.source.file, (*decl.source.key, "ports", i))
            address = ANY
            if spec.interface is not None:
                found = _interface_address(lab, machine, spec.interface)
                if found is None:
                    have = [
                        n
                        for if_name, iface in lab.cadaster.machines[machine].interfaces.items()
                        for n in (if_name, *iface.aliases)
                    ]
                    faults.append(
                        Fault(
                            source.file,
                            key_path((*source.key, "interface")),
                            f"role {role!r} listens on interface {spec.interface!r}, which machine "
                            f"{machine!r} does not have in {lab.cadaster_file} "
                            f"(it has: {', '.join(have) or 'none'})",
                        )
                    )
                    continue
                address = found
            claims.append(PortClaim(address, spec.proto, spec.port, role, source))
    return claims, faults


def _overlap(a: str, b: str) -> bool:
    if a == ANY or b == ANY:
        return True
    return ipaddress.ip_address(a) == ipaddress.ip_address(b)


def check_ports(lab: Lab, machines: Machines) -> list[Fault]:
    """Two roles on one machine may not listen on the same protocol and port at the same address.

    A port bound to an interface listens on that interface's own IP only: a port on the alias
    `enp2s0_dns` (127.0.1.53) and the same port on `enp2s0` (127.0.1.2) do not collide; a port
    with no interface listens everywhere and collides with any other use of it.
    """
    faults: list[Fault] = []
    for name, entry in machines.items():
        claims, found = port_claims(lab, name, entry.config["roles"])
        faults.extend(found)
        by_port: dict[tuple[str, int], list[PortClaim]] = {}
        for claim in claims:
            by_port.setdefault((claim.proto, claim.port), []).append(claim)
        for (proto, port), group in by_port.items():
            for j, later in enumerate(group):
                for earlier in group[:j]:
                    if _overlap(earlier.address, later.address):
                        faults.append(
                            Fault(
                                later.source.file,
                                key_path(later.source.key),
                                f"{proto}/{port} on {name!r} at {_where(later.address)} (role "
                                f"{later.role!r}) collides with {earlier.source.at(())} (role "
                                f"{earlier.role!r}, at {_where(earlier.address)})",
                            )
                        )
                        break
    return faults


def _where(address: str) -> str:
    return "every address" if address == ANY else address


# -- filesystems -------------------------------------------------------------------------------


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else path


def check_filesystems(lab: Lab, machines: Machines) -> list[Fault]:
    """No two roles on a machine mount or export the same path; no disk is given to two guests."""
    faults: list[Fault] = []
    declared = declared_roles(lab)
    for name, entry in machines.items():
        seen: dict[str, tuple[str, str, Source]] = {}
        for role in entry.config["roles"]:
            if role not in declared:
                continue
            decl = declared[role]
            uses = [("mounts", i, p) for i, p in enumerate(decl.role.mounts)] + [
                ("exports", i, e.path) for i, e in enumerate(decl.role.exports)
            ]
            for what, i, path in uses:
                key = (*decl.source.key, what, i) if what == "mounts" else (*decl.source.key, what, i, "path")
                source = Source(decl.source.file, key)
                verb = "mounts" if what == "mounts" else "exports"
                other = seen.get(_norm(path))
                if other is not None and (other[0] != role or other[1] == verb):
                    faults.append(
                        Fault(
                            source.file,
                            key_path(source.key),
                            f"role {role!r} {verb} {path} on {name!r}, which role {other[0]!r} "
                            f"already {other[1]} ({other[2].at(())})",
                        )
                    )
                else:
                    seen.setdefault(_norm(path), (role, verb, source))
        disks: dict[str, Source] = {}
        for kind in ("vms", "containers"):
            for guest, spec in sorted(entry.config[kind].items()):
                base = entry.guests[(kind, guest)]
                for i, disk in enumerate(spec.get("disks", [])):
                    source = Source(base.file, (*base.key, "disks", i))
                    if disk in disks:
                        faults.append(
                            Fault(
                                source.file,
                                key_path(source.key),
                                f"disk {disk!r} on {name!r} is already given to {disks[disk].at(())}",
                            )
                        )
                    else:
                        disks[disk] = source
    return faults


# -- names and addresses across constellations -------------------------------------------------


def _service_names(lab: Lab) -> Iterator[tuple[str, str, Source, Any]]:
    for loaded in sorted(lab.constellations, key=lambda c: c.file):
        for domain_name, domain in loaded.model.domains.items():
            for name, service in domain.services.items():
                source = Source(loaded.file, ("domains", domain_name, "services", name))
                yield f"{name}.{domain_name}", domain_name, source, service


def check_names(lab: Lab, machines: Machines) -> list[Fault]:
    """DNS names and guests are claimed once across constellations and never shadow the cadaster.

    Faults: a service name (`www.example.lab`) given by two constellations to different hosts or
    roles; a domain given different settings by two constellations; a constellation domain equal
    to the canon domain, or a service name equal to a cadaster name; a VM or container name
    placed on two machines.
    """
    faults: list[Fault] = []
    canon = lab.cadaster.domain
    cadaster_names: dict[str, str] = {}
    for record in lab.cadaster.addresses():
        for dns_name in record.names:
            cadaster_names.setdefault(dns_name, f"{lab.cadaster_file}: {key_path(record.key)}")
    domains: dict[str, tuple[Source, Any]] = {}
    for loaded in sorted(lab.constellations, key=lambda c: c.file):
        for domain_name, domain in loaded.model.domains.items():
            source = Source(loaded.file, ("domains", domain_name))
            if domain_name == canon:
                faults.append(
                    Fault(
                        source.file,
                        key_path(source.key),
                        f"domain {domain_name!r} is the canon domain of {lab.cadaster_file}: "
                        "domain; the cadaster owns that zone, pick another domain",
                    )
                )
            settings = (domain.redirect_bare_to, domain.ttl)
            if domain_name in domains and domains[domain_name][1] != settings:
                other = domains[domain_name][0]
                faults.append(
                    Fault(
                        source.file,
                        key_path(source.key),
                        f"domain {domain_name!r} has other settings (redirect_bare_to, ttl) in "
                        f"{other.at(())}",
                    )
                )
            domains.setdefault(domain_name, (source, settings))
    services: dict[str, tuple[Source, Any]] = {}
    for fqdn, domain, source, service in _service_names(lab):
        try:
            check_dns_name_length(fqdn)
        except ValueError as exc:
            faults.append(Fault(source.file, key_path(source.key), str(exc)))
        if fqdn in cadaster_names:
            faults.append(
                Fault(
                    source.file,
                    key_path(source.key),
                    f"service name {fqdn!r} is already a cadaster name ({cadaster_names[fqdn]})",
                )
            )
        if fqdn in services:
            other, other_service = services[fqdn]
            name = fqdn.removesuffix(f".{domain}")
            where = [lab.service_host(domain, name, x.host) for x in (service, other_service)]
            same_host = len({lab.machine_name(host) for host in where}) == 1
            if not (same_host and other_service.role == service.role):
                faults.append(
                    Fault(
                        source.file,
                        key_path(source.key),
                        f"service name {fqdn!r} (role {service.role!r} on {service.host!r}) is already "
                        f"claimed by {other.at(())} (role {other_service.role!r} on {other_service.host!r})",
                    )
                )
        else:
            services[fqdn] = (source, service)
    guests: dict[str, tuple[str, Source]] = {}
    for name, entry in machines.items():
        for (_kind, guest), source in sorted(entry.guests.items()):
            if guest in guests and guests[guest][0] != name:
                faults.append(
                    Fault(
                        source.file,
                        key_path(source.key),
                        f"guest {guest!r} on {name!r} is also placed on {guests[guest][0]!r} "
                        f"({guests[guest][1].at(())}); a guest name is one host name",
                    )
                )
            guests.setdefault(guest, (name, source))
    return faults


CHECKS: tuple[Check, ...] = (
    check_role_declarations,
    check_kinds,
    check_resources,
    check_ports,
    check_filesystems,
    check_names,
)
