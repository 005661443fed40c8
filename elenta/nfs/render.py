"""NFS exports from constellation roles: `/etc/exports` text and the NixOS `services.nfs.server.exports` form.

A role declares `exports = [{path, clients, options}]`; each client is a canon or machine name
(its address in the cadaster), a network name (its CIDR) or `*`. Every machine carrying the role
exports them. `exports_text(lab, "nancy")` renders one host's file; the plan gets both forms per
NFS host through the nfs subsystem (`elenta.nfs.subsystem`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from elenta.compile.artifacts import Artifact
from elenta.compile.nix_text import nix_string
from elenta.compile.source import lab_relative
from elenta.model.constellation import Export
from elenta.model.errors import Fault, FaultCollector, ModelError, key_path
from elenta.model.lab import Lab, LoadedConstellation
from elenta.nfs.options import check_options, normalise, option_name
from elenta.nfs.table import WORLD, ExportEntry, parse_exports, render_line

DEFAULT_PATH = "/etc/exports.d/elenta.exports"


@dataclass(frozen=True)
class DeclaredEntry:
    """One export to one client, with the constellation file and key path that declared it."""

    entry: ExportEntry
    file: str
    key: tuple[str | int, ...]

    def where(self) -> str:
        return f"{self.file}: {key_path(self.key)}"


def _role_declarations(lab: Lab, role: str) -> Iterator[tuple[LoadedConstellation, list[Export]]]:
    for loaded in lab.constellations:
        declared = loaded.model.roles.get(role)
        if declared is not None and declared.exports:
            yield loaded, declared.exports


def nfs_hosts(lab: Lab) -> list[str]:
    """Machines carrying a role with `nfs = true` or with exports, in cadaster order: `["nancy"]`.

    A host whose NFS role exports nothing gets an empty file, which unexports what elenta exported.
    """
    return [m for m in lab.cadaster.machines if any(_is_nfs_role(lab, r) for r in lab.roles_of(m))]


def _is_nfs_role(lab: Lab, role: str) -> bool:
    return any(
        loaded.model.roles[role].nfs or loaded.model.roles[role].exports
        for loaded in lab.constellations
        if role in loaded.model.roles
    )


def _host_roles_with_exports(lab: Lab, machine: str) -> Iterator[str]:
    for role in lab.roles_of(machine):
        if any(_role_declarations(lab, role)):
            yield role


def resolve_client(lab: Lab, name: str) -> str:
    """The exports(5) client a constellation name stands for.

    `resolve_client(lab, "lab") == "127.0.1.0/24"` (a network), `resolve_client(lab, "toto.canon")
    == "127.0.1.2"`, `resolve_client(lab, "*") == "*"`. Raises KeyError for an unknown name.
    """
    return resolve_clients(lab, name)[0]


def resolve_clients(lab: Lab, name: str) -> list[str]:
    """Every exports(5) client a name stands for, IPv4 first then IPv6 (dual stack).

    `resolve_clients(lab, "lab") == ["127.0.1.0/24", "fd00:1::/64"]` when the network has a
    `prefix6`; a machine gives its address and, when its interface has one, its IPv6 address.
    """
    if name == WORLD:
        return [WORLD]
    cad = lab.cadaster
    if name in cad.networks:
        return [str(cidr) for cidr in cad.networks[name].cidrs()]
    ip = cad.address(name)
    out = [str(ip)]
    for iface in cad.machines[cad.resolve(name).machine].interfaces.values():
        ip6 = iface.address6(cad.networks.get(iface.network)) if iface.ip == ip else None
        if ip6 is not None:
            out.append(str(ip6))
    return out


def _check_path(path: str) -> str | None:
    if not path.startswith("/"):
        return f"export path {path!r} must be absolute"
    if posixpath.normpath(path) != path and path != "/":
        return f"export path {path!r} is not normalised (write {posixpath.normpath(path)!r})"
    if any(c in path for c in "\"'\\") or any(not c.isprintable() for c in path):
        return f"export path {path!r} holds a quote, a backslash or a control character"
    return None


def declared_entries(lab: Lab, machine: str) -> list[DeclaredEntry]:
    """Every (path, client, options) a machine exports, checked; raises ModelError naming file and key.

    Checks: absolute paths, known options without contradictions, at least one client, clients
    that resolve, and no client given one path twice with different options (both sides named).
    `declared_entries(lab, "nancy")[0].entry == ExportEntry("/srv/media", "127.0.1.4", ("ro", …))`
    """
    faults: list[Fault] = []
    out: list[DeclaredEntry] = []
    for role in _host_roles_with_exports(lab, machine):
        for loaded, exports in _role_declarations(lab, role):
            collector = FaultCollector(loaded.file)
            for i, export in enumerate(exports):
                base: tuple[str | int, ...] = ("roles", role, "exports", i)
                problem = _check_path(export.path)
                if problem:
                    collector.add((*base, "path"), problem)
                for fault in check_options(list(export.options)):
                    collector.add((*base, "options"), fault)
                if not export.clients:
                    collector.add(
                        (*base, "clients"),
                        "no clients: an export line without clients is open to the world; "
                        "name machines, networks, or '*' explicitly",
                    )
                for j, name in enumerate(export.clients):
                    try:
                        clients = resolve_clients(lab, name)
                    except KeyError as exc:
                        collector.add((*base, "clients", j), exc.args[0])
                        continue
                    for client in clients:
                        entry = ExportEntry(export.path, client, tuple(export.options))
                        out.append(DeclaredEntry(entry, loaded.file, (*base, "clients", j)))
            faults.extend(collector.faults)
    if faults:
        raise ModelError(faults)
    _check_conflicts(machine, out)
    return out


# Options that describe the exported filesystem rather than one client's access: every client of
# a path must agree on them.
PATH_WIDE = ("fsid", "mountpoint", "mp", "refer", "replicas")


def _check_conflicts(machine: str, entries: Iterable[DeclaredEntry]) -> None:
    faults: dict[tuple[str, str], Fault] = {}

    def add(declared: DeclaredEntry, key: tuple[str | int, ...], message: str) -> None:
        fault = Fault(declared.file, key_path(key), f"on {machine}, {message}")
        faults.setdefault((fault.file, fault.key), fault)

    first: dict[tuple[str, str], DeclaredEntry] = {}
    fsids: dict[str, DeclaredEntry] = {}
    path_wide: dict[str, DeclaredEntry] = {}
    for declared in entries:
        entry = declared.entry
        options_key = (*declared.key[:-2], "options")
        other = first.setdefault((entry.path, entry.client), declared)
        if other is not declared and normalise(list(other.entry.options)) != normalise(list(entry.options)):
            add(
                declared,
                declared.key,
                f"{entry.path} is exported to {entry.client} with options "
                f"{_options(entry)} here and {_options(other.entry)} at {other.where()}",
            )
        for option in entry.options:
            if option_name(option) == "fsid":
                seen = fsids.setdefault(option, declared)
                if seen.entry.path != entry.path:
                    message = f"{option} is given to {entry.path} here and to {seen.entry.path}"
                    add(declared, options_key, f"{message} at {seen.where()}")
        mine = _path_wide(entry)
        head = path_wide.setdefault(entry.path, declared)
        theirs = _path_wide(head.entry)
        if theirs != mine:
            add(
                declared,
                options_key,
                f"{entry.path} has {','.join(mine) or 'no ' + '/'.join(PATH_WIDE)} here and "
                f"{','.join(theirs) or 'none of them'} at {head.where()}; these options describe the "
                "exported filesystem and must agree for every client",
            )
    if faults:
        raise ModelError(list(faults.values()))


def _path_wide(entry: ExportEntry) -> tuple[str, ...]:
    return tuple(sorted(o for o in entry.options if option_name(o) in PATH_WIDE))


def _options(entry: ExportEntry) -> str:
    return ",".join(entry.options) or "(none)"


def render_exports(entries: Iterable[ExportEntry], header: str = "") -> str:
    """exports(5) text: one line per path, clients in declaration order, repeats dropped.

    `render_exports([ExportEntry("/srv", "127.0.1.4", ("ro",))]) == "/srv 127.0.1.4(ro)\\n"`;
    raises ValueError if the result would not read back without faults.
    """
    by_path: dict[str, dict[str, tuple[str, ...]]] = {}
    for entry in entries:
        by_path.setdefault(entry.path, {}).setdefault(entry.client, entry.options)
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [render_line(path, clients.items()) for path, clients in by_path.items()]
    text = "\n".join(lines) + "\n" if lines else ""
    faults = parse_exports(text).faults
    if faults:
        raise ValueError(
            "rendered exports do not read back: " + "; ".join(f"line {n}: {m}" for n, m in faults)
        )
    return text


def exports_text(lab: Lab, machine: str) -> str:
    """The exports file of one machine: `exports_text(lab, "nancy")`; raises ModelError on a fault."""
    declared = declared_entries(lab, machine)
    files = sorted({lab_relative(lab, d.file) for d in declared})
    header = f"Written by elenta for {lab.canon(machine)} from {', '.join(files)}. Do not edit."
    return render_exports((d.entry for d in declared), header=header)


def nixos_exports(text: str) -> str:
    """A NixOS module setting `services.nfs.server.exports` to an exports text.

    `nixos_exports(exports_text(lab, "nancy"))` -> `"{ services.nfs.server.exports = ''…''; }\\n"`
    """
    return f"{{\n  services.nfs.server.exports = {nix_string(text)};\n}}\n"


def nfs_artifacts(lab: Lab) -> Iterator[Artifact]:
    """Per NFS host, `nfs/<machine>/exports` and `nfs/<machine>/exports.nix`."""
    for machine in nfs_hosts(lab):
        text = exports_text(lab, machine)
        yield Artifact("nfs", machine, f"nfs/{machine}/exports", text.encode())
        yield Artifact("nfs", machine, f"nfs/{machine}/exports.nix", nixos_exports(text).encode())
