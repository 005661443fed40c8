"""The NFS subsystem's deploy: the exports of every role a host carries, installed and loaded.

Host data read (all optional but `elenta_lab`/`elenta_machine`, which the inventory sets):
`elenta_nfs_exports_path` (default `/etc/exports.d/elenta.exports`), `elenta_nfs_check`
(default true: check the file with the host's exportfs in a private namespace first),
`elenta_nfs_create_dirs` (default false: create exported directories that are missing). Each may
also come from the machine's placement `data` in the constellation (`elenta_data`).
"""

from __future__ import annotations

from typing import Any

from pyinfra import host
from pyinfra.api import deploy

from elenta.deploys._settings import setting, truthy
from elenta.model.lab import load_lab
from elenta.nfs.render import exports_text
from elenta.operations import nfs as nfs_ops


def wanted(host: Any) -> bool:
    """True for hosts whose roles ask for NFS: `"nfs" in host.data.elenta_subsystems`, or a role
    of `host.data.elenta_roles` that declares exports without `nfs = true`."""
    if "nfs" in (host.data.get("elenta_subsystems") or ()):
        return True
    roles = set(host.data.get("elenta_roles") or ())
    for constellation in (host.data.get("elenta_constellations") or {}).values():
        declared = constellation.get("roles") or {}
        if any((declared.get(role) or {}).get("exports") for role in roles):
            return True
    return False


@deploy("NFS exports")
def apply() -> None:
    """Render this host's exports from the lab, install them and run `exportfs -ra` when needed."""
    lab = load_lab(host.data.get("elenta_lab"))
    machine = host.data.get("elenta_machine")
    nfs_ops.exports(
        name="Install and load NFS exports",
        content=exports_text(lab, machine),
        path=setting("elenta_nfs_exports_path") or nfs_ops.DEFAULT_PATH,
        check=truthy(setting("elenta_nfs_check"), True),
        create_directories=truthy(setting("elenta_nfs_create_dirs"), False),
    )
