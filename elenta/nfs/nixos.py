"""The NFS subsystem's part of a NixOS machine's module: the NFS server with the rendered exports.

`nfs_server_options(lab, "nancy")` -> `[Contribution(<the machine's roles>, {"services": {"nfs":
{"server": {"enable": True, "exports": "…"}}}})]` on a machine whose roles export, `[]` elsewhere.
"""

from __future__ import annotations

from elenta.compile.machines import compiled_machines, machine_sources
from elenta.compile.memo import once_per_lab
from elenta.compile.merge import Contribution, Source
from elenta.model.lab import Lab
from elenta.nfs.render import exports_text, nfs_hosts


def nfs_server_options(lab: Lab, machine: str) -> list[Contribution]:
    """`services.nfs.server` on an NFS machine (`createMountPoints` when its data asks for it)."""
    if machine not in once_per_lab(lab, "nfs:hosts", lambda: frozenset(nfs_hosts(lab))):
        return []
    server = {"enable": True, "exports": exports_text(lab, machine)}
    entry = compiled_machines(lab).machines.get(machine)
    if entry is not None and entry.config["data"].get("elenta_nfs_create_dirs"):
        server["createMountPoints"] = True
    _, placed = machine_sources(lab, machine)
    where = Source(placed.file, (*placed.key, "roles"), "servers of the machine's roles")
    return [Contribution(where, {"services": {"nfs": {"server": server}}})]
