"""The nfs subsystem: NFS exports for the machines whose roles declare them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem, role_asks

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Nfs(Subsystem):
    """NFS exports for the machines whose roles declare them (`nfs = true` on a role)."""

    name = "nfs"
    order = 40
    deploy = "elenta.deploys.nfs"
    tasks = "elenta.tasks.nfs"

    def wants(self, lab: Lab, machine: str) -> bool:
        return role_asks(lab, machine, "nfs")

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.nfs.render import nfs_artifacts

        return nfs_artifacts(lab)


subsystem = Nfs()
